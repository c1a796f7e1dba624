"""What the live panel shows, read in one go from a worker thread (no textual here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.config import Config, CountWeek
from storage.registration import Registration
from storage.store import Store


@dataclass(frozen=True)
class PanelData:
    week: CountWeek | None  # None: outside every count week, trial only
    today: int  # live registrations of the unit today (trial rows when outside the week)
    week_total: int
    matrix: dict[tuple[str | None, str], int]  # (type, kanal) → count, this week
    latest: list[tuple[Registration, int]]  # this station's newest entries with batch size

    @property
    def trial(self) -> bool:
        return self.week is None


def load_panel(store: Store, config: Config, enhed: str, now: datetime, limit: int = 10) -> PanelData:
    today = now.astimezone(config.zone).date()
    week = config.week_of(today)
    trial = week is None
    first, last = (week.first, week.last) if week else (today, today)
    matrix = store.matrix(enhed, first, last, config.zone, trial=trial)
    return PanelData(
        week=week,
        today=store.count_day(enhed, today, config.zone, trial=trial),
        week_total=sum(matrix.values()),
        matrix=matrix,
        latest=store.latest_entries(station=store.station, limit=limit),
    )
