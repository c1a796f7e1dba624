"""The log of delivered Landkort files (table ``exports``, migration m004), and what happened in an
exported range afterwards.

``eksport landkort`` writes one record per file it publishes (never for ``--kontroller``).
``registrer`` and ``fortryd`` use :func:`covering` to say that a row lands in a range that was
already delivered; the next export's check uses :func:`changes_since` to list the rows registered
or voided after the last export of their day.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from . import db as dbmod
from ..timeutil import from_stored, to_stored

KINDS = ("landkort-upload", "landkort-raadata")
_COLUMNS = ("id, kind, first_day, last_day, start_utc, end_utc, units, sources, row_count, sha256, "
            "file_name, station, operator, created_utc")


@dataclass(frozen=True)
class ExportRecord:
    id: str
    kind: str
    first_day: str
    last_day: str
    start_utc: str
    end_utc: str
    units: tuple[str, ...]
    sources: tuple[str, ...]
    row_count: int
    sha256: str
    file_name: str
    station: str
    operator: str
    created_utc: str

    @classmethod
    def from_row(cls, row: tuple) -> ExportRecord:
        values = list(row)
        values[6] = tuple(json.loads(values[6]))
        values[7] = tuple(json.loads(values[7]))
        return cls(*values)

    def covers(self, end_utc: str, enhed: str, datakilde: str) -> bool:
        return (self.start_utc <= end_utc < self.end_utc
                and (not self.units or enhed in self.units)
                and (not self.sources or datakilde in self.sources))

    def describe(self, zone) -> str:
        made = from_stored(self.created_utc).astimezone(zone)
        days = f"{date.fromisoformat(self.first_day):%d-%m-%Y} – {date.fromisoformat(self.last_day):%d-%m-%Y}"
        return (f"{days} eksporteret {made:%d-%m-%Y %H:%M} af {self.operator} "
                f"({self.row_count} rækker, {self.file_name})")


def record(conn: sqlite3.Connection, *, kind: str, first: date, last: date, start_utc: str,
           end_utc: str, units: tuple[str, ...], sources: tuple[str, ...], rows: int, sha256: str,
           file_name: str, station: str, operator: str, now) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown export kind {kind!r}")
    rid = str(uuid.uuid4())
    with dbmod.write_txn(conn):
        conn.execute(
            f"INSERT INTO exports ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (rid, kind, first.isoformat(), last.isoformat(), start_utc, end_utc,
             json.dumps(list(units), ensure_ascii=False), json.dumps(list(sources), ensure_ascii=False),
             rows, sha256, file_name, station, operator, to_stored(now)),
        )
    return rid


def overlapping(conn: sqlite3.Connection, start_utc: str, end_utc: str) -> list[ExportRecord]:
    """Exports whose range overlaps [start_utc, end_utc), oldest first."""
    if not _has_table(conn):
        return []
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM exports WHERE start_utc < ? AND end_utc > ? ORDER BY created_utc, rowid",
        (end_utc, start_utc),
    ).fetchall()
    return [ExportRecord.from_row(row) for row in rows]


def covering(conn: sqlite3.Connection, end_utc: str, enhed: str, datakilde: str) -> ExportRecord | None:
    """The latest export whose file already held a row at ``end_utc`` of ``enhed``/``datakilde``."""
    found = [e for e in overlapping(conn, end_utc, end_utc + "~") if e.covers(end_utc, enhed, datakilde)]
    return found[-1] if found else None


@dataclass
class Changes:
    """Rows of a selection registered, or voided, after the last export that covered them."""

    earlier: list[ExportRecord] = field(default_factory=list)
    registered: Counter = field(default_factory=Counter)  # (enhed, local day "dd-mm-yyyy") → rows
    voided: Counter = field(default_factory=Counter)


def changes_since(conn: sqlite3.Connection, where: str, params: list, start_utc: str, end_utc: str,
                  zone) -> Changes:
    """For the selection ``where``/``params`` (over ``registrations r``), inside one read
    transaction: rows registered or voided after the latest earlier export covering them.

    Costs nothing when no earlier export overlaps (the first delivery of a week); otherwise one
    pass over the selection with a cheap filter on ``created_utc``, and the few rows it finds are
    matched to their export here."""
    changes = Changes(overlapping(conn, start_utc, end_utc))
    if not changes.earlier:
        return changes
    since = min(e.created_utc for e in changes.earlier)
    # Registered after the export: in the selection, live, made after the earliest overlapping
    # export; kept when every export that covers the row is older than the row.
    for enhed, kilde, end, created in conn.execute(
        f"SELECT r.enhed, r.datakilde, r.end_utc, r.created_utc FROM registrations r "
        f"WHERE {where} AND r.trial = 0 AND r.created_utc > ? "
        "AND NOT EXISTS (SELECT 1 FROM voids v WHERE v.registration_id = r.id)",
        [*params, since],
    ):
        times = [e.created_utc for e in changes.earlier if e.covers(end, enhed, kilde)]
        if times and max(times) < created:
            changes.registered[enhed, _day(end, zone)] += 1
    # Voided after the export: the row was in a delivered file (registered before an export that
    # covers it, voided after it), and no later export has left it out since.
    for enhed, kilde, end, created, voided in conn.execute(
        f"SELECT r.enhed, r.datakilde, r.end_utc, r.created_utc, v.created_utc FROM voids v "
        f"JOIN registrations r ON r.id = v.registration_id "
        f"WHERE {where} AND r.trial = 0 AND v.created_utc > ?",
        [*params, since],
    ):
        times = [e.created_utc for e in changes.earlier if e.covers(end, enhed, kilde)]
        if any(created < t < voided for t in times) and not any(t >= voided for t in times):
            changes.voided[enhed, _day(end, zone)] += 1
    return changes


def _day(end_utc: str, zone) -> str:
    return f"{from_stored(end_utc).astimezone(zone):%d-%m-%Y}"


def _has_table(conn: sqlite3.Connection) -> bool:
    return conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'exports'").fetchone() is not None
