"""The week in Excel: every registration, a summary, and what the file contains.

Written with ``exports.xlsx_stream``: rows go to the file as they come from the snapshot, so
memory stays flat, and a million rows take seconds (openpyxl's write-only mode and xlsxwriter's
constant-memory mode were measured too: ``bench/excel_export.py``, ``bench/RESULTS.md``).
Sheets:

``Registreringer``  one row per henvendelse: typed dates (local time) and numbers, code and name
                    side by side, a frozen header and an autofilter.
``Opsummering``     rows per task × channel × type.
``Om udtrækket``    the selection, the time zone, and the rows left out.

Every text from the database, the config or the KLE file is a shared string: never a formula.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from storage.config import Config
from storage.errors import Refusal
from storage.interface import LeftOut, Snapshot
from storage.wording import registrations

from . import xlsx_stream
from .landkort import question_columns
from .localtime import UtcToLocal
from .progress import Quiet

MAX_ROWS = 1_048_575  # Excel's limit, less the header row
TAIL_CACHE = 50_000  # distinct row tails kept (a few hundred bytes each)
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


def columns_of(config: Config, snapshot: Snapshot) -> tuple[list[tuple[str, float]], list[str]]:
    """The Registreringer sheet's (header, width) pairs and the local questions among them."""
    questions = question_columns(config, snapshot.selection.units, snapshot.answer_sets())
    return [*BASE_COLUMNS, *((q, max(12, min(len(q) + 2, 30))) for q in questions)], questions


# What a row of the sheet needs, by name (storage.model.EXPORT_FIELDS), in the order the loop
# unpacks it: the snapshot hands out plain tuples of exactly these (``seq``: its paging key, unused).
FIELDS = ("kommune_navn", "kommune_nr", "enhed", "opgave", "kanal", "type", "afslutning",
          "blanket", "end_utc", "start_utc", "datakilde", "answers", "seq")


def row_values(snapshot: Snapshot, config: Config, questions: list[str]) -> Iterator[list]:
    """One list of cell values per registration, in column order: naive local date-times,
    ints, text (None = empty). Shared by the writer and the benchmark's other writers."""
    names = Names(config)
    book = config.codebook
    conv = UtcToLocal(config.zone)
    channels, types, closings = book.channels, book.types, book.afslutning
    answers_cache: dict[str, list] = {}
    unit_names: dict[str, str] = {}
    task_names: dict[tuple[str, str], str] = {}
    for navn, nr, enhed, opgave, kanal, typ, afsl, blk, end, start, kilde, answers, _seq in \
            snapshot.rows(fields=FIELDS):
        ended = conv.naive(end)
        if start is not None:
            began = conv.naive(start)
            duration = int((ended - began).total_seconds())
        else:
            began = duration = None
        channel = channels.get(kanal)
        task_type = types.get(typ) if typ else None
        closing = closings.get(afsl) if afsl else None
        unit_name = unit_names.get(enhed)
        if unit_name is None:
            unit_name = unit_names[enhed] = names.unit(enhed)
        task = task_names.get((enhed, opgave))
        if task is None:
            task = task_names[enhed, opgave] = names.task(enhed, opgave)
        extra = answers_cache.get(answers)
        if extra is None:
            given = json.loads(answers)
            extra = answers_cache[answers] = [given.get(q) or None for q in questions]
        iso = ended.isocalendar()
        yield [
            ended, began, duration, iso[1], WEEKDAYS[iso[2] - 1],
            int(nr) if nr.isdigit() else nr, navn, enhed or None, unit_name or None,
            opgave, task or None,
            kanal, channel.name if channel else None,
            DIRECTIONS.get(channel.direction) if channel else None,
            channel.klass if channel else None,
            typ, task_type.name if task_type else None,
            task_type.klass if task_type else None,
            afsl, closing.name if closing else None, blk, kilde, *extra,
        ]


def write(snapshot: Snapshot, config: Config, left: LeftOut, out, *, selection_label: str,
          now: datetime, progress=None) -> ExcelResult:
    """Write the workbook to ``out`` (a path or a binary file object)."""
    if left.live > MAX_ROWS:
        raise Refusal(
            f"Udvalget har {registrations(left.live)}, men et Excel-ark kan højst have {MAX_ROWS}. "
            "Vælg en kortere periode eller færre enheder (--enhed).",
            "uge",
        )
    progress = progress or Quiet()
    names = Names(config)
    book = config.codebook
    columns, questions = columns_of(config, snapshot)
    wb = xlsx_stream.Workbook(out)
    ws = wb.add_sheet("Registreringer", [w for _, w in columns])
    ws.header([c for c, _ in columns])
    text, number = ws.text, ws.number

    def code_or_number(column: int, value):  # Kommunenr.: a number when it is one
        return number(column, value) if isinstance(value, int) else text(column, value)

    # One cell maker per column: cached XML per (column, value) for text, typed numbers.
    makers = [ws.moment, ws.moment, number, number, text, code_or_number,
              *([text] * (len(columns) - 6))]
    summary: Counter = Counter()
    count = 0
    progress.start("Excel", left.live)
    # Everything after the first four columns (weekday, unit, task, channel, type, … answers)
    # repeats across rows: its XML is joined once per distinct combination and reused.
    tails: dict[tuple, str] = {}
    moment = ws.moment
    for values in row_values(snapshot, config, questions):
        key = tuple(values[4:])
        tail = tails.get(key)
        if tail is None:
            if len(tails) >= TAIL_CACHE:
                tails.clear()  # bounded memory, whatever the data
            tail = tails[key] = "".join(make(i, v) for i, make, v in
                                        zip(range(4, len(makers)), makers[4:], key))
        duration, week = values[2], values[3]
        ws.joined(moment(0, values[0]) + moment(1, values[1])
                  + ("" if duration is None else number(2, duration)) + number(3, week) + tail)
        summary[values[9], values[11], values[15]] += 1
        count += 1
        if count % 5000 == 0:
            progress.advance(5000)
    progress.advance(count % 5000)
    progress.stop()
    ws.set_autofilter(len(columns) - 1)

    channels, types = book.channels, book.types
    ws = wb.add_sheet("Opsummering", [w for _, w in SUMMARY_COLUMNS])
    ws.header([c for c, _ in SUMMARY_COLUMNS])
    for (opgave, kanal, typ), n in sorted(summary.items(),
                                          key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] or "")):
        channel = channels.get(kanal)
        task_type = types.get(typ) if typ else None
        ws.row([ws.text(0, opgave), ws.text(1, names.task("", opgave)), ws.text(2, kanal),
                ws.text(3, channel.name if channel else None), ws.text(4, typ),
                ws.text(5, task_type.name if task_type else None), ws.number(6, n)])
    ws.set_autofilter(len(SUMMARY_COLUMNS) - 1)
    ws.row([ws.text(0, "I alt", xlsx_stream.BOLD), ws.number(6, count)])

    ws = wb.add_sheet("Om udtrækket", [28, 60], freeze_header=False)
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
        ws.row([ws.text(0, label, xlsx_stream.BOLD),
                ws.number(1, value) if isinstance(value, int) else ws.text(1, value)])
    wb.close()
    return ExcelResult(count, len(summary))
