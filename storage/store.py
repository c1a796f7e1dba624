"""The append-only registration store.

One connection per process, shared by the TUI's worker threads under a lock. Writes are durable
(``BEGIN IMMEDIATE … COMMIT`` with ``synchronous=FULL``) and never update or delete: undo writes a
void row (the schema's triggers refuse UPDATE and DELETE outright).
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from . import db as dbmod
from .errors import NotInitialised, NotTaelleugeDatabase, Refusal
from . import group_file
from .group_file import create_group_writable
from .registration import VOID_REASONS, Entry, Registration
from .schema import MIGRATION_NAMES, MIGRATION_SET
from .timeutil import Clock, local_day_bounds, local_range_bounds, system_clock, to_stored

_NOT_VOIDED = "NOT EXISTS (SELECT 1 FROM voids v WHERE v.registration_id = r.id)"

_INSERT = (
    "INSERT INTO registrations (id, kommune_nr, kommune_navn, enhed, opgave, kanal, type, "
    "afslutning, blanket, start_utc, end_utc, date_only, datakilde, station, operator, answers, "
    "trial, batch_id, replaces, created_utc) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (id) DO NOTHING"
)


@dataclass(frozen=True)
class SchemaStatus:
    applied: list[str]
    pending: list[str]

    @property
    def version(self) -> int:
        return len(self.applied)


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
        status = schema_status(conn)
        tables = {name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")}
    except sqlite3.Error as error:
        conn.close()
        typed = dbmod.translate(error, path)
        if typed is None:
            raise
        raise typed from None
    if not status.applied and tables - {"_sqlite_migrations"}:
        conn.close()
        raise NotTaelleugeDatabase(
            f"{path} er en anden SQLite-database (tabeller: {', '.join(sorted(tables)[:5])}). "
            "Tælleuge skriver ikke i den. Angiv en ny fil med --db eller TAELLEUGE_DB."
        )
    return status


class Store:
    """Registrations for one process: ``station`` and ``operator`` go on every row it writes."""

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
                f"er lukket for den. Tjek, at brugeren er i gruppen {dbmod.shared_group(self.path.parent)}."
            ) from None
        # A mistyped path must not quietly start a second, empty database.
        if not (migrate and create and not readonly) and not exists:
            raise NotInitialised(f"Databasen {self.path} findes ikke. Kør: taelleuge init")
        if readonly:
            # Reading commands on a read-only mount or a file this user may not write: SQLite's
            # mode=ro, no write queue, no migrations (storage.db.connect refuses symlinks too).
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
                        f"Databasen {self.path} mangler {len(status.pending)} opdatering(er). "
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

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Use of the shared connection for reads: serialised, with file errors typed."""
        with self._lock, dbmod.translated(self.path):
            yield

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writes -------------------------------------------------------------------------------

    def record(self, entry: Entry) -> list[str]:
        """Write an entry's rows durably; returns their ids. Retrying the same entry is a no-op."""
        created = to_stored(self.clock())
        start = to_stored(entry.start) if entry.start else None
        end = to_stored(entry.end)
        answers = entry.answers_json()
        rows = [
            (rid, entry.kommune_nr, entry.kommune_navn, entry.enhed, entry.opgave, entry.kanal,
             entry.type, entry.afslutning, entry.blanket, start, end, int(entry.date_only),
             entry.datakilde, self.station, self.operator, answers, int(entry.trial),
             entry.batch_id, None, created)
            for rid in entry.ids
        ]
        with self._lock, dbmod.write_txn(self.conn):
            self.conn.executemany(_INSERT, rows)
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
            ("station = ?", station) if station is not None else ("enhed = ? AND import_id IS NULL", enhed)
        )
        with self._lock, dbmod.write_txn(self.conn):
            latest = self.conn.execute(
                f"SELECT {Registration.COLUMNS} FROM registrations r "
                f"WHERE {where} AND {_NOT_VOIDED} ORDER BY rowid DESC LIMIT 1",
                (arg,),
            ).fetchone()
            if latest is None:
                return []
            first = Registration.from_row(latest)
            rows = [first]
            if first.batch_id:
                rows = [
                    Registration.from_row(row) for row in self.conn.execute(
                        f"SELECT {Registration.COLUMNS} FROM registrations r "
                        f"WHERE batch_id = ? AND {_NOT_VOIDED} ORDER BY rowid",
                        (first.batch_id,),
                    )
                ]
            self._write_voids([r.id for r in rows], reason)
        return rows

    def void(self, ids: Sequence[str], reason: str) -> list[Registration]:
        """Void the given registrations (all or none). Refuses unknown or already voided ids."""
        ids = list(dict.fromkeys(ids))  # the same id twice is one void, not a constraint error
        with self._lock, dbmod.write_txn(self.conn):
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
        with self._lock, dbmod.write_txn(self.conn):
            found = self._fetch(ids)
            for rid in ids:
                if rid not in found or not found[rid].voided:
                    raise Refusal(f"Registreringen {rid} er ikke annulleret og kan ikke genskabes", "id")
                if self.conn.execute("SELECT 1 FROM registrations WHERE replaces = ?", (rid,)).fetchone():
                    raise Refusal(f"Registreringen {rid} er allerede genskabt", "id")
            new_ids = []
            for rid in ids:
                new_id = str(uuid.uuid4())
                self.conn.execute(
                    "INSERT INTO registrations (id, kommune_nr, kommune_navn, enhed, opgave, kanal, "
                    "type, afslutning, blanket, start_utc, end_utc, date_only, datakilde, station, "
                    "operator, answers, trial, batch_id, replaces, created_utc, import_id) "
                    "SELECT ?, kommune_nr, kommune_navn, enhed, opgave, kanal, type, afslutning, "
                    "blanket, start_utc, end_utc, date_only, datakilde, ?, ?, answers, trial, ?, id, ?, "
                    "import_id FROM registrations WHERE id = ?",
                    (new_id, self.station, self.operator, new_batch, created, rid),
                )
                new_ids.append(new_id)
        return new_ids

    def _write_voids(self, ids: Sequence[str], reason: str) -> None:
        if reason not in VOID_REASONS:
            raise Refusal(f'Ukendt årsag "{reason}". Tilladte: {", ".join(VOID_REASONS)}', "grund")
        created = to_stored(self.clock())
        self.conn.executemany(
            "INSERT INTO voids (id, registration_id, reason, station, operator, created_utc, "
            "enhed, trial, end_utc, type, kanal) "
            "SELECT ?, id, ?, ?, ?, ?, enhed, trial, end_utc, type, kanal "
            "FROM registrations WHERE id = ?",
            [(str(uuid.uuid4()), reason, self.station, self.operator, created, rid) for rid in ids],
        )

    # -- reads --------------------------------------------------------------------------------

    def _fetch(self, ids: Sequence[str]) -> dict[str, Registration]:
        marks = ",".join("?" * len(ids))
        rows = self.conn.execute(
            f"SELECT {Registration.COLUMNS}, NOT {_NOT_VOIDED} FROM registrations r "
            f"WHERE id IN ({marks})",
            list(ids),
        ).fetchall()
        return {row[0]: Registration.from_row(row[:-1], voided=bool(row[-1])) for row in rows}

    def get(self, rid: str) -> Registration | None:
        with self.reading():
            return self._fetch([rid]).get(rid)

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
        with self.reading():
            return self.conn.execute(
                f"SELECT (SELECT count(*) FROM registrations {self._RANGE}) "
                f"- (SELECT count(*) FROM voids {self._RANGE})",
                args + args,
            ).fetchone()[0]

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

    def latest(
        self, *, station: str | None = None, enhed: str | None = None, limit: int = 10
    ) -> list[Registration]:
        """The newest rows of a station or unit, voided ones included and marked."""
        where, arg = ("station = ?", station) if station is not None else ("enhed = ?", enhed)
        with self.reading():
            rows = self.conn.execute(
                f"SELECT {Registration.COLUMNS}, NOT {_NOT_VOIDED} FROM registrations r "
                f"WHERE {where} ORDER BY rowid DESC LIMIT ?",
                (arg, limit),
            ).fetchall()
        return [Registration.from_row(row[:-1], voided=bool(row[-1])) for row in rows]

    def latest_live(self, *, station: str) -> Registration | None:
        """The station's newest registration that is not voided."""
        with self.reading():
            row = self.conn.execute(
                f"SELECT {Registration.COLUMNS} FROM registrations r "
                f"WHERE station = ? AND {_NOT_VOIDED} ORDER BY rowid DESC LIMIT 1",
                (station,),
            ).fetchone()
        return Registration.from_row(row) if row else None

    def live_ids_of_entry(self, row: Registration) -> list[str]:
        """The ids of the entry ``row`` belongs to: its whole batch, or just itself."""
        if not row.batch_id:
            return [row.id]
        with self.reading():
            return [rid for (rid,) in self.conn.execute(
                f"SELECT id FROM registrations r WHERE batch_id = ? AND {_NOT_VOIDED} ORDER BY rowid",
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
        A batch's rows are written in one transaction, so they sit together in rowid order and
        the walk jumps over them with one indexed query instead of reading them all.
        """
        entries: list[tuple[Registration, int]] = []
        below = 2**63 - 1  # past every rowid
        with self.reading():
            while len(entries) < limit:
                row = self.conn.execute(
                    f"SELECT rowid, {Registration.COLUMNS}, NOT {_NOT_VOIDED} FROM registrations r "
                    "WHERE station = ? AND operator = ? AND rowid < ? "
                    + ("AND enhed = ? " if enhed is not None else "") + "ORDER BY rowid DESC LIMIT 1",
                    (station, operator, below, *([enhed] if enhed is not None else [])),
                ).fetchone()
                if row is None:
                    break
                found = Registration.from_row(row[1:-1], voided=bool(row[-1]))
                below, count = row[0], 1
                if found.batch_id:
                    count, first = self.conn.execute(
                        "SELECT count(*), min(rowid) FROM registrations WHERE batch_id = ?",
                        (found.batch_id,),
                    ).fetchone()
                    below = first
                    if found.voided:  # voided only when every row of the batch is
                        found = replace(found, voided=not self.conn.execute(
                            f"SELECT 1 FROM registrations r WHERE batch_id = ? AND {_NOT_VOIDED} LIMIT 1",
                            (found.batch_id,)).fetchone())
                if not (live_only and found.voided):
                    entries.append((found, count))
        return entries

    def task_counts_day(self, enhed: str, day: date, zone, *, trial: bool = False) -> dict[str, int]:
        """Live registrations of a unit on one local day, by task (KLE number)."""
        start, end = local_day_bounds(day, zone)
        with self.reading():
            rows = self.conn.execute(
                f"SELECT opgave, count(*) FROM registrations r {self._RANGE} AND {_NOT_VOIDED} "
                "GROUP BY opgave",
                (enhed, int(trial), start, end),
            ).fetchall()
        return dict(rows)

    def totals(self) -> dict[str, int]:
        """Row counts for ``doctor``: live, trial and voided registrations, and void rows."""
        # Registered minus voided, on the covering indexes (a void carries its row's unit and
        # trial flag, and voids.registration_id is unique): ~0.1 s at 1M rows, where a per-row
        # NOT EXISTS held the read lock for 0.6 s (doctor runs beside the desks).
        with self.reading():
            live, trial, voids = self.conn.execute(
                """
                SELECT
                  (SELECT count(*) FROM registrations WHERE trial = 0)
                    - (SELECT count(*) FROM voids WHERE trial = 0),
                  (SELECT count(*) FROM registrations WHERE trial = 1)
                    - (SELECT count(*) FROM voids WHERE trial = 1),
                  (SELECT count(*) FROM voids)
                """
            ).fetchone()
        return {"registreringer": live, "prøve": trial, "annullerede": voids, "annulleringer": voids}

    def totals_by_unit(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        with self.reading(), dbmod.read_txn(self.conn):  # as in totals(), per unit
            for table, sign in (("registrations", 1), ("voids", -1)):
                for enhed, n in self.conn.execute(
                        f"SELECT enhed, count(*) FROM {table} WHERE trial = 0 GROUP BY enhed"):
                    counts[enhed] = counts.get(enhed, 0) + sign * n
        return {enhed: n for enhed, n in sorted(counts.items(), key=lambda kv: kv[0] or "") if n}
