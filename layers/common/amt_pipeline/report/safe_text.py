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
LONG_WORD = 24  # characters: a job-supplied word longer than this may wrap anywhere (bdi.long)
# Words stay whole in the tables (numbers and statuses never wrap: td.num, td.word); only a long
# job-supplied word wraps anywhere, so it cannot widen the page; free text wraps as it must.
CELL_STYLE = ("td,th{overflow-wrap:break-word}bdi.long,h1,p,li,dd,label{overflow-wrap:anywhere}"
              "td.num,td.word{white-space:nowrap;overflow-wrap:normal}select{max-width:24rem}bdi[title]{cursor:help}")


# The same rule in the page's script, for the text Vega draws (labels, legends, tooltips).
VISIBLE_CONTROLS_JS = r"""
  function visibleControls(text) {
    return String(text).replace(/[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, function (c) {
      return "[U+" + c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0") + "]";
    });
  }
"""


def visible_controls(text: str) -> str:
    """The text with each bidirectional control written out as ``[U+XXXX]``."""
    return BIDI_CONTROLS.sub(lambda m: f"[U+{ord(m.group()):04X}]", text)


def text_html(value: Any) -> str:
    """The page's one rule for job-supplied text in markup: controls made visible, HTML-escaped."""
    return html.escape(visible_controls("" if value is None else str(value)), quote=True)


def cell_html(value: Any, limit: int = LIMIT) -> str:
    """HTML for a table cell's job-supplied text: isolated, controls visible, cut with the rest in a tooltip."""
    text = visible_controls("" if value is None else str(value))
    long = " class='long'" if max((len(w) for w in text.split()), default=0) > LONG_WORD else ""
    if len(text) <= limit:
        return f"<bdi{long}>{html.escape(text)}</bdi>"
    return f"<bdi{long} title='{html.escape(text, quote=True)}'>{html.escape(text[:limit])}{ELLIPSIS}</bdi>"
