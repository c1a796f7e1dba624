"""What the coordinator's analyses read: a selection of local days, and the live registrations of
that selection counted per local day by unit, task, channel, type, afslutning, data source and
"another municipality"; the handling times; and the imported rows two imports share (see FactRows).
The counting itself is the store's (``Store.report_facts``: SQL in each engine).

The local day comes from the configured zone's exact day bounds, so clock changes are right. The
result is a few thousand rows even for a million registrations, so everything after it is pandas
on a small frame. pandas is imported only where a frame is made, so selections, refusals and the
SQL itself run before (and, in the CLI, while) pandas loads.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from storage.errors import Refusal, TaelleugeError
from storage.interface import DURATION_KEY_SEP, DuplicateRow, FactDay, FactRow, Store  # noqa: F401 (DURATION_KEY_SEP: for exports.measures)
from storage.timeutil import local_day_bounds, parse_day, parse_iso_week

FACT_COLUMNS = list(FactRow._fields)
DUPLICATE_COLUMNS = list(DuplicateRow._fields)
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


def selection_days(selection: Selection) -> list[date]:
    days: list[date] = []
    for first, last in selection.ranges:
        days.extend(first + timedelta(days=i) for i in range((last - first).days + 1))
    return days


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


def _fact_days(zone: ZoneInfo, selection: Selection) -> list[FactDay]:
    return [FactDay(day, *local_day_bounds(day, zone), selection.units)
            for day in selection_days(selection)]


def read_selections(
    store: Store, zone: ZoneInfo, selection: Selection, compare: Selection | None = None,
    kommune_nr: str = "", counting: dict | None = None,
) -> tuple[FactRows, FactRows | None]:
    """The fact rows of the selection (and the comparison), both as the database was at one
    moment even while kiosks write, in one read of the store (``Store.report_facts``); days in
    both are read once. ``kommune_nr``: rows of any other municipality are flagged. With
    ``counting`` (day → the configured units that do not count it, or None:
    ``count_weeks.counting_units``), the selection's handling times of counted rows too.

    Per local day, on the day's exact UTC bounds (23 or 25 hours across a clock change): the
    loop is over days, never over registrations. No pandas here: the CLI runs this in a thread
    (the drivers release the GIL while the database works) while pandas and matplotlib load."""
    wanted = _fact_days(zone, selection)
    other = _fact_days(zone, compare) if compare is not None else []
    timed = []
    if counting is not None:
        for day in wanted:
            excluded = counting.get(day.day, ())
            if excluded is not None:  # None: nobody counts this day
                timed.append(FactDay(day.day, day.start_utc, day.end_utc, day.units, tuple(excluded)))
    read = store.report_facts(list(dict.fromkeys(wanted + other)), timed, kommune_nr=kommune_nr)

    def rows_of(days: list[FactDay]) -> FactRows:
        out = FactRows()
        for day in days:
            out.facts.extend(read.facts.get(day, ()))
            out.duplicates.extend(read.duplicates.get(day, ()))
        return out

    rows = rows_of(wanted)
    rows.durations = read.durations
    return rows, (rows_of(other) if compare is not None else None)


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
