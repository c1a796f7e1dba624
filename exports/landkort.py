"""Write the Det Digitale Landkort file (``raadata`` or ``upload``) from a storage snapshot.

One pass over the cursor: each row becomes a line, lines are encoded a few thousand at a time, and
a tally of what was written (unit, local day and codes of every row) is kept for the check report
(``exports.check``). Memory stays flat however many rows the week has.

Conventions (README "Export and import"):
- times are local in the configured zone; ``Dato`` and ``SlutTidspunkt`` are the end of the
  registration, ``StartTidspunkt`` its start. Rows made without a start time (the command line,
  batches) get the ``Dato`` value as start, as the old tool did for rows without a duration.
  Date-only rows (imported ``00:00:00`` rows) carry ``00:00:00`` in all three.
- ``raadata``: an empty field where a value does not apply; one column per local question, the
  configured questions in config order, then questions found only on imported rows
  alphabetically; an unanswered question is an empty field.
- ``upload``: ``NULL`` where a value does not apply (no type, afslutning or blanket; no unit).
- a character the encoding cannot hold is an error naming the line and field, never a ``?``.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from storage.config import Config
from storage.interface import Snapshot

from . import layouts
from .localtime import UtcToLocal
from .progress import Quiet

CHUNK = 4096  # lines encoded and written at a time
MAX_MESSAGES = 20


@dataclass
class Written:
    """What one pass wrote (or, for a check, would have written)."""

    layout: str
    encoding: str
    header: list[str]
    questions: tuple[str, ...]
    rows: int = 0
    sha256: str = ""
    size: int = 0
    # (enhed, local day "dd-mm-yyyy", kanal, type, afslutning, blanket, opgave, datakilde,
    #  kommune_nr, kommune_navn) → rows
    tally: Counter = field(default_factory=Counter)
    encode_errors: list[str] = field(default_factory=list)
    encode_error_rows: int = 0
    separator_errors: list[str] = field(default_factory=list)


def configured_questions(config: Config, units: tuple[str, ...]) -> tuple[str, ...]:
    """The configured questions of the selected units (all units when none are selected), in
    config order."""
    ordered: list[str] = []
    for unit in config.units.values():
        if units and unit.code not in units:
            continue
        for question in unit.questions:
            if question.text not in ordered:
                ordered.append(question.text)
    return tuple(ordered)


def question_columns(config: Config, units: tuple[str, ...], answer_sets: list[str]) -> tuple[str, ...]:
    """The local-question columns of a raw-data file: the configured questions of the selected
    units in config order, then any other question found on the rows, alphabetically."""
    ordered = configured_questions(config, units)
    others: set[str] = set()
    for text in answer_sets:
        others.update(json.loads(text))
    return ordered + tuple(sorted(others - set(ordered)))


class _OtherQuestions(Exception):
    """A row answers a question that is not a column yet: the pass starts over."""


def write(
    snapshot: Snapshot,
    config: Config,
    layout: str,
    encoding: str,
    sink: Callable[[bytes], None] | None,
    progress=None,
    total: int | None = None,
    reset: Callable[[], None] | None = None,
) -> Written:
    """Write the selection's rows through ``sink`` (None: only count, check and hash them).

    After the first character that cannot be encoded nothing more goes to ``sink``, but the pass
    goes on so the report can list every such row.

    The raw-data header needs every local question of the selection before the first row. The
    configured questions are known at once; only imported rows can answer others, so the pass
    starts with the configured ones and, should a row answer another question, stops, asks the
    database for the exact set (a ``DISTINCT`` over the selection), calls ``reset`` to empty the
    sink, and starts over with the full header. A week without such rows is read once.
    """
    progress = progress or Quiet()
    if layout != layouts.RAADATA:
        return _write(snapshot, config, layout, encoding, sink, progress, total, ())
    try:
        return _write(snapshot, config, layout, encoding, sink, progress, total,
                      configured_questions(config, snapshot.selection.units), strict=True)
    except _OtherQuestions:
        progress.stop()
        if reset is not None:
            reset()
        questions = question_columns(config, snapshot.selection.units, snapshot.answer_sets())
        return _write(snapshot, config, layout, encoding, sink, progress, total, questions)


def _write(snapshot: Snapshot, config: Config, layout: str, encoding: str, sink, progress,
           total: int | None, questions: tuple[str, ...], strict: bool = False) -> Written:
    codec = layouts.ENCODINGS[encoding]
    header = layouts.LAYOUTS[layout].header(questions)
    result = Written(layout, encoding, header, questions)
    digest = hashlib.sha256()
    state = {"ok": True}

    def emit(lines: list[str], first_line: int) -> None:
        text = "".join(lines)
        try:
            data = text.encode(codec)
        except UnicodeEncodeError:
            state["ok"] = False
            _explain_encoding(result, lines, first_line, codec, snapshot.row_id)
            return
        if state["ok"]:
            digest.update(data)
            result.size += len(data)
            if sink is not None:
                sink(data)

    for text in header:
        for bad in (layouts.SEP, "\r", "\n"):
            if bad in text:
                result.separator_errors.append(f'Kolonneoverskriften "{text}" indeholder {_char_name(bad)}')
    emit([layouts.line(header)], 1)

    columns = set(questions)

    def answer_fields(text: str) -> str:
        """The answer columns of one distinct ``answers`` JSON (computed once per value)."""
        answers = json.loads(text)
        if strict and not columns.issuperset(answers):
            raise _OtherQuestions()
        values = [_answer(answers, q) for q in questions]
        for question, value in zip(questions, values):
            bad = next((c for c in (layouts.SEP, "\r", "\n") if c in value), None)
            if bad:
                result.separator_errors.append(
                    f'Svaret {value!r} på "{question}" indeholder {_char_name(bad)}'
                )
        return "".join(f"{v};" for v in values)

    progress.start("Eksport", total)
    loop, fields = ((_raadata_loop, RAADATA_FIELDS) if layout == layouts.RAADATA
                    else (_upload_loop, UPLOAD_FIELDS))
    result.rows = loop(snapshot.rows(fields=fields), UtcToLocal(config.zone), answer_fields,
                       result.tally, emit, progress)
    progress.stop()
    if state["ok"]:
        result.sha256 = digest.hexdigest()
    _check_separators(result)
    return result


def _answer(answers: dict, question: str) -> str:
    value = answers.get(question)
    return "" if value is None else str(value)


# What each loop reads, by name (storage.model.EXPORT_FIELDS) and in the order it unpacks them:
# the snapshot hands out plain tuples of exactly these, no row object per row on a million rows.
# ``seq``, the snapshot's paging key, costs nothing when asked for; the loops ignore it.
RAADATA_FIELDS = ("kommune_navn", "kommune_nr", "enhed", "opgave", "kanal", "type", "afslutning",
                  "blanket", "end_utc", "start_utc", "datakilde", "answers", "seq")


def _raadata_loop(rows, conv: UtcToLocal, answer_fields, tally: Counter, emit, progress) -> int:
    cache = conv.cache
    minute = conv.minute
    answer_cache: dict[str, str] = {}
    lines: list[str] = []
    count = 0
    first_line = 2
    # RAADATA_FIELDS, by name:
    for navn, nr, enhed, opgave, kanal, typ, afsl, blk, end, start, kilde, answers, _seq in rows:
        key = end[:16]
        local = cache.get(key) or minute(key)
        dato = local[0] + end[16:19]
        if start is None:
            begun = dato
        else:
            key = start[:16]
            begun = (cache.get(key) or minute(key))[0] + start[16:19]
        combo = (enhed, local[1], kanal, typ, afsl, blk, opgave, kilde, nr, navn)
        tally[combo] = tally.get(combo, 0) + 1
        given = answer_cache.get(answers)
        if given is None:
            given = answer_cache[answers] = answer_fields(answers)
        lines.append(
            f"{navn};{nr};{enhed};{opgave};{kanal};{typ or ''};{afsl or ''};{blk or ''};"
            f"{dato};{begun};{dato};{kilde};{given}\r\n"
        )
        count += 1
        if len(lines) == CHUNK:
            emit(lines, first_line)
            first_line += CHUNK
            lines = []
            progress.advance(CHUNK)
    if lines:
        emit(lines, first_line)
        progress.advance(len(lines))
    return count


UPLOAD_FIELDS = ("kommune_navn", "kommune_nr", "enhed", "opgave", "kanal", "type", "afslutning",
                 "blanket", "end_utc", "datakilde", "seq")


def _upload_loop(rows, conv: UtcToLocal, _answer_fields, tally: Counter, emit, progress) -> int:
    cache = conv.cache
    minute = conv.minute
    lines: list[str] = []
    count = 0
    first_line = 2
    # UPLOAD_FIELDS, by name:
    for navn, nr, enhed, opgave, kanal, typ, afsl, blk, end, kilde, _seq in rows:
        key = end[:16]
        local = cache.get(key) or minute(key)
        combo = (enhed, local[1], kanal, typ, afsl, blk, opgave, kilde, nr, navn)
        tally[combo] = tally.get(combo, 0) + 1
        lines.append(
            f"{nr};{enhed or 'NULL'};{opgave};{kanal};{typ or 'NULL'};{afsl or 'NULL'};"
            f"{blk or 'NULL'};{local[0]};\r\n"
        )
        count += 1
        if len(lines) == CHUNK:
            emit(lines, first_line)
            first_line += CHUNK
            lines = []
            progress.advance(CHUNK)
    if lines:
        emit(lines, first_line)
        progress.advance(len(lines))
    return count


def _explain_encoding(result: Written, lines: list[str], first_line: int, codec: str, row_id) -> None:
    """Name the line, registration and field of every character ``codec`` cannot hold."""
    for offset, text in enumerate(lines):
        try:
            text.encode(codec)
        except UnicodeEncodeError as error:
            result.encode_error_rows += 1
            if len(result.encode_errors) >= MAX_MESSAGES:
                continue
            char = text[error.start]
            column_index = text.count(layouts.SEP, 0, error.start)
            column = result.header[column_index] if column_index < len(result.header) else "?"
            lineno = first_line + offset
            where = f"Linje {lineno}" + (
                f" (registrering {row_id(lineno - 2)})" if lineno > 1 else " (overskriften)"
            )
            result.encode_errors.append(
                f'{where}, felt "{column}": tegnet "{char}" (U+{ord(char):04X}) findes ikke i '
                f"{codec.upper()}"
            )


def _char_name(char: str) -> str:
    return {";": "skilletegnet ;", "\r": "et linjeskift (CR)", "\n": "et linjeskift (LF)"}[char]


def _check_separators(result: Written) -> None:
    """A ``;`` or line break inside a value would shift every later field of the line."""
    names = ("Enhed", "Kanal", "Type", "Afslutning", "Blanket", "Opgave", "Datakilde", "ID", "Kommune")
    positions = (0, 2, 3, 4, 5, 6, 7, 8, 9)
    seen: set[tuple[str, str]] = set()
    for combo, count in result.tally.items():
        for name, pos in zip(names, positions):
            value = combo[pos]
            if isinstance(value, str) and (layouts.SEP in value or "\r" in value or "\n" in value):
                if (name, value) not in seen:
                    seen.add((name, value))
                    bad = next(c for c in (layouts.SEP, "\r", "\n") if c in value)
                    result.separator_errors.append(
                        f'Feltet "{name}" har værdien {value!r}, som indeholder {_char_name(bad)}'
                    )
