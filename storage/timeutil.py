"""Time: stored as UTC text, shown and grouped in the configured zone (not the host's).

Stored form ``YYYY-MM-DDTHH:MM:SS.ffffffZ``: fixed width, so text order is time order and range
queries use the indexes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from .errors import InputError

Clock = Callable[[], datetime]

STORED_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
# Years a registration, an imported row or a selection may have. Outside, the stored form loses
# its fixed width (year 999) or the UTC conversion overflows (year 1): refused with a message.
FIRST_YEAR, LAST_YEAR = 1970, 2100


def year_problem(year: int) -> str | None:
    if FIRST_YEAR <= year <= LAST_YEAR:
        return None
    return f"årstallet {year} ligger uden for {FIRST_YEAR}–{LAST_YEAR}"


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


def to_stored(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: attach the configured zone before storing")
    return moment.astimezone(timezone.utc).strftime(STORED_FORMAT)


def from_stored(text: str) -> datetime:
    return datetime.strptime(text, STORED_FORMAT).replace(tzinfo=timezone.utc)


def local_day_bounds(day: date, zone: ZoneInfo) -> tuple[str, str]:
    """[start, end) of a local calendar day as stored UTC strings (23 or 25 hours across DST)."""
    start = datetime.combine(day, time.min, zone)
    end = datetime.combine(day + timedelta(days=1), time.min, zone)
    return to_stored(start), to_stored(end)


def local_range_bounds(first: date, last: date, zone: ZoneInfo) -> tuple[str, str]:
    """[first 00:00, day after last 00:00) in local time, as stored UTC strings."""
    return local_day_bounds(first, zone)[0], local_day_bounds(last, zone)[1]


def iso_week_days(year: int, week: int) -> tuple[date, date]:
    monday = date.fromisocalendar(year, week, 1)
    return monday, monday + timedelta(days=6)


class NoSuchWeek(InputError):
    """A well-formed ISO week the year does not have (2025-W53): not a spelling mistake."""


def parse_iso_week(text: str) -> tuple[date, date]:
    """``2026-W43`` → (Monday, Sunday). Raises ValueError with a Danish message."""
    try:
        if not text.isascii():  # int() reads full-width and Arabic-Indic digits too
            raise ValueError(text)
        year_text, week_text = text.strip().upper().split("-W")
        year, week = int(year_text), int(week_text)
    except ValueError:
        raise InputError(f'Ugen "{text}" skal skrives som ÅÅÅÅ-Wuu, fx 2026-W43') from None
    problem = year_problem(year)
    if problem:
        raise NoSuchWeek(f'Ugen "{text}": {problem}')
    weeks = date(year, 12, 28).isocalendar()[1]  # 28 December is always in the year's last week
    if not 1 <= week <= weeks:
        raise NoSuchWeek(f'Ugen "{text}" findes ikke: {year} har uge 1-{weeks}')
    return iso_week_days(year, week)


def parse_day(text: str) -> date:
    """A day as ``dd-mm-yyyy`` or ``yyyy-mm-dd``."""
    text = text.strip()
    for fmt in ("%d-%m-%Y", "%Y-%m-%d") if text.isascii() else ():  # strptime reads any digits
        try:
            day = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        problem = year_problem(day.year)
        if problem:
            raise InputError(f'Datoen "{text}": {problem}')
        return day
    raise InputError(f'Datoen "{text}" skal skrives som dd-mm-åååå eller åååå-mm-dd')


def parse_local_moment(text: str, zone: ZoneInfo) -> datetime:
    """A local moment as ``dd-mm-yyyy HH:MM[:SS]`` or ISO ``yyyy-mm-dd[ T]HH:MM[:SS]``."""
    text = text.strip()
    formats = ("%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M",
               "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M")
    for fmt in formats if text.isascii() else ():  # strptime reads full-width digits too
        try:
            moment = datetime.strptime(text, fmt).replace(tzinfo=zone)
        except ValueError:
            continue
        problem = year_problem(moment.year)
        if problem:
            raise InputError(f'Tidspunktet "{text}": {problem}')
        return moment
    raise InputError(f'Tidspunktet "{text}" skal skrives som dd-mm-åååå TT:MM, fx 19-10-2026 09:30')
