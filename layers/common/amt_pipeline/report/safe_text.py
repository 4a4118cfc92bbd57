"""Job-supplied text in the report page: what a reader sees is what the job said, and it fits the page.

Categorical values, failure reasons and the like come from whoever ran the job. In a
table cell such a string is

* shown with every Unicode bidirectional control (U+202E RIGHT-TO-LEFT OVERRIDE and its
  kin) replaced by a visible ``[U+202E]``, so that ``report\\u202Efdp.exe`` cannot pass for
  ``reportexe.pdf``, and isolated in ``<bdi>`` so that right-to-left text cannot reorder
  the cells around it;
* cut at ``limit`` characters with an ellipsis, the whole text (controls made visible too)
  in the element's tooltip (``title``); the downloads (trials.csv / trials.json) keep it
  exactly. The page's CSS (``CELL_STYLE``) lets long words wrap, so no cell widens the page.
"""

from __future__ import annotations

import html
import re
from typing import Any

LIMIT = 200
ELLIPSIS = "\u2026"
# ALM, LRM, RLM, LRE/RLE/PDF/LRO/RLO, LRI/RLI/FSI/PDI: every control of the bidirectional algorithm.
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
CELL_STYLE = "td,th{overflow-wrap:anywhere}bdi[title]{cursor:help}"


def visible_controls(text: str) -> str:
    """The text with each bidirectional control written out as ``[U+XXXX]``."""
    return BIDI_CONTROLS.sub(lambda m: f"[U+{ord(m.group()):04X}]", text)


def cell_html(value: Any, limit: int = LIMIT) -> str:
    """HTML for a table cell's job-supplied text: isolated, controls visible, cut with the rest in a tooltip."""
    text = visible_controls("" if value is None else str(value))
    if len(text) <= limit:
        return f"<bdi>{html.escape(text)}</bdi>"
    return f"<bdi title='{html.escape(text, quote=True)}'>{html.escape(text[:limit])}{ELLIPSIS}</bdi>"
