"""The analyses' reads on SQLite (``Store.report_facts``): counts, imported duplicates and handling
times per local day, all kept to one :class:`~storage.sqlite.snapshot.Mark`.

Grouped queries per local day, on the day's exact UTC bounds: each is a range on the time index
with a small in-memory sort, which is faster than one sort of the whole selection, and needs no
time arithmetic in SQL. The loop is over days, never over registrations, and each day is its own
short read transaction: a report never holds the lock kiosks need to commit for more than one
day's count. The handling times are read on a second, read-only connection in a thread beside
the counts: two scans of the same moment share the two cores (bench/report.py).
"""

from __future__ import annotations

import sqlite3
from array import array
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from ..interface import DURATION_KEY_SEP, DuplicateRow, FactDay, FactRow, ReportFacts
from . import db as dbmod
from .snapshot import Mark, take_mark

# What each local day contributes. The columns are what the measures need: unit (count weeks,
# unit views), afslutning (straksafklaring), datakilde (staff or import), another municipality's
# rows; each column costs sorting time on 1M rows (bench/report.py). Every query keeps to the
# mark (its last two parameters).
_LIVE = f"AND r.trial = 0 AND {Mark.PRESENT} AND NOT {Mark.VOIDED} "
_DAY_SQL = (
    "SELECT r.enhed, r.opgave, r.kanal, coalesce(r.type, ''), coalesce(r.afslutning, ''), "
    "r.datakilde, r.kommune_nr <> ?, ?, count(*), min(r.import_id) IS NOT max(r.import_id) "
    "FROM registrations r WHERE r.end_utc >= ? AND r.end_utc < ?{units} " + _LIVE +
    "GROUP BY 1, 2, 3, 4, 5, 6, 7"
)
_TWO_IMPORTS = len(FactRow._fields)  # "rows of two imports in this group", after the fact row
# Handling time (deep dive 3): end − start in whole seconds, keyed by task, channel and type. Not
# grouped: sorting a million durations into groups in SQL cost more than reading them
# (bench/report.py); the quantiles are worked out with numpy.
_DURATION = "CAST(round((julianday(r.end_utc) - julianday(r.start_utc)) * 86400) AS INTEGER)"
_DURATION_SQL = (
    f"SELECT k, d FROM (SELECT r.opgave || '{DURATION_KEY_SEP}' || r.kanal || "
    f"'{DURATION_KEY_SEP}' || coalesce(r.type, '') AS k, "
    f"{_DURATION} AS d FROM registrations r WHERE r.end_utc >= ? AND r.end_utc < ?{{units}}"
    "{excluded} AND r.start_utc IS NOT NULL AND r.date_only = 0 " + _LIVE + ") WHERE d >= 0"
)
# Imported rows that another import already brought in: the same time (to the second), unit,
# task, channel, type, afslutning and data source from two imports (a re-downloaded or re-saved
# extract). Copies inside one file are legitimate, so per such key the rows beyond the largest
# single import's count are the duplicates. Only run on a day where _DAY_SQL saw two imports in
# one group (a group holds every key's rows).
_DUPLICATE_SQL = (
    "SELECT enhed, ?, sum(total - top) FROM (SELECT enhed, sum(n) AS total, max(n) AS top FROM ("
    "SELECT r.end_utc, r.enhed, r.opgave, r.kanal, r.type, r.afslutning, r.datakilde, "
    "r.import_id, count(*) AS n FROM registrations r "
    "WHERE r.end_utc >= ? AND r.end_utc < ?{units} AND r.import_id IS NOT NULL " + _LIVE +
    "GROUP BY 1, 2, 3, 4, 5, 6, 7, 8) GROUP BY end_utc, enhed, opgave, kanal, type, afslutning, "
    "datakilde HAVING count(*) > 1) GROUP BY enhed"
)


def _units(units: Sequence[str], negate: bool = False) -> str:
    if not units:
        return ""
    return f" AND r.enhed {'NOT IN' if negate else 'IN'} ({','.join('?' * len(units))})"


def _day(conn: sqlite3.Connection, day: FactDay, kommune_nr: str, mark: Mark, out: ReportFacts) -> None:
    """One local day's counts (and duplicates), in one short read transaction kept to ``mark``."""
    iso = day.day.isoformat()
    units_sql = _units(day.units)
    live = (mark.registrations, mark.voids)
    with dbmod.read_txn(conn):
        rows = conn.execute(_DAY_SQL.format(units=units_sql),
                            (kommune_nr, iso, day.start_utc, day.end_utc, *day.units, *live)).fetchall()
        if any(row[_TWO_IMPORTS] for row in rows):
            out.duplicates[day] = [DuplicateRow._make(d) for d in conn.execute(
                _DUPLICATE_SQL.format(units=units_sql),
                (iso, day.start_utc, day.end_utc, *day.units, *live))]
    out.facts[day] = [FactRow._make(row[:_TWO_IMPORTS]) for row in rows]


def _durations(conn: sqlite3.Connection, days: Sequence[FactDay], mark: Mark) -> dict[str, array]:
    live = (mark.registrations, mark.voids)
    out: dict[str, array] = {}
    for day in days:
        sql = _DURATION_SQL.format(units=_units(day.units), excluded=_units(day.without, negate=True))
        with dbmod.read_txn(conn):
            for key, seconds in conn.execute(
                    sql, (day.start_utc, day.end_utc, *day.units, *day.without, *live)):
                found = out.get(key)
                if found is None:
                    found = out[key] = array("l")
                found.append(seconds)
    return out


def _durations_alone(path, days: Sequence[FactDay], mark: Mark) -> dict[str, array]:
    conn = dbmod.connect(path, readonly=True)
    try:
        return _durations(conn, days, mark)
    finally:
        conn.close()


def report_facts(store, days: Sequence[FactDay], durations: Sequence[FactDay], *,
                 kommune_nr: str) -> ReportFacts:
    with store.reading(), dbmod.read_txn(store.conn) as conn:
        mark = take_mark(conn)
    out = ReportFacts()
    with ThreadPoolExecutor(max_workers=1) as pool:
        timed = pool.submit(_durations_alone, store.path, durations, mark) if durations else None
        for day in days:
            with store.reading():
                _day(store.conn, day, kommune_nr, mark, out)
        if timed is not None:
            out.durations = timed.result()
    return out
