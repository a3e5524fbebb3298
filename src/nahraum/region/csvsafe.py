"""Cells of every CSV the platform hands out, made safe to open in a spreadsheet (CSV injection).

A spreadsheet program runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula
(``=HYPERLINK(…)`` sends the reader to an attacker's site, DDE formulas run programs), and a
leading TAB or CR can hide such a start. Titles, answers and names in our exports are written by
the public, so every CSV export (survey answers, the strategy tree, the command line's copy of
it) passes its cells through :func:`csv_safe`: OWASP's rule, a leading apostrophe, which the
spreadsheet shows as text and does not evaluate. Numbers stay numbers: an ``int``/``float`` (a
negative progress, a budget) and a string that is a plain number (``-3.5``) are left as they are,
since a spreadsheet reads them as the number and nothing runs.

Why in ``region``: it is the lowest Django app, which every app with an export may import
(``tests/test_architecture.py``); the module itself needs no Django.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

#: The first characters that make a spreadsheet evaluate a cell (OWASP, "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def csv_safe(value: Any) -> Any:
    """The cell as it may go into a CSV file: formulas turned into text, numbers unchanged.

    ``None``, booleans and numbers are returned as they are (the CSV writer writes them as
    usual); anything else is written as its text, with an apostrophe in front if it would start
    a formula and is not a plain number.
    """
    if value is None or isinstance(value, int | float | Decimal):
        return value
    text = str(value)
    if text.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def safe_row(values: Iterable[Any]) -> list[Any]:
    """A row (list) with every cell through :func:`csv_safe`, for ``csv.writer``."""
    return [csv_safe(v) for v in values]


def safe_dict(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row (mapping) with every cell through :func:`csv_safe`, for ``csv.DictWriter``."""
    return {key: csv_safe(v) for key, v in row.items()}
