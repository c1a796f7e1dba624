"""Text from the database, the config or the KLE file goes into a spreadsheet as text, never as a
formula or an error value.

openpyxl turns a ``str`` that starts with ``=`` into a formula cell (``data_type 'f'``) and one of
Excel's error literals (``#REF!`` …) into an error cell: a unit or task name, an imported Enhed or
Datakilde or an answer could then run as a formula (``=HYPERLINK(…)``, DDE) when the coordinator
opens the file. :func:`plain_sheet` turns such cells of the report's workbook back into text; the
export's workbook (``exports.xlsx_stream``) can only write text as shared strings. ``+``, ``-``,
``@``, tab and CR leads are already strings in an ``.xlsx``; for CSV, which a spreadsheet parses
on opening, :func:`csv_text` neutralises them.
"""

from __future__ import annotations

CSV_FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


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
