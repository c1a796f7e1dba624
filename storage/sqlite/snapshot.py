"""Reads for exports and reports: one consistent snapshot, read in short transactions.

Everything an export reads (the rows, the counts it checks them against, the local-question
answers that decide its header) describes one moment, so a kiosk committing in the middle of an
export can never make the file and its check report disagree. And no read holds a lock on the
shared database for long: in the rollback journal a reader's lock makes every kiosk's commit wait,
and an export that held one transaction for its whole write (200k rows to Excel: 42 s) made every
kiosk fail with "database is locked" after ``busy_timeout``.

The data is append-only (triggers refuse UPDATE and DELETE) and ``seq`` is commit order (each row
gets the next number inside its write transaction), so the moment is a :class:`Mark`: the newest
registration's and void's ``seq``, taken in one tiny transaction. Every later read keeps to
``seq <= mark`` (and counts a registration as voided only by a void ``<= mark``), which is exactly
the database as it was at the mark, whatever was committed since. Rows are streamed in chunks of
:data:`CHUNK` in ``(end_utc, seq)`` order, each chunk its own short read transaction resuming
after the previous chunk's last key (keyset paging on the ``registrations_time`` index, so no chunk
re-reads what came before). Measured at 1M rows: bench/export_lock.py and bench/RESULTS.md.
"""

from __future__ import annotations

import operator
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

from .. import export_log as neutral_log
from ..interface import Changes, LeftOut, Selection
from ..model import EXPORT_FIELDS, ExportRow
from . import db as dbmod
from . import export_log

# Rows per read transaction: ~20 ms each at 1M rows on the benchmark host (bench/export_lock.py).
CHUNK = 5000

_as_row = partial(tuple.__new__, ExportRow)  # a fetched row is already in ExportRow's order


def filters(selection: Selection) -> tuple[str, list]:
    """The unit and source conditions alone (``" AND …"``, or empty)."""
    sql, params = "", []
    if selection.units:
        sql += f" AND r.enhed IN ({','.join('?' * len(selection.units))})"
        params += list(selection.units)
    if selection.sources:
        sql += f" AND r.datakilde IN ({','.join('?' * len(selection.sources))})"
        params += list(selection.sources)
    return sql, params


def where(selection: Selection) -> tuple[str, list]:
    sql, params = filters(selection)
    return "r.end_utc >= ? AND r.end_utc < ?" + sql, [selection.start_utc, selection.end_utc, *params]


@dataclass(frozen=True)
class Mark:
    """The database at one moment: the newest registration's and void's ``seq`` (0 when there
    are none)."""

    registrations: int
    voids: int

    # A registration is in the snapshot when its seq is at most the mark; it is voided in the
    # snapshot when a void at most the mark points at it. Parameters: (voids,), then (registrations,).
    VOIDED = "EXISTS (SELECT 1 FROM voids v WHERE v.registration_id = r.id AND v.seq <= ?)"
    PRESENT = "r.seq <= ?"


def take_mark(conn: sqlite3.Connection) -> Mark:
    """Call inside a read transaction (two index probes: seq is UNIQUE)."""
    reg = conn.execute("SELECT max(seq) FROM registrations").fetchone()[0]
    void = conn.execute("SELECT max(seq) FROM voids").fetchone()[0]
    return Mark(reg or 0, void or 0)


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
            yield conn

    def _live(self) -> tuple[str, list]:
        """Live, non-trial rows of the snapshot (conditions after the selection's own)."""
        return (f" AND r.trial = 0 AND {Mark.PRESENT} AND NOT {Mark.VOIDED}",
                [self.mark.registrations, self.mark.voids])

    def rows(self, chunk: int | None = None, fields: Sequence[str] | None = None) -> Iterator:
        """Live, non-trial rows of the selection in time order, as :class:`ExportRow`; with
        ``fields`` (names of EXPORT_FIELDS), as plain tuples of exactly those, in that order
        (what a hot loop unpacks: no row object per row).

        Ordered by ``end_utc`` then seq, which the ``registrations_time`` index answers without
        sorting; read ``chunk`` rows per transaction, each chunk starting right after the last key
        of the one before (rows with the same ``end_utc``, such as a day of date-only imported
        rows, are resumed by seq). Only the columns a file needs: every column costs time on a
        million rows.
        """
        chunk = chunk or CHUNK
        names = tuple(fields) if fields is not None else EXPORT_FIELDS
        unknown = [n for n in names if n not in EXPORT_FIELDS]
        if unknown:
            raise ValueError(f"not export fields: {unknown}")
        # The paging key rides along at the end when the caller did not ask for it.
        keys = [k for k in ("end_utc", "seq") if k not in names]
        read = (*names, *keys)
        end_at, seq_at = read.index("end_utc"), read.index("seq")
        if fields is None:
            shape = _as_row
        else:  # the caller's fields only; nothing to do when it asked for the key itself
            shape = operator.itemgetter(slice(0, len(names))) if keys else None
        sel = self.selection
        filters_sql, fparams = filters(sel)
        live, lparams = self._live()
        head = (f"SELECT {', '.join('r.' + n for n in read)} FROM registrations r "
                "INDEXED BY registrations_time WHERE ")
        same_end = head + f"r.end_utc = ? AND r.seq > ?{filters_sql}{live} ORDER BY r.seq LIMIT ?"
        later = head + (f"r.end_utc {{op}} ? AND r.end_utc < ?{filters_sql}{live} "
                        "ORDER BY r.end_utc, r.seq LIMIT ?")
        last: tuple | None = None
        while True:
            with self._reading() as conn:
                rows: list[tuple] = []
                if last is not None:
                    rows = conn.execute(same_end, [last[end_at], last[seq_at], *fparams, *lparams,
                                                   chunk]).fetchall()
                wanted = chunk - len(rows)
                op, lower = (">", last[end_at]) if last is not None else (">=", sel.start_utc)
                more = conn.execute(later.format(op=op),
                                    [lower, sel.end_utc, *fparams, *lparams, wanted]).fetchall()
                rows += more
            if shape is None:
                yield from rows
            else:
                yield from map(shape, rows)
            if len(more) < wanted:
                return
            last = rows[-1]

    def row_id(self, index: int) -> str | None:
        """The id of the ``index``-th row (from 0) of :meth:`rows`, for messages about it."""
        sql, params = where(self.selection)
        live, lparams = self._live()
        with self._reading() as conn:
            found = conn.execute(
                f"SELECT r.id FROM registrations r INDEXED BY registrations_time WHERE {sql}{live} "
                "ORDER BY r.end_utc, r.seq LIMIT 1 OFFSET ?",
                [*params, *lparams, index],
            ).fetchone()
        return found[0] if found else None

    def left_out(self) -> LeftOut:
        """How many rows of the selection are live, voided and trial, counted independently of
        :meth:`rows`: from the covering ``registrations_unit_time`` index (seq is its last column)
        and the ``voids`` table (a few hundred milliseconds for 1M rows instead of a second pass
        over the table)."""
        sel = self.selection
        mark = self.mark
        sql, params = where(sel)
        with self._reading() as conn:
            if sel.sources:  # datakilde is in no index: count the plain way
                live, voided, trial = conn.execute(
                    "SELECT "
                    f"  coalesce(sum(r.trial = 0 AND NOT {Mark.VOIDED}), 0), "
                    f"  coalesce(sum(r.trial = 0 AND {Mark.VOIDED}), 0), "
                    "  coalesce(sum(r.trial = 1), 0) "
                    f"FROM registrations r WHERE {sql} AND {Mark.PRESENT}",
                    [mark.voids, mark.voids, *params, mark.registrations],
                ).fetchone()
                return LeftOut(live, voided, trial)
            by_trial = dict(conn.execute(
                # The (enhed, trial, end_utc, ..., seq) index holds every column needed.
                f"SELECT r.trial, count(*) FROM registrations r INDEXED BY registrations_unit_time "
                f"WHERE {sql} AND {Mark.PRESENT} GROUP BY r.trial",
                [*params, mark.registrations],
            ).fetchall())
            voided = conn.execute(
                # Few rows are voided: start from the voids.
                f"SELECT count(*) FROM voids v CROSS JOIN registrations r ON r.id = v.registration_id "
                f"WHERE {sql} AND r.trial = 0 AND v.seq <= ? AND {Mark.PRESENT}",
                [*params, mark.voids, mark.registrations],
            ).fetchone()[0]
        return LeftOut(by_trial.get(0, 0) - voided, voided, by_trial.get(1, 0))

    def answer_sets(self) -> list[str]:
        """The distinct ``answers`` JSON texts of the live rows (a handful, even for 1M rows;
        0.4 s there, in one read)."""
        sql, params = where(self.selection)
        live, lparams = self._live()
        with self._reading() as conn:
            return [text for (text,) in conn.execute(
                f"SELECT DISTINCT r.answers FROM registrations r WHERE {sql}{live}",
                [*params, *lparams],
            )]

    def units_seen(self) -> list[str]:
        """Every unit with at least one row (any row) in the database."""
        with self._reading() as conn:
            return [u for (u,) in conn.execute(
                f"SELECT DISTINCT r.enhed FROM registrations r WHERE {Mark.PRESENT}",
                (self.mark.registrations,))]

    def changes_since(self, zone) -> Changes:
        """Rows of the selection registered or voided after the export that delivered them, as
        of the mark (see storage.export_log). Costs nothing when no earlier export overlaps (the
        first delivery of a week); otherwise one pass over the selection with a cheap filter on
        ``created_utc``, and the few rows it finds are matched to their export in Python."""
        sel = self.selection
        mark = self.mark
        with self._reading() as conn:
            earlier = export_log.overlapping(conn, sel.start_utc, sel.end_utc)
            if not earlier:
                return Changes(earlier)
            since = neutral_log.since(earlier)
            sql, params = where(sel)
            registered = conn.execute(
                f"SELECT r.enhed, r.datakilde, r.end_utc, r.created_utc FROM registrations r "
                f"WHERE {sql} AND r.trial = 0 AND r.created_utc > ? AND {Mark.PRESENT} "
                f"AND NOT {Mark.VOIDED}",
                [*params, since, mark.registrations, mark.voids],
            ).fetchall()
            voided = conn.execute(
                f"SELECT r.enhed, r.datakilde, r.end_utc, r.created_utc, v.created_utc FROM voids v "
                f"JOIN registrations r ON r.id = v.registration_id "
                f"WHERE {sql} AND r.trial = 0 AND v.created_utc > ? AND v.seq <= ?",
                [*params, since, mark.voids],
            ).fetchall()
        return neutral_log.count_changes(earlier, registered, voided, zone)


@contextmanager
def snapshot(store, selection: Selection) -> Iterator[Snapshot]:
    """The selection as it is now, read later in short transactions (see the module's doc).

    Holds no lock between reads: kiosks commit while an export writes its file.
    """
    with store.reading(), dbmod.read_txn(store.conn) as conn:
        mark = take_mark(conn)
    yield Snapshot(store.conn, selection, mark, store._lock)
