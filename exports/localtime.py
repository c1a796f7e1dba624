"""Fast conversion between stored UTC text and the files' local ``dd-mm-yyyy HH:MM[:SS]``.

Exports and imports convert every row, so both directions cache one entry per minute: a count week
has at most 10,080 distinct minutes, and every time zone in use today is a whole number of minutes
from UTC, so the seconds are carried over unchanged. The zone is the configured one, never the
host's.

Clock changes: a local time inside the autumn hour that happens twice is read as the first
(summer time) occurrence; a local time inside the skipped spring hour does not exist and is refused.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from storage.timeutil import year_problem

_LOCAL_MINUTE = re.compile(r"^([0-9]{2})-([0-9]{2})-([0-9]{4}) ([0-9]{2}):([0-9]{2})$")  # ASCII digits only

# ":SS" (or nothing, for HH:MM) → the stored tail.
SECONDS = {f":{s:02d}": f":{s:02d}.000000Z" for s in range(60)}
SECONDS[""] = ":00.000000Z"


class UtcToLocal:
    """``2026-10-19T06:21:44.000000Z`` → ``19-10-2026 08:21`` (+ ``:44``)."""

    def __init__(self, zone: ZoneInfo):
        self.zone = zone
        # stored[:16] → (local "dd-mm-yyyy HH:MM", local "dd-mm-yyyy")
        self.cache: dict[str, tuple[str, str]] = {}

    def minute(self, key: str) -> tuple[str, str]:
        found = self.cache.get(key)
        if found is None:
            moment = datetime.strptime(key, "%Y-%m-%dT%H:%M").replace(tzinfo=timezone.utc)
            local = moment.astimezone(self.zone)
            found = self.cache[key] = (f"{local:%d-%m-%Y %H:%M}", f"{local:%d-%m-%Y}")
        return found

    def naive(self, stored: str) -> datetime:
        """Local wall-clock time without zone (what a spreadsheet shows)."""
        local = self.minute(stored[:16])[0]
        return datetime(
            int(local[6:10]), int(local[3:5]), int(local[0:2]), int(local[11:13]),
            int(local[14:16]), int(stored[17:19]),
        )


class LocalToUtc:
    """``19-10-2026 08:21:44`` (or ``19-10-2026 08:21``) → ``2026-10-19T06:21:44.000000Z``."""

    def __init__(self, zone: ZoneInfo):
        self.zone = zone
        # local "dd-mm-yyyy HH:MM" → stored "YYYY-MM-DDTHH:MM" (without seconds)
        self.cache: dict[str, str] = {}

    def stored(self, text: str) -> str | None:
        """The stored UTC text, or None when ``text`` is not a valid local time (see ``problem``)."""
        head = self.cache.get(text[:16])
        tail = SECONDS.get(text[16:])
        if head is None:
            head = self._minute(text[:16])
            if head is None:
                return None
        if tail is None:
            return None
        return head + tail

    def _minute(self, key: str) -> str | None:
        match = _LOCAL_MINUTE.match(key)
        if not match:
            return None
        day, month, year, hour, minute = map(int, match.groups())
        if year_problem(year):
            return None  # year 1 overflows in UTC, year 999 breaks the stored form
        try:
            naive = datetime(year, month, day, hour, minute)
        except ValueError:
            return None
        utc = naive.replace(tzinfo=self.zone).astimezone(timezone.utc)
        if utc.astimezone(self.zone).replace(tzinfo=None) != naive:
            return None  # inside the skipped hour of the spring clock change
        head = self.cache[key] = utc.strftime("%Y-%m-%dT%H:%M")
        return head

    def problem(self, text: str) -> str:
        """Why ``stored(text)`` said None, in Danish."""
        match = _LOCAL_MINUTE.match(text[:16])
        if match and SECONDS.get(text[16:]) is not None:
            day, month, year, hour, minute = map(int, match.groups())
            try:
                datetime(year, month, day, hour, minute)
            except ValueError:
                return f'"{text}" er ikke en rigtig dato eller et rigtigt klokkeslæt'
            if year_problem(year):
                return f'"{text}": {year_problem(year)}'
            return (
                f'"{text}" findes ikke i tidszonen {self.zone.key} '
                "(timen springes over, når uret stilles frem)"
            )
        return f'"{text}" skal skrives som dd-mm-åååå TT:MM:SS (eller dd-mm-åååå TT:MM)'


def day_of(text: str) -> date:
    """``dd-mm-yyyy`` → date (the text is known to be valid)."""
    return date(int(text[6:10]), int(text[3:5]), int(text[0:2]))
