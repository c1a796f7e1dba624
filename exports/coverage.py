"""Dækning: which units counted on which days of a count week, and which look silent.

The coordinator's grid (``taelleuge status`` and the console's Dækning mode) from the store's own
per-day counts (``Store.grid``: one short read per day, never a long read transaction), the
newest live row per unit, typed or imported (``Store.last_by_unit``, one read) and, for one
cell, ``Store.day_detail``.

A cell is flagged when the unit should have counted that day (a weekday of one of the unit's own
count weeks, not after today) and either has no rows ("tom") or fewer than a third of the unit's
own median day ("lav"; the median over the unit's non-empty counted days of the shown range, so a
unit that counts 10 a day is not measured against one that counts 500). Weekends are never
flagged: most units are closed then, and a flag on every Saturday would hide the real ones. The
export check (exports.check) flags empty days by the same rule (``due_days``). A unit the config
does not name (imported from another municipality, retired) has no weeks: shown, never flagged.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from storage.config import Config, CountWeek
from storage.errors import InputError
from storage.interface import Store
from storage.timeutil import from_stored, parse_iso_week
from storage.unit_codes import store_has_rows, unit_code

LOW_SHARE = 1 / 3  # a counted day below this share of the unit's median day is flagged "lav"
EMPTY, LOW = "tom", "lav"
WEEKDAYS = ("ma", "ti", "on", "to", "fr", "lø", "sø")
NO_UNIT = "(uden enhed)"  # imported self-service rows belong to no unit
UNCONFIGURED_NOTE = "* = ikke i konfigurationen (ingen tælleuger, dage markeres ikke)."


@dataclass
class Coverage:
    first: date
    last: date
    units: list[str]
    counts: dict[tuple[str, date], int] = field(default_factory=dict)  # live, non-trial
    trial: dict[tuple[str, date], int] = field(default_factory=dict)
    counted: dict[str, set[date]] = field(default_factory=dict)  # days inside the unit's weeks
    medians: dict[str, float] = field(default_factory=dict)
    flags: dict[tuple[str, date], str] = field(default_factory=dict)
    last_seen: dict[str, datetime | None] = field(default_factory=dict)  # newest live row, local
    last_imported: set[str] = field(default_factory=set)  # units whose newest row was imported
    unconfigured: set[str] = field(default_factory=set)  # shown units the config does not name

    def label(self, unit: str, width: int) -> str:
        """The unit's name cut to ``width`` (never wrapped), "*" after a unit the config does not
        name, "(uden enhed)" for rows without one."""
        mark = " *" if unit in self.unconfigured else ""
        name = unit or NO_UNIT
        room = width - len(mark)
        return (name if len(name) <= room else name[:room - 1] + "…") + mark

    def seen_text(self, unit: str) -> str:
        """"Senest": the newest live row's local time, " i" when it was imported; "aldrig"."""
        seen = self.last_seen.get(unit)
        if seen is None:
            return "aldrig"
        return f"{seen:%d-%m %H:%M}" + (" i" if unit in self.last_imported else "")

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]

    def count(self, unit: str, day: date) -> int:
        return self.counts.get((unit, day), 0)

    def unit_total(self, unit: str) -> int:
        return sum(self.count(unit, d) for d in self.days)

    def day_total(self, day: date) -> int:
        return sum(self.count(u, day) for u in self.units)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def trial_total(self) -> int:
        return sum(self.trial.values())


def chosen_week(config: Config, today: date, text: str | None = None) -> tuple[date, date, str]:
    """The days to show: ``text`` as a count week's name or an ISO week (2026-W43); else the
    count week holding today, else the latest one begun, else the first, else today's ISO week."""
    if text:
        for week in config.weeks:
            if week.name.casefold() == text.strip().casefold():
                return week.first, week.last, week.name
        first, last = parse_iso_week(text)
        return first, last, text.strip().upper()
    week = _current(config.weeks, today)
    if week:
        return week.first, week.last, week.name
    monday = today - timedelta(days=today.weekday())
    year, number, _ = today.isocalendar()
    return monday, monday + timedelta(days=6), f"{year}-W{number:02d}"


def _current(weeks: tuple[CountWeek, ...], today: date) -> CountWeek | None:
    if not weeks:
        return None
    for week in weeks:
        if week.contains(today):
            return week
    begun = [w for w in weeks if w.first <= today]
    return begun[-1] if begun else weeks[0]


def coverage(store: Store, config: Config, first: date, last: date, today: date,
             units: tuple[str, ...] = ()) -> Coverage:
    if last < first:
        raise InputError("Sidste dag ligger før første dag")
    units = tuple(unit_code(config, u, store_has_rows(store)) for u in units)
    counts = store.grid(units, first, last, config.zone)
    trial = store.grid(units, first, last, config.zone, trial=True)
    shown = list(units) or list(config.units) + sorted(
        {u for u, _ in counts} - set(config.units), key=str)
    cov = Coverage(first, last, shown, counts, trial,
                   unconfigured={u for u in shown if u and u not in config.units})
    for unit in shown:
        cov.counted[unit] = counted_days(config, unit, cov.days)
        _flag(cov, unit, today)
    _last_seen(store, config, cov)
    return cov


def refresh_day(store: Store, config: Config, cov: Coverage, day: date, today: date,
                units: tuple[str, ...] = ()) -> Coverage:
    """``cov`` with one day read again (the console's 5-second re-read: today's column, ~1/7 of
    the week's read and of the time kiosks may wait on it); flags and newest rows recomputed.
    Rows back-dated into other days show at the next full read."""
    counts = {k: n for k, n in cov.counts.items() if k[1] != day}
    counts.update(store.grid(units, day, day, config.zone))
    trial = {k: n for k, n in cov.trial.items() if k[1] != day}
    trial.update(store.grid(units, day, day, config.zone, trial=True))
    shown = list(cov.units) + sorted({u for u, _ in counts} - set(cov.units), key=str)
    fresh = Coverage(cov.first, cov.last, shown, counts, trial,
                     unconfigured={u for u in shown if u and u not in config.units})
    for unit in shown:
        fresh.counted[unit] = counted_days(config, unit, fresh.days)
        _flag(fresh, unit, today)
    _last_seen(store, config, fresh)
    return fresh


def counted_days(config: Config, unit: str, days: list[date]) -> set[date]:
    """Of ``days``, those the unit counts: the days of its own count weeks; none for a unit the
    config does not name (imported from another municipality, retired): it has no weeks."""
    if unit not in config.units:
        return set()
    own = {d for w in config.unit_weeks(unit) for d in _days(w)}
    return {d for d in days if d in own}


def due_days(config: Config, unit: str, days: list[date], today: date) -> list[date]:
    """Of ``days``, those on which the unit should have counted: weekdays of its own count
    weeks, not after today. Dækning and the export check flag an empty one of these."""
    return _due(counted_days(config, unit, days), today)


def _due(counted: set[date], today: date) -> list[date]:
    return sorted(d for d in counted if d.weekday() < 5 and d <= today)


def _days(week: CountWeek) -> list[date]:
    return [week.first + timedelta(days=i) for i in range((week.last - week.first).days + 1)]


def _flag(cov: Coverage, unit: str, today: date) -> None:
    due = _due(cov.counted[unit], today)
    busy = [cov.count(unit, d) for d in cov.counted[unit] if d <= today and cov.count(unit, d) > 0]
    median = statistics.median(busy) if busy else 0.0
    cov.medians[unit] = median
    for day in due:
        n = cov.count(unit, day)
        if n <= 0:
            cov.flags[(unit, day)] = EMPTY
        elif n < median * LOW_SHARE:
            cov.flags[(unit, day)] = LOW


def _last_seen(store: Store, config: Config, cov: Coverage) -> None:
    """The newest live, non-trial row of every shown unit, typed or imported (one read)."""
    newest = store.last_by_unit()
    for unit in cov.units:
        end_utc, imported = newest.get(unit, (None, False))
        cov.last_seen[unit] = from_stored(end_utc).astimezone(config.zone) if end_utc else None
        if imported:
            cov.last_imported.add(unit)


@dataclass
class CellDetail:
    """One unit's day: live, non-trial rows per local hour (``None``: date-only rows, which have
    no time of day) and per (station, operator)."""

    unit: str
    day: date
    hours: dict[int | None, int]
    stations: dict[tuple[str, str], int]

    @property
    def total(self) -> int:
        return sum(self.hours.values())


def cell_detail(store: Store, config: Config, unit: str, day: date) -> CellDetail:
    hours: dict[int | None, int] = {}
    stations: dict[tuple[str, str], int] = {}
    for utc_hour, station, operator, n in store.day_detail(unit, day, config.zone):
        hour = (from_stored(f"{utc_hour}:00:00.000000Z").astimezone(config.zone).hour
                if utc_hour else None)
        hours[hour] = hours.get(hour, 0) + n
        stations[(station, operator)] = stations.get((station, operator), 0) + n
    return CellDetail(unit, day, dict(sorted(hours.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))),
                      dict(sorted(stations.items(), key=lambda kv: (-kv[1], kv[0]))))


# -- as text (the CLI's status, and the console's narrow fallback) --------------------------------


def cell_text(cov: Coverage, unit: str, day: date) -> str:
    """A count, "·" for a day outside the unit's count weeks without rows, "!" after a flag."""
    n = cov.count(unit, day)
    if day not in cov.counted.get(unit, ()) and n == 0:
        return "·"
    return f"{n}{'!' if (unit, day) in cov.flags else ''}"


def day_label(day: date) -> str:
    return f"{WEEKDAYS[day.weekday()]} {day.day:02d}"


def table_lines(cov: Coverage, title: str, *, unit_width: int = 18) -> list[str]:
    """The grid as fixed-width text lines (unit names are shortened, never wrapped)."""
    days = cov.days
    width = max([5] + [len(cell_text(cov, u, d)) + 1 for u in cov.units for d in days])
    total_width = max(6, len(str(max([cov.unit_total(u) for u in cov.units] + [cov.total]))) + 1)
    head = f"{'Enhed':<{unit_width}}" + "".join(f"{day_label(d):>{width + 1}}" for d in days)
    head += f"{'I alt':>{total_width + 1}}  Senest"
    lines = [f"Dækning {title}: {cov.first:%d-%m-%Y} – {cov.last:%d-%m-%Y}", "", head]
    for unit in cov.units:
        row = f"{cov.label(unit, unit_width - 1):<{unit_width}}" + "".join(f"{cell_text(cov, unit, d):>{width + 1}}" for d in days)
        row += f"{cov.unit_total(unit):>{total_width + 1}}  {cov.seen_text(unit)}"
        lines.append(row)
    lines.append(f"{'I alt':<{unit_width}}" + "".join(f"{cov.day_total(d):>{width + 1}}" for d in days)
                 + f"{cov.total:>{total_width + 1}}")
    lines.append("")
    empty = sum(1 for f in cov.flags.values() if f == EMPTY)
    low = sum(1 for f in cov.flags.values() if f == LOW)
    lines.append(f"Markeret (!): {empty} tomme hverdage, {low} dage under 1/3 af enhedens mediandag. "
                 "· = uden for enhedens tælleuger."
                 + (" i = senest en importeret række." if cov.last_imported else ""))
    if cov.unconfigured:
        lines.append(UNCONFIGURED_NOTE)
    if cov.trial_total:
        lines.append(f"Prøverækker (tælles ikke): {cov.trial_total}")
    return lines
