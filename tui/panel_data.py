"""What the live panel and the task list show, read in one go from a worker thread (no textual).

A full read (``load_panel``) runs at start, after undo/restore and every few seconds in the
background; after this station's own commit everything is brought up to date in memory
(``PanelData.plus``), so the key-to-screen path reads nothing after the commit itself.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from storage.config import Config, CountWeek
from storage.registration import Entry, Registration
from storage.interface import Store
from storage.timeutil import from_stored

RECENT = 10  # entries in "Seneste her" and the ctrl+u list


@dataclass(frozen=True)
class RecentEntry:
    """One entry of this user at this station: a single row, or a batch shown once with its size."""

    id: str  # a row of the entry (the newest)
    batch_id: str | None
    enhed: str
    opgave: str
    kanal: str
    type: str | None
    afslutning: str | None
    blanket: str | None
    answers: dict[str, Any]
    end: datetime  # aware, UTC
    count: int
    trial: bool
    voided: bool = False

    @classmethod
    def from_row(cls, row: Registration, count: int) -> RecentEntry:
        return cls(row.id, row.batch_id, row.enhed, row.opgave, row.kanal, row.type, row.afslutning,
                   row.blanket, dict(row.answers), from_stored(row.end_utc), count, row.trial,
                   row.voided)

    @classmethod
    def from_entry(cls, entry: Entry) -> RecentEntry:
        return cls(entry.ids[-1], entry.batch_id, entry.enhed, entry.opgave, entry.kanal, entry.type,
                   entry.afslutning, entry.blanket, dict(entry.answers), entry.end, entry.count,
                   entry.trial)


@dataclass(frozen=True)
class PanelData:
    day: date  # the local day "today" refers to
    week: CountWeek | None  # None: outside every count week, trial only
    today: int  # live registrations of the unit today (trial rows when outside the week)
    week_total: int
    matrix: dict[tuple[str | None, str], int]  # (type, kanal) → count, this week
    latest: list[RecentEntry]  # this user's newest entries at this station
    tasks_today: dict[str, int]  # KLE number → live registrations of the unit today

    @property
    def trial(self) -> bool:
        return self.week is None

    def plus(self, entry: Entry, local_day: date) -> PanelData | None:
        """This panel with our own just-saved entry added; None when a full read is needed
        (the day or the trial state changed since the last read)."""
        if local_day != self.day or entry.trial != self.trial:
            return None
        matrix = dict(self.matrix)
        key = (entry.type, entry.kanal)
        matrix[key] = matrix.get(key, 0) + entry.count
        tasks = dict(self.tasks_today)
        tasks[entry.opgave] = tasks.get(entry.opgave, 0) + entry.count
        latest = [RecentEntry.from_entry(entry), *self.latest][:RECENT]
        return replace(self, today=self.today + entry.count, week_total=self.week_total + entry.count,
                       matrix=matrix, latest=latest, tasks_today=tasks)


def load_recent(store: Store, enhed: str, limit: int = RECENT, *, live_only: bool = False) -> list[RecentEntry]:
    """This user's newest entries in this unit at this station: an SSH station reused by another
    login, or a kiosk shared across a shift change, never shows (or voids) someone else's rows,
    and a user who works for two units never repeats or voids the other unit's entry here."""
    # Newest by end time, then seq: an entry that waited for a busy database has a later seq
    # than ones made after it. A few more than shown are read, so such an entry is not missed.
    found = store.recent_entries(station=store.station, operator=store.operator, enhed=enhed,
                                 limit=limit + RECENT_SLACK, live_only=live_only)
    found.sort(key=lambda found: (found[0].end_utc, found[0].seq), reverse=True)
    return [RecentEntry.from_row(row, count) for row, count in found[:limit]]


RECENT_SLACK = 5


def load_panel(store: Store, config: Config, enhed: str, now: datetime) -> PanelData:
    today = now.astimezone(config.zone).date()
    week = config.unit_week_of(enhed, today)  # the unit's own weeks: outside them, trial rows
    trial = week is None
    first, last = (week.first, week.last) if week else (today, today)
    matrix = store.matrix(enhed, first, last, config.zone, trial=trial)
    tasks_today = store.task_counts_day(enhed, today, config.zone, trial=trial)
    return PanelData(
        day=today,
        week=week,
        today=sum(tasks_today.values()),
        week_total=sum(matrix.values()),
        matrix=matrix,
        latest=load_recent(store, enhed),
        tasks_today=tasks_today,
    )
