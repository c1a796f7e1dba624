"""What the live panel shows, read in one go from a worker thread (no textual here).

A full read (``load_panel``) runs at start, after undo/restore and every few seconds in the
background; after this station's own commit the panel is brought up to date in memory
(``PanelData.plus``), so the key-to-screen path costs one small query whatever the file's size.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from storage.config import Config, CountWeek
from storage.registration import Entry, Registration
from storage.store import Store


@dataclass(frozen=True)
class PanelData:
    day: date  # the local day "today" refers to
    week: CountWeek | None  # None: outside every count week, trial only
    today: int  # live registrations of the unit today (trial rows when outside the week)
    week_total: int
    matrix: dict[tuple[str | None, str], int]  # (type, kanal) → count, this week
    latest: list[tuple[Registration, int]]  # this station's newest entries with batch size

    @property
    def trial(self) -> bool:
        return self.week is None

    def plus(self, entry: Entry, local_day: date, latest: list[tuple[Registration, int]]) -> PanelData | None:
        """This panel with our own just-saved entry added; None when a full read is needed
        (the day or the trial state changed since the last read)."""
        if local_day != self.day or entry.trial != self.trial:
            return None
        matrix = dict(self.matrix)
        key = (entry.type, entry.kanal)
        matrix[key] = matrix.get(key, 0) + entry.count
        return replace(self, today=self.today + entry.count, week_total=self.week_total + entry.count,
                       matrix=matrix, latest=latest)


def load_panel(store: Store, config: Config, enhed: str, now: datetime, limit: int = 10) -> PanelData:
    today = now.astimezone(config.zone).date()
    week = config.week_of(today)
    trial = week is None
    first, last = (week.first, week.last) if week else (today, today)
    matrix = store.matrix(enhed, first, last, config.zone, trial=trial)
    return PanelData(
        day=today,
        week=week,
        today=store.count_day(enhed, today, config.zone, trial=trial),
        week_total=sum(matrix.values()),
        matrix=matrix,
        latest=store.latest_entries(station=store.station, limit=limit),
    )
