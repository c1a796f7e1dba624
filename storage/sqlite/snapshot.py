"""Reads for exports and reports: one consistent snapshot, read in short transactions.

Everything an export reads (the rows, the counts it checks them against, the local-question
answers that decide its header) describes one moment, so a kiosk committing in the middle of an
export can never make the file and its check report disagree. And no read holds a lock on the
shared database for long: in the rollback journal a reader's lock makes every kiosk's commit wait,
and an export that held one transaction for its whole write (200k rows to Excel: 42 s) made every
kiosk fail with "database is locked" after ``busy_timeout``.

The data is append-only (triggers refuse UPDATE and DELETE) and rowids only grow, so the moment is
a :class:`Mark`: the newest registration and void rowid, taken in one tiny transaction. Every later
read keeps to ``rowid <= mark`` (and counts a registration as voided only by a void ``<= mark``),
which is exactly the database as it was at the mark, whatever was committed since. Rows are
streamed in chunks of :data:`CHUNK` in ``(end_utc, rowid)`` order, each chunk its own short read
transaction resuming after the previous chunk's last key (keyset paging on the
``registrations_time`` index, so no chunk re-reads what came before). Measured at 1M rows:
bench/export_lock.py and bench/RESULTS.md.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import db as dbmod
from ..errors import StorageError
from .store import Store

# Rows per read transaction: ~20 ms each at 1M rows on the benchmark host (bench/export_lock.py).
CHUNK = 5000

# The columns an export row carries, in this order (see ``Snapshot.rows``).
EXPORT_COLUMNS = (
    "kommune_navn", "kommune_nr", "enhed", "opgave", "kanal", "type", "afslutning", "blanket",
    "end_utc", "start_utc", "datakilde", "answers",
)
_ROW_SQL = ("r.rowid, r.kommune_navn, r.kommune_nr, r.enhed, r.opgave, r.kanal, r.type, "
            "r.afslutning, r.blanket, r.end_utc, r.start_utc, r.datakilde, r.answers")
_END = 9  # position of end_utc in a fetched row (after the rowid)


@dataclass(frozen=True)
class Selection:
    """Which registrations: ``start_utc <= end_utc < end_utc_bound``, optionally some units only
    and some data sources only (empty tuple = all)."""

    start_utc: str
    end_utc: str
    units: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    def filters(self) -> tuple[str, list]:
        """The unit and source conditions alone (``" AND …"``, or empty)."""
        sql, params = "", []
        if self.units:
            sql += f" AND r.enhed IN ({','.join('?' * len(self.units))})"
            params += list(self.units)
        if self.sources:
            sql += f" AND r.datakilde IN ({','.join('?' * len(self.sources))})"
            params += list(self.sources)
        return sql, params

    def where(self) -> tuple[str, list]:
        sql, params = self.filters()
        return "r.end_utc >= ? AND r.end_utc < ?" + sql, [self.start_utc, self.end_utc, *params]


@dataclass(frozen=True)
class LeftOut:
    live: int  # what an export of the selection must contain
    voided: int  # voided rows that are not trial rows
    trial: int  # trial rows, voided or not


@dataclass(frozen=True)
class Mark:
    """The database at one moment: the newest registration and void rows (rowid and id; 0 and
    None when there are none). The ids let every later read check that the rowids still mean
    what they meant (only a VACUUM could renumber them)."""

    registrations: int
    voids: int
    registration_id: str | None
    void_id: str | None

    # A registration is in the snapshot when its rowid is at most the mark; it is voided in the
    # snapshot when a void at most the mark points at it. Parameters: (voids,), then (registrations,).
    VOIDED = "EXISTS (SELECT 1 FROM voids v WHERE v.registration_id = r.id AND v.rowid <= ?)"
    PRESENT = "r.rowid <= ?"


def take_mark(conn: sqlite3.Connection) -> Mark:
    """Call inside a read transaction."""
    reg = conn.execute("SELECT rowid, id FROM registrations ORDER BY rowid DESC LIMIT 1").fetchone()
    void = conn.execute("SELECT rowid, id FROM voids ORDER BY rowid DESC LIMIT 1").fetchone()
    return Mark(reg[0] if reg else 0, void[0] if void else 0, reg[1] if reg else None,
                void[1] if void else None)


def check_mark(conn: sqlite3.Connection, mark: Mark, path: Path | None = None) -> None:
    """Refuse to go on when the rowids of the mark no longer hold the same rows."""
    for table, rowid, rid in (("registrations", mark.registrations, mark.registration_id),
                              ("voids", mark.voids, mark.void_id)):
        if rowid and conn.execute(f"SELECT id FROM {table} WHERE rowid = ?", (rowid,)).fetchone() != (rid,):
            raise StorageError(
                f"Databasen {path or ''} blev omorganiseret (fx af VACUUM), mens den blev læst, så "
                "udtrækket ville ikke længere beskrive ét øjeblik. Intet er skrevet. Kør kommandoen "
                "igen.".replace("  ", " "),
                short="databasen blev omorganiseret under læsningen: prøv igen",
            )


class Snapshot:
    """The selection as it was at ``mark``; every method reads in its own short transaction(s)."""

    def __init__(self, conn: sqlite3.Connection, selection: Selection, mark: Mark,
                 lock: threading.Lock | None = None):
        self.conn = conn
        self.selection = selection
        self.mark = mark
        self._lock = lock or threading.Lock()

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        with self._lock, dbmod.read_txn(self.conn) as conn:
            check_mark(conn, self.mark, dbmod.path_of(conn))
            yield conn

    def _live(self) -> tuple[str, list]:
        """Live, non-trial rows of the snapshot (conditions after the selection's own)."""
        return (f" AND r.trial = 0 AND {Mark.PRESENT} AND NOT {Mark.VOIDED}",
                [self.mark.registrations, self.mark.voids])

    def rows(self, chunk: int = CHUNK) -> Iterator[tuple]:
        """Live, non-trial rows of the selection in time order, as tuples of ``EXPORT_COLUMNS``.

        Ordered by ``end_utc`` then rowid, which the ``registrations_time`` index answers without
        sorting; read ``chunk`` rows per transaction, each chunk starting right after the last key
        of the one before (rows with the same ``end_utc``, such as a day of date-only imported
        rows, are resumed by rowid). Only the columns a file needs: every column costs time on a
        million rows.
        """
        sel = self.selection
        filters, fparams = sel.filters()
        live, lparams = self._live()
        head = f"SELECT {_ROW_SQL} FROM registrations r INDEXED BY registrations_time WHERE "
        same_end = head + f"r.end_utc = ? AND r.rowid > ?{filters}{live} ORDER BY r.rowid LIMIT ?"
        later = head + f"r.end_utc {{op}} ? AND r.end_utc < ?{filters}{live} ORDER BY r.end_utc, r.rowid LIMIT ?"
        last: tuple[str, int] | None = None
        while True:
            with self._reading() as conn:
                rows: list[tuple] = []
                if last is not None:
                    rows = conn.execute(same_end, [last[0], last[1], *fparams, *lparams, chunk]).fetchall()
                wanted = chunk - len(rows)
                op, lower = (">", last[0]) if last is not None else (">=", sel.start_utc)
                more = conn.execute(later.format(op=op),
                                    [lower, sel.end_utc, *fparams, *lparams, wanted]).fetchall()
                rows += more
            for row in rows:
                yield row[1:]
            if len(more) < wanted:
                return
            last = (rows[-1][_END], rows[-1][0])

    def row_id(self, index: int) -> str | None:
        """The id of the ``index``-th row (from 0) of :meth:`rows`, for messages about it."""
        where, params = self.selection.where()
        live, lparams = self._live()
        with self._reading() as conn:
            found = conn.execute(
                f"SELECT r.id FROM registrations r INDEXED BY registrations_time WHERE {where}{live} "
                "ORDER BY r.end_utc, r.rowid LIMIT 1 OFFSET ?",
                [*params, *lparams, index],
            ).fetchone()
        return found[0] if found else None

    def left_out(self) -> LeftOut:
        """How many rows of the selection are live, voided and trial, counted independently of
        :meth:`rows`: from the covering ``registrations_unit_time`` index (rowid is in every
        index) and the ``voids`` table (a few hundred milliseconds for 1M rows instead of a second
        pass over the table)."""
        sel = self.selection
        mark = self.mark
        where, params = sel.where()
        with self._reading() as conn:
            if sel.sources:  # datakilde is in no index: count the plain way
                live, voided, trial = conn.execute(
                    "SELECT "
                    f"  coalesce(sum(r.trial = 0 AND NOT {Mark.VOIDED}), 0), "
                    f"  coalesce(sum(r.trial = 0 AND {Mark.VOIDED}), 0), "
                    "  coalesce(sum(r.trial = 1), 0) "
                    f"FROM registrations r WHERE {where} AND {Mark.PRESENT}",
                    [mark.voids, mark.voids, *params, mark.registrations],
                ).fetchone()
                return LeftOut(live, voided, trial)
            by_trial = dict(conn.execute(
                # The (enhed, trial, end_utc, ...) index holds every column needed: no table lookups.
                f"SELECT r.trial, count(*) FROM registrations r INDEXED BY registrations_unit_time "
                f"WHERE {where} AND {Mark.PRESENT} GROUP BY r.trial",
                [*params, mark.registrations],
            ).fetchall())
            voided = conn.execute(
                # Few rows are voided: start from the voids.
                f"SELECT count(*) FROM voids v CROSS JOIN registrations r ON r.id = v.registration_id "
                f"WHERE {where} AND r.trial = 0 AND v.rowid <= ? AND {Mark.PRESENT}",
                [*params, mark.voids, mark.registrations],
            ).fetchone()[0]
        return LeftOut(by_trial.get(0, 0) - voided, voided, by_trial.get(1, 0))

    def answer_sets(self) -> list[str]:
        """The distinct ``answers`` JSON texts of the live rows (a handful, even for 1M rows;
        0.4 s there, in one read)."""
        where, params = self.selection.where()
        live, lparams = self._live()
        with self._reading() as conn:
            return [text for (text,) in conn.execute(
                f"SELECT DISTINCT r.answers FROM registrations r WHERE {where}{live}",
                [*params, *lparams],
            )]

    def units_seen(self) -> list[str]:
        """Every unit with at least one row (any row) in the database."""
        with self._reading() as conn:
            return [u for (u,) in conn.execute(
                f"SELECT DISTINCT r.enhed FROM registrations r WHERE {Mark.PRESENT}",
                (self.mark.registrations,))]


@contextmanager
def snapshot(store: Store, selection: Selection) -> Iterator[Snapshot]:
    """The selection as it is now, read later in short transactions (see the module's doc).

    Holds no lock between reads: kiosks commit while an export writes its file.
    """
    with store.reading(), dbmod.read_txn(store.conn) as conn:
        mark = take_mark(conn)
    yield Snapshot(store.conn, selection, mark, store._lock)


def find_import(conn: sqlite3.Connection, *, sha256: str = "", content_sha256: str = "") -> dict | None:
    """The earlier import of the same file (same bytes, or same lines in another encoding)."""
    row = conn.execute(
        "SELECT id, sha256, content_sha256, file_name, layout, encoding, row_count, datakilde, "
        "station, operator, created_utc FROM imports WHERE sha256 = ? OR content_sha256 = ? "
        "ORDER BY rowid LIMIT 1",
        (sha256, content_sha256),
    ).fetchone()
    return _import_dict(row) if row else None


def _import_dict(row: Sequence) -> dict:
    keys = ("id", "sha256", "content_sha256", "file_name", "layout", "encoding", "row_count",
            "datakilde", "station", "operator", "created_utc")
    return dict(zip(keys, row))


def own_rows_between(conn: sqlite3.Connection, start_utc: str, end_utc: str) -> int:
    """Rows this installation registered itself (not imported) in ``[start_utc, end_utc)``."""
    return conn.execute(
        "SELECT count(*) FROM registrations WHERE import_id IS NULL AND end_utc >= ? AND end_utc < ?",
        (start_utc, end_utc),
    ).fetchone()[0]
