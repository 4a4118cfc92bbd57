"""`amt`: validate and start executions, render reports, run the pipeline locally."""

from __future__ import annotations

import argparse
import sys


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="amt", description=__doc__)
    parser.add_subparsers(dest="command", required=True)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    print(args, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
