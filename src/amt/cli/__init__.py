"""amt: validate and start tuning pipeline executions, follow, stop and clean up runs,
render reports, and run the whole pipeline locally with no AWS account."""

from __future__ import annotations

import argparse
import sys

from amt.cli import cleanup, jobs, link, local, pipeline, runs, watch
from amt.cli.errors import EXIT_CODES_HELP, run_command

# One module per command group; each adds its subcommands with register(commands, parents).
COMMAND_GROUPS = (pipeline, runs, watch, jobs, link, cleanup, local)


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("amt-pipeline")
    except PackageNotFoundError:
        return "unknown"


def _parents() -> dict[str, argparse.ArgumentParser]:
    """Options every subcommand shares (SUPPRESS: given before or after the command, both work)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show the traceback behind an error")
    json_output = argparse.ArgumentParser(add_help=False)
    json_output.add_argument("--json", action="store_true",
                             help="print one JSON document on stdout (messages go to stderr)")
    return {"common": common, "json": json_output}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="amt", description=__doc__, epilog=EXIT_CODES_HELP,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"amt {version()}")
    parser.add_argument("--debug", action="store_true", help="show the traceback behind an error")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    parents = _parents()
    for group in COMMAND_GROUPS:
        group.register(commands, parents)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run_command(args.func, args)


if __name__ == "__main__":
    sys.exit(main())
