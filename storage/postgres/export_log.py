"""The log of delivered Landkort files on PostgreSQL: write a record, read the ones overlapping a
range. The rules (which export covers a row, what changed since) are storage.export_log's."""

from __future__ import annotations

import uuid
from datetime import date

import psycopg

from ..export_log import check_kind
from ..model import EXPORTS, ExportRecord
from ..timeutil import to_stored

_INSERT = EXPORTS.insert("%s")
_SELECT = EXPORTS.select()


def record(conn: psycopg.Connection, *, kind: str, first: date, last: date, start_utc: str,
           end_utc: str, units: tuple[str, ...], sources: tuple[str, ...], rows: int, sha256: str,
           file_name: str, station: str, operator: str, now) -> str:
    check_kind(kind)
    entry = ExportRecord(
        id=str(uuid.uuid4()), kind=kind, first_day=first.isoformat(), last_day=last.isoformat(),
        start_utc=start_utc, end_utc=end_utc, units=tuple(units), sources=tuple(sources),
        row_count=rows, sha256=sha256, file_name=file_name, station=station, operator=operator,
        created_utc=to_stored(now),
    )
    with conn.transaction():
        conn.execute(_INSERT, EXPORTS.to_row(entry))
    return entry.id


def overlapping(conn: psycopg.Connection, start_utc: str, end_utc: str) -> list[ExportRecord]:
    """Exports whose range overlaps [start_utc, end_utc), oldest first."""
    rows = conn.execute(
        f"SELECT {_SELECT} FROM exports WHERE start_utc < %s AND end_utc > %s "
        "ORDER BY created_utc, id",
        (end_utc, start_utc),
    ).fetchall()
    return [EXPORTS.from_row(row) for row in rows]
