"""Job-supplied text in the page (report/safe_text.py): isolated, bidirectional controls shown, long text cut."""

from __future__ import annotations

import html

from amt_pipeline.report.safe_text import BIDI_CONTROLS, LIMIT, cell_html, visible_controls


def test_every_bidirectional_control_is_shown_not_obeyed() -> None:
    controls = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    shown = visible_controls("a" + controls + "b")
    assert not BIDI_CONTROLS.search(shown)
    assert shown.startswith("a[U+061C][U+200E]") and shown.endswith("[U+2069]b")


def test_a_cell_is_escaped_and_isolated() -> None:
    assert cell_html("<b>x\u202ey") == "<bdi>&lt;b&gt;x[U+202E]y</bdi>"
    assert cell_html(None) == "<bdi></bdi>"


def test_long_text_is_cut_with_the_whole_in_the_tooltip() -> None:
    text = "'<" + "x" * 10_000
    cell = cell_html(text)
    assert len(cell) < 2 * len(text) and cell.endswith("\u2026</bdi>")
    title = cell.split("title='", 1)[1].split("'>", 1)[0]
    assert html.unescape(title) == text
    shown = cell.split("'>", 1)[1]
    assert len(html.unescape(shown.removesuffix("\u2026</bdi>"))) == LIMIT
