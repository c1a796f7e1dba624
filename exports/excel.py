"""The week in Excel: every registration, a summary, and what the file contains.

openpyxl in write-only mode: rows go to the file as they come from the cursor, so memory stays flat.
Sheets:

``Registreringer``  one row per henvendelse: typed dates (local time) and numbers, code and name
                    side by side, a frozen header and an autofilter.
``Opsummering``     rows per task × channel × type.
``Om udtrækket``    the selection, the time zone, and the rows left out.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from storage.config import Config
from storage.errors import Refusal
from storage.interface import LeftOut, Snapshot
from storage.model import ExportRow, picker

from .cells import TextCells, plain_row
from .landkort import question_columns
from .localtime import UtcToLocal
from .progress import Quiet

MAX_ROWS = 1_048_575  # Excel's limit, less the header row
DATE_FORMAT = "dd-mm-yyyy hh:mm:ss"
DAY_FORMAT = "dd-mm-yyyy"
WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
DIRECTIONS = {"ind": "Ind", "ud": "Ud"}

BASE_COLUMNS = (
    ("Dato", 20), ("Start", 20), ("Varighed (sek.)", 10), ("Uge", 6), ("Ugedag", 10),
    ("Kommunenr.", 10), ("Kommune", 14), ("Enhed", 20), ("Enhedsnavn", 26),
    ("KLE-nummer", 11), ("Opgave", 28), ("Kanal", 10), ("Kanalnavn", 22), ("Retning", 8),
    ("Kanalklasse", 13), ("Type", 9), ("Typenavn", 22), ("Typeklasse", 12),
    ("Afslutning", 11), ("Afslutningsnavn", 18), ("Blanket", 8), ("Datakilde", 20),
)
SUMMARY_COLUMNS = (
    ("KLE-nummer", 11), ("Opgave", 30), ("Kanal", 10), ("Kanalnavn", 22), ("Type", 9),
    ("Typenavn", 22), ("Antal", 10),
)


@dataclass
class ExcelResult:
    rows: int
    combinations: int


class Names:
    """Danish names for codes: the config's task names, the codebook, the KLE file if any."""

    def __init__(self, config: Config):
        self.config = config
        self.tasks: dict[tuple[str, str], str] = {}
        self.any_task: dict[str, str] = {}
        for unit in config.units.values():
            for task in unit.tasks():
                self.tasks[unit.code, task.kle] = task.name
                self.any_task.setdefault(task.kle, task.name)
        self.catalogue = None
        if config.kle_file is not None:
            from storage.errors import TaelleugeError
            from storage.kle import load_catalogue

            try:
                self.catalogue = load_catalogue(config.kle_file)
            except TaelleugeError:
                self.catalogue = None

    def task(self, enhed: str, kle: str) -> str:
        name = self.tasks.get((enhed, kle)) or self.any_task.get(kle)
        if not name and self.catalogue is not None:
            name = self.catalogue.title(kle)
        return name or ""

    def unit(self, code: str) -> str:
        unit = self.config.units.get(code)
        return unit.name if unit else ""


def write(snapshot: Snapshot, config: Config, left: LeftOut, out, *, selection_label: str,
          now: datetime, progress=None) -> ExcelResult:
    """Write the workbook to ``out`` (a path or a binary file object)."""
    if left.live > MAX_ROWS:
        raise Refusal(
            f"Udvalget har {left.live} registreringer, men et Excel-ark kan højst have {MAX_ROWS}. "
            "Vælg en kortere periode eller færre enheder (--enhed).",
            "uge",
        )
    progress = progress or Quiet()
    names = Names(config)
    book = config.codebook
    wb = Workbook(write_only=True)
    questions = question_columns(config, snapshot.selection.units, snapshot.answer_sets())
    ws = wb.create_sheet("Registreringer")
    columns = [*BASE_COLUMNS, *((q, max(12, min(len(q) + 2, 30))) for q in questions)]
    _prepare(ws, columns)
    ws.append(_header(ws, [c for c, _ in columns]))

    dato_cell = WriteOnlyCell(ws)
    dato_cell.number_format = DATE_FORMAT
    start_cell = WriteOnlyCell(ws)
    start_cell.number_format = DATE_FORMAT
    conv = UtcToLocal(config.zone)
    channels = book.channels
    types = book.types
    closings = book.afslutning
    answers_cache: dict[str, list] = {}
    safe = TextCells(ws)  # text from the DB, config or KLE file: never a formula (see .cells)
    unit_names: dict[str, str] = {}
    task_names: dict[tuple[str, str], str] = {}
    summary: Counter = Counter()
    count = 0
    progress.start("Excel", left.live)
    for navn, nr, enhed, opgave, kanal, typ, afsl, blk, end, start, kilde, answers in snapshot.rows():
        ended = conv.naive(end)
        dato_cell.value = ended
        if start is not None:
            began = conv.naive(start)
            start_cell.value = began
            duration = int((ended - began).total_seconds())
            start_value = start_cell
        else:
            start_value = None
            duration = None
        channel = channels.get(kanal)
        task_type = types.get(typ) if typ else None
        closing = closings.get(afsl) if afsl else None
        unit_name = unit_names.get(enhed)
        if unit_name is None:
            unit_name = unit_names[enhed] = safe[names.unit(enhed)]
        task = task_names.get((enhed, opgave))
        if task is None:
            task = task_names[enhed, opgave] = safe[names.task(enhed, opgave)]
        extra = answers_cache.get(answers)
        if extra is None:
            given = json.loads(answers)
            extra = answers_cache[answers] = [safe[given.get(q) or None] for q in questions]
        iso = ended.isocalendar()
        ws.append([
            dato_cell, start_value, duration, iso[1], WEEKDAYS[iso[2] - 1],
            int(nr) if nr.isdigit() else safe[nr], safe[navn], safe[enhed or None], unit_name or None,
            safe[opgave], task or None,
            safe[kanal], safe[channel.name] if channel else None,
            DIRECTIONS.get(channel.direction) if channel else None,
            channel.klass if channel else None,
            safe[typ], safe[task_type.name] if task_type else None,
            task_type.klass if task_type else None,
            safe[afsl], safe[closing.name] if closing else None, safe[blk], safe[kilde], *extra,
        ])
        summary[opgave, kanal, typ] += 1
        count += 1
        if count % 5000 == 0:
            progress.advance(5000)
    progress.advance(count % 5000)
    progress.stop()
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count + 1}"

    ws = wb.create_sheet("Opsummering")
    _prepare(ws, SUMMARY_COLUMNS)
    ws.append(_header(ws, [c for c, _ in SUMMARY_COLUMNS]))
    for (opgave, kanal, typ), n in sorted(summary.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] or "")):
        channel = channels.get(kanal)
        task_type = types.get(typ) if typ else None
        ws.append(plain_row(ws, [opgave, names.task("", opgave) or None, kanal,
                                 channel.name if channel else None, typ,
                                 task_type.name if task_type else None, n]))
    ws.auto_filter.ref = f"A1:{get_column_letter(len(SUMMARY_COLUMNS))}{len(summary) + 1}"
    total = WriteOnlyCell(ws, value="I alt")
    total.font = Font(bold=True)
    ws.append([total, None, None, None, None, None, count])

    ws = wb.create_sheet("Om udtrækket")
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 60
    for label, value in (
        ("Kommune", f"{config.kommune_nr} {config.kommune_navn}"),
        ("Udvalg", selection_label),
        ("Enheder", ", ".join(snapshot.selection.units) or "alle"),
        ("Datakilder", ", ".join(snapshot.selection.sources) or "alle"),
        ("Tidszone", config.zone.key),
        ("Dannet", now.astimezone(config.zone).strftime("%d-%m-%Y %H:%M:%S")),
        ("Registreringer", count),
        ("Annullerede rækker udeladt", left.voided),
        ("Prøverækker udeladt", left.trial),
        ("Kilde", "Tælleuge (taelleuge eksport excel)"),
    ):
        ws.append(plain_row(ws, [_bold(ws, label), value]))
    wb.save(out)
    return ExcelResult(count, len(summary))


def _prepare(ws, columns) -> None:
    ws.freeze_panes = "A2"
    for i, (_name, width) in enumerate(columns, 1):
        ws.column_dimensions[get_column_letter(i)].width = width


def _header(ws, names: list[str]) -> list:
    return [_bold(ws, name) for name in names]


def _bold(ws, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=text)
    cell.data_type = "s"  # a question text from an import is a heading here, never a formula
    cell.font = Font(bold=True)
    return cell
