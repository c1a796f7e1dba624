"""The analyses' reads on PostgreSQL (``Store.report_facts``): the SQLite engine's queries
(storage.sqlite.facts, which explains them), in one REPEATABLE READ, READ ONLY transaction, so
every day describes the same moment while kiosks go on writing (MVCC blocks no one)."""

from __future__ import annotations

from array import array
from collections.abc import Sequence

import psycopg

from ..interface import DURATION_KEY_SEP, DuplicateRow, FactDay, FactRow, ReportFacts

_VOIDED = "EXISTS (SELECT 1 FROM voids v WHERE v.registration_id = r.id)"
_LIVE = f"AND r.trial = 0 AND NOT {_VOIDED} "
_DAY_SQL = (
    "SELECT r.enhed, r.opgave, r.kanal, coalesce(r.type, ''), coalesce(r.afslutning, ''), "
    "r.datakilde, (r.kommune_nr <> %s)::int, %s::text, count(*), "
    "min(r.import_id) IS DISTINCT FROM max(r.import_id) "
    "FROM registrations r WHERE r.end_utc >= %s AND r.end_utc < %s{units} " + _LIVE +
    "GROUP BY 1, 2, 3, 4, 5, 6, 7"
)
_TWO_IMPORTS = len(FactRow._fields)
# Whole seconds, rounded half away from zero (numeric), as SQLite's round() of julianday().
_DURATION = ("round(extract(epoch FROM (r.end_utc::timestamptz - r.start_utc::timestamptz)))"
             "::bigint")
_DURATION_SQL = (
    f"SELECT k, d FROM (SELECT r.opgave || '{DURATION_KEY_SEP}' || r.kanal || "
    f"'{DURATION_KEY_SEP}' || coalesce(r.type, '') AS k, "
    f"{_DURATION} AS d FROM registrations r WHERE r.end_utc >= %s AND r.end_utc < %s{{units}}"
    "{excluded} AND r.start_utc IS NOT NULL AND r.date_only = 0 " + _LIVE + ") t WHERE d >= 0"
)
_DUPLICATE_SQL = (
    "SELECT enhed, %s::text, sum(total - top)::bigint FROM (SELECT enhed, sum(n) AS total, "
    "max(n) AS top FROM (SELECT r.end_utc, r.enhed, r.opgave, r.kanal, r.type, r.afslutning, "
    "r.datakilde, r.import_id, count(*) AS n FROM registrations r "
    "WHERE r.end_utc >= %s AND r.end_utc < %s{units} AND r.import_id IS NOT NULL " + _LIVE +
    "GROUP BY 1, 2, 3, 4, 5, 6, 7, 8) g GROUP BY end_utc, enhed, opgave, kanal, type, afslutning, "
    "datakilde HAVING count(*) > 1) h GROUP BY enhed"
)


def _units(units: Sequence[str], negate: bool = False) -> tuple[str, list]:
    if not units:
        return "", []
    return (" AND r.enhed <> ALL(%s)" if negate else " AND r.enhed = ANY(%s)"), [list(units)]


def _read(conn: psycopg.Connection, days: Sequence[FactDay], durations: Sequence[FactDay],
          kommune_nr: str) -> ReportFacts:
    out = ReportFacts()
    for day in days:
        iso = day.day.isoformat()
        units_sql, units = _units(day.units)
        rows = conn.execute(_DAY_SQL.format(units=units_sql),
                            [kommune_nr, iso, day.start_utc, day.end_utc, *units]).fetchall()
        if any(row[_TWO_IMPORTS] for row in rows):
            out.duplicates[day] = [DuplicateRow._make(d) for d in conn.execute(
                _DUPLICATE_SQL.format(units=units_sql), [iso, day.start_utc, day.end_utc, *units])]
        out.facts[day] = [FactRow._make(row[:_TWO_IMPORTS]) for row in rows]
    for day in durations:
        units_sql, units = _units(day.units)
        without_sql, without = _units(day.without, negate=True)
        with conn.cursor() as cur:
            for key, seconds in cur.execute(
                    _DURATION_SQL.format(units=units_sql, excluded=without_sql),
                    [day.start_utc, day.end_utc, *units, *without]):
                found = out.durations.get(key)
                if found is None:
                    found = out.durations[key] = array("l")
                found.append(seconds)
    return out


def report_facts(store, days: Sequence[FactDay], durations: Sequence[FactDay], *,
                 kommune_nr: str) -> ReportFacts:
    with store._locked_connection() as conn, conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return _read(conn, days, durations, kommune_nr)
