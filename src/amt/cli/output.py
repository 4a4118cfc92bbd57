"""Where a command's output goes: text for people, or one JSON document for scripts.

With ``--json``, stdout holds exactly one JSON document and every message goes
to stderr. Colour only on a terminal, and never when ``NO_COLOR`` is set.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, TextIO

COLOURS = {"green": "32", "red": "31", "yellow": "33", "bold": "1", "dim": "2"}
STATUS_COLOURS = {"SUCCEEDED": "green", "Completed": "green", "FAILED": "red", "Failed": "red",
                  "TIMED_OUT": "red", "ABORTED": "yellow", "Stopped": "yellow", "Stopping": "yellow",
                  "RUNNING": "bold", "InProgress": "bold"}


def is_terminal(stream: TextIO) -> bool:
    return bool(getattr(stream, "isatty", lambda: False)())


def colour_enabled(stream: TextIO) -> bool:
    """https://no-color.org: NO_COLOR set to anything non-empty turns colour off."""
    return is_terminal(stream) and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


class Output:
    def __init__(self, json_output: bool = False):
        self.json = json_output

    @property
    def text_stream(self) -> TextIO:
        """Messages: stdout for people, stderr when stdout belongs to the JSON document."""
        return sys.stderr if self.json else sys.stdout

    def say(self, text: str = "") -> None:
        print(text, file=self.text_stream)

    def warn(self, text: str) -> None:
        print(text, file=sys.stderr)

    def document(self, value: Any) -> None:
        """The one JSON document of a --json command."""
        if self.json:
            print(json.dumps(value, indent=2, default=str))

    def paint(self, text: str, colour: str | None) -> str:
        if colour is None or not colour_enabled(self.text_stream):
            return text
        return f"\033[{COLOURS[colour]}m{text}\033[0m"

    def status(self, status: str | None) -> str:
        return self.paint(status or "-", STATUS_COLOURS.get(status or ""))
