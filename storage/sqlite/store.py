"""The append-only registration store on an SQLite file (``storage.interface.Store``).

One connection per process, shared by the TUI's worker threads under a lock. Writes are durable
(``BEGIN IMMEDIATE … COMMIT`` with ``synchronous=FULL``) and never update or delete: undo writes a
void row (the schema's triggers refuse UPDATE and DELETE outright). Every row gets ``seq``, the
next number after the newest row's, inside that transaction: writers take turns, so ``seq`` is
commit order, and "latest" means highest ``seq``. Every ``sqlite3`` error leaves here typed
(``storage.errors``, by ``db.translated``).
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from ..errors import NotInitialised, NotTaelleugeDatabase, Refusal
from ..interface import HistoryEvent, SchemaStatus, Selection, UndoneImport
from ..model import REGISTRATIONS, RESTORE_COPIES, VOID_FACTS, VOIDS, ImportRecord, Registration
from ..query import SCAN_WINDOW, RegistrationPage, RegistrationQuery, page_of
from ..query import where as query_where
from ..registration import VOID_REASONS, Entry
from ..timeutil import Clock, local_day_bounds, local_range_bounds, system_clock, to_stored
from ..wording import plural
from . import db as dbmod
from . import group_file
from .group_file import create_group_writable
from .schema import MIGRATION_NAMES, MIGRATION_SET

_NOT_VOIDED = "NOT EXISTS (SELECT 1 FROM voids v WHERE v.registration_id = r.id)"
_REG = REGISTRATIONS.select("r")
# Every unit with a row, one index probe per unit (a loose scan of registrations_unit).
_UNITS = (
    "WITH RECURSIVE u(e) AS (SELECT min(enhed) FROM registrations UNION ALL "
    "SELECT (SELECT min(enhed) FROM registrations WHERE enhed > u.e) FROM u WHERE u.e IS NOT NULL) "
    "SELECT e FROM u WHERE e IS NOT NULL"
)


def next_seq(table: str) -> str:
    """SQL for the next ``seq`` of ``table``, evaluated per row inside the write transaction."""
    return f"coalesce((SELECT max(seq) FROM {table}), 0) + 1"


INSERT = REGISTRATIONS.insert("?", extra=[("seq", next_seq("registrations"))],
                              conflict="ON CONFLICT (id) DO NOTHING")

# A void copies its registration's counted facts; the registration is found by id.
_VOID_SOURCES = {"registration_id": "r.id", **{c: f"r.{c}" for c in VOID_FACTS}}
_VOID_GIVEN = [c for c in VOIDS.written if c not in _VOID_SOURCES]  # from the voiding process
_INSERT_VOID = (
    f"INSERT INTO voids ({', '.join(VOIDS.written)}, seq) "
    f"SELECT {', '.join(_VOID_SOURCES.get(c, '?') for c in VOIDS.written)}, {next_seq('voids')} "
    "FROM registrations r WHERE r.id = ?"
)
assert _VOID_GIVEN == ["id", "reason", "station", "operator", "created_utc"], _VOID_GIVEN

# A restore copies the voided row; the restoring process sets the rest (see model.RESTORE_COPIES).
_RESTORE_SET = [c for c in REGISTRATIONS.written if c not in RESTORE_COPIES]
_INSERT_RESTORE = (
    f"INSERT INTO registrations ({', '.join(REGISTRATIONS.written)}, seq) "
    f"SELECT {', '.join('r.id' if c == 'replaces' else '?' if c in _RESTORE_SET else f'r.{c}' for c in REGISTRATIONS.written)}, "
    f"{next_seq('registrations')} FROM registrations r WHERE r.id = ?"
)
assert _RESTORE_SET == ["id", "station", "operator", "batch_id", "replaces", "created_utc"], _RESTORE_SET


def schema_status(conn: sqlite3.Connection) -> SchemaStatus:
    """Read which migrations are applied, without importing sqlite-utils."""
    has_table = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlite_migrations'"
    ).fetchone()
    applied = [
        name for (name,) in conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY rowid",
            (MIGRATION_SET,),
        )
    ] if has_table else []
    return SchemaStatus(applied, [n for n in MIGRATION_NAMES if n not in applied])


def _checked_status(conn: sqlite3.Connection, path: Path) -> SchemaStatus:
    """Refuse a file that is not ours, without writing to it: never "repair" someone else's data."""
    try:
        with dbmod.translated(path):
            # One read transaction: read in two, a login starting while another commits the
            # migrations saw no migration table, then their tables, and refused the file.
            conn.execute("BEGIN")
            try:
                status = schema_status(conn)
                tables = {name for (name,) in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%'")}
            finally:
                conn.execute("COMMIT")
    except BaseException:
        conn.close()
        raise
    if not status.applied and tables - {"_sqlite_migrations"}:
        conn.close()
        raise NotTaelleugeDatabase(
            f"{path} er en anden SQLite-database (tabeller: {', '.join(sorted(tables)[:5])}). "
            "Tælleuge skriver ikke i den. Angiv en ny fil med --db eller TAELLEUGE_DB."
        )
    return status


class SqliteStore:
    """Registrations for one process: ``station`` and ``operator`` go on every row it writes."""

    engine = "sqlite"

    def __init__(
        self,
        path: str | Path,
        *,
        station: str,
        operator: str,
        clock: Clock = system_clock,
        migrate: bool = True,
        create: bool = True,
        readonly: bool = False,
    ):
        self.path = Path(path)
        self.readonly = readonly
        self.station = station
        self.operator = operator
        self.clock = clock
        self._lock = threading.Lock()
        try:
            exists = self.path.exists()
        except PermissionError:  # a folder on the way (2770) is closed to this user
            raise NotInitialised(
                f"Databasen {self.path} kan ikke nås af brugeren {self.operator}: en mappe på vejen "
                f"er lukket for den. Sæt brugeren i gruppen {dbmod.shared_group(self.path.parent)} (som "
                f"root: usermod -aG {dbmod.shared_group(self.path.parent)} {self.operator}) og log ind igen."
            ) from None
        # A mistyped path must not quietly start a second, empty database.
        if not (migrate and create and not readonly) and not exists:
            raise NotInitialised(f"Databasen {self.path} findes ikke. Kør: taelleuge init (det gør "
                                 "tovholderen), eller ret stien (--db, TAELLEUGE_DB eller "
                                 "konfigurationens database).")
        if readonly:
            # Reading commands on a read-only mount or a file this user may not write: SQLite's
            # mode=ro, no write queue, no migrations (db.connect refuses symlinks too).
            self.created, self.migrated = False, []
            self.conn = dbmod.connect(self.path, readonly=True)
            if _checked_status(self.conn, self.path).pending:
                self.conn.close()
                raise NotInitialised(f"Databasen {self.path} mangler opdateringer og kan ikke skrives "
                                     "her. Kør taelleuge init, hvor den kan skrives.")
            return
        if exists:
            # Say what is wrong (read-only disk, which file's permissions) before the first
            # registration fails on it.
            problem = dbmod.diagnose(self.path)
            if problem is not None:
                raise problem
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.created = not exists  # for init's report
        # SQLite itself would make it 0640 at best; True when this process made the file.
        made = create_group_writable(self.path) if not exists else False
        try:
            self.conn = dbmod.connect_checked(self.path)
            self.migrated: list[str] = []  # migrations this process applied (for `init`'s report)
            status = _checked_status(self.conn, self.path)
            if status.pending:
                if not migrate:
                    self.conn.close()
                    raise NotInitialised(
                        f"Databasen {self.path} mangler {plural(len(status.pending), 'opdatering', 'opdateringer')}. "
                        "Kør: taelleuge init"
                    )
                self.migrate()
        except BaseException:
            if made:  # a full disk during init: leave no empty file, journal or lock behind
                conn = getattr(self, "conn", None)
                if conn is not None:
                    conn.close()
                group_file.remove_if_still_empty(self.path)
            raise

    def migrate(self) -> None:
        from . import migrations  # sqlite-utils only here: keeps pandas off the kiosk path

        with self._lock, dbmod.translated(self.path):
            self.migrated = migrations.apply(self.conn)

    def close(self) -> None:
        with self._lock:
            self.conn.close()

    def _follow_replaced_file(self) -> None:
        """Under the lock: when the file at our path is another one now (deleted and made again
        with ``taelleuge init``, a backup moved into place), open that one, so the kiosk goes on
        writing where everyone reads, never into the deleted file. The new file passes the same
        checks as at start; a missing file or one that is not ours is refused in Danish."""
        if not dbmod.file_replaced(self.conn):
            return
        if not self.path.exists():  # deleted and not made again: say so; never create a file here
            raise dbmod.replaced_error(self.path)
        new = dbmod.connect(self.path, readonly=True) if self.readonly else \
            dbmod.connect_checked(self.path)  # refuses a missing file: never creates one here
        status = _checked_status(new, self.path)  # closes ``new`` when it is not ours
        if status.pending:
            new.close()
            raise NotInitialised(f"Databasefilen {self.path} er udskiftet med en, der mangler "
                                 f"{plural(len(status.pending), 'opdatering', 'opdateringer')}. "
                                 "Intet er gemt. Kør: taelleuge init")
        old, self.conn = self.conn, new
        old.close()

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Use of the shared connection for reads: serialised, with file errors typed."""
        with self._lock, dbmod.translated(self.path):
            self._follow_replaced_file()
            yield

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """A write transaction on the shared connection, on the file now at our path."""
        with self._lock:
            self._follow_replaced_file()
            with dbmod.write_txn(self.conn) as conn:
                yield conn

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _rows(self, sql: str, params: Sequence = ()) -> list[tuple]:
        with self.reading():
            return self.conn.execute(sql, params).fetchall()

    # -- writes -------------------------------------------------------------------------------

    def record(self, entry: Entry) -> list[str]:
        """Write an entry's rows durably; returns their ids. Retrying the same entry is a no-op."""
        rows = [REGISTRATIONS.to_row(r) for r in entry.records(self.station, self.operator, self.clock())]
        with self._writing():
            self.conn.executemany(INSERT, rows)
        return list(entry.ids)

    def undo_last(
        self, *, station: str | None = None, enhed: str | None = None, reason: str = "FORTRUDT"
    ) -> list[Registration]:
        """Void the latest live registration of a station or unit (a whole batch at once).

        Returns the voided rows; an empty list when there is nothing left to undo.
        """
        if (station is None) == (enhed is None):
            raise ValueError("give exactly one of station or enhed")
        # By unit: never an imported row (an import is not "the latest registration" anyone made).
        where, arg = (
            ("r.station = ?", station) if station is not None
            else ("r.enhed = ? AND r.import_id IS NULL", enhed)
        )
        with self._writing():
            latest = self.conn.execute(
                f"SELECT {_REG} FROM registrations r "
                f"WHERE {where} AND {_NOT_VOIDED} ORDER BY r.seq DESC LIMIT 1",
                (arg,),
            ).fetchone()
            if latest is None:
                return []
            first = REGISTRATIONS.from_row(latest)
            rows = [first]
            if first.batch_id:
                rows = [
                    REGISTRATIONS.from_row(row) for row in self.conn.execute(
                        f"SELECT {_REG} FROM registrations r "
                        f"WHERE r.batch_id = ? AND {_NOT_VOIDED} ORDER BY r.seq",
                        (first.batch_id,),
                    )
                ]
            self._write_voids([r.id for r in rows], reason)
        return rows

    def undo_candidates(self, *, station: str | None = None,
                        enhed: str | None = None) -> list[Registration]:
        """What ``undo_last`` would void now (read only): show it, ask, then ``void`` those ids."""
        if (station is None) == (enhed is None):
            raise ValueError("give exactly one of station or enhed")
        where, arg = (
            ("r.station = ?", station) if station is not None
            else ("r.enhed = ? AND r.import_id IS NULL", enhed)
        )
        latest = self._rows(f"SELECT {_REG} FROM registrations r "
                            f"WHERE {where} AND {_NOT_VOIDED} ORDER BY r.seq DESC LIMIT 1", (arg,))
        if not latest:
            return []
        first = REGISTRATIONS.from_row(latest[0])
        if not first.batch_id:
            return [first]
        return [REGISTRATIONS.from_row(row) for row in self._rows(
            f"SELECT {_REG} FROM registrations r WHERE r.batch_id = ? AND {_NOT_VOIDED} "
            "ORDER BY r.seq", (first.batch_id,))]

    def void(self, ids: Sequence[str], reason: str) -> list[Registration]:
        """Void the given registrations (all or none). Refuses unknown or already voided ids."""
        ids = list(dict.fromkeys(ids))  # the same id twice is one void, not a constraint error
        with self._writing():
            found = self._fetch(ids)
            missing = [i for i in ids if i not in found]
            if missing:
                raise Refusal(f"Registreringen {missing[0]} findes ikke", "id")
            already = [i for i in ids if found[i].voided]
            if already:
                raise Refusal(f"Registreringen {already[0]} er allerede annulleret", "id")
            self._write_voids(list(ids), reason)
        return [found[i] for i in ids]

    def restore(self, ids: Sequence[str]) -> list[str]:
        """Bring voided registrations back as new rows (same fields, new ids, ``replaces`` set).

        The way back from an undo, without touching the void: the audit trail keeps both.
        """
        ids = list(dict.fromkeys(ids))
        created = to_stored(self.clock())
        new_batch = str(uuid.uuid4()) if len(ids) > 1 else None
        with self._writing():
            found = self._fetch(ids)
            for rid in ids:
                if rid not in found or not found[rid].voided:
                    raise Refusal(f"Registreringen {rid} er ikke annulleret og kan ikke genskabes", "id")
                if self.conn.execute("SELECT 1 FROM registrations WHERE replaces = ?", (rid,)).fetchone():
                    raise Refusal(f"Registreringen {rid} er allerede genskabt", "id")
            new_ids = [str(uuid.uuid4()) for _ in ids]
            given = {"station": self.station, "operator": self.operator, "batch_id": new_batch,
                     "created_utc": created}
            for new_id, rid in zip(new_ids, ids):
                values = {**given, "id": new_id}
                self.conn.execute(_INSERT_RESTORE,
                                  [values[c] for c in _RESTORE_SET if c != "replaces"] + [rid])
        return new_ids

    def _write_voids(self, ids: Sequence[str], reason: str) -> None:
        if reason not in VOID_REASONS:
            raise Refusal(f'Ukendt årsag "{reason}". Tilladte: {", ".join(VOID_REASONS)}', "grund")
        created = to_stored(self.clock())
        self.conn.executemany(
            _INSERT_VOID,
            [(str(uuid.uuid4()), reason, self.station, self.operator, created, rid) for rid in ids],
        )

    # -- reads --------------------------------------------------------------------------------

    def _fetch(self, ids: Sequence[str]) -> dict[str, Registration]:
        marks = ",".join("?" * len(ids))
        rows = self.conn.execute(
            f"SELECT {_REG}, NOT {_NOT_VOIDED} FROM registrations r WHERE r.id IN ({marks})",
            list(ids),
        ).fetchall()
        return {row[0]: REGISTRATIONS.from_row(row, voided=bool(row[-1])) for row in rows}

    def get(self, rid: str) -> Registration | None:
        with self.reading():
            return self._fetch([rid]).get(rid)

    def has_registrations(self, ids: Sequence[str]) -> bool:
        if not ids:
            return True
        with self.reading():
            return len(self._fetch(list(dict.fromkeys(ids)))) == len(set(ids))

    def count_day(self, enhed: str, day: date, zone, *, trial: bool = False) -> int:
        start, end = local_day_bounds(day, zone)
        return self._count(enhed, start, end, trial)

    def count_range(self, enhed: str, first: date, last: date, zone, *, trial: bool = False) -> int:
        start, end = local_range_bounds(first, last, zone)
        return self._count(enhed, start, end, trial)

    # Live = registered minus voided: two range counts on covering indexes (see m003).
    _RANGE = "WHERE enhed = ? AND trial = ? AND end_utc >= ? AND end_utc < ?"

    def _count(self, enhed: str, start: str, end: str, trial: bool) -> int:
        args = (enhed, int(trial), start, end)
        return self._rows(
            f"SELECT (SELECT count(*) FROM registrations {self._RANGE}) "
            f"- (SELECT count(*) FROM voids {self._RANGE})",
            args + args,
        )[0][0]

    def matrix(
        self, enhed: str, first: date, last: date, zone, *, trial: bool = False
    ) -> dict[tuple[str | None, str], int]:
        """Live registrations of a unit in [first, last] by (type, kanal)."""
        start, end = local_range_bounds(first, last, zone)
        args = (enhed, int(trial), start, end)
        counts: dict[tuple[str | None, str], int] = {}
        with self.reading():
            for table, sign in (("registrations", 1), ("voids", -1)):
                for t, k, n in self.conn.execute(
                    f"SELECT type, kanal, count(*) FROM {table} {self._RANGE} GROUP BY type, kanal", args
                ):
                    counts[(t, k)] = counts.get((t, k), 0) + sign * n
        return {key: n for key, n in counts.items() if n}

    def grid(self, units: Sequence[str], first: date, last: date, zone, *,
             trial: bool = False) -> dict[tuple[str, date], int]:
        """Live registrations per (unit, local day): per day, registered minus voided, each a
        range count per unit on the covering (enhed, trial, end_utc, ...) index of its table."""
        days = [date.fromordinal(n) for n in range(first.toordinal(), last.toordinal() + 1)]
        grid: dict[tuple[str, date], int] = {}
        with self.reading():
            wanted = list(units) or [u for (u,) in self.conn.execute(_UNITS)]
            marks = ",".join("?" * len(wanted))
            for day in days:
                start, end = local_day_bounds(day, zone)
                args = (*wanted, int(trial), start, end)
                for table, sign in (("registrations", 1), ("voids", -1)):
                    for unit, n in self.conn.execute(
                        f"SELECT enhed, count(*) FROM {table} WHERE enhed IN ({marks}) AND trial = ? "
                        "AND end_utc >= ? AND end_utc < ? GROUP BY enhed", args
                    ):
                        grid[(unit, day)] = grid.get((unit, day), 0) + sign * n
        return {key: n for key, n in grid.items() if n}

    def registrations(self, query: RegistrationQuery, before_seq: int | None = None,
                      limit: int = 50) -> RegistrationPage:
        """One page of the coordinator's list, newest first (storage.query)."""
        if query.day is not None:
            return self._registrations_of_day(query, before_seq, limit)
        terms, args, windowed = query_where(query, before_seq, "?", _NOT_VOIDED)
        with self.reading():
            floor = None
            if windowed:
                top = before_seq if before_seq is not None else (self.conn.execute(
                    "SELECT max(seq) FROM registrations").fetchone()[0] or 0) + 1
                floor = max(top - SCAN_WINDOW, 1)
                terms.append("r.seq >= ?")
                args.append(floor)
            rows = self.conn.execute(
                f"SELECT {_REG}, NOT {_NOT_VOIDED} FROM registrations r "
                f"{'WHERE ' + ' AND '.join(terms) if terms else ''} ORDER BY r.seq DESC LIMIT ?",
                [*args, limit],
            ).fetchall()
        return page_of([REGISTRATIONS.from_row(row, voided=bool(row[-1])) for row in rows],
                       limit, floor)

    def _registrations_of_day(self, query: RegistrationQuery, before_seq: int | None,
                              limit: int) -> RegistrationPage:
        """A day holds ~40k rows at 1M: first their seqs from the (end_utc, seq) index alone
        (sorted without reading the table), then the rows of the newest few and their voids;
        reading and sorting whole rows took ~180 ms (bench/console.py), this ~15 ms."""
        rows: list[Registration] = []
        below = before_seq
        with self.reading():
            while len(rows) < limit:
                terms, args, _ = query_where(query, below, "?", None)
                want = limit - len(rows) + 16  # a few spare for voided rows
                seqs = [seq for (seq,) in self.conn.execute(
                    # "+ 0": no index may serve the order, so the planner takes the day's range
                    # on a covering index and sorts; it otherwise walked (enhed, seq) through the
                    # table, 50-80 ms for a unit's day two days back instead of ~1 ms.
                    f"SELECT r.seq FROM registrations r WHERE {' AND '.join(terms)} "
                    "ORDER BY r.seq + 0 DESC LIMIT ?", [*args, want])]
                if not seqs:
                    break
                voided = "" if query.include_voided else f" AND {_NOT_VOIDED}"
                marks = ",".join("?" * len(seqs))
                rows += [REGISTRATIONS.from_row(row, voided=bool(row[-1])) for row in self.conn.execute(
                    f"SELECT {_REG}, NOT {_NOT_VOIDED} FROM registrations r WHERE r.seq IN ({marks})"
                    f"{voided} ORDER BY r.seq DESC", seqs)]
                if len(seqs) < want:
                    break
                below = seqs[-1]
        rows = rows[:limit]
        return page_of(rows, limit, None) if len(rows) == limit else RegistrationPage(rows, None)

    def day_detail(self, enhed: str, day: date, zone) -> list[tuple[str, str, str, int]]:
        """Live, non-trial rows of a unit on one local day counted by (UTC hour "YYYY-MM-DDTHH",
        station, operator): the coordinator's drill-down into one cell of the coverage grid."""
        start, end = local_day_bounds(day, zone)
        return [tuple(row) for row in self._rows(
            "SELECT CASE WHEN r.date_only = 1 THEN '' ELSE substr(r.end_utc, 1, 13) END, "
            f"r.station, r.operator, count(*) FROM registrations r "
            f"{self._RANGE} AND {_NOT_VOIDED} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
            (enhed, 0, start, end),
        )]

    def latest(
        self, *, station: str | None = None, enhed: str | None = None, limit: int = 10
    ) -> list[Registration]:
        """The newest rows of a station or unit, voided ones included and marked."""
        where, arg = ("r.station = ?", station) if station is not None else ("r.enhed = ?", enhed)
        rows = self._rows(
            f"SELECT {_REG}, NOT {_NOT_VOIDED} FROM registrations r "
            f"WHERE {where} ORDER BY r.seq DESC LIMIT ?",
            (arg, limit),
        )
        return [REGISTRATIONS.from_row(row, voided=bool(row[-1])) for row in rows]

    def last_by_unit(self) -> dict[str, tuple[str, bool]]:
        # Per unit (a skip-scan of (enhed, seq)), one backward walk of (enhed, trial, end_utc).
        rows = self._rows(
            f"SELECT e, (SELECT r.seq FROM registrations r WHERE r.enhed = e AND r.trial = 0 "
            f"AND {_NOT_VOIDED} ORDER BY r.end_utc DESC LIMIT 1) AS s FROM ({_UNITS})")
        seqs = [s for _, s in rows if s is not None]
        if not seqs:
            return {}
        marks = ",".join("?" * len(seqs))
        return {e: (t, bool(i)) for e, t, i in self._rows(
            f"SELECT enhed, end_utc, import_id IS NOT NULL FROM registrations WHERE seq IN ({marks})",
            seqs)}

    def latest_live(self, *, station: str) -> Registration | None:
        """The station's newest registration that is not voided."""
        rows = self._rows(
            f"SELECT {_REG} FROM registrations r "
            f"WHERE r.station = ? AND {_NOT_VOIDED} ORDER BY r.seq DESC LIMIT 1",
            (station,),
        )
        return REGISTRATIONS.from_row(rows[0]) if rows else None

    def live_ids_of_entry(self, row: Registration) -> list[str]:
        """The ids of the entry ``row`` belongs to: its whole batch, or just itself."""
        if not row.batch_id:
            return [row.id]
        return [rid for (rid,) in self._rows(
            f"SELECT r.id FROM registrations r WHERE r.batch_id = ? AND {_NOT_VOIDED} ORDER BY r.seq",
            (row.batch_id,),
        )]

    def latest_entries(self, *, station: str, limit: int = 10) -> list[tuple[Registration, int]]:
        """The station's newest entries, a batch shown once with its size."""
        entries: list[tuple[Registration, int]] = []
        for row in self.latest(station=station, limit=limit):
            if row.batch_id and entries and entries[-1][0].batch_id == row.batch_id:
                continue
            entries.append((row, 1))
        with self.reading():
            return [
                (row, self.conn.execute(
                    "SELECT count(*) FROM registrations WHERE batch_id = ?", (row.batch_id,)
                ).fetchone()[0] if row.batch_id else 1)
                for row, _ in entries
            ]

    def recent_entries(
        self, *, station: str, operator: str, limit: int = 10, live_only: bool = False,
        enhed: str | None = None,
    ) -> list[tuple[Registration, int]]:
        """One user's newest entries at one station, newest first, voided ones marked (or left out
        with ``live_only``).

        ``limit`` counts entries, not rows: a batch is one entry (its newest row) with its size.
        A batch's rows are written in one transaction, so they sit together in seq order and
        the walk jumps over them with one indexed query instead of reading them all.
        """
        entries: list[tuple[Registration, int]] = []
        below = 2**63 - 1  # past every seq
        with self.reading():
            while len(entries) < limit:
                row = self.conn.execute(
                    f"SELECT {_REG}, NOT {_NOT_VOIDED} FROM registrations r "
                    "WHERE r.station = ? AND r.operator = ? AND r.seq < ? "
                    + ("AND r.enhed = ? " if enhed is not None else "") + "ORDER BY r.seq DESC LIMIT 1",
                    (station, operator, below, *([enhed] if enhed is not None else [])),
                ).fetchone()
                if row is None:
                    break
                found = REGISTRATIONS.from_row(row, voided=bool(row[-1]))
                below, count = found.seq, 1
                if found.batch_id:
                    count, first = self.conn.execute(
                        "SELECT count(*), min(seq) FROM registrations WHERE batch_id = ?",
                        (found.batch_id,),
                    ).fetchone()
                    below = first
                    if found.voided:  # voided only when every row of the batch is
                        found = replace(found, voided=not self.conn.execute(
                            f"SELECT 1 FROM registrations r WHERE r.batch_id = ? AND {_NOT_VOIDED} LIMIT 1",
                            (found.batch_id,)).fetchone())
                if not (live_only and found.voided):
                    entries.append((found, count))
        return entries

    def task_counts_day(self, enhed: str, day: date, zone, *, trial: bool = False) -> dict[str, int]:
        """Live registrations of a unit on one local day, by task (KLE number)."""
        start, end = local_day_bounds(day, zone)
        return dict(self._rows(
            f"SELECT opgave, count(*) FROM registrations r {self._RANGE} AND {_NOT_VOIDED} "
            "GROUP BY opgave",
            (enhed, int(trial), start, end),
        ))

    def history(self, *, enhed: str | None = None, day: date | None = None,
                zone=None) -> list[HistoryEvent]:
        """Every void and restore, oldest first (storage.history)."""
        from .. import history

        (voids, vargs), (restores, rargs) = history.queries("?", enhed, history.bounds(day, zone))
        with self.reading(), dbmod.read_txn(self.conn):  # both lists as of one moment
            return history.events(self.conn.execute(voids, vargs).fetchall(),
                                  self.conn.execute(restores, rargs).fetchall())

    def totals(self) -> dict[str, int]:
        """Row counts for ``doctor``: live, trial and voided registrations, and void rows."""
        # Registered minus voided, on the covering indexes (a void carries its row's unit and
        # trial flag, and voids.registration_id is unique): ~0.1 s at 1M rows, where a per-row
        # NOT EXISTS held the read lock for 0.6 s (doctor runs beside the desks).
        [(live, trial, voids)] = self._rows(
            """
            SELECT
              (SELECT count(*) FROM registrations WHERE trial = 0)
                - (SELECT count(*) FROM voids WHERE trial = 0),
              (SELECT count(*) FROM registrations WHERE trial = 1)
                - (SELECT count(*) FROM voids WHERE trial = 1),
              (SELECT count(*) FROM voids)
            """
        )
        return {"registreringer": live, "prøve": trial, "annullerede": voids, "annulleringer": voids}

    def imported_by_unit(self) -> dict[str, int]:
        return dict(self._rows(
            f"SELECT enhed, count(*) FROM registrations r WHERE r.import_id IS NOT NULL "
            f"AND r.trial = 0 AND {_NOT_VOIDED} GROUP BY enhed ORDER BY enhed"))

    def totals_by_unit(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        with self.reading(), dbmod.read_txn(self.conn):  # as in totals(), per unit
            for table, sign in (("registrations", 1), ("voids", -1)):
                for enhed, n in self.conn.execute(
                        f"SELECT enhed, count(*) FROM {table} WHERE trial = 0 GROUP BY enhed"):
                    counts[enhed] = counts.get(enhed, 0) + sign * n
        return {enhed: n for enhed, n in sorted(counts.items(), key=lambda kv: kv[0] or "") if n}

    # -- exports and reports ------------------------------------------------------------------

    def snapshot(self, selection: Selection):
        """The selection as it is now, read later in short transactions (storage.sqlite.snapshot)."""
        from .snapshot import snapshot

        return snapshot(self, selection)

    def report_facts(self, days, durations=(), *, kommune_nr: str = ""):
        """The analyses' reads, at one moment (storage.sqlite.facts)."""
        from .facts import report_facts

        return report_facts(self, days, durations, kommune_nr=kommune_nr)

    # -- imports ------------------------------------------------------------------------------

    def import_batch(self):
        from .bulk import ImportBatch

        return ImportBatch(self)

    def find_import(self, *, sha256: str = "", content_sha256: str = "") -> ImportRecord | None:
        from .bulk import find_import

        with self.reading():
            return find_import(self.conn, sha256=sha256, content_sha256=content_sha256)

    def own_rows_between(self, start_utc: str, end_utc: str) -> int:
        return self._rows(
            "SELECT count(*) FROM registrations WHERE import_id IS NULL AND end_utc >= ? "
            "AND end_utc < ?",
            (start_utc, end_utc),
        )[0][0]

    def imports(self) -> list[ImportRecord]:
        from .bulk import imports

        with self.reading():
            return imports(self.conn)

    def import_status(self) -> list[tuple[ImportRecord, int]]:
        from .bulk import imports

        with self.reading():
            self.conn.execute("BEGIN")  # the list and the counts of one moment
            try:
                records = imports(self.conn)
                live = dict(self.conn.execute(
                    f"SELECT r.import_id, count(*) FROM registrations r "
                    f"WHERE r.import_id IS NOT NULL AND {_NOT_VOIDED} GROUP BY r.import_id"))
            finally:
                self.conn.execute("COMMIT")
        return [(record, live.get(record.id, 0)) for record in records]

    def undo_import(self, import_id: str, reason: str) -> UndoneImport:
        """Void every live row of an import, in one transaction (its voided rows stay voided)."""
        from .bulk import find_by_id

        with self._writing():
            record = find_by_id(self.conn, import_id)
            if record is None:
                raise Refusal(f"Importen {import_id} findes ikke", "import")
            ids = [rid for (rid,) in self.conn.execute(
                f"SELECT r.id FROM registrations r WHERE r.import_id = ? AND {_NOT_VOIDED} "
                "ORDER BY r.seq", (import_id,))]
            self._write_voids(ids, reason)
        return UndoneImport(record, len(ids))

    # -- the log of delivered files -----------------------------------------------------------

    def record_export(self, *, kind: str, first: date, last: date, start_utc: str, end_utc: str,
                      units: tuple[str, ...], sources: tuple[str, ...], rows: int, sha256: str,
                      file_name: str, now: datetime) -> str:
        from . import export_log

        with self._lock:
            return export_log.record(
                self.conn, kind=kind, first=first, last=last, start_utc=start_utc,
                end_utc=end_utc, units=units, sources=sources, rows=rows, sha256=sha256,
                file_name=file_name, station=self.station, operator=self.operator, now=now)

    def exports_overlapping(self, start_utc: str, end_utc: str):
        from . import export_log

        with self.reading():
            return export_log.overlapping(self.conn, start_utc, end_utc)

    def export_covering(self, end_utc: str, enhed: str, datakilde: str):
        from .. import export_log as neutral

        return neutral.covering(self.exports_overlapping(*neutral.point_range(end_utc)),
                                end_utc, enhed, datakilde)

    # -- the engine ---------------------------------------------------------------------------

    def schema_status(self) -> SchemaStatus:
        with self.reading():
            return schema_status(self.conn)

    def journal_mode(self) -> str:
        with self.reading():
            return dbmod.journal_mode(self.conn)

    def init_lines(self) -> list[str]:
        status = self.schema_status()
        news = f"anvendt nu: {', '.join(self.migrated)}" if self.migrated else "var allerede opdateret"
        return [
            f"Database: {self.path} ({'oprettet' if self.created else 'fandtes'})",
            f"Skema: version {status.version} ({news})",
            f"Journal: {self.journal_mode()} ({dbmod.journal_choice().reason})",
        ]
