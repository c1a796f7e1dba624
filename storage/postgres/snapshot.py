"""Reads for exports on PostgreSQL: one REPEATABLE READ, READ ONLY transaction.

Everything an export reads (rows, the counts it checks them against, the answer sets that decide
its header, the changes since the last delivered file) sees the same committed state. MVCC: the
snapshot never blocks a kiosk's write, and no write disturbs it. Rows come through a server-side
(named) cursor in chunks, so a million rows never sit in memory at once.

Same API as ``storage.sqlite.snapshot.Snapshot`` (rows, row_id, left_out, answer_sets, units_seen), plus
``changes_since`` (``storage.sqlite.export_log.changes_since`` on SQLite).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from ..sqlite.snapshot import LeftOut, Selection
from . import export_log

CHUNK_ROWS = 10_000
_VOIDED = "EXISTS (SELECT 1 FROM voids v WHERE v.registration_id = r.id)"
_ORDER = "ORDER BY r.end_utc, r.seq"
_cursor_names = itertools.count(1)


def where(selection: Selection) -> tuple[str, list]:
    """``Selection.where()`` with PostgreSQL placeholders (lists as arrays)."""
    sql = "r.end_utc >= %s AND r.end_utc < %s"
    params: list = [selection.start_utc, selection.end_utc]
    if selection.units:
        sql += " AND r.enhed = ANY(%s)"
        params.append(list(selection.units))
    if selection.sources:
        sql += " AND r.datakilde = ANY(%s)"
        params.append(list(selection.sources))
    return sql, params


class PgSnapshot:
    def __init__(self, conn: psycopg.Connection, selection: Selection, chunk: int = CHUNK_ROWS):
        self.conn = conn
        self.selection = selection
        self.chunk = chunk

    def rows(self, chunk: int | None = None) -> Iterator[tuple]:
        """Live, non-trial rows of the selection in time order, as ``EXPORT_COLUMNS`` tuples,
        fetched ``chunk`` rows at a time from one server-side cursor."""
        sql, params = where(self.selection)
        cursor = self.conn.cursor(name=f"taelleuge_export_{next(_cursor_names)}")
        cursor.itersize = chunk or self.chunk
        cursor.execute(
            "SELECT r.kommune_navn, r.kommune_nr, r.enhed, r.opgave, r.kanal, r.type, "
            "r.afslutning, r.blanket, r.end_utc, r.start_utc, r.datakilde, r.answers "
            f"FROM registrations r WHERE {sql} AND r.trial = 0 AND NOT {_VOIDED} {_ORDER}",
            params,
        )
        return _stream(cursor)

    def row_id(self, index: int) -> str | None:
        sql, params = where(self.selection)
        found = self.conn.execute(
            f"SELECT r.id FROM registrations r WHERE {sql} AND r.trial = 0 AND NOT {_VOIDED} "
            f"{_ORDER} LIMIT 1 OFFSET %s",
            [*params, index],
        ).fetchone()
        return found[0] if found else None

    def left_out(self) -> LeftOut:
        sql, params = where(self.selection)
        live, voided, trial = self.conn.execute(
            "SELECT count(*) FILTER (WHERE r.trial = 0 AND v.id IS NULL), "
            "  count(*) FILTER (WHERE r.trial = 0 AND v.id IS NOT NULL), "
            "  count(*) FILTER (WHERE r.trial = 1) "
            f"FROM registrations r LEFT JOIN voids v ON v.registration_id = r.id WHERE {sql}",
            params,
        ).fetchone()
        return LeftOut(live, voided, trial)

    def answer_sets(self) -> list[str]:
        sql, params = where(self.selection)
        return [text for (text,) in self.conn.execute(
            f"SELECT DISTINCT r.answers FROM registrations r "
            f"WHERE {sql} AND r.trial = 0 AND NOT {_VOIDED} ORDER BY 1",
            params,
        )]

    def units_seen(self) -> list[str]:
        return [u for (u,) in self.conn.execute(
            "SELECT DISTINCT enhed FROM registrations ORDER BY 1")]

    def changes_since(self, start_utc: str, end_utc: str, zone) -> export_log.Changes:
        sql, params = where(self.selection)
        return export_log.changes_since(self.conn, sql, params, start_utc, end_utc, zone)


def _stream(cursor) -> Iterator[tuple]:
    try:
        yield from cursor
    finally:
        cursor.close()


@contextmanager
def snapshot(store, selection: Selection, chunk: int = CHUNK_ROWS) -> Iterator[PgSnapshot]:
    """One REPEATABLE READ, READ ONLY transaction on the store's connection for the block."""
    with store._locked_connection() as conn, conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield PgSnapshot(conn, selection, chunk)
