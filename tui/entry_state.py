"""The half-made registration at the desk, as plain data (no textual): easy to test and to show.

Step 1 picks a task (a group opens its sub-tasks), step 2's type key commits. Before the type key,
HOLD and blanket JA can be toggled for this one entry; ``+N`` makes the next entry a batch of N.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.config import Group, PackageItem, Task, Unit


@dataclass
class EntryState:
    unit: Unit
    channel: str
    group: Group | None = None  # a group opened in step 1
    task: Task | None = None  # chosen: step 2
    hold: bool = False
    blanket: bool = False
    batch: int = 1
    batch_typing: str | None = None  # digits after "+", None when not typing a count
    started: datetime | None = None  # first key of the entry (the old tool's start time)

    @property
    def step(self) -> int:
        return 2 if self.task else 1

    @property
    def is_empty(self) -> bool:
        return self.task is None and self.group is None and not self.hold and not self.blanket \
            and self.batch == 1 and self.batch_typing is None

    def items(self) -> list[tuple[str, PackageItem]]:
        return self.group.keyed() if self.group else self.unit.keyed()

    def touch(self, now: datetime) -> None:
        if self.started is None:
            self.started = now

    def pick(self, key: str) -> PackageItem | None:
        """Select the item on ``key`` in step 1; returns it, or None when no item has that key."""
        item = dict(self.items()).get(key)
        if isinstance(item, Group):
            self.group = item
        elif isinstance(item, Task):
            self.task = item
        return item

    def choose(self, task: Task) -> None:
        self.group, self.task = None, task

    def back(self) -> bool:
        """One level back (type → task list → top). False when already at an empty start."""
        if self.batch_typing is not None:
            self.batch_typing = None
        elif self.task is not None:
            self.task = None
        elif self.group is not None:
            self.group = None
        elif not self.is_empty:
            self.reset()
        else:
            return False
        return True

    def reset(self) -> None:
        """After a commit or Escape: everything for one entry goes; the pinned channel stays."""
        self.group = self.task = None
        self.hold = self.blanket = False
        self.batch = 1
        self.batch_typing = None
        self.started = None
