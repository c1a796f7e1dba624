"""Text from the database, the config or the KLE file goes into a spreadsheet as text, never as a
formula or an error value.

openpyxl turns a ``str`` that starts with ``=`` into a formula cell (``data_type 'f'``) and one of
Excel's error literals (``#REF!`` …) into an error cell: a unit or task name, an imported Enhed or
Datakilde or an answer could then run as a formula (``=HYPERLINK(…)``, DDE) when the coordinator
opens the file. These helpers write such values as plain string cells; everything else is left to
openpyxl as before. ``+``, ``-``, ``@``, tab and CR leads are already strings in an ``.xlsx``; for
CSV, which a spreadsheet parses on opening, :func:`csv_text` neutralises them.
"""

from __future__ import annotations

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES

_LEADS = frozenset("=#")
_ERRORS = frozenset(ERROR_CODES)
CSV_FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def needs_text_cell(value: object) -> bool:
    return (value.__class__ is str and value[:1] in _LEADS
            and (value[0] == "=" and len(value) > 1 or value in _ERRORS))


def text_cell(ws, value: str) -> WriteOnlyCell:
    """A write-only cell that holds ``value`` as a string, whatever it starts with."""
    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"
    return cell


def plain_row(ws, values: list) -> list:
    """``values`` for ``ws.append`` in write-only mode, formula-like strings as string cells.

    A fresh cell per such value: openpyxl reuses an unstyled cell object for the next value of
    the row, so a shared one would be overwritten."""
    return [text_cell(ws, v) if needs_text_cell(v) else v for v in values]


class TextCells(dict):
    """``safe[value]``: ``value`` itself, or a text cell when it would be read as a formula or
    an error. A dict, so the hot loop pays one lookup per value; each distinct value is checked
    once. The cells carry the Text number format ("@"), which also makes openpyxl give the next
    value of the row a fresh cell, so one cell object can be reused row after row."""

    def __init__(self, ws):
        super().__init__()
        self.ws = ws

    def __missing__(self, value):
        if needs_text_cell(value):
            cell = text_cell(self.ws, value)
            cell.number_format = "@"
            self[value] = cell
            return cell
        self[value] = value
        return value


def plain_sheet(ws) -> None:
    """A normal (not write-only) sheet: every cell openpyxl read as formula or error becomes text."""
    for row in ws.iter_rows():
        for cell in row:
            if cell.data_type in ("f", "e") and isinstance(cell.value, str):
                cell.data_type = "s"


def csv_text(value: str) -> str:
    """A text field for a CSV file a spreadsheet will open: a leading ``=``, ``+``, ``-``, ``@``,
    tab or CR gets an apostrophe in front, so it is shown as text, not evaluated (OWASP's advice
    for CSV injection)."""
    return "'" + value if value.startswith(CSV_FORMULA_LEADS) else value
