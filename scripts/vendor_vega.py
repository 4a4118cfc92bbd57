"""Write the Vega, Vega-Lite and Vega-Embed scripts the report inlines (run once; commit the output).

The report must render with no network, and vl-convert-python (~84 MB) is too
big for the Lambda layer, so its ``javascript_bundle()`` is used here, at
development time, to produce one self-contained script under
``layers/common/amt_pipeline/report/assets/``.

    .venv/bin/python scripts/vendor_vega.py            # write the assets
    .venv/bin/python scripts/vendor_vega.py --check    # exit 1 if they are stale
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import altair as alt
import vl_convert

ASSETS = Path(__file__).resolve().parents[1] / "layers/common/amt_pipeline/report/assets"
BUNDLE = "vega-bundle.min.js"
MANIFEST = "vega-versions.json"


def vega_lite_minor() -> str:
    """The Vega-Lite version Altair writes specs for, as vl-convert names it ('v6.4')."""
    major, minor, *_ = alt.SCHEMA_VERSION.lstrip("v").split(".")
    wanted = f"{major}.{minor}"
    available = vl_convert.get_vegalite_versions()
    if wanted not in available:
        raise SystemExit(f"vl-convert {vl_convert.__version__} has no Vega-Lite {wanted}: {available}")
    return f"v{wanted}"


def build() -> tuple[str, dict[str, str]]:
    version = vega_lite_minor()
    bundle = vl_convert.javascript_bundle(vl_version=version)
    # The bundle is inlined into a <script> element: it must not close it.
    if "</script" in bundle.lower():
        bundle = bundle.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT")
    manifest = {
        "vega": vl_convert.get_vega_version(),
        "vega-lite": version.lstrip("v"),
        "vega-embed": vl_convert.get_vega_embed_version(),
        "altair-schema": alt.SCHEMA_VERSION,
        "vl-convert-python": vl_convert.__version__,
        "sha256": hashlib.sha256(bundle.encode()).hexdigest(),
        "bytes": str(len(bundle.encode())),
    }
    return bundle, manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed assets")
    args = parser.parse_args(argv)
    bundle, manifest = build()
    manifest_text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    if args.check:
        current = (ASSETS / MANIFEST).read_text() if (ASSETS / MANIFEST).exists() else ""
        if current != manifest_text:
            print("report assets are stale: run scripts/vendor_vega.py", file=sys.stderr)
            return 1
        print("report assets are up to date")
        return 0
    ASSETS.mkdir(parents=True, exist_ok=True)
    (ASSETS / BUNDLE).write_text(bundle, encoding="utf-8")
    (ASSETS / MANIFEST).write_text(manifest_text, encoding="utf-8")
    print(f"wrote {ASSETS / BUNDLE} ({len(bundle.encode()):,} bytes) and {MANIFEST}: {manifest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
