"""What the coordinator's analyses read: a selection of local days, and the live registrations of
that selection counted in SQL per local day by unit, task, channel, type, afslutning, blanket, data
source and "another municipality"; a histogram of handling times; and the imported rows two
imports share (see FactRows).

The local day comes from the configured zone's exact day bounds, so clock changes are right. The
result is a few thousand rows even for a million registrations, so everything after it is pandas
on a small frame. pandas is imported only where a frame is made, so selections, refusals and the
SQL itself run before (and, in the CLI, while) pandas loads.
"""

from __future__ import annotations

import sqlite3
from array import array
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from storage.sqlite import db as dbmod
from storage.errors import NotInitialised, Refusal, TaelleugeError
from storage.sqlite.snapshot import Mark, check_mark, take_mark
from storage.sqlite.store import schema_status
from storage.timeutil import local_day_bounds, parse_day, parse_iso_week

FACT_COLUMNS = ["enhed", "opgave", "kanal", "type", "afslutning", "datakilde", "other_kommune",
                "day", "n"]
DUPLICATE_COLUMNS = ["enhed", "day", "n"]
NO_TYPE = ""  # the type of rows without one (imported self-service rows)


@dataclass(frozen=True)
class Selection:
    """Local calendar days (inclusive ranges, sorted, not overlapping) and optionally some units."""

    ranges: tuple[tuple[date, date], ...]
    label: str
    units: tuple[str, ...] = field(default=())

    @property
    def first(self) -> date:
        return self.ranges[0][0]

    @property
    def last(self) -> date:
        return self.ranges[-1][1]

    def describe(self) -> str:
        days = ", ".join(f"{a:%d-%m-%Y}–{b:%d-%m-%Y}" for a, b in self.ranges)
        units = f"; enheder {', '.join(self.units)}" if self.units else ""
        return f"{self.label} ({days}){units}"


def weeks_selection(text: str, units: tuple[str, ...] = ()) -> Selection:
    """``2026-W43,2026-W44`` → the ISO weeks' days; the same week twice counts once."""
    weeks: dict[tuple[date, date], str] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            monday, sunday = parse_iso_week(part)
        except ValueError as error:  # storage.errors.InputError is a ValueError too
            raise Refusal(str(error), "uge") from None
        year, week, _ = monday.isocalendar()
        weeks[(monday, sunday)] = f"{year}-W{week:02d}"
    if not weeks:
        raise Refusal(f'Angiv mindst én uge som ÅÅÅÅ-Wuu, fx 2026-W43 (fik "{text}")', "uge")
    ordered = sorted(weeks)
    return Selection(_merge(ordered), "+".join(weeks[r] for r in ordered), tuple(units))


def days_selection(first_text: str, last_text: str, units: tuple[str, ...] = ()) -> Selection:
    try:
        first, last = parse_day(first_text), parse_day(last_text)
    except ValueError as error:
        raise Refusal(str(error), "fra") from None
    if last < first:
        raise Refusal(f"--til ({last:%d-%m-%Y}) ligger før --fra ({first:%d-%m-%Y})", "til")
    return Selection(((first, last),), f"{first:%d-%m-%Y}–{last:%d-%m-%Y}", tuple(units))


def _merge(ranges: list[tuple[date, date]]) -> tuple[tuple[date, date], ...]:
    out: list[tuple[date, date]] = []
    for first, last in ranges:
        if out and first <= out[-1][1] + timedelta(days=1):
            out[-1] = (out[-1][0], max(out[-1][1], last))
        else:
            out.append((first, last))
    return tuple(out)


def open_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection to an existing, migrated database (never creates a file)."""
    path = Path(path)
    if not path.is_file():
        raise NotInitialised(f"Databasen {path} findes ikke. Kør: taelleuge init")
    conn = dbmod.connect(path, readonly=True)  # file faults arrive typed (storage.errors)
    try:
        with dbmod.translated(path):
            applied = schema_status(conn).applied
    except BaseException:
        conn.close()
        raise
    if "m001_registrations" not in applied:
        conn.close()
        raise NotInitialised(f"Databasen {path} har ingen registreringer endnu. Kør: taelleuge init")
    return conn


def selection_days(selection: Selection) -> list[date]:
    days: list[date] = []
    for first, last in selection.ranges:
        days.extend(first + timedelta(days=i) for i in range((last - first).days + 1))
    return days


# What each local day contributes, counted in SQL (see fetch_fact_rows). The columns are what
# the measures need: unit (count weeks, unit views), afslutning (straksafklaring), datakilde
# (staff or import), another municipality's rows; each column costs sorting time on 1M rows
# (bench/report.py). Every query keeps to the mark (its last two parameters: storage.extract).
_LIVE = f"AND r.trial = 0 AND {Mark.PRESENT} AND NOT {Mark.VOIDED} "
_DAY_SQL = (
    "SELECT r.enhed, r.opgave, r.kanal, coalesce(r.type, ''), coalesce(r.afslutning, ''), "
    "r.datakilde, r.kommune_nr <> ?, ?, count(*), min(r.import_id) IS NOT max(r.import_id) "
    "FROM registrations r WHERE r.end_utc >= ? AND r.end_utc < ?{units} " + _LIVE +
    "GROUP BY 1, 2, 3, 4, 5, 6, 7"
)
_TWO_IMPORTS = 9  # position of "rows of two imports in this group" in a _DAY_SQL row
# Handling time (deep dive 3): end − start in whole seconds of every counted row with a start
# time (the units that do not count the day are left out by {excluded}), keyed by task, channel
# and type. Not grouped: sorting a million durations into groups in SQL cost more than reading
# them (bench/report.py); the quantiles are worked out with numpy.
_DURATION = "CAST(round((julianday(r.end_utc) - julianday(r.start_utc)) * 86400) AS INTEGER)"
DURATION_KEY_SEP = "|"
_DURATION_SQL = (
    "SELECT k, d FROM (SELECT r.opgave || '|' || r.kanal || '|' || coalesce(r.type, '') AS k, "
    f"{_DURATION} AS d FROM registrations r WHERE r.end_utc >= ? AND r.end_utc < ?{{units}}"
    "{excluded} AND r.start_utc IS NOT NULL AND r.date_only = 0 " + _LIVE + ") WHERE d >= 0"
)
# Imported rows that another import already brought in: the same time (to the second), unit,
# task, channel, type, afslutning and data source from two imports (a re-downloaded or re-saved
# extract). Copies inside one file are legitimate, so per such key the rows beyond the largest
# single import's count are the duplicates. Only run on a day where _DAY_SQL saw two imports in
# one group (a group holds every key's rows): weekly or per-unit files never pay for it.
_DUPLICATE_SQL = (
    "SELECT enhed, ?, sum(total - top) FROM (SELECT enhed, sum(n) AS total, max(n) AS top FROM ("
    "SELECT r.end_utc, r.enhed, r.opgave, r.kanal, r.type, r.afslutning, r.datakilde, "
    "r.import_id, count(*) AS n FROM registrations r "
    "WHERE r.end_utc >= ? AND r.end_utc < ?{units} AND r.import_id IS NOT NULL " + _LIVE +
    "GROUP BY 1, 2, 3, 4, 5, 6, 7, 8) GROUP BY end_utc, enhed, opgave, kanal, type, afslutning, "
    "datakilde HAVING count(*) > 1) GROUP BY enhed"
)


@dataclass
class FactRows:
    """What the analyses read for one selection: ``facts`` (FACT_COLUMNS, grouped per local day),
    ``durations`` ("opgave|kanal|type" → the counted rows' handling times in seconds) and
    ``duplicates`` (DUPLICATE_COLUMNS, per local day)."""

    facts: list[tuple] = field(default_factory=list)
    durations: dict[str, array] = field(default_factory=dict)
    duplicates: list[tuple] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.facts)

    def extend(self, other: "FactRows") -> None:
        self.facts.extend(other.facts)
        for key, seconds in other.durations.items():
            mine = self.durations.get(key)
            if mine is None:
                self.durations[key] = array("l", seconds)
            else:
                mine.extend(seconds)
        self.duplicates.extend(other.duplicates)


def _day_rows(conn: sqlite3.Connection, day: date, start: str, end: str, units: tuple[str, ...],
              kommune_nr: str, mark: Mark) -> FactRows:
    """One local day's counts (and duplicates), in one short read transaction kept to ``mark``."""
    units_sql = f" AND r.enhed IN ({','.join('?' * len(units))})" if units else ""
    iso = day.isoformat()
    live = (mark.registrations, mark.voids)
    with dbmod.read_txn(conn):
        check_mark(conn, mark, dbmod.path_of(conn))
        rows = conn.execute(_DAY_SQL.format(units=units_sql),
                            (kommune_nr, iso, start, end, *units, *live)).fetchall()
        duplicates: list[tuple] = []
        if any(row[_TWO_IMPORTS] for row in rows):
            duplicates = conn.execute(_DUPLICATE_SQL.format(units=units_sql),
                                      (iso, start, end, *units, *live)).fetchall()
    return FactRows([row[:_TWO_IMPORTS] for row in rows], {}, duplicates)


def fetch_fact_rows(conn: sqlite3.Connection, zone: ZoneInfo, selection: Selection,
                    cache: dict | None = None, mark: Mark | None = None,
                    kommune_nr: str = "") -> FactRows:
    """Live, non-trial registrations of the selection counted per local day (see FactRows;
    without the handling times: :func:`read_durations`).

    Grouped queries per local day, on the day's exact UTC bounds (23 or 25 hours across a clock
    change): each is a range on the time index with a small in-memory sort, which is faster than
    one sort of the whole selection, and needs no time arithmetic in SQL. The loop is over days,
    never over registrations. ``cache`` (day, units) → rows lets a second selection reuse the days
    it shares with the first. ``kommune_nr``: rows of any other municipality are flagged.

    Each day is its own short read transaction, kept to the database as it was at ``mark``
    (taken now when not given; see :mod:`storage.sqlite.snapshot`): a report never holds the lock that
    kiosks need to commit for more than one day's count.
    """
    cache = {} if cache is None else cache
    if mark is None:
        mark = _mark(conn)
    out = FactRows()
    for day in selection_days(selection):
        key = (day, selection.units)
        if key not in cache:
            start, end = local_day_bounds(day, zone)
            cache[key] = _day_rows(conn, day, start, end, selection.units, kommune_nr, mark)
        out.extend(cache[key])
    return out


def read_durations(conn: sqlite3.Connection, zone: ZoneInfo, selection: Selection,
                   counting: dict, mark: Mark) -> dict[str, array]:
    """The handling times of the counted rows: ``"opgave|kanal|type"`` → seconds. ``counting``:
    day → the configured units that do not count it, or None (``count_weeks.counting_units``).
    One short read transaction per day, kept to ``mark``; the CLI runs this on a connection of
    its own beside :func:`read_selections`, so the two scans share the two cores."""
    units = selection.units
    units_sql = f" AND r.enhed IN ({','.join('?' * len(units))})" if units else ""
    live = (mark.registrations, mark.voids)
    out: dict[str, array] = {}
    for day in selection_days(selection):
        excluded = counting.get(day, ())
        if excluded is None:
            continue  # nobody counts this day
        start, end = local_day_bounds(day, zone)
        not_in = f" AND r.enhed NOT IN ({','.join('?' * len(excluded))})" if excluded else ""
        sql = _DURATION_SQL.format(units=units_sql, excluded=not_in)
        with dbmod.read_txn(conn):
            check_mark(conn, mark, dbmod.path_of(conn))
            for key, seconds in conn.execute(sql, (start, end, *units, *excluded, *live)):
                found = out.get(key)
                if found is None:
                    found = out[key] = array("l")
                found.append(seconds)
    return out


def report_mark(conn: sqlite3.Connection) -> Mark:
    """The moment a report describes (one tiny read transaction)."""
    return _mark(conn)


def _mark(conn: sqlite3.Connection) -> Mark:
    with dbmod.read_txn(conn):
        return take_mark(conn)


def read_selections(
    conn: sqlite3.Connection, zone: ZoneInfo, selection: Selection, compare: Selection | None = None,
    kommune_nr: str = "", counting: dict | None = None, mark: Mark | None = None,
) -> tuple[FactRows, FactRows | None]:
    """The fact rows of the selection (and the comparison), both as the database was at one
    moment even while kiosks write; days in both are read once. With ``counting``, the
    selection's handling times too (:func:`read_durations`). No pandas here: the CLI runs this
    in a thread (sqlite3 releases the GIL while SQLite works) while pandas and matplotlib load."""
    cache: dict = {}
    mark = _mark(conn) if mark is None else mark
    rows = fetch_fact_rows(conn, zone, selection, cache, mark, kommune_nr)
    other = (fetch_fact_rows(conn, zone, compare, cache, mark, kommune_nr)
             if compare is not None else None)
    if counting is not None:
        rows.durations = read_durations(conn, zone, selection, counting, mark)
    return rows, other


def facts_frame(rows):
    """The fact rows as a frame (FACT_COLUMNS): ``type`` and ``afslutning`` are ``""`` where the
    row has none, ``other_kommune`` is bool, ``day`` is datetime64 (local midnight).
    ``rows``: a FactRows or a list of fact tuples."""
    import pandas as pd

    facts = pd.DataFrame(getattr(rows, "facts", rows), columns=FACT_COLUMNS)
    for col in ("enhed", "opgave", "kanal", "type", "afslutning", "datakilde"):
        facts[col] = facts[col].astype(object)
    facts["other_kommune"] = facts["other_kommune"].astype(bool)
    facts["day"] = pd.to_datetime(facts["day"], format="%Y-%m-%d")
    facts["n"] = facts["n"].astype("int64")
    return facts


def duplicates_frame(rows: FactRows):
    import pandas as pd

    out = pd.DataFrame(rows.duplicates, columns=DUPLICATE_COLUMNS)
    out["day"] = pd.to_datetime(out["day"], format="%Y-%m-%d")
    return out.astype({"n": "int64"})


def load_facts(conn: sqlite3.Connection, zone: ZoneInfo, selection: Selection):
    """:func:`fetch_fact_rows` as a frame (see :func:`facts_frame`)."""
    return facts_frame(fetch_fact_rows(conn, zone, selection))


def task_names(config, numbers) -> tuple[dict[str, str], list[str]]:
    """KLE number → name: the configured packages first, then the municipality's KLE file, else
    empty. Also returns notes (in Danish) about a KLE file that could not be read."""
    names: dict[str, str] = {}
    for unit in config.units.values():
        for task in unit.tasks():
            names.setdefault(task.kle, task.name)
    wanted = {n: names.get(n, "") for n in numbers}
    notes: list[str] = []
    missing = [n for n, name in wanted.items() if not name]
    if missing and config.kle_file is not None:
        from storage.kle import load_catalogue

        try:
            catalogue = load_catalogue(config.kle_file)
        except TaelleugeError as error:
            notes.append(f"Opgavenavne fra KLE-filen mangler: {error}")
        else:
            for number in missing:
                wanted[number] = catalogue.title(number) or ""
    return wanted, notes
