"""The log of delivered Landkort files (table ``exports``, migration m004) on SQLite: write a
record, read the ones overlapping a range. The rules (which export covers a row, what changed
since) are engine-neutral: storage.export_log."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import date

from ..export_log import check_kind
from ..model import EXPORTS, ExportRecord
from ..timeutil import to_stored
from . import db as dbmod

_INSERT = EXPORTS.insert("?")
_SELECT = EXPORTS.select()


def record(conn: sqlite3.Connection, *, kind: str, first: date, last: date, start_utc: str,
           end_utc: str, units: tuple[str, ...], sources: tuple[str, ...], rows: int, sha256: str,
           file_name: str, station: str, operator: str, now) -> str:
    check_kind(kind)
    entry = ExportRecord(
        id=str(uuid.uuid4()), kind=kind, first_day=first.isoformat(), last_day=last.isoformat(),
        start_utc=start_utc, end_utc=end_utc, units=tuple(units), sources=tuple(sources),
        row_count=rows, sha256=sha256, file_name=file_name, station=station, operator=operator,
        created_utc=to_stored(now),
    )
    with dbmod.write_txn(conn):
        conn.execute(_INSERT, EXPORTS.to_row(entry))
    return entry.id


def overlapping(conn: sqlite3.Connection, start_utc: str, end_utc: str) -> list[ExportRecord]:
    """Exports whose range overlaps [start_utc, end_utc), oldest first."""
    if not _has_table(conn):
        return []
    rows = conn.execute(
        f"SELECT {_SELECT} FROM exports WHERE start_utc < ? AND end_utc > ? ORDER BY created_utc, rowid",
        (end_utc, start_utc),
    ).fetchall()
    return [EXPORTS.from_row(row) for row in rows]


def _has_table(conn: sqlite3.Connection) -> bool:
    return conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'exports'").fetchone() is not None
