"""CSV injection: the one rule for every CSV the pipeline writes (trials.csv and the report's download).

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some, a tab
or a carriage return) as a formula. Categorical values, failure reasons and other strings
in the trials come from whoever ran the job, so such a cell is neutralised as OWASP's
CSV-injection guidance says: a single quote before it (the spreadsheet shows the text; a
reader of the file sees the quote). A cell that is a plain number (``-0.25``, ``-1e-05``,
``+3``) is left alone: a negative number stays a number. The JSON keeps the exact values.

The rule works on a cell's text, so the report page's script applies the same rule to the
same texts: ``NEUTRALISE_CSV_TEXT_JS`` is its JavaScript twin (tests/browser run both on
the same cases).
"""

from __future__ import annotations

import re

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# A decimal number as a spreadsheet reads it (ASCII digits only, as JavaScript's \d).
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def neutralise_csv_text(text: str) -> str:
    """The cell's text, with a leading ``'`` if a spreadsheet would run it as a formula."""
    if text.startswith(FORMULA_TRIGGERS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


NEUTRALISE_CSV_TEXT_JS = r"""
function neutraliseCsvText(text) {
  return /^[=+\-@\t\r]/.test(text) && !/^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/.test(text)
    ? "'" + text : text;
}
"""
