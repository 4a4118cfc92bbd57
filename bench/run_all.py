"""Run every benchmark in bench/ one after the other, streaming their output.

Each runs in its own process with this interpreter, from the repository's root. `make bench` runs this.

    .venv/bin/python bench/run_all.py [--quick]

--quick skips bench_quality (5 seeds x 2 strategies x 50 trials: the slow one). Exits non-zero if
any benchmark failed (the others still run).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
# In this order: the engine alone, its search quality, the whole pipeline, the report.
SCRIPTS = ["bench_engine.py", "bench_quality.py", "bench_local_run.py", "bench_report.py"]
SLOW = {"bench_quality.py"}


def run(script: str) -> tuple[int, float]:
    print(f"\n=== {script} ===", flush=True)
    started = time.perf_counter()
    # stdout and stderr stream straight to ours; cwd is the repository, as `make bench` runs it
    code = subprocess.call([sys.executable, str(BENCH / script)], cwd=ROOT)
    return code, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the slow quality benchmark")
    args = parser.parse_args(argv)
    missing = [s for s in SCRIPTS if not (BENCH / s).is_file()]
    others = sorted(p.name for p in BENCH.glob("bench_*.py") if p.name not in SCRIPTS)
    scripts = [s for s in SCRIPTS + others if s not in missing and not (args.quick and s in SLOW)]
    results = []
    for script in scripts:
        try:
            results.append((script, *run(script)))
        except KeyboardInterrupt:
            print(f"\ninterrupted during {script}", file=sys.stderr)
            return 130
    print("\n=== summary ===")
    for script, code, seconds in results:
        print(f"{script:24s} {'ok' if code == 0 else f'FAILED (exit {code})':18s} {seconds:7.1f} s")
    for script in missing:
        print(f"{script:24s} missing")
    if args.quick:
        print(f"skipped (--quick): {', '.join(sorted(SLOW))}")
    return 0 if all(code == 0 for _, code, _ in results) and not missing else 1


if __name__ == "__main__":
    sys.exit(main())
