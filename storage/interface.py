"""The store: the only way ``tui`` and ``exports`` touch data, whichever engine holds it.

``storage.open.open_store`` returns an object of this shape: ``storage.sqlite.store.SqliteStore``
for a database file, ``storage.postgres.store.PgStore`` for a ``postgresql://`` URL. Callers see
records (``storage.model``), the value types below and typed errors (``storage.errors``: an
engine never lets its driver's exceptions out), never a connection, a lock or SQL.

Every method is safe to call from the TUI's worker threads (the engines serialise use of their one
connection). Writes are durable when they return and never update or delete a row: undo writes a
void row, a restore a new row that ``replaces`` the voided one.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import NamedTuple, Protocol, runtime_checkable

from .imports import IDENTITY, Match
from .model import ExportRecord, ExportRow, ImportRecord, Registration
from .query import RegistrationPage, RegistrationQuery
from .registration import Entry
from .timeutil import Clock

# -- value types ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """Which registrations an export reads: ``start_utc <= end_utc < end_utc_bound``, optionally
    some units only and some data sources only (empty tuple = all)."""

    start_utc: str
    end_utc: str
    units: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class LeftOut:
    live: int  # what an export of the selection must contain
    voided: int  # voided rows that are not trial rows
    trial: int  # trial rows, voided or not


@dataclass
class Changes:
    """Rows of a selection registered, or voided, after the last export that covered them."""

    earlier: list[ExportRecord] = field(default_factory=list)
    registered: Counter = field(default_factory=Counter)  # (enhed, local day "dd-mm-yyyy") → rows
    voided: Counter = field(default_factory=Counter)


@dataclass(frozen=True)
class SchemaStatus:
    applied: list[str]
    pending: list[str]

    @property
    def version(self) -> int:
        return len(self.applied)


@dataclass(frozen=True)
class UndoneImport:
    """What ``undo_import`` did: the import, and how many of its rows it voided now."""

    record: ImportRecord
    voided: int


@dataclass(frozen=True)
class HistoryEvent:
    """One correction (``Store.history``): a void, or a restore that brought a voided row back."""

    kind: str  # "annulleret" or "genskabt" (storage.history)
    at_utc: str  # when the void or the restore was written
    station: str  # where, and who: the process that made the change
    operator: str
    reason: str | None  # the void's code from VOID_REASONS; None for a restore
    row: Registration  # the voided row, or the new row a restore wrote (``replaces`` set)
    seq: int  # the void's or the new row's place in its table


# -- what the analyses read (exports.analysis_data) ------------------------------------------------


class FactRow(NamedTuple):
    """Live, non-trial registrations of one local day counted by what the measures need."""

    enhed: str
    opgave: str
    kanal: str
    type: str  # "" where the row has none
    afslutning: str  # "" where the row has none
    datakilde: str
    other_kommune: int  # 1: the rows are of another municipality than the config's
    day: str  # the local day, YYYY-MM-DD
    n: int


class DuplicateRow(NamedTuple):
    """Imported rows of one local day that another import had already brought in."""

    enhed: str
    day: str  # YYYY-MM-DD
    n: int


@dataclass(frozen=True)
class FactDay:
    """One local day a report reads: its exact UTC bounds (23 or 25 hours across a clock
    change), and the units (empty: all). For handling times, ``without``: units left out (the
    ones that do not count the day)."""

    day: date
    start_utc: str
    end_utc: str
    units: tuple[str, ...] = ()
    without: tuple[str, ...] = ()


# Handling times are keyed by "opgave|kanal|type" (type "" where none).
DURATION_KEY_SEP = "|"


@dataclass
class ReportFacts:
    """What ``Store.report_facts`` read, all as the database was at one moment."""

    facts: dict[FactDay, list[FactRow]] = field(default_factory=dict)
    # Only for days where two imports met in one group of facts (weekly or per-unit files never
    # pay for the duplicate search).
    duplicates: dict[FactDay, list[DuplicateRow]] = field(default_factory=dict)
    # "opgave|kanal|type" → the counted rows' handling times in whole seconds (end − start, rows
    # with a start time and not date-only, negative ones left out).
    durations: dict[str, array] = field(default_factory=dict)


# -- the protocols --------------------------------------------------------------------------------


class Snapshot(Protocol):
    """One selection as the database was at one moment: every read below describes that moment,
    whatever kiosks commit meanwhile, and none of them blocks a kiosk's write for long."""

    selection: Selection

    def rows(self, chunk: int | None = None,
             fields: Sequence[str] | None = None) -> Iterator[ExportRow] | Iterator[tuple]:
        """Live, non-trial rows of the selection, ordered by ``end_utc`` then ``seq``, read
        ``chunk`` rows at a time: :class:`ExportRow` objects, or with ``fields`` (names of
        ``storage.model.EXPORT_FIELDS``) plain tuples of exactly those fields in that order, for
        loops over a million rows."""

    def row_id(self, index: int) -> str | None:
        """The id of the ``index``-th row (from 0) of :meth:`rows`, for messages about it."""

    def left_out(self) -> LeftOut:
        """Live, voided and trial rows of the selection, counted independently of :meth:`rows`."""

    def answer_sets(self) -> list[str]:
        """The distinct ``answers`` JSON texts of the live rows."""

    def units_seen(self) -> list[str]:
        """Every unit with at least one row (any row, any time) in the database."""

    def changes_since(self, zone: tzinfo) -> Changes:
        """Rows of the selection registered or voided after the latest earlier export covering
        them (``exports`` log)."""


class ImportBatch(Protocol):
    """Rows of one file on their way in: staged without a lock on the shared data, then written
    all at once. A context manager: unfinished work is dropped."""

    staged: int

    def __enter__(self) -> ImportBatch: ...

    def __exit__(self, *exc: object) -> None: ...

    matched: Match | None  # the latest match (commit's, if it matched again)

    def add(self, rows: Iterable[tuple]) -> int:
        """Stage rows (tuples of ``storage.model.STAGING_COLUMNS``); returns how many."""

    def match(self, zone: tzinfo, fields: tuple[str, ...] = IDENTITY,
              keys: Sequence[int] | None = None) -> Match:
        """How many staged rows are new and how many are already stored, by identity with
        multiplicity (``storage.imports``; ``fields``: the identity's parts the file carries;
        ``keys``: each staged row's ``identity_key``, in staging order). Writes nothing shared."""

    def commit(self, *, sha256: str, content_sha256: str, file_name: str, layout: str,
               encoding: str, datakilde: str, station: str, operator: str,
               zone: tzinfo | None = None) -> ImportRecord | None:
        """Write every new staged row and the import record, all or nothing, matching again
        inside the transaction if anything was written since :meth:`match`. None (nothing
        written) when every row was already stored. Refuses a file (or the same lines in
        another encoding) imported before."""

    def discard(self) -> None: ...


@runtime_checkable
class Store(Protocol):
    """Registrations for one process: ``station`` and ``operator`` go on every row it writes."""

    engine: str  # "sqlite" or "postgresql"
    path: Path | str  # the location (a URL is never shown as is: storage.open.shown)
    station: str
    operator: str
    clock: Clock
    created: bool  # this process made the database (for init's report)
    migrated: list[str]  # migrations this process applied

    def close(self) -> None: ...

    def __enter__(self) -> Store: ...

    def __exit__(self, *exc: object) -> None: ...

    # -- writes -------------------------------------------------------------------------------

    def record(self, entry: Entry) -> list[str]:
        """Write an entry's rows durably; returns their ids. Retrying the same entry is a no-op."""

    def undo_last(self, *, station: str | None = None, enhed: str | None = None,
                  reason: str = "FORTRUDT") -> list[Registration]:
        """Void the latest (by ``seq``) live registration of a station or unit, a whole batch at
        once; by unit never an imported row. Empty when there is nothing to undo."""

    def undo_candidates(self, *, station: str | None = None,
                        enhed: str | None = None) -> list[Registration]:
        """What :meth:`undo_last` would void now, read only: to show and confirm before voiding
        exactly those ids with :meth:`void`."""

    def void(self, ids: Sequence[str], reason: str) -> list[Registration]:
        """Void the given registrations, all or none; refuses unknown or voided ids."""

    def restore(self, ids: Sequence[str]) -> list[str]:
        """Bring voided registrations back as new rows (``replaces`` set); returns the new ids."""

    # -- reads for the screens ----------------------------------------------------------------

    def get(self, rid: str) -> Registration | None: ...

    def has_registrations(self, ids: Sequence[str]) -> bool:
        """Every one of ``ids`` is stored (voided or not): an entry whose save was reported
        failed may have been stored all the same (a lost commit answer)."""
        ...

    def latest(self, *, station: str | None = None, enhed: str | None = None,
               limit: int = 10) -> list[Registration]:
        """The newest rows (by ``seq``) of a station or unit, voided ones marked."""

    def latest_live(self, *, station: str) -> Registration | None: ...

    def last_by_unit(self) -> dict[str, tuple[str, bool]]:
        """Per unit with any: the ``end_utc`` of its newest (by time) live, non-trial row, and
        whether that row was imported. One index probe per unit (the console's "Senest")."""

    def registrations(self, query: RegistrationQuery, before_seq: int | None = None,
                      limit: int = 50) -> RegistrationPage:
        """The coordinator's list: rows matching ``query`` with ``seq < before_seq``, newest
        first, voided ones marked (left out unless ``query.include_voided``). Keyset paging; a
        walk on unindexed filters stops after ``storage.query.SCAN_WINDOW`` seqs."""

    def day_detail(self, enhed: str, day: date, zone: tzinfo) -> list[tuple[str, str, str, int]]:
        """Live, non-trial rows of a unit on one local day by (UTC hour ``YYYY-MM-DDTHH``, or
        ``""`` for date-only rows, which have no time; station, operator), ordered."""

    def live_ids_of_entry(self, row: Registration) -> list[str]:
        """The live ids of the entry ``row`` belongs to: its whole batch, or just itself."""

    def latest_entries(self, *, station: str, limit: int = 10) -> list[tuple[Registration, int]]:
        """The station's newest entries, a batch once with its size."""

    def recent_entries(self, *, station: str, operator: str, limit: int = 10,
                       live_only: bool = False, enhed: str | None = None,
                       ) -> list[tuple[Registration, int]]:
        """One user's newest entries at one station, newest first, a batch once with its size;
        with ``enhed`` only that unit's entries (the desk repeats and lists the unit on screen)."""

    def count_day(self, enhed: str, day: date, zone: tzinfo, *, trial: bool = False) -> int: ...

    def count_range(self, enhed: str, first: date, last: date, zone: tzinfo, *,
                    trial: bool = False) -> int: ...

    def matrix(self, enhed: str, first: date, last: date, zone: tzinfo, *,
               trial: bool = False) -> dict[tuple[str | None, str], int]:
        """Live registrations of a unit in [first, last] by (type, kanal)."""

    def task_counts_day(self, enhed: str, day: date, zone: tzinfo, *,
                        trial: bool = False) -> dict[str, int]:
        """Live registrations of a unit on one local day, by task."""

    def grid(self, units: Sequence[str], first: date, last: date, zone: tzinfo, *,
             trial: bool = False) -> dict[tuple[str, date], int]:
        """Live registrations per (unit, local day) in [first, last]; cells without any are
        left out. ``units`` empty: every unit."""

    def history(self, *, enhed: str | None = None, day: date | None = None,
                zone: tzinfo | None = None) -> list[HistoryEvent]:
        """Every void and restore, oldest first, optionally of one unit and/or made on one local
        day (``zone`` needed with ``day``) (storage.history)."""

    def totals(self) -> dict[str, int]:
        """Row counts for ``doctor``: live, trial and voided registrations, and void rows."""

    def totals_by_unit(self) -> dict[str, int]: ...

    def imported_by_unit(self) -> dict[str, int]:
        """Live, non-trial rows that came by an import, per unit (``opsaetning``: a unit only
        imports brought is a note, not a problem)."""

    # -- exports and reports ------------------------------------------------------------------

    def snapshot(self, selection: Selection) -> AbstractContextManager[Snapshot]: ...

    def report_facts(self, days: Sequence[FactDay], durations: Sequence[FactDay] = (), *,
                     kommune_nr: str = "") -> ReportFacts:
        """The analyses' reads, all describing one moment: per day of ``days`` the live, non-trial
        rows counted as :class:`FactRow` (``kommune_nr``: rows of any other municipality are
        flagged) and the imported duplicates; the handling times of the live rows of the days of
        ``durations``. Never holds kiosks up for more than one day's read."""

    # -- imports ------------------------------------------------------------------------------

    def import_batch(self) -> ImportBatch: ...

    def find_import(self, *, sha256: str = "", content_sha256: str = "") -> ImportRecord | None:
        """The earlier import of the same file (same bytes, or same lines in another encoding)."""

    def own_rows_between(self, start_utc: str, end_utc: str) -> int:
        """Rows registered here (not imported) with ``start_utc <= end_utc < end_utc``."""

    def imports(self) -> list[ImportRecord]:
        """Every import, oldest first."""

    def import_status(self) -> list[tuple[ImportRecord, int]]:
        """Every import, oldest first (as :meth:`imports`), with its live rows now."""

    def undo_import(self, import_id: str, reason: str) -> UndoneImport:
        """Void every live row of an import (one transaction); refuses an unknown import."""

    # -- the log of delivered files -----------------------------------------------------------

    def record_export(self, *, kind: str, first: date, last: date, start_utc: str, end_utc: str,
                      units: tuple[str, ...], sources: tuple[str, ...], rows: int, sha256: str,
                      file_name: str, now: datetime) -> str:
        """Note a delivered Landkort file; returns the record's id."""

    def exports_overlapping(self, start_utc: str, end_utc: str) -> list[ExportRecord]:
        """Exports whose range overlaps [start_utc, end_utc), oldest first."""

    def export_covering(self, end_utc: str, enhed: str, datakilde: str) -> ExportRecord | None:
        """The latest export whose file already held a row at ``end_utc`` of this unit/source."""

    # -- the engine ---------------------------------------------------------------------------

    def schema_status(self) -> SchemaStatus: ...

    def init_lines(self) -> list[str]:
        """What ``taelleuge init`` prints about the database (no password)."""
