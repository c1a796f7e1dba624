"""The report's files: ``tabel1.csv``, ``rapport.xlsx`` and ``kvadrant.png``.

Each file is rendered to bytes first, so a failure leaves nothing on disk; then all three are
written through ``exports.safe_write`` (hidden temporary file, fsync, rename or hard link), and an
existing file is only replaced with ``overwrite``.
"""

from __future__ import annotations

import csv
import io
import math
import textwrap
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from .analysis import MIXED, TABLE1_COLUMNS, Report, rounded_table1
from .cells import csv_text, plain_sheet
from .definitions import DEFINITIONS
from .report_folder import (  # noqa: F401 - FILE_NAMES and check_folder re-exported for callers
    CSV_NAME, FILE_NAMES, PNG_NAME, XLSX_NAME, check_folder,
)
from .safe_write import SafeFile
from storage.wording import plural


_INTEGER = {"Antal dage", "Analoge transaktioner", "Digitale transaktioner",
            "Informationshenvendelser"}
_ONE_DECIMAL = {"Selvbetjeningsgrad"}
_DATES = {"Startdato", "Slutdato", "Dag"}


# -- tabel1.csv -------------------------------------------------------------------------------

def _cell(column: str, value: object) -> str:
    if column == "Faktor" and (value is None or (isinstance(value, float) and math.isnan(value))):
        return MIXED  # the task's units have different factors (listed in Definitioner)
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return ""
    if column in _DATES:
        return f"{value:%d-%m-%Y}"
    if column in _INTEGER:
        return str(int(value))
    if column in _ONE_DECIMAL:
        return f"{float(value):.1f}".replace(".", ",")
    if isinstance(value, (int, float, np.integer, np.floating)):
        return f"{float(value):.2f}".replace(".", ",")
    return csv_text(str(value))  # a task name like "=1+1" or "@SUM(…)" stays text in Excel


def table1_csv(t1: pd.DataFrame) -> bytes:
    """``;``-separated, UTF-8 with BOM (Excel reads the æøå right), decimal comma, dates
    ``dd-mm-yyyy``, yearly figures and factor to 2 decimals, the rate to 1, ``\\n`` line ends."""
    shown = rounded_table1(t1)[TABLE1_COLUMNS]
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";", lineterminator="\n")
    writer.writerow(TABLE1_COLUMNS)
    for row in shown.itertuples(index=False):  # one row per task, not per registration
        writer.writerow([_cell(col, value) for col, value in zip(TABLE1_COLUMNS, row)])
    return text.getvalue().encode("utf-8-sig")


# -- rapport.xlsx -----------------------------------------------------------------------------

_WHOLE = "#,##0"  # whole numbers with a thousands separator
_TWO = "#,##0.00"
_HEADER_LINE_PT = 15  # row height per wrapped header line, so a header never covers a value
_MEASURE_FORMATS = {"Antal": "#,##0", "Andel (%)": "0.0", "Årlig omkostning (kr.)": "#,##0.00"}


def _format_for(column: str, dtype) -> str | None:
    if column in _DATES:
        return "dd-mm-yyyy"
    if column.startswith("Selvbetjeningsgrad") or "(%)" in column:
        return "0.0"
    if "(kr.)" in column:
        return _TWO
    if pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        return _WHOLE
    if pd.api.types.is_float_dtype(dtype):
        return _TWO
    return None


def _excel_value(value: object) -> object:
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, str) or isinstance(value, date):
        return value
    if pd.isna(value):
        return None
    return value


def _round_for_sheet(frame: pd.DataFrame) -> pd.DataFrame:
    """Shares and rates to 1 decimal, other floats to 2 (no 0.30000000000000004 in a cell)."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col].dtype):
            places = 1 if (col.startswith("Selvbetjeningsgrad") or "(%)" in col) else 2
            out[col] = out[col].round(places)
    return out


def _visible(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[[c for c in frame.columns if not c.startswith("_")]]


def _shown_width(value: object, fmt: str | None) -> int:
    if isinstance(value, (int, float, np.integer, np.floating)) and not pd.isna(value):
        return len(f"{float(value):,.2f}") if fmt in (_TWO, "0.0") else len(f"{int(value):,}")
    if isinstance(value, (pd.Timestamp, date)):
        return 10
    return len(str(value)) if value is not None and not pd.isna(value) else 0


def _header_text(text: str) -> str:
    """Page header text: ``&`` starts a code there, so a kommune name's ``&`` is doubled; the
    whole header section is at most 255 characters."""
    return text.replace("&", "&&")[:80]


def _print_setup(ws, report: Report, title_rows: str) -> None:
    """Landscape A4, fit to one page wide, header rows repeated on every page, the municipality,
    the sheet and the selection in the page header, page numbers in the footer."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = title_rows
    ws.print_options.gridLines = False
    ws.oddHeader.left.text = _header_text(report.kommune)
    ws.oddHeader.center.text = _header_text(ws.title)
    ws.oddHeader.right.text = _header_text(_selection_text(report))
    ws.oddFooter.right.text = "Side &P af &N"
    # The page header sits in the top margin: room for it above the repeated header rows.
    ws.page_margins.top = ws.page_margins.bottom = 0.9
    ws.page_margins.header = ws.page_margins.footer = 0.35


def selection_days(report: Report) -> str:
    """``2026-W43 (19-10-2026–25-10-2026)`` and the unit/department filter, if any."""
    sel = report.selection
    days = ", ".join(f"{a:%d-%m-%Y}–{b:%d-%m-%Y}" for a, b in sel.ranges)
    return f"{sel.label} ({days})" + (f" · {report.filter_label}" if report.filter_label else "")


def _selection_text(report: Report) -> str:
    text = report.selection.label
    return f"{text} · {report.filter_label}" if report.filter_label else text


def _add_sheet(wb, report: Report, title: str, frame: pd.DataFrame, *, freeze_col: str = "A",
               heading: str | None = None, mixed_factor: bool = False) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    frame = _visible(frame)
    ws = wb.create_sheet(title)
    columns = list(frame.columns)
    head_row = 1
    if heading:
        ws.append([heading])
        ws.cell(row=1, column=1).font = Font(bold=True, size=13)
        head_row = 2
    ws.append(columns)
    factor_col = columns.index("Faktor") if mixed_factor and "Faktor" in columns else None
    for row in frame.itertuples(index=False):  # tasks × units: a few thousand rows at most
        values = [_excel_value(v) for v in row]
        if factor_col is not None and values[factor_col] is None:
            values[factor_col] = MIXED
        ws.append(values)
        if factor_col is not None and values[factor_col] == MIXED:
            ws.cell(row=ws.max_row, column=factor_col + 1).alignment = Alignment(horizontal="right")
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    lines = 1
    wrapped: list[tuple[int, int]] = []  # (column, width) of text that wraps
    for i, col in enumerate(columns, start=1):
        head = ws.cell(row=head_row, column=i)
        head.font, head.fill = bold, fill
        head.alignment = Alignment(wrap_text=True, vertical="top")
        fmt = _format_for(col, frame[col].dtype)
        if fmt:
            for (cell,) in ws.iter_rows(min_row=head_row + 1, min_col=i, max_col=i):
                cell.number_format = fmt
        longest = max([_shown_width(v, fmt) for v in frame[col].head(300)] + [6])
        word = max(len(w) for w in col.split()) + 2  # a header word is never split
        width = min(max(longest + 2, word + 2, min(len(col), 16) + 2), 50)
        ws.column_dimensions[get_column_letter(i)].width = width
        if fmt is None and longest > 48:  # long text wraps inside its column, never past the page
            wrapped.append((i, width))
            for (cell,) in ws.iter_rows(min_row=head_row + 1, min_col=i, max_col=i):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        # bold text is wider than the width unit (a digit): wrap a little narrower than the column
        lines = max(lines, len(textwrap.wrap(col, max(width - 4, 4))))
    ws.row_dimensions[head_row].height = _HEADER_LINE_PT * lines
    _fit_rows(ws, head_row + 1, wrapped)
    if "Måling" in columns:  # a pivot with a row per measure: counts, shares, costs
        measure = columns.index("Måling") + 1
        for row in ws.iter_rows(min_row=head_row + 1, min_col=measure + 1):
            fmt = _MEASURE_FORMATS.get(ws.cell(row=row[0].row, column=measure).value)
            for cell in row:
                if fmt and isinstance(cell.value, (int, float)):
                    cell.number_format = fmt
    ws.freeze_panes = f"{freeze_col}{head_row + 1}"
    if len(frame):
        ws.auto_filter.ref = f"A{head_row}:{get_column_letter(len(columns))}{ws.max_row}"
    _print_setup(ws, report, f"{head_row}:{head_row}")
    plain_sheet(ws)  # names and answers from the config or an import: text, never formulas


def _fit_rows(ws, first_row: int, wrapped: list[tuple[int, int]]) -> None:
    """Rows tall enough for their wrapped text: LibreOffice keeps a stored row height, and
    without one it may draw wrapped text over the next rows."""
    from openpyxl.styles import Alignment

    if not wrapped:
        return
    for row in ws.iter_rows(min_row=first_row):
        lines = max(len(textwrap.wrap(str(row[i - 1].value or ""), max(width - 4, 4))) or 1
                    for i, width in wrapped)
        if lines > 1:
            ws.row_dimensions[row[0].row].height = _HEADER_LINE_PT * lines
            for cell in row:  # the row's other cells at the top too, beside the wrapped text
                cell.alignment = Alignment(horizontal=cell.alignment.horizontal,
                                           wrap_text=cell.alignment.wrap_text, vertical="top")


def _definitions_sheet(wb, report: Report) -> None:
    from openpyxl.styles import Alignment, Font

    ws = wb.create_sheet("Definitioner")
    ws.append(["Begreb", "Forklaring"])
    for term, text in DEFINITIONS:
        ws.append([term, text])
    ws.append([])
    th = report.thresholds
    about = [
        ("Kommune", report.kommune),
        ("Udvalg", report.selection.describe()),
        ("Filter", report.filter_label or "alle enheder"),
        ("Sammenligning", report.compare_selection.describe() if report.compare_selection else "-"),
        ("Tærskler", th.describe()),
        ("Retning", "kun indgående kanaler" if report.direction == "ind" else "alle kanaler"),
        ("Kanalvalg for", ", ".join(report.chosen_tasks) if report.chosen_tasks
         else "D-opgaverne"),
        ("Dannet", f"{report.created.astimezone(report.zone):%d-%m-%Y %H:%M}"),
    ]
    for key, value in about:
        ws.append([key, value])
    for line in report.policy_text:
        ws.append(["Kanalpolitik", line])
    if report.unit_factors is not None:
        for row in report.unit_factors.itertuples(index=False):
            responsible = f"; ansvarlig: {row.Ansvarlig}" if row.Ansvarlig else ""
            ws.append([f"Faktor {row.Enhed}",
                       f"{_decimal(row.Faktor)} (52 / {plural(row._2, 'tælleuge', 'tælleuger')}: "
                       f"{row._1}){responsible}"])
    for note in report.notes:
        ws.append(["Note", note])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 110
    for row in ws.iter_rows(min_row=2):
        row[0].font = Font(bold=True)
        row[0].alignment = Alignment(vertical="top")
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
    _fit_rows(ws, 2, [(2, 110)])
    _print_setup(ws, report, "1:1")
    plain_sheet(ws)


def _decimal(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


def sheets(report: Report) -> list[tuple[str, pd.DataFrame, dict]]:
    """The workbook's data sheets in order: the channel policy first (what a coordinator
    presents first), Table 1, the unit views, the deep dives, the targets, costs, the
    comparison, data quality. ``Definitioner`` comes last."""
    heading = f"Tabel 1 · {report.kommune} · {selection_days(report)}"
    out: list[tuple[str, pd.DataFrame, dict]] = []
    if report.channel_policy is not None and report.policy_text:
        out.append(("Kanalpolitik", _round_for_sheet(report.channel_policy), {"freeze_col": "C"}))
    out.append(("Tabel 1", rounded_table1(report.table1)[TABLE1_COLUMNS],
                {"freeze_col": "C", "heading": heading, "mixed_factor": True}))
    if report.units is not None:
        out.append(("Enheder", report.units, {"freeze_col": "C", "mixed_factor": True}))
    if report.table1_units is not None:
        shown = rounded_table1(report.table1_units.assign(Kvadrant=""))
        cols = ["Afdeling", "Enhed", *[c for c in TABLE1_COLUMNS if c != "Kvadrant"]]
        out.append(("Tabel 1 pr. enhed", shown[cols], {"freeze_col": "E", "mixed_factor": True}))
    out += [("Kanalvalg", _round_for_sheet(report.channel_choice), {"freeze_col": "E"}),
            ("Papir", _round_for_sheet(report.paper), {"freeze_col": "C"}),
            ("Information", _round_for_sheet(report.information), {"freeze_col": "C"})]
    for name, frame in (("Behandlingstid", report.handling), ("Straksafklaring", report.straks),
                        ("Digital post", report.outbound_post)):
        if frame is not None:
            out.append((name, _round_for_sheet(frame), {"freeze_col": "C"}))
    out.append(("Omkostninger", _round_for_sheet(report.costs), {}))
    if report.channel_mix is not None:
        out.append(("Kanalmiks", _round_for_sheet(report.channel_mix), {"freeze_col": "C"}))
    if report.comparison is not None:
        out.append(("Sammenligning", _round_for_sheet(report.comparison), {"freeze_col": "C"}))
    if report.quality is not None:
        out.append(("Datakvalitet", report.quality, {"freeze_col": "B"}))
    return out


def workbook(report: Report) -> bytes:
    """The workbook: the sheets of :func:`sheets`, then Definitioner."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for title, frame, options in sheets(report):
        _add_sheet(wb, report, title, frame, **options)
    _definitions_sheet(wb, report)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# -- kvadrant.png -----------------------------------------------------------------------------

def plot_title(report: Report) -> str:
    """The plot's title: municipality, selection and the unit/department filter."""
    parts = ["Kvadrant", report.kommune, report.selection.label, report.filter_label]
    return " · ".join(p for p in parts if p)


def quadrant_png(report: Report) -> bytes:
    from .quadrant_plot import render_png

    return render_png(report.table1, report.thresholds, plot_title(report))


# -- the folder -------------------------------------------------------------------------------

def write_report(report: Report, folder: Path, *, overwrite: bool = False) -> dict[str, float]:
    """Write the three files into ``folder`` (created when its parent exists): all or nothing.

    Returns the seconds spent per file and on writing, for the benchmark.
    """
    targets = check_folder(folder, overwrite=overwrite)
    timings: dict[str, float] = {}
    contents: list[bytes] = []
    for name, render in ((CSV_NAME, lambda: table1_csv(report.table1)),
                         (XLSX_NAME, lambda: workbook(report)),
                         (PNG_NAME, lambda: quadrant_png(report))):
        started = time.perf_counter()
        contents.append(render())
        timings[name] = time.perf_counter() - started
    started = time.perf_counter()
    folder = Path(folder).expanduser()
    created_folder = not folder.exists()
    folder.mkdir(exist_ok=True)
    staged: list[SafeFile] = []
    published: list[Path] = []
    try:
        for target, data in zip(targets, contents):
            staged.append(SafeFile(target, overwrite=overwrite))  # checks the target again
            staged[-1].write(data)
        for safe in staged:
            published.append(safe.commit())
    except BaseException:
        for safe in staged:
            if not safe.done:
                safe.abort()
        if not overwrite:  # the files we had already placed are new: take them away again
            for path in published:
                path.unlink(missing_ok=True)
        if created_folder and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
        raise
    timings["skrivning"] = time.perf_counter() - started
    return timings
