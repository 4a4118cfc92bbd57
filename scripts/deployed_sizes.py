"""Print what each built function and layer weighs unzipped, and check the
target: the layer plus the largest function under 150 MB (Lambda's hard limit
is 250 MB for a function with its layers).

    python scripts/deployed_sizes.py .aws-sam/build
"""

from __future__ import annotations

import sys
from pathlib import Path

TARGET_MB = 150
LAMBDA_LIMIT_MB = 250
FORBIDDEN = ("sklearn", "scipy", "xgboost", "optuna", "vl_convert", "moto")


def size_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def main(build_dir: str) -> int:
    build = Path(build_dir)
    layers = {p.name: size_mb(p) for p in build.iterdir() if p.is_dir() and p.name.endswith("Layer")}
    functions = {p.name: size_mb(p) for p in build.iterdir()
                 if p.is_dir() and p.name.endswith("Function")}
    if not layers or not functions:
        print(f"no built layer or function under {build}: run sam build first", file=sys.stderr)
        return 2
    for name, mb in sorted({**layers, **functions}.items()):
        print(f"{name:<28} {mb:8.1f} MB unzipped")
    total = sum(layers.values()) + max(functions.values())
    print(f"{'layers + largest function':<28} {total:8.1f} MB (target < {TARGET_MB} MB, "
          f"Lambda limit {LAMBDA_LIMIT_MB} MB)")
    shipped = [p for layer in layers for p in (build / layer / "python").iterdir()]
    heavy = sorted(p.name for p in shipped if p.name.split("-")[0] in FORBIDDEN)
    if heavy:
        print(f"the layer ships packages that belong to the local engine only: {heavy}", file=sys.stderr)
        return 1
    return 0 if total < TARGET_MB else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else ".aws-sam/build"))
