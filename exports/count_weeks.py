"""Which days count for which unit: the count weeks of a selection, from the config alone.

No pandas here: the CLI works this out before the heavy imports, and the report's SQL uses it to
read handling times for counted rows only (see ``analysis_data.read_selections``).
"""

from __future__ import annotations

from datetime import date, timedelta

from storage.config import Config, CountWeek

from .analysis_data import Selection, selection_days


def unit_weeks(config: Config, unit: str, weeks: tuple[CountWeek, ...], fallback: bool
               ) -> tuple[CountWeek, ...]:
    """The count weeks in use (``weeks``) that count for ``unit``: all of them in the fallback,
    else the unit's own (``[[enhed]] taelleuger``; all for a unit the config does not know)."""
    if fallback:
        return weeks
    return tuple(w for w in config.unit_weeks(unit) if w in weeks)


def effective_weeks(config: Config, selection: Selection) -> tuple[tuple[CountWeek, ...], bool]:
    """The count weeks to use: the configured ones that overlap the selection; when none does
    (no ``[[taelleuge]]``, or a comparison with last year), the selection's ISO weeks, and True."""
    days = selection_days(selection)
    first, last = days[0], days[-1]
    in_selection = tuple(w for w in config.weeks if _overlaps(w, selection))
    if in_selection:
        return in_selection, False
    weeks: dict[tuple[int, int], CountWeek] = {}
    for day in days:
        year, week, weekday = day.isocalendar()
        monday = day - timedelta(days=weekday - 1)
        weeks.setdefault((year, week), CountWeek(f"{year}-W{week:02d}", max(monday, first),
                                                 min(monday + timedelta(days=6), last)))
    return tuple(weeks.values()), True


def _overlaps(week: CountWeek, selection: Selection) -> bool:
    return any(week.first <= b and a <= week.last for a, b in selection.ranges)


def partly_covered(week: CountWeek, selection: Selection) -> bool:
    covered = sum(max(0, (min(b, week.last) - max(a, week.first)).days + 1)
                  for a, b in selection.ranges)
    return covered < (week.last - week.first).days + 1


def counting_units(config: Config, selection: Selection, *, include_outside: bool = False
                   ) -> dict[date, tuple[str, ...] | None]:
    """Per day of the selection, which rows count, from the config alone (no data needed): None
    when no unit counts that day, else the configured units that do *not* count it (``()``: all
    count). Lets the duration histogram be read for counted rows only, without a unit column."""
    days = selection_days(selection)
    if include_outside:
        return {d: () for d in days}
    weeks, fallback = effective_weeks(config, selection)
    in_week = {d for w in weeks for d in days_of(w)}
    own = {code: {d for w in unit_weeks(config, code, weeks, fallback) for d in days_of(w)}
           for code in config.units}
    return {d: (tuple(code for code, mine in own.items() if d not in mine)
                if d in in_week else None) for d in days}


def days_of(week: CountWeek) -> list[date]:
    return [week.first + timedelta(days=i) for i in range((week.last - week.first).days + 1)]
