"""Imports, engine-neutral: the station every imported row carries, the layouts, and the refusal
of a file imported before. The staging and the one-transaction write are each engine's
``import_batch`` (storage.interface.ImportBatch)."""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo

from .model import ImportRecord
from .timeutil import from_stored
from .wording import rows

STATION = "import"  # the station of every imported row
ASCII_SPACE = " \t\r\n\x0b\x0c"  # stripped around Enhed and Datakilde; NBSP and the like are not
DUPLICATE_VOID = "DUBLET"  # a row voided for this reason still counts as stored when matching

LAYOUTS = ("raadata", "upload")


def duplicate_message(earlier: ImportRecord, zone: tzinfo | None = None,
                      number: int | None = None) -> str:
    """The refusal of a file whose earlier import still counts (has live rows). ``number``: the
    earlier import's place in ``import --liste``, so the coordinator can undo it if meant."""
    when = from_stored(earlier.created_utc).astimezone(zone or timezone.utc)
    which = f"import {number}" if number else "en tidligere import"
    undo = f"taelleuge import --fortryd {number}" if number else "taelleuge import --fortryd N"
    return (
        f'Filen er allerede importeret ({which}: "{earlier.file_name}", '
        f"{rows(earlier.row_count)}, {when:%d-%m-%Y %H:%M}{'' if zone else ' UTC'} "
        f"af {earlier.operator}). Intet er importeret denne gang. Skal filen importeres igen, "
        f"så fortryd først den import ({undo}, se taelleuge import --liste)."
    )


def import_number(records: Sequence[ImportRecord], earlier: ImportRecord) -> int | None:
    """``earlier``'s number in the import list (1..n, oldest first), as ``import --liste``."""
    for number, record in enumerate(records, 1):
        if record.id == earlier.id:
            return number
    return None


def row_id(prefix: str, number: int) -> str:
    """An imported row's id: one random UUID prefix per import (28 characters) and the staging
    row's number in the last 8 hex digits. Still the UUID text form, unique, and in order, so the
    primary-key index grows at one end instead of taking 1M random inserts."""
    return f"{prefix}{number:08x}"


# -- content-based re-import dedupe ---------------------------------------------------------------
#
# A registration's identity: municipality number, unit, task, channel, type, afslutning, blanket,
# the end time to the minute in local time, data source and answers. A file re-saved by Excel
# (HH:MM, lower-case codes, another column order) or a subset/superset of an earlier one reads
# back to the same identities. Multiplicity counts: the n-th copy of an identity in the file
# matches the n-th live copy already stored, so identical rows (legitimate: two citizens, one
# minute) are neither lost nor doubled. Matched against every live, non-trial row, whoever wrote
# it: a re-import of our own export adds nothing. Voided rows are not there any more, except those
# voided as DUBLET: such a void says the same contact is counted by another row, so the file's copy
# is already there (a re-import must not bring a removed duplicate back).
#
# How: the reader hashes each row's identity as it reads it (``Parsed.keys``, 8 bytes a row, in
# staging order); the engine reads the stored rows' identities in the file's time range, counts
# their hashes (minus the voided ones), and walks the file's hashes once, taking one stored copy
# per match. Measured at 200k rows (bench/export_import.py): 0.85 s, against 4.9 s for the same
# match in SQL (GROUP BY on the stored side, row_number() over the staged side and a join: SQLite
# sorts both sides on ten text columns). Hashes are Python's 64-bit ``hash`` of the identity
# tuple, so both sides are hashed in the same process (str hashing is salted per process); two
# different identities share one with a probability of about 1e-8 in a million-by-million import.

IDENTITY = ("kommune_nr", "enhed", "opgave", "kanal", "type", "afslutning", "blanket", "minute",
            "datakilde", "answers")
# A file without a Datakilde column or without question columns (the upload layout) cannot tell
# those, so they are left out of the identity for that file (None in their place).


class NothingNew(Exception):
    """Inside an import's transaction: every staged row is already stored (rolls it back)."""


@dataclass(frozen=True)
class Match:
    """What a staged file brings: ``new`` rows to write, ``existing`` ones already stored."""

    new: int
    existing: int

    def sentence(self, *, written: bool) -> str:
        verb = "importeret" if written else "ville blive importeret"
        return f"{self.new} nye rækker {verb}, {self.existing} fandtes allerede"


def identity_fields(*, has_source: bool, has_answers: bool) -> tuple[str, ...]:
    left_out = {"datakilde"} if not has_source else set()
    if not has_answers:
        left_out.add("answers")
    return tuple(f for f in IDENTITY if f not in left_out)


def identity_key(fields: tuple[str, ...], kommune_nr: str, enhed: str, opgave: str, kanal: str,
                 type: str | None, afslutning: str | None, blanket: str | None, end_utc: str,
                 datakilde: str, answers: str) -> int:
    """The hash a staged row is matched by (exports.reader builds the same tuple inline). Unit and
    data source are compared without regard to case (``folded``)."""
    return hash(folded((kommune_nr, enhed, opgave, kanal, type, afslutning, blanket, end_utc[:16],
                        datakilde if "datakilde" in fields else None,
                        answers if "answers" in fields else None)))


def folded(row: Sequence) -> tuple:
    """An identity tuple (IDENTITY order) with the unit and the data source case-folded and the
    data source stripped: ``TraceTool``, ``tracetool`` and ``Tracetool `` are one source, and a
    unit outside the config written in two cases is one unit. Rows stored before imports stripped
    these are folded the same way, so they still match."""
    # Units and sources are few distinct values: folded once each (1M stored rows: 0.46 s, not 0.83).
    return (row[0], _UNITS[row[1]], row[2], row[3], row[4], row[5], row[6], row[7],
            _SOURCES[row[8]], row[9])


class _FoldCache(dict):
    def __init__(self, fold):
        super().__init__()
        self.fold = fold

    def __missing__(self, value):
        if len(self) > 100_000:  # not a handful of units and sources after all: start afresh
            self.clear()
        folded_value = self[value] = self.fold(value) if value else value
        return folded_value


_UNITS = _FoldCache(str.casefold)
_SOURCES = _FoldCache(lambda value: value.strip(ASCII_SPACE).casefold())


def staging_key(row: Sequence, fields: tuple[str, ...] = IDENTITY) -> int:
    """:func:`identity_key` of a staging tuple (``storage.model.STAGING_COLUMNS``), for callers
    that stage rows of their own."""
    from .model import STAGING_COLUMNS

    at = {name: i for i, name in enumerate(STAGING_COLUMNS)}
    return identity_key(fields, *(row[at[name]] for name in (
        "kommune_nr", "enhed", "opgave", "kanal", "type", "afslutning", "blanket", "end_utc",
        "datakilde", "answers")))


def repeated_hours(zone: tzinfo, first_utc: str, last_utc: str) -> dict[str, str]:
    """Stored-hour prefixes (``YYYY-MM-DDTHH``) inside the autumn hour that happens twice, mapped
    to the first occurrence's prefix: a file says "02:30" for both, and the reader takes the first
    (exports.localtime), so a row registered in the second one must match it."""
    start = datetime.strptime(first_utc[:13], "%Y-%m-%dT%H").replace(tzinfo=timezone.utc)
    end = datetime.strptime(last_utc[:13], "%Y-%m-%dT%H").replace(tzinfo=timezone.utc)
    found: dict[str, str] = {}
    if end < start or (end - start) > timedelta(days=800):
        return found
    # Transitions are rare: step a day at a time, and look hour by hour only around an offset change.
    day = start - timedelta(hours=start.hour)
    while day <= end + timedelta(days=1):
        nxt = day + timedelta(days=1)
        if day.astimezone(zone).utcoffset() != nxt.astimezone(zone).utcoffset():
            hour = day
            while hour < nxt:
                local = hour.astimezone(zone)
                if local.fold:
                    first = local.replace(fold=0).astimezone(timezone.utc)
                    found[f"{hour:%Y-%m-%dT%H}"] = f"{first:%Y-%m-%dT%H}"
                hour += timedelta(hours=1)
        day = nxt
    return found


def identity_columns(alias: str, fields: tuple[str, ...], folds: dict[str, str]) -> list[str]:
    """SQL expressions (both engines) for the identity of stored rows of ``alias``, in the order
    of :func:`identity_key`'s tuple; a field left out is NULL (None, as in the key)."""
    out = []
    for name in IDENTITY:
        if name not in fields:
            out.append("NULL")
        elif name == "minute":
            if folds:
                cases = " ".join(f"WHEN '{k}' THEN '{v}' || substr({alias}.end_utc, 14, 3)"
                                 for k, v in sorted(folds.items()))
                out.append(f"CASE substr({alias}.end_utc, 1, 13) {cases} "
                           f"ELSE substr({alias}.end_utc, 1, 16) END")
            else:
                out.append(f"substr({alias}.end_utc, 1, 16)")
        else:
            out.append(f"{alias}.{name}")
    return out


# Rows stored from an upload-layout import never had a Datakilde or answers of their own (that
# layout has neither column; they carry the import's default source and no answers). They match a
# file's row whatever its Datakilde and answers say ("wildcard"): the raw-data extract of contacts
# first imported from an upload file adds nothing. Their identity leaves those fields out, and a
# staged row that finds no exact match looks for one among them.
WILDCARD = ("datakilde", "answers")
UPLOAD_ROWS = "r.import_id IN (SELECT i.id FROM imports i WHERE i.layout = 'upload')"
OTHER_ROWS = f"(r.import_id IS NULL OR NOT {UPLOAD_ROWS})"


def stored_identity_sql(fields: tuple[str, ...], folds: dict[str, str], mark: str,
                        which: str = "") -> tuple[str, str]:
    """SELECTs of the identities of the live rows and of the voided rows (parameters: a range's
    start and end) of stored, non-trial rows ending in the range; ``which``: a further condition
    on the registration ``r``."""
    cols = ", ".join(identity_columns("r", fields, folds))
    also = f" AND {which}" if which else ""
    rows = (f"SELECT {cols} FROM registrations r WHERE r.end_utc >= {mark} AND r.end_utc < {mark} "
            f"AND r.trial = 0{also}")
    # Voids carry their row's end_utc and trial (m003): the few voided rows, not a probe per row.
    voided = (f"SELECT {cols} FROM voids v JOIN registrations r ON r.id = v.registration_id "
              f"WHERE v.end_utc >= {mark} AND v.end_utc < {mark} AND v.trial = 0 "
              f"AND v.reason <> '{DUPLICATE_VOID}'{also}")
    return rows, voided


def match_range(first_end: str, last_end: str) -> tuple[str, str]:
    """The stored rows that can match staged rows ending in [first_end, last_end]: the same
    minutes, and an hour either side for the autumn hour that happens twice."""
    first = datetime.strptime(first_end[:16], "%Y-%m-%dT%H:%M") - timedelta(hours=1)
    last = datetime.strptime(last_end[:16], "%Y-%m-%dT%H:%M") + timedelta(hours=1, minutes=1)
    return f"{first:%Y-%m-%dT%H:%M}", f"{last:%Y-%m-%dT%H:%M}"


@dataclass(frozen=True)
class Picked:
    """Which staged rows (by number, 1..n in staging order) go in. ``numbers`` lists the new rows
    when ``keep``, else the ones already stored: whichever list is shorter."""

    match: Match
    numbers: array
    keep: bool


def pick(keys: Sequence[int], stored: Counter, voided_rows: Iterable[tuple],
         wild: Counter | None = None, wild_keys: Sequence[int] = ()) -> Picked:
    """Match the staged rows' keys against the stored rows' (counted by hash), copy for copy;
    voided rows do not count (``voided_rows`` are subtracted here; ``wild`` comes net). A staged
    row without an exact match takes a ``wild`` row (WILDCARD) matching its ``wild_keys`` entry."""
    remaining = stored
    remaining.subtract(map(hash, map(folded, voided_rows)))
    get = remaining.get
    there = array("q")
    new = array("q")
    for number, key in enumerate(keys, 1):
        left = get(key)
        if left and left > 0:
            remaining[key] = left - 1
            there.append(number)
        elif wild and wild.get(wild_keys[number - 1], 0) > 0:
            wild[wild_keys[number - 1]] -= 1
            there.append(number)
        else:
            new.append(number)
    match = Match(len(new), len(there))
    return Picked(match, new, True) if len(new) <= len(there) else Picked(match, there, False)


def nothing_stored(count: int) -> Picked:
    return Picked(Match(count, 0), array("q"), False)


def staged_keys(read, fields: tuple[str, ...], order: str) -> list[int]:
    """The staged rows' keys read back from the staging table, for a caller that staged rows
    without them (the reader hands them over instead: 1M rows need not be read twice)."""
    cols = ", ".join(identity_columns("s", fields, {}))
    return [hash(folded(row)) for row in read(f"SELECT {cols} FROM import_staging s ORDER BY s.{order}", ())]


def match_staged(read, keys: Sequence[int], fields: tuple[str, ...], zone: tzinfo,
                 mark: str, order: str) -> Picked:
    """The engine-neutral match. ``read(sql, params)`` returns all rows of one statement: outside
    the import's transaction each read is short, so the stored rows are read an hour of end times
    at a time (SQLite: a reader holds writers' commits up while it reads; a busy count-week hour
    is a few thousand rows). The engines match again inside the write transaction if anything
    was written since. ``order``: the staging table's column of staging order."""
    first, last = read("SELECT min(end_utc), max(end_utc) FROM import_staging", ())[0]
    if first is None:
        return nothing_stored(0)
    start, end = match_range(first, last)
    nxt = f"SELECT min(end_utc) FROM registrations WHERE end_utc >= {mark} AND end_utc < {mark}"
    at = read(nxt, (start, end))[0][0]
    if at is None:  # the common first import: nothing stored in the file's days
        return nothing_stored(len(keys))
    folds = repeated_hours(zone, start, end)
    split = any(name in fields for name in WILDCARD)  # else every stored row is compared alike
    wild_fields = tuple(name for name in fields if name not in WILDCARD)
    rows, voided = stored_identity_sql(fields, folds, mark, OTHER_ROWS if split else "")
    wild_rows, wild_voided = stored_identity_sql(wild_fields, folds, mark, UPLOAD_ROWS)
    stored: Counter = Counter()
    wild: Counter = Counter()
    while at is not None:
        hour = datetime.strptime(at[:13], "%Y-%m-%dT%H") + timedelta(hours=1)
        hour_end = min(f"{hour:%Y-%m-%dT%H}", end)
        stored.update(map(hash, map(folded, read(rows, (at, hour_end)))))
        if split:
            wild.update(map(hash, map(folded, read(wild_rows, (at, hour_end)))))
        at = read(nxt, (hour_end, end))[0][0]
    wild_keys: Sequence[int] = ()
    if split and wild:
        wild.subtract(map(hash, map(folded, read(wild_voided, (start, end)))))
        wild = +wild  # only what is left
        if wild:
            wild_keys = staged_keys(read, wild_fields, order)
    return pick(keys, stored, read(voided, (start, end)), wild, wild_keys)
