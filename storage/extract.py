"""Reads for exports: one consistent snapshot, rows streamed in time order.

Everything an export reads (the rows, the counts it checks them against, the local-question
answers that decide its header) comes from one read transaction, so a kiosk committing in the
middle of an export can never make the file and its check report disagree. Rows are streamed from
the cursor; nothing here loads a whole week into memory.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from .store import Store

_VOIDED = "EXISTS (SELECT 1 FROM voids v WHERE v.registration_id = r.id)"

# The columns an export row carries, in this order (see ``Snapshot.rows``).
EXPORT_COLUMNS = (
    "kommune_navn", "kommune_nr", "enhed", "opgave", "kanal", "type", "afslutning", "blanket",
    "end_utc", "start_utc", "datakilde", "answers",
)


@dataclass(frozen=True)
class Selection:
    """Which registrations: ``start_utc <= end_utc < end_utc_bound``, optionally some units only
    and some data sources only (empty tuple = all)."""

    start_utc: str
    end_utc: str
    units: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    def where(self) -> tuple[str, list]:
        sql = "r.end_utc >= ? AND r.end_utc < ?"
        params: list = [self.start_utc, self.end_utc]
        if self.units:
            sql += f" AND r.enhed IN ({','.join('?' * len(self.units))})"
            params += list(self.units)
        if self.sources:
            sql += f" AND r.datakilde IN ({','.join('?' * len(self.sources))})"
            params += list(self.sources)
        return sql, params


@dataclass(frozen=True)
class LeftOut:
    live: int  # what an export of the selection must contain
    voided: int  # voided rows that are not trial rows
    trial: int  # trial rows, voided or not


class Snapshot:
    """Read-only queries inside one read transaction (see :func:`snapshot`)."""

    def __init__(self, conn: sqlite3.Connection, selection: Selection):
        self.conn = conn
        self.selection = selection

    def rows(self) -> Iterator[tuple]:
        """Live, non-trial rows of the selection in time order, as tuples of ``EXPORT_COLUMNS``.

        Ordered by ``end_utc`` then rowid, which the ``registrations_time`` index answers without
        sorting. Only the columns a file needs: every column costs time on a million rows.
        """
        where, params = self.selection.where()
        return self.conn.execute(
            "SELECT r.kommune_navn, r.kommune_nr, r.enhed, r.opgave, r.kanal, r.type, "
            "r.afslutning, r.blanket, r.end_utc, r.start_utc, r.datakilde, r.answers "
            f"FROM registrations r WHERE {where} AND r.trial = 0 AND NOT {_VOIDED} "
            "ORDER BY r.end_utc, r.rowid",
            params,
        )

    def row_id(self, index: int) -> str | None:
        """The id of the ``index``-th row (from 0) of :meth:`rows`, for messages about it."""
        where, params = self.selection.where()
        found = self.conn.execute(
            f"SELECT r.id FROM registrations r WHERE {where} AND r.trial = 0 AND NOT {_VOIDED} "
            "ORDER BY r.end_utc, r.rowid LIMIT 1 OFFSET ?",
            [*params, index],
        ).fetchone()
        return found[0] if found else None

    def left_out(self) -> LeftOut:
        """How many rows of the selection are live, voided and trial, counted independently of
        :meth:`rows`: from the covering ``registrations_unit_time`` index and the ``voids`` table
        (a few hundred milliseconds for 1M rows instead of a second pass over the table)."""
        sel = self.selection
        if sel.sources:  # datakilde is in no index: count the plain way
            where, params = sel.where()
            live, voided, trial = self.conn.execute(
                "SELECT "
                f"  coalesce(sum(r.trial = 0 AND NOT {_VOIDED}), 0), "
                f"  coalesce(sum(r.trial = 0 AND {_VOIDED}), 0), "
                "  coalesce(sum(r.trial = 1), 0) "
                f"FROM registrations r WHERE {where}",
                params,
            ).fetchone()
            return LeftOut(live, voided, trial)
        where, params = sel.where()
        by_trial = dict(self.conn.execute(
            # The (enhed, trial, end_utc, ...) index holds every column needed: no table lookups.
            f"SELECT r.trial, count(*) FROM registrations r INDEXED BY registrations_unit_time "
            f"WHERE {where} GROUP BY r.trial",
            params,
        ).fetchall())
        voided = self.conn.execute(
            # Few rows are voided: start from the voids.
            f"SELECT count(*) FROM voids v CROSS JOIN registrations r ON r.id = v.registration_id "
            f"WHERE {where} AND r.trial = 0",
            params,
        ).fetchone()[0]
        return LeftOut(by_trial.get(0, 0) - voided, voided, by_trial.get(1, 0))

    def answer_sets(self) -> list[str]:
        """The distinct ``answers`` JSON texts of the live rows (a handful, even for 1M rows)."""
        where, params = self.selection.where()
        return [
            text for (text,) in self.conn.execute(
                f"SELECT DISTINCT r.answers FROM registrations r "
                f"WHERE {where} AND r.trial = 0 AND NOT {_VOIDED}",
                params,
            )
        ]

    def units_seen(self) -> list[str]:
        """Every unit with at least one row (any row) in the database."""
        return [u for (u,) in self.conn.execute("SELECT DISTINCT enhed FROM registrations")]


@contextmanager
def snapshot(store: Store, selection: Selection) -> Iterator[Snapshot]:
    """A read transaction on the store's connection for the duration of the block.

    In WAL mode this is a snapshot that writers do not disturb. With the rollback journal, the
    shared lock makes kiosk commits wait (``busy_timeout``) until the block ends; an export of a
    real count week takes well under a second.
    """
    with store._lock:  # the Store serialises use of its connection
        store.conn.execute("BEGIN")
        try:
            yield Snapshot(store.conn, selection)
        finally:
            if store.conn.in_transaction:
                store.conn.execute("COMMIT")


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
