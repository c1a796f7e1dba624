"""The append-only registration store on a PostgreSQL server (``storage.interface.Store``): the
same methods, signatures and results as ``storage.sqlite.store.SqliteStore``.

One connection per process (autocommit; every write is one explicit transaction), shared by the
TUI's worker threads under a lock, as with SQLite. Every psycopg error leaves here as a typed
``StorageError`` (storage.postgres.translate); a connection that died (server restart, network
cut) is replaced by a new one on the next call. ``record`` and the reads try once more on a fresh
connection when an idle connection turns out to be dead: ``record`` is idempotent by its UUIDs
(``ON CONFLICT (id) DO NOTHING``), so a retry never counts twice. Undo, void and restore are not
repeated behind the caller's back: the caller sees DatabaseUnreachable and decides.

Voids and restores: one transaction-level advisory lock serialises them (a handful per minute
across a municipality), then the checks read with a fresh statement snapshot, and UNIQUE
(voids.registration_id) and the unique index on ``replaces`` catch anything that still races: a
Danish Refusal, as with SQLite. (``SELECT … FOR UPDATE`` would need UPDATE privilege on the
table, which the staff role must not have.)
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from typing import TypeVar

import psycopg

from ..errors import (DatabaseBusy, DatabaseUnreachable, NotInitialised, NotTaelleugeDatabase,
                      OutcomeUnknown, ReadOnlyDatabase, Refusal)
from ..interface import HistoryEvent, Selection, UndoneImport
from ..model import (REGISTRATIONS, RESTORE_COPIES, VOID_FACTS, VOIDS, ImportRecord,
                     Registration)
from ..query import SCAN_WINDOW, RegistrationPage, RegistrationQuery, page_of
from ..query import where as query_where
from ..registration import VOID_REASONS, Entry
from ..timeutil import Clock, local_day_bounds, local_range_bounds, system_clock, to_stored
from ..wording import plural
from . import connect as pgconnect
from . import schema, watchdog
from .translate import first_line, translate

T = TypeVar("T")

# SQL from the model (storage.model); seq is an identity column here, set by the server.
_REG_SELECT = REGISTRATIONS.select("r")
_NOT_VOIDED = "NOT EXISTS (SELECT 1 FROM voids v WHERE v.registration_id = r.id)"
_INSERT = REGISTRATIONS.insert("%s", conflict="ON CONFLICT (id) DO NOTHING")
# A void copies its registration's counted facts; the registration is found by id.
_VOID_SOURCES = {"registration_id": "r.id", **{c: f"r.{c}" for c in VOID_FACTS}}
_INSERT_VOID = (
    f"INSERT INTO voids ({', '.join(VOIDS.written)}) "
    f"SELECT {', '.join(_VOID_SOURCES.get(c, '%s') for c in VOIDS.written)} "
    "FROM registrations r WHERE r.id = %s"
)
# A restore copies the voided row (model.RESTORE_COPIES); the restoring process sets the rest.
_RESTORE_SET = [c for c in REGISTRATIONS.written if c not in RESTORE_COPIES]
_INSERT_RESTORE = (
    f"INSERT INTO registrations ({', '.join(REGISTRATIONS.written)}) "
    f"SELECT {', '.join('r.id' if c == 'replaces' else '%s' if c in _RESTORE_SET else f'r.{c}' for c in REGISTRATIONS.written)} "
    "FROM registrations r WHERE r.id = %s"
)
VOID_LOCK = (schema.LOCK_CLASS, 2)
_CHECK_HISTORY = ("Se efter med: taelleuge historik, før du {again} igen (ellers kan det ramme en "
                  "anden registrering).")

# A retried entry must find its own rows: the same columns, apart from when it was written.
_VERIFIED = [c for c in REGISTRATIONS.written if c != "created_utc"]
_VERIFY = f"SELECT {', '.join(_VERIFIED)} FROM registrations WHERE id = ANY(%s)"


def _stored_as(conn: psycopg.Connection, rows: list[tuple]) -> bool:
    """Every row of an entry is stored, with this content (its ids are random UUIDs)."""
    wanted = {row[0]: tuple(row[REGISTRATIONS.written.index(c)] for c in _VERIFIED) for row in rows}
    stored = {row[0]: tuple(row) for row in conn.execute(_VERIFY, (list(wanted),))}
    return stored == wanted


def _all_present(table: str, ids: Sequence[str]) -> Callable[[psycopg.Connection], bool]:
    """A check that every one of ``ids`` (fresh UUIDs a write made) is in ``table`` now."""
    def check(conn: psycopg.Connection) -> bool:
        [(n,)] = conn.execute(f"SELECT count(*) FROM {table} WHERE id = ANY(%s)", (list(ids),))
        return n == len(set(ids))
    return check


@dataclass
class _Sent:
    """A write whose COMMIT is on its way: how to see afterwards whether it landed, what it
    returns if it did, and (Danish) what it was and how a person checks it."""
    check: Callable[[psycopg.Connection], bool]
    result: object
    what: str
    how: str


def _verify_already_stored(conn: psycopg.Connection, rows: list[tuple]) -> None:
    """Some ids of an entry were there already: a retry whose first commit went through although
    the connection died before its answer came back (outcome unknown to us). ON CONFLICT DO
    NOTHING kept the second copy out; here the stored rows must be that same entry, or the whole
    write is refused (rolled back: all or none)."""
    wanted = {row[0]: tuple(row[REGISTRATIONS.written.index(c)] for c in _VERIFIED) for row in rows}
    stored = {row[0]: tuple(row) for row in conn.execute(_VERIFY, (list(wanted),))}
    for rid, values in wanted.items():
        if rid in stored and stored[rid] != values:
            raise Refusal(
                f"Registreringens id {rid} er allerede brugt af en anden registrering i "
                "databasen. Intet er gemt; kontakt IT.", "id")


class PgStore:
    """Registrations for one process: ``station`` and ``operator`` go on every row it writes."""

    engine = "postgresql"

    def __init__(
        self,
        url: str,
        *,
        station: str,
        operator: str,
        clock: Clock = system_clock,
        migrate: bool = True,
        create: bool = True,
    ):
        self.path = url  # the location, as with Store (a URL here; never shown: it may hold a password)
        self.station = station
        self.operator = operator
        self.clock = clock
        self.shown = pgconnect.describe(url)  # for messages: no password
        self._url = url
        self._user = pgconnect.settings(url).get("user", "")
        self._lock = threading.Lock()
        self._conn: psycopg.Connection | None = None
        self.generation = 0  # bumps on every new connection (TEMP tables die with the old one)
        self._sent: _Sent | None = None
        self.migrated: list[str] = []
        status = self._call(schema.status, retry=False)
        if status.foreign_tables:
            self.close()
            raise NotTaelleugeDatabase(
                f"Databasen ({self.shown}) har andre tabeller ({', '.join(status.foreign_tables)}) "
                "og ingen Tælleuge-skemaversion. Tælleuge skriver ikke i den. Brug en tom database "
                "til Tælleuge.",
                short="databasen er ikke en Tælleuge-database: kontakt tovholderen",
            )
        self.created = not status.applied  # for init's report: the schema was made now
        if not status.applied and not (migrate and create):
            self.close()
            raise NotInitialised(
                f"Databasen ({self.shown}) har endnu ingen Tælleuge-tabeller. Kør: taelleuge init"
            )
        if status.pending:
            if not migrate:
                self.close()
                raise NotInitialised(
                    f"Databasen ({self.shown}) mangler {plural(len(status.pending), 'opdatering', 'opdateringer')}. "
                    "Kør: taelleuge init"
                )
            self.migrate()

    # -- connection -----------------------------------------------------------------------------

    def _connection(self) -> psycopg.Connection:
        conn = self._conn
        if conn is None or conn.closed or conn.broken:
            self._drop()
            self._conn = conn = pgconnect.connect(self._url)
            self.generation += 1
        return conn

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except psycopg.Error:
                pass
            self._conn = None

    def _translated(self, error: psycopg.Error) -> Exception:
        typed = translate(error, self.shown, self._user)
        if isinstance(typed, DatabaseUnreachable) or (self._conn is not None and self._conn.broken):
            self._drop()  # the next call connects anew
        return typed

    def _call(self, work: Callable[[psycopg.Connection], T], *, retry: bool,
              deadline: float | None | str = "read") -> T:
        """Run ``work`` on the connection under the lock. ``retry``: ``work`` is safe to repeat,
        so a connection found dead on first use is replaced once, silently. ``deadline``: seconds
        after which a server that does not answer at all (hung, stopped) is given up on; by
        default a read's (``retry``) bound, none for the rest (imports, flyt: long by nature)."""
        if deadline == "read":
            deadline = pgconnect.READ_DEADLINE_S if retry else None
        # Another thread's call hangs on a server that does not answer: do not queue behind it
        # for ever (a kiosk's write behind a panel read); "busy", so the kiosk retries.
        if not self._lock.acquire(timeout=pgconnect.QUEUE_WAIT_S):
            raise DatabaseBusy(
                f"Forbindelsen til databaseserveren ({self.shown}) er stadig optaget af en "
                "tidligere handling, som venter på serveren. Intet er gemt; prøv igen om lidt.",
                short="databaseserveren er optaget lige nu", code="queue")
        try:
            return self._call_locked(work, retry=retry, deadline=deadline)  # type: ignore[arg-type]
        finally:
            self._lock.release()

    def _call_locked(self, work: Callable[[psycopg.Connection], T], *, retry: bool,
                     deadline: float | None = None) -> T:
        for attempt in (1, 2):
            fresh = self._conn is None or self._conn.closed or self._conn.broken
            self._sent = None
            try:
                conn = self._connection()
                with watchdog.deadline(conn.fileno(), deadline):
                    return work(conn)
            except psycopg.Error as error:
                typed = self._translated(error)
                sent, self._sent = self._sent, None
                if sent is not None and isinstance(typed, DatabaseUnreachable):
                    # The COMMIT went out and its answer was lost: it may have landed. Ask.
                    if self._landed(sent, error):
                        return sent.result  # type: ignore[return-value]
                    # Checked on a new connection: it did not land, so "nothing saved" is true.
                if retry and attempt == 1 and not fresh and isinstance(typed, DatabaseUnreachable):
                    continue  # an idle connection the server dropped: once more on a new one
                raise typed from None
        raise AssertionError("unreachable")

    def _committing(self, check: Callable[[psycopg.Connection], bool], result: object, *,
                    what: str, how: str) -> None:
        """Called last inside a write's transaction: leaving it sends COMMIT. Should the answer
        be lost, ``check`` on a new connection tells whether the write landed."""
        self._sent = _Sent(check, result, what, how)

    def _landed(self, sent: _Sent, cause: psycopg.Error) -> bool:
        """Whether a write whose COMMIT answer was lost is stored; OutcomeUnknown when the
        server cannot be asked (never "nothing saved" then: it may be)."""
        self._drop()
        try:
            conn = self._connection()
            with watchdog.deadline(conn.fileno(), pgconnect.READ_DEADLINE_S):
                return sent.check(conn)
        except psycopg.Error:
            self._drop()
            raise OutcomeUnknown(
                f"Databaseserveren svarede ikke, efter {sent.what} var sendt til den "
                f"({self.shown}): {first_line(cause)}. Den kan heller ikke nås nu, så det er "
                f"uvist, om {sent.what} blev gemt. {sent.how}",
                code=getattr(cause, "sqlstate", None) or type(cause).__name__,
            ) from None

    @contextmanager
    def _locked_connection(self) -> Iterator[psycopg.Connection]:
        """The connection for a longer piece of work (snapshot, import), errors typed."""
        with self._lock:
            try:
                yield self._connection()
            except psycopg.Error as error:
                raise self._translated(error) from None

    @contextmanager
    def reading(self) -> Iterator[None]:
        """``Store.reading``: serialised use of the shared connection, errors typed."""
        with self._locked_connection():
            yield

    def migrate(self) -> None:
        try:
            self.migrated = self._call(schema.apply, retry=False)
        except ReadOnlyDatabase as error:
            self.close()
            raise ReadOnlyDatabase(
                f"Databasebrugeren {self._user or '(standard)'} må ikke oprette eller opdatere "
                f"Tælleuges tabeller ({self.shown}). Det gør databasens ejer, fx tovholderens "
                "login: kør taelleuge init som det login. Intet er ændret.",
                short=error.short, code=error.code,
            ) from None

    def schema_status(self) -> schema.SchemaStatus:
        return self._call(schema.status, retry=True)

    def close(self) -> None:
        with self._lock:
            self._drop()

    def __enter__(self) -> PgStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writes -------------------------------------------------------------------------------

    def record(self, entry: Entry) -> list[str]:
        """Write an entry's rows durably; returns their ids. Retrying the same entry is a no-op."""
        rows = [REGISTRATIONS.to_row(r) for r in entry.records(self.station, self.operator, self.clock())]

        ids = list(entry.ids)

        def write(conn: psycopg.Connection) -> None:
            with conn.transaction(), conn.cursor() as cur:
                cur.executemany(_INSERT, rows)
                if cur.rowcount < len(rows):  # rowcount: the sum over the rows
                    _verify_already_stored(conn, rows)
                self._committing(
                    lambda c: _stored_as(c, rows), None, what="registreringen",
                    how=f"Se efter med: taelleuge registreringer --enhed {entry.enhed} (id "
                        f"{ids[0]}), før den registreres igen. En kiosk prøver selv igen med samme "
                        "id, så den aldrig tælles to gange.")

        self._call(write, retry=True, deadline=pgconnect.WRITE_DEADLINE_S)
        return ids

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
            ("r.station = %s", station) if station is not None
            else ("r.enhed = %s AND r.import_id IS NULL", enhed)
        )

        def undo(conn: psycopg.Connection) -> list[Registration]:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", VOID_LOCK)
                latest = conn.execute(
                    f"SELECT {_REG_SELECT} FROM registrations r "
                    f"WHERE {where} AND {_NOT_VOIDED} ORDER BY r.seq DESC LIMIT 1",
                    (arg,),
                ).fetchone()
                if latest is None:
                    return []
                first = REGISTRATIONS.from_row(latest)
                rows = [first]
                if first.batch_id:
                    rows = [REGISTRATIONS.from_row(row) for row in conn.execute(
                        f"SELECT {_REG_SELECT} FROM registrations r "
                        f"WHERE r.batch_id = %s AND {_NOT_VOIDED} ORDER BY r.seq",
                        (first.batch_id,),
                    )]
                self._void_committing(conn, [r.id for r in rows], reason, rows)
                return rows

        return self._call(undo, retry=False, deadline=pgconnect.WRITE_DEADLINE_S)

    def undo_candidates(self, *, station: str | None = None,
                        enhed: str | None = None) -> list[Registration]:
        """What ``undo_last`` would void now (read only): show it, ask, then ``void`` those ids."""
        if (station is None) == (enhed is None):
            raise ValueError("give exactly one of station or enhed")
        where, arg = (
            ("r.station = %s", station) if station is not None
            else ("r.enhed = %s AND r.import_id IS NULL", enhed)
        )

        def read(conn: psycopg.Connection) -> list[Registration]:
            latest = conn.execute(f"SELECT {_REG_SELECT} FROM registrations r WHERE {where} AND "
                                  f"{_NOT_VOIDED} ORDER BY r.seq DESC LIMIT 1", (arg,)).fetchone()
            if latest is None:
                return []
            first = REGISTRATIONS.from_row(latest)
            if not first.batch_id:
                return [first]
            return [REGISTRATIONS.from_row(row) for row in conn.execute(
                f"SELECT {_REG_SELECT} FROM registrations r WHERE r.batch_id = %s AND "
                f"{_NOT_VOIDED} ORDER BY r.seq", (first.batch_id,))]

        return self._call(read, retry=True)

    def void(self, ids: Sequence[str], reason: str) -> list[Registration]:
        """Void the given registrations (all or none). Refuses unknown or already voided ids."""
        ids = list(dict.fromkeys(ids))  # the same id twice is one void, not a constraint error

        def void(conn: psycopg.Connection) -> list[Registration]:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", VOID_LOCK)
                found = self._fetch(conn, ids)
                missing = [i for i in ids if i not in found]
                if missing:
                    raise Refusal(f"Registreringen {missing[0]} findes ikke", "id")
                already = [i for i in ids if found[i].voided]
                if already:
                    raise Refusal(f"Registreringen {already[0]} er allerede annulleret", "id")
                result = [found[i] for i in ids]
                self._void_committing(conn, ids, reason, result)
            return result

        return self._call(void, retry=False, deadline=pgconnect.WRITE_DEADLINE_S)

    def restore(self, ids: Sequence[str]) -> list[str]:
        """Bring voided registrations back as new rows (same fields, new ids, ``replaces`` set)."""
        ids = list(dict.fromkeys(ids))
        created = to_stored(self.clock())
        new_batch = str(uuid.uuid4()) if len(ids) > 1 else None
        given = {"station": self.station, "operator": self.operator, "batch_id": new_batch,
                 "created_utc": created}

        def restore(conn: psycopg.Connection) -> list[str]:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", VOID_LOCK)
                found = self._fetch(conn, ids)
                for rid in ids:
                    if rid not in found or not found[rid].voided:
                        raise Refusal(
                            f"Registreringen {rid} er ikke annulleret og kan ikke genskabes", "id")
                restored = {r for (r,) in conn.execute(
                    "SELECT replaces FROM registrations WHERE replaces = ANY(%s)", (ids,))}
                for rid in ids:
                    if rid in restored:
                        raise Refusal(f"Registreringen {rid} er allerede genskabt", "id")
                new_ids = [str(uuid.uuid4()) for _ in ids]
                params = [[{**given, "id": new_id}[c] for c in _RESTORE_SET if c != "replaces"] + [rid]
                          for new_id, rid in zip(new_ids, ids)]
                try:
                    with conn.cursor() as cur:
                        cur.executemany(_INSERT_RESTORE, params)
                except psycopg.errors.UniqueViolation:  # the lock makes this a backstop only
                    raise Refusal("Registreringen er allerede genskabt", "id") from None
                self._committing(_all_present("registrations", new_ids), new_ids,
                                 what="genskabelsen", how=_CHECK_HISTORY.format(again="genskaber"))
                return new_ids

        return self._call(restore, retry=False, deadline=pgconnect.WRITE_DEADLINE_S)

    def _write_voids(self, conn: psycopg.Connection, ids: Sequence[str], reason: str) -> list[str]:
        """Void rows for ``ids``; returns the void rows' own (new) ids."""
        if reason not in VOID_REASONS:
            raise Refusal(f'Ukendt årsag "{reason}". Tilladte: {", ".join(VOID_REASONS)}', "grund")
        created = to_stored(self.clock())
        void_ids = [str(uuid.uuid4()) for _ in ids]
        try:
            with conn.cursor() as cur:
                cur.executemany(
                    _INSERT_VOID,
                    [(vid, reason, self.station, self.operator, created, rid)
                     for vid, rid in zip(void_ids, ids)],
                )
        except psycopg.errors.UniqueViolation:  # the lock makes this a backstop only
            raise Refusal("Registreringen er allerede annulleret", "id") from None
        return void_ids

    def _void_committing(self, conn: psycopg.Connection, ids: Sequence[str], reason: str,
                         result: object) -> None:
        """Write the voids, last in a transaction: a lost COMMIT answer is settled by looking
        for exactly these void rows (never by voiding "the latest" again)."""
        void_ids = self._write_voids(conn, ids, reason)
        self._committing(_all_present("voids", void_ids), result, what="annulleringen",
                         how=_CHECK_HISTORY.format(again="fortryder"))

    # -- reads --------------------------------------------------------------------------------

    @staticmethod
    def _fetch(conn: psycopg.Connection, ids: Sequence[str]) -> dict[str, Registration]:
        rows = conn.execute(
            f"SELECT {_REG_SELECT}, NOT {_NOT_VOIDED} FROM registrations r WHERE r.id = ANY(%s)",
            (list(ids),),
        ).fetchall()
        return {row[0]: REGISTRATIONS.from_row(row, voided=bool(row[-1])) for row in rows}

    def _read(self, sql: str, params: Sequence = ()) -> list[tuple]:
        return self._call(lambda conn: conn.execute(sql, params).fetchall(), retry=True)

    def get(self, rid: str) -> Registration | None:
        return self._call(lambda conn: self._fetch(conn, [rid]), retry=True).get(rid)

    def has_registrations(self, ids: Sequence[str]) -> bool:
        wanted = list(dict.fromkeys(ids))
        return self._call(_all_present("registrations", wanted), retry=True)

    def count_day(self, enhed: str, day: date, zone, *, trial: bool = False) -> int:
        start, end = local_day_bounds(day, zone)
        return self._count(enhed, start, end, trial)

    def count_range(self, enhed: str, first: date, last: date, zone, *, trial: bool = False) -> int:
        start, end = local_range_bounds(first, last, zone)
        return self._count(enhed, start, end, trial)

    # Live = registered minus voided: two range counts on the (enhed, trial, end_utc, ...) indexes.
    _RANGE = "WHERE enhed = %s AND trial = %s AND end_utc >= %s AND end_utc < %s"

    def _count(self, enhed: str, start: str, end: str, trial: bool) -> int:
        args = (enhed, int(trial), start, end)
        return self._read(
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
        rows = self._read(
            f"SELECT type, kanal, count(*) FROM registrations {self._RANGE} GROUP BY type, kanal "
            f"UNION ALL SELECT type, kanal, -count(*) FROM voids {self._RANGE} GROUP BY type, kanal",
            args + args,
        )
        for t, k, n in rows:
            counts[(t, k)] = counts.get((t, k), 0) + n
        return {key: n for key, n in counts.items() if n}

    def registrations(self, query: RegistrationQuery, before_seq: int | None = None,
                      limit: int = 50) -> RegistrationPage:
        """One page of the coordinator's list, newest first (storage.query)."""
        terms, args, windowed = query_where(query, before_seq, "%s", _NOT_VOIDED)

        def read(conn: psycopg.Connection) -> RegistrationPage:
            floor = None
            sql_terms, sql_args = list(terms), list(args)
            if windowed:
                top = before_seq if before_seq is not None else (conn.execute(
                    "SELECT max(seq) FROM registrations").fetchone()[0] or 0) + 1
                floor = max(top - SCAN_WINDOW, 1)
                sql_terms.append("r.seq >= %s")
                sql_args.append(floor)
            rows = conn.execute(
                f"SELECT {_REG_SELECT}, NOT {_NOT_VOIDED} FROM registrations r "
                f"{'WHERE ' + ' AND '.join(sql_terms) if sql_terms else ''} "
                "ORDER BY r.seq DESC LIMIT %s",
                [*sql_args, limit],
            ).fetchall()
            return page_of([REGISTRATIONS.from_row(row, voided=bool(row[-1])) for row in rows],
                           limit, floor)

        return self._call(read, retry=True)

    def day_detail(self, enhed: str, day: date, zone) -> list[tuple[str, str, str, int]]:
        """Live, non-trial rows of a unit on one local day counted by (UTC hour "YYYY-MM-DDTHH",
        station, operator): the coordinator's drill-down into one cell of the coverage grid."""
        start, end = local_day_bounds(day, zone)
        return [tuple(row) for row in self._read(
            "SELECT CASE WHEN r.date_only = 1 THEN '' ELSE substr(r.end_utc, 1, 13) END, "
            f"r.station, r.operator, count(*) FROM registrations r "
            f"{self._RANGE} AND {_NOT_VOIDED} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
            (enhed, 0, start, end),
        )]

    def latest(
        self, *, station: str | None = None, enhed: str | None = None, limit: int = 10
    ) -> list[Registration]:
        """The newest rows of a station or unit, voided ones included and marked."""
        where, arg = ("r.station = %s", station) if station is not None else ("r.enhed = %s", enhed)
        rows = self._read(
            f"SELECT {_REG_SELECT}, NOT {_NOT_VOIDED} FROM registrations r "
            f"WHERE {where} ORDER BY r.seq DESC LIMIT %s",
            (arg, limit),
        )
        return [REGISTRATIONS.from_row(row, voided=bool(row[-1])) for row in rows]

    def last_by_unit(self) -> dict[str, tuple[str, bool]]:
        # Per unit (a skip-scan of (enhed, seq)), one backward walk of (enhed, trial, end_utc).
        rows = self._read(
            "WITH RECURSIVE u(e) AS (SELECT min(enhed) FROM registrations UNION ALL "
            "SELECT (SELECT min(enhed) FROM registrations WHERE enhed > u.e) FROM u "
            "WHERE u.e IS NOT NULL) "
            "SELECT u.e, r.end_utc, r.import_id IS NOT NULL FROM u CROSS JOIN LATERAL "
            "(SELECT r.end_utc, r.import_id FROM registrations r WHERE r.enhed = u.e "
            f"AND r.trial = 0 AND {_NOT_VOIDED} ORDER BY r.end_utc DESC LIMIT 1) r "
            "WHERE u.e IS NOT NULL")
        return {e: (t, bool(i)) for e, t, i in rows}

    def latest_live(self, *, station: str) -> Registration | None:
        """The station's newest registration that is not voided."""
        rows = self._read(
            f"SELECT {_REG_SELECT} FROM registrations r "
            f"WHERE r.station = %s AND {_NOT_VOIDED} ORDER BY r.seq DESC LIMIT 1",
            (station,),
        )
        return REGISTRATIONS.from_row(rows[0]) if rows else None

    def live_ids_of_entry(self, row: Registration) -> list[str]:
        """The ids of the entry ``row`` belongs to: its whole batch, or just itself."""
        if not row.batch_id:
            return [row.id]
        return [rid for (rid,) in self._read(
            f"SELECT r.id FROM registrations r WHERE r.batch_id = %s AND {_NOT_VOIDED} "
            "ORDER BY r.seq",
            (row.batch_id,),
        )]

    def latest_entries(self, *, station: str, limit: int = 10) -> list[tuple[Registration, int]]:
        """The station's newest entries, a batch shown once with its size."""
        entries: list[tuple[Registration, int]] = []
        for row in self.latest(station=station, limit=limit):
            if row.batch_id and entries and entries[-1][0].batch_id == row.batch_id:
                continue
            entries.append((row, 1))
        batches = [row.batch_id for row, _ in entries if row.batch_id]
        sizes = dict(self._read(
            "SELECT batch_id, count(*) FROM registrations WHERE batch_id = ANY(%s) GROUP BY batch_id",
            (batches,),
        )) if batches else {}
        return [(row, sizes.get(row.batch_id, 1) if row.batch_id else 1) for row, _ in entries]

    def recent_entries(
        self, *, station: str, operator: str, limit: int = 10, live_only: bool = False,
        enhed: str | None = None,
    ) -> list[tuple[Registration, int]]:
        """One user's newest entries at one station, newest first (a batch once, with its size),
        voided ones marked or, with ``live_only``, left out. As the SQLite engine's."""
        entries: list[tuple[Registration, int]] = []
        below = 2**63 - 1  # past every seq

        def walk(conn: psycopg.Connection) -> None:
            nonlocal below
            while len(entries) < limit:
                row = conn.execute(
                    f"SELECT {_REG_SELECT}, NOT {_NOT_VOIDED} FROM registrations r "
                    "WHERE r.station = %s AND r.operator = %s AND r.seq < %s "
                    + ("AND r.enhed = %s " if enhed is not None else "") + "ORDER BY r.seq DESC LIMIT 1",
                    (station, operator, below, *([enhed] if enhed is not None else [])),
                ).fetchone()
                if row is None:
                    return
                found = REGISTRATIONS.from_row(row, voided=bool(row[-1]))
                below, count = found.seq, 1
                if found.batch_id:
                    count, first, live = conn.execute(
                        f"SELECT count(*), min(r.seq), count(*) FILTER (WHERE {_NOT_VOIDED}) "
                        "FROM registrations r WHERE r.batch_id = %s",
                        (found.batch_id,),
                    ).fetchone()
                    below = first
                    found = replace(found, voided=live == 0)  # voided when every row of it is
                if not (live_only and found.voided):
                    entries.append((found, count))

        entries.clear()
        self._call(walk, retry=True)
        return entries

    def task_counts_day(self, enhed: str, day: date, zone, *, trial: bool = False) -> dict[str, int]:
        """Live registrations of a unit on one local day, by task (KLE number)."""
        start, end = local_day_bounds(day, zone)
        return dict(self._read(
            f"SELECT r.opgave, count(*) FROM registrations r {self._RANGE} AND {_NOT_VOIDED} "
            "GROUP BY r.opgave",
            (enhed, int(trial), start, end),
        ))

    def history(self, *, enhed: str | None = None, day: date | None = None,
                zone=None) -> list[HistoryEvent]:
        """Every void and restore, oldest first (storage.history)."""
        from .. import history

        (voids, vargs), (restores, rargs) = history.queries("%s", enhed, history.bounds(day, zone))

        def read(conn: psycopg.Connection) -> list[HistoryEvent]:
            with conn.transaction():  # both lists as of one moment
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                return history.events(conn.execute(voids, vargs).fetchall(),
                                      conn.execute(restores, rargs).fetchall())

        return self._call(read, retry=True)

    def totals(self) -> dict[str, int]:
        """Row counts for ``doctor``: live, trial and voided registrations, and void rows."""
        [(live, trial, voided, voids)] = self._read(
            f"""
            SELECT
              (SELECT count(*) FROM registrations r WHERE trial = 0 AND {_NOT_VOIDED}),
              (SELECT count(*) FROM registrations r WHERE trial = 1 AND {_NOT_VOIDED}),
              (SELECT count(*) FROM registrations r WHERE NOT {_NOT_VOIDED}),
              (SELECT count(*) FROM voids)
            """
        )
        return {"registreringer": live, "prøve": trial, "annullerede": voided, "annulleringer": voids}

    def imported_by_unit(self) -> dict[str, int]:
        return dict(self._read(
            f"SELECT enhed, count(*) FROM registrations r WHERE r.import_id IS NOT NULL "
            f"AND r.trial = 0 AND {_NOT_VOIDED} GROUP BY enhed ORDER BY enhed"))

    def totals_by_unit(self) -> dict[str, int]:
        return dict(self._read(
            f"SELECT enhed, count(*) FROM registrations r WHERE trial = 0 AND {_NOT_VOIDED} "
            "GROUP BY enhed ORDER BY enhed"
        ))

    def grid(self, units: Sequence[str], first: date, last: date, zone, *,
             trial: bool = False) -> dict[tuple[str, date], int]:
        """Live registrations per (unit, local day): per day, registered minus voided, grouped
        by unit on the (enhed, trial, end_utc, ...) indexes, in one round trip."""
        days = [date.fromordinal(n) for n in range(first.toordinal(), last.toordinal() + 1)]
        if not days:
            return {}
        bounds = [local_day_bounds(day, zone) for day in days]
        wanted = " AND t.enhed = ANY(%s)" if units else ""
        part = ("SELECT t.enhed, d.n, {sign}count(*) FROM {table} t JOIN "
                "unnest(%s::text[], %s::text[]) WITH ORDINALITY AS d(a, b, n) "
                "ON t.end_utc >= d.a AND t.end_utc < d.b WHERE t.trial = %s" + wanted +
                " GROUP BY t.enhed, d.n")
        args = [[a for a, _ in bounds], [b for _, b in bounds], int(trial)] + ([list(units)] if units else [])
        rows = self._read(
            part.format(sign="", table="registrations") + " UNION ALL "
            + part.format(sign="-", table="voids"),
            args + args,
        )
        grid: dict[tuple[str, date], int] = {}
        for unit, n, count in rows:
            key = (unit, days[n - 1])
            grid[key] = grid.get(key, 0) + count
        return {key: n for key, n in grid.items() if n}

    # -- exports, imports, the export log ---------------------------------------------------------

    def snapshot(self, selection: Selection, *, chunk: int | None = None):
        """One REPEATABLE READ, READ ONLY transaction for an export (storage.postgres.snapshot)."""
        from .snapshot import CHUNK_ROWS, snapshot

        return snapshot(self, selection, chunk or CHUNK_ROWS)

    def report_facts(self, days, durations=(), *, kommune_nr: str = ""):
        """The analyses' reads, at one moment (storage.postgres.facts)."""
        from .facts import report_facts

        return report_facts(self, days, durations, kommune_nr=kommune_nr)

    def import_batch(self):
        from .bulk import PgImportBatch

        return PgImportBatch(self)

    def find_import(self, *, sha256: str = "", content_sha256: str = "") -> ImportRecord | None:
        from .bulk import find_import

        return self._call(lambda conn: find_import(conn, sha256=sha256,
                                                   content_sha256=content_sha256), retry=True)

    def own_rows_between(self, start_utc: str, end_utc: str) -> int:
        return self._read(
            "SELECT count(*) FROM registrations WHERE import_id IS NULL AND end_utc >= %s "
            "AND end_utc < %s",
            (start_utc, end_utc),
        )[0][0]

    def imports(self) -> list[ImportRecord]:
        from .bulk import imports

        return self._call(imports, retry=True)

    def import_status(self) -> list[tuple[ImportRecord, int]]:
        from .bulk import imports

        def read(conn: psycopg.Connection) -> list[tuple[ImportRecord, int]]:
            with conn.transaction():  # the list and the counts of one moment
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                records = imports(conn)
                live = dict(conn.execute(
                    f"SELECT r.import_id, count(*) FROM registrations r "
                    f"WHERE r.import_id IS NOT NULL AND {_NOT_VOIDED} GROUP BY r.import_id"))
            return [(record, live.get(record.id, 0)) for record in records]

        return self._call(read, retry=True)

    def undo_import(self, import_id: str, reason: str) -> UndoneImport:
        """Void every live row of an import, in one transaction (its voided rows stay voided)."""
        from .bulk import find_by_id

        def undo(conn: psycopg.Connection) -> UndoneImport:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", VOID_LOCK)
                record = find_by_id(conn, import_id)
                if record is None:
                    raise Refusal(f"Importen {import_id} findes ikke", "import")
                ids = [rid for (rid,) in conn.execute(
                    f"SELECT r.id FROM registrations r WHERE r.import_id = %s AND {_NOT_VOIDED} "
                    "ORDER BY r.seq", (import_id,))]
                result = UndoneImport(record, len(ids))
                self._void_committing(conn, ids, reason, result)
            return result

        return self._call(undo, retry=False)

    def record_export(self, *, kind: str, first: date, last: date, start_utc: str, end_utc: str,
                      units: tuple[str, ...], sources: tuple[str, ...], rows: int, sha256: str,
                      file_name: str, now) -> str:
        from . import export_log

        return self._call(lambda conn: export_log.record(
            conn, kind=kind, first=first, last=last, start_utc=start_utc, end_utc=end_utc,
            units=units, sources=sources, rows=rows, sha256=sha256, file_name=file_name,
            station=self.station, operator=self.operator, now=now), retry=False)

    def exports_overlapping(self, start_utc: str, end_utc: str):
        from . import export_log

        return self._call(lambda conn: export_log.overlapping(conn, start_utc, end_utc), retry=True)

    def export_covering(self, end_utc: str, enhed: str, datakilde: str):
        from .. import export_log as neutral

        return neutral.covering(self.exports_overlapping(*neutral.point_range(end_utc)),
                                end_utc, enhed, datakilde)

    def init_lines(self) -> list[str]:
        """``taelleuge init``'s report; creates and grants the roles where this login may."""
        from .admin import init_lines

        return init_lines(self)

