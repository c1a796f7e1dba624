"""The log of delivered Landkort files on PostgreSQL: ``storage.sqlite.export_log`` with ``%s``
placeholders. The record type, the change counting and the rules are the SQLite module's."""

from __future__ import annotations

import json
import uuid
from datetime import date

import psycopg

from ..sqlite.export_log import _COLUMNS, KINDS, Changes, ExportRecord, _day
from ..timeutil import to_stored


def record(conn: psycopg.Connection, *, kind: str, first: date, last: date, start_utc: str,
           end_utc: str, units: tuple[str, ...], sources: tuple[str, ...], rows: int, sha256: str,
           file_name: str, station: str, operator: str, now) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown export kind {kind!r}")
    rid = str(uuid.uuid4())
    marks = ", ".join(["%s"] * len(_COLUMNS.split(",")))
    with conn.transaction():
        conn.execute(
            f"INSERT INTO exports ({_COLUMNS}) VALUES ({marks})",
            (rid, kind, first.isoformat(), last.isoformat(), start_utc, end_utc,
             json.dumps(list(units), ensure_ascii=False), json.dumps(list(sources), ensure_ascii=False),
             rows, sha256, file_name, station, operator, to_stored(now)),
        )
    return rid


def overlapping(conn: psycopg.Connection, start_utc: str, end_utc: str) -> list[ExportRecord]:
    """Exports whose range overlaps [start_utc, end_utc), oldest first."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM exports WHERE start_utc < %s AND end_utc > %s "
        "ORDER BY created_utc, id",
        (end_utc, start_utc),
    ).fetchall()
    return [ExportRecord.from_row(row) for row in rows]


def covering(conn: psycopg.Connection, end_utc: str, enhed: str, datakilde: str) -> ExportRecord | None:
    found = [e for e in overlapping(conn, end_utc, end_utc + "~") if e.covers(end_utc, enhed, datakilde)]
    return found[-1] if found else None


def changes_since(conn: psycopg.Connection, where: str, params: list, start_utc: str, end_utc: str,
                  zone) -> Changes:
    """``storage.sqlite.export_log.changes_since``; ``where``/``params`` from
    ``storage.postgres.snapshot.where``."""
    changes = Changes(overlapping(conn, start_utc, end_utc))
    if not changes.earlier:
        return changes
    since = min(e.created_utc for e in changes.earlier)
    for enhed, kilde, end, created in conn.execute(
        f"SELECT r.enhed, r.datakilde, r.end_utc, r.created_utc FROM registrations r "
        f"WHERE {where} AND r.trial = 0 AND r.created_utc > %s "
        "AND NOT EXISTS (SELECT 1 FROM voids v WHERE v.registration_id = r.id)",
        [*params, since],
    ):
        times = [e.created_utc for e in changes.earlier if e.covers(end, enhed, kilde)]
        if times and max(times) < created:
            changes.registered[enhed, _day(end, zone)] += 1
    for enhed, kilde, end, created, voided in conn.execute(
        f"SELECT r.enhed, r.datakilde, r.end_utc, r.created_utc, v.created_utc FROM voids v "
        f"JOIN registrations r ON r.id = v.registration_id "
        f"WHERE {where} AND r.trial = 0 AND v.created_utc > %s",
        [*params, since],
    ):
        times = [e.created_utc for e in changes.earlier if e.covers(end, enhed, kilde)]
        if any(created < t < voided for t in times) and not any(t >= voided for t in times):
            changes.voided[enhed, _day(end, zone)] += 1
    return changes
