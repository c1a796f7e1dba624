"""The stored records, and THE column lists both engines derive their SQL and row mapping from.

Each table is a frozen dataclass whose fields are its columns, in order. :class:`Table` reads the
fields once: the column names for SELECT and INSERT, and the codecs for the few columns whose
stored form differs from the record's (0/1 flags, JSON text). Adding a column means: a field
here, a migration per engine, and the places that show it.

Field metadata says what a column is beyond its name:

- ``GENERATED``: set by the engine, never by the app (``seq``: SQLite computes it inside the
  write transaction, PostgreSQL has an identity column);
- ``DERIVED``: not a column at all (``voided`` is read from the voids table);
- ``FLAG`` / ``JSON`` / ``JSON_LIST``: the codec between the record and the stored value.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any, Generic, NamedTuple, TypeVar

from .timeutil import from_stored
from .wording import rows


def _dump_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _dump_list(value: Iterable[str]) -> str:
    return json.dumps(list(value), ensure_ascii=False)


# (to the stored value, from the stored value)
FLAG = {"codec": (int, bool)}
JSON = {"codec": (_dump_json, json.loads)}
JSON_LIST = {"codec": (_dump_list, lambda text: tuple(json.loads(text)))}
GENERATED = {"generated": True}
DERIVED = {"derived": True}


@dataclass(frozen=True)
class Registration:
    """A row of ``registrations``: one henvendelse."""

    id: str  # UUID; a retried write is a no-op
    kommune_nr: str
    kommune_navn: str
    enhed: str  # '' only on imported rows (WEB)
    opgave: str  # KLE number NN.NN.NN
    kanal: str
    type: str | None  # None where it does not apply
    afslutning: str | None
    blanket: str | None
    start_utc: str | None  # first key of the entry
    end_utc: str  # the commit; the Landkort's Dato
    date_only: bool = field(metadata=FLAG)
    datakilde: str
    station: str
    operator: str  # OS user, for the audit trail
    answers: dict[str, Any] = field(metadata=JSON)  # local questions: {question: fixed answer}
    trial: bool = field(metadata=FLAG)
    batch_id: str | None  # shared by the rows of one "N times" entry
    replaces: str | None  # the voided row this one restores
    created_utc: str
    import_id: str | None = None  # the import that brought the row in
    seq: int | None = field(default=None, metadata=GENERATED)  # the order rows were committed in
    voided: bool = field(default=False, metadata=DERIVED)


@dataclass(frozen=True)
class Void:
    """A row of ``voids``: a registration no longer counts. It carries the registration's counted
    facts (:data:`VOID_FACTS`) so a total is two index range counts."""

    id: str
    registration_id: str
    reason: str  # a code from VOID_REASONS, never free text
    station: str
    operator: str
    created_utc: str
    enhed: str
    trial: bool = field(metadata=FLAG)
    end_utc: str
    type: str | None
    kanal: str
    seq: int | None = field(default=None, metadata=GENERATED)


# The registration's columns a void copies (a trigger in each engine checks the copy).
VOID_FACTS = ("enhed", "trial", "end_utc", "type", "kanal")


@dataclass(frozen=True)
class ImportRecord:
    """A row of ``imports``: one imported file."""

    id: str
    sha256: str  # of the file's bytes
    content_sha256: str  # of its decoded lines, without line ends
    file_name: str  # base name only
    layout: str  # 'raadata' or 'upload'
    encoding: str
    row_count: int
    datakilde: str  # given for rows that carry none
    station: str
    operator: str
    created_utc: str


@dataclass(frozen=True)
class ExportRecord:
    """A row of ``exports``: one Landkort file delivered."""

    id: str
    kind: str  # 'landkort-upload' or 'landkort-raadata'
    first_day: str  # local day YYYY-MM-DD, included
    last_day: str
    start_utc: str  # first_day 00:00 local, as stored UTC
    end_utc: str  # the day after last_day 00:00 local (excluded)
    units: tuple[str, ...] = field(metadata=JSON_LIST)  # () = all units
    sources: tuple[str, ...] = field(metadata=JSON_LIST)  # () = all data sources
    row_count: int
    sha256: str  # of the file as written
    file_name: str  # base name only
    station: str
    operator: str
    created_utc: str

    def covers(self, end_utc: str, enhed: str, datakilde: str) -> bool:
        return (self.start_utc <= end_utc < self.end_utc
                and (not self.units or enhed in self.units)
                and (not self.sources or datakilde in self.sources))

    def describe(self, zone) -> str:
        made = from_stored(self.created_utc).astimezone(zone)
        days = f"{date.fromisoformat(self.first_day):%d-%m-%Y} – {date.fromisoformat(self.last_day):%d-%m-%Y}"
        return (f"{days} eksporteret {made:%d-%m-%Y %H:%M} af {self.operator} "
                f"({rows(self.row_count)}, {self.file_name})")


R = TypeVar("R")


class Table(Generic[R]):
    """A table's columns and codecs, read once from its record type."""

    def __init__(self, name: str, record: type[R]):
        self.name = name
        self.record = record
        stored = [f for f in fields(record) if not f.metadata.get("derived")]
        self.columns: tuple[str, ...] = tuple(f.name for f in stored)  # what a SELECT reads
        # What the app writes (the engine sets the generated ones itself).
        self.written: tuple[str, ...] = tuple(f.name for f in stored if not f.metadata.get("generated"))
        self.generated: tuple[str, ...] = tuple(c for c in self.columns if c not in self.written)
        self._encoders: list[tuple[int, Callable]] = []
        self._decoders: list[tuple[int, Callable]] = []
        codecs = {f.name: f.metadata["codec"] for f in stored if "codec" in f.metadata}
        for i, name_ in enumerate(self.written):
            if name_ in codecs:
                self._encoders.append((i, codecs[name_][0]))
        for i, name_ in enumerate(self.columns):
            if name_ in codecs:
                self._decoders.append((i, codecs[name_][1]))
        self.position = {c: i for i, c in enumerate(self.columns)}

    def select(self, alias: str | None = None) -> str:
        """The SELECT list of every stored column, in :attr:`columns` order."""
        prefix = f"{alias}." if alias else ""
        return ", ".join(prefix + c for c in self.columns)

    def insert(self, mark: str, *, extra: Sequence[tuple[str, str]] = (), conflict: str = "") -> str:
        """``INSERT INTO table (written…) VALUES (mark…)`` plus ``extra`` (column, SQL) pairs the
        engine computes itself (SQLite's ``seq``)."""
        names = [*self.written, *(c for c, _ in extra)]
        values = [mark] * len(self.written) + [sql for _, sql in extra]
        tail = f" {conflict}" if conflict else ""
        return (f"INSERT INTO {self.name} ({', '.join(names)}) VALUES ({', '.join(values)})"
                + tail)

    def to_row(self, record: R) -> tuple:
        """The record's written columns, encoded as stored."""
        values = [getattr(record, c) for c in self.written]
        for i, encode in self._encoders:
            values[i] = encode(values[i])
        return tuple(values)

    def from_row(self, row: Sequence, **extra: Any) -> R:
        """A record from a row of :meth:`select` (by the column list, never by a fixed index)."""
        values = list(row[:len(self.columns)])
        for i, decode in self._decoders:
            if values[i] is not None:
                values[i] = decode(values[i])
        return self.record(**dict(zip(self.columns, values)), **extra)

    def without(self, *names: str) -> tuple[str, ...]:
        """The written columns except ``names`` (each must be a column)."""
        unknown = set(names) - set(self.written)
        if unknown:
            raise KeyError(f"not written columns of {self.name}: {sorted(unknown)}")
        return tuple(c for c in self.written if c not in names)


REGISTRATIONS: Table[Registration] = Table("registrations", Registration)
VOIDS: Table[Void] = Table("voids", Void)
IMPORTS: Table[ImportRecord] = Table("imports", ImportRecord)
EXPORTS: Table[ExportRecord] = Table("exports", ExportRecord)

# What an imported row brings itself (staged, checked, then copied); the import sets the rest.
STAGING_COLUMNS = REGISTRATIONS.without(
    "id", "station", "operator", "trial", "batch_id", "replaces", "created_utc", "import_id")

# What a restore copies from the voided row; the restoring process sets the rest.
RESTORE_COPIES = REGISTRATIONS.without(
    "id", "station", "operator", "batch_id", "replaces", "created_utc")


# -- the rows exports stream ----------------------------------------------------------------------

# The registration columns a Landkort or Excel file needs, and ``seq``, the row's place in the
# order rows are streamed in (time, then seq). ``answers`` stays the stored JSON text: a week
# has a handful of distinct texts, and the writers decode each once.
EXPORT_FIELDS = ("kommune_navn", "kommune_nr", "enhed", "opgave", "kanal", "type", "afslutning",
                 "blanket", "end_utc", "start_utc", "datakilde", "answers", "seq")
_STORED_TYPES = {"answers": str, "date_only": int, "trial": int}
ExportRow = NamedTuple("ExportRow", [  # type: ignore[misc]  (derived from the model)
    (name, _STORED_TYPES.get(name, Registration.__annotations__[name])) for name in EXPORT_FIELDS
])
ExportRow.__doc__ = "One live registration as an export reads it (stored values, in EXPORT_FIELDS order)."
assert set(EXPORT_FIELDS) <= set(REGISTRATIONS.columns)
