"""What the coordinator's analyses read: a selection of local days, and the live registrations of
that selection counted in SQL by task, channel, type and local day.

The local day comes from the configured zone's exact day bounds, so clock changes are right. The
result is a few thousand rows even for a million registrations, so everything after it is pandas
on a small frame. pandas is imported only where a frame is made, so selections, refusals and the
SQL itself run before (and, in the CLI, while) pandas loads.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from storage.sqlite import db as dbmod
from storage.errors import NotInitialised, Refusal, TaelleugeError
from storage.sqlite.snapshot import Mark, check_mark, take_mark
from storage.sqlite.store import schema_status
from storage.timeutil import local_day_bounds, parse_day, parse_iso_week

FACT_COLUMNS = ["opgave", "kanal", "type", "day", "n"]
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


_DAY_SQL = (
    "SELECT r.opgave, r.kanal, coalesce(r.type, ?), ?, count(*) FROM registrations r "
    "WHERE r.end_utc >= ? AND r.end_utc < ?{units} AND r.trial = 0 "
    f"AND {Mark.PRESENT} AND NOT {Mark.VOIDED} "
    "GROUP BY r.opgave, r.kanal, r.type"
)


def fetch_fact_rows(conn: sqlite3.Connection, zone: ZoneInfo, selection: Selection,
                    cache: dict | None = None, mark: Mark | None = None) -> list[tuple]:
    """Live, non-trial registrations of the selection counted by task, channel, type and local
    day: ``(opgave, kanal, type or NO_TYPE, "YYYY-MM-DD", n)`` rows.

    One grouped query per local day, on the day's exact UTC bounds (23 or 25 hours across a clock
    change): each is a range on the time index with a small in-memory sort, which is faster than
    one sort of the whole selection, and needs no time arithmetic in SQL. The loop is over days,
    never over registrations. ``cache`` (day, units) → rows lets a second selection reuse the days
    it shares with the first.

    Each day is its own short read transaction, kept to the database as it was at ``mark``
    (taken now when not given; see :mod:`storage.sqlite.snapshot`): a report never holds the lock that
    kiosks need to commit for more than one day's count.
    """
    units_sql = ""
    if selection.units:
        units_sql = f" AND r.enhed IN ({','.join('?' * len(selection.units))})"
    sql = _DAY_SQL.format(units=units_sql)
    cache = {} if cache is None else cache
    if mark is None:
        mark = _mark(conn)
    rows: list[tuple] = []
    for day in selection_days(selection):
        key = (day, selection.units)
        if key not in cache:
            start, end = local_day_bounds(day, zone)
            with dbmod.read_txn(conn):
                check_mark(conn, mark, dbmod.path_of(conn))
                cache[key] = conn.execute(
                    sql, (NO_TYPE, day.isoformat(), start, end, *selection.units,
                          mark.registrations, mark.voids)).fetchall()
        rows.extend(cache[key])
    return rows


def _mark(conn: sqlite3.Connection) -> Mark:
    with dbmod.read_txn(conn):
        return take_mark(conn)


def read_selections(
    conn: sqlite3.Connection, zone: ZoneInfo, selection: Selection, compare: Selection | None = None
) -> tuple[list[tuple], list[tuple] | None]:
    """The fact rows of the selection (and the comparison), both as the database was at one
    moment even while kiosks write; days in both are read once. No pandas here: the CLI runs this
    in a thread (sqlite3 releases the GIL while SQLite works) while pandas and matplotlib load."""
    cache: dict = {}
    mark = _mark(conn)
    rows = fetch_fact_rows(conn, zone, selection, cache, mark)
    other = fetch_fact_rows(conn, zone, compare, cache, mark) if compare is not None else None
    return rows, other


def facts_frame(rows: list[tuple]):
    """The fact rows as a frame: ``opgave``, ``kanal``, ``type`` (``NO_TYPE`` where the row has
    none), ``day`` (datetime64, local midnight), ``n``."""
    import pandas as pd

    facts = pd.DataFrame(rows, columns=FACT_COLUMNS)
    facts["type"] = facts["type"].astype(object)
    facts["day"] = pd.to_datetime(facts["day"], format="%Y-%m-%d")
    facts["n"] = facts["n"].astype("int64")
    return facts


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
