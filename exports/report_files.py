"""The report's files: ``tabel1.csv``, ``rapport.xlsx`` and ``kvadrant.png``.

Each file is rendered to bytes first, so a failure leaves nothing on disk; then all three are
written through ``exports.safe_write`` (hidden temporary file, fsync, rename or hard link), and an
existing file is only replaced with ``overwrite``.
"""

from __future__ import annotations

import csv
import io
import math
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


_INTEGER = {"Antal dage", "Analoge transaktioner", "Digitale transaktioner",
            "Informationshenvendelser"}
_ONE_DECIMAL = {"Selvbetjeningsgrad"}
_DATES = {"Startdato", "Slutdato"}


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

def _format_for(column: str, dtype) -> str | None:
    if column in _DATES:
        return "dd-mm-yyyy"
    if column in _INTEGER or column in {"Antal", "Antal i alt", "Transaktioner", "I alt"}:
        return "0"
    if column.startswith("Selvbetjeningsgrad") or "(%)" in column:
        return "0.0"
    if "(kr.)" in column:
        return "#,##0.00"
    if pd.api.types.is_integer_dtype(dtype):
        return "0"
    if pd.api.types.is_float_dtype(dtype):
        return "0.00"
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


def _add_sheet(wb, title: str, frame: pd.DataFrame, *, freeze: str = "A2") -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    columns = list(frame.columns)
    ws.append(columns)
    for row in frame.itertuples(index=False):  # tasks × channels: a few hundred rows at most
        ws.append([_excel_value(v) for v in row])
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for i, col in enumerate(columns, start=1):
        head = ws.cell(row=1, column=i)
        head.font, head.fill = bold, fill
        head.alignment = Alignment(wrap_text=True, vertical="top")
        fmt = _format_for(col, frame[col].dtype)
        if fmt:
            for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.number_format = fmt
        longest = max([len(str(v)) for v in frame[col].head(200)] + [min(len(col), 24), 6])
        ws.column_dimensions[get_column_letter(i)].width = min(longest + 2, 50)
    ws.freeze_panes = freeze
    if len(frame):
        ws.auto_filter.ref = ws.dimensions
    plain_sheet(ws)  # names and answers from the config or an import: text, never formulas


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
        ("Sammenligning", report.compare_selection.describe() if report.compare_selection else "-"),
        ("Tærskler", th.describe()),
        ("Dannet", f"{report.created.astimezone():%d-%m-%Y %H:%M}"),
    ]
    for key, value in about:
        ws.append([key, value])
    for note in report.notes:
        ws.append(["Note", note])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 110
    for row in ws.iter_rows(min_row=2):
        row[0].font = Font(bold=True)
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
    plain_sheet(ws)


def workbook(report: Report) -> bytes:
    """The workbook: Tabel 1, Kanalvalg, Papir, Information, Omkostninger, [Sammenligning],
    Definitioner."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    _add_sheet(wb, "Tabel 1", rounded_table1(report.table1)[TABLE1_COLUMNS], freeze="C2")
    _add_sheet(wb, "Kanalvalg", _round_for_sheet(report.channel_choice), freeze="C2")
    _add_sheet(wb, "Papir", _round_for_sheet(report.paper), freeze="C2")
    _add_sheet(wb, "Information", _round_for_sheet(report.information), freeze="C2")
    _add_sheet(wb, "Omkostninger", _round_for_sheet(report.costs))
    if report.comparison is not None:
        _add_sheet(wb, "Sammenligning", _round_for_sheet(report.comparison), freeze="C2")
    _definitions_sheet(wb, report)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# -- kvadrant.png -----------------------------------------------------------------------------

def quadrant_png(report: Report) -> bytes:
    from .quadrant_plot import render_png

    title = f"Kvadrant · {report.kommune} · {report.selection.label}".replace(" ·  ·", " ·")
    return render_png(report.table1, report.thresholds, title)


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
