"""The half-made registration at the desk, as plain data (no textual): easy to test and to show.

Step 1 picks a task (a group opens its sub-tasks), step 2's type key chooses the type, and step 3
asks the unit's local questions, one key per answer; the last key of the entry saves it. Before
the type key (in step 1 or 2), HOLD and blanket JA can be toggled for this one entry; ``+N`` makes
it a batch of N. One Esc clears all of it: nothing half-made ever carries over to the next citizen.
"Same citizen" keeps the contact's channel, HOLD, blanket and answers (the local questions are
about the citizen, not the matter) for the next matter only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from storage.config import Group, PackageItem, Question, Task, Unit


@dataclass
class EntryState:
    unit: Unit
    channel: str  # the pinned channel: stays until changed with F2
    group: Group | None = None  # a group opened in step 1
    task: Task | None = None  # chosen: step 2
    type: str | None = None  # chosen: step 3 while questions are open (or a loaded repeat)
    answers: dict[str, str] = field(default_factory=dict)
    _skipped: int = 0  # questions skipped with 0 (only the skippable ones)
    hold: bool = False
    blanket: bool = False
    batch: int = 1
    batch_typing: str | None = None  # digits after "+", None when not typing a count
    started: datetime | None = None  # the first key of this entry (the old tool's start time)
    channel_once: str | None = None  # "same citizen": the contact's channel, for this entry only
    carried: dict[str, str] | None = None  # "same citizen": the contact's answers, for this entry
    repeat: bool = False  # Enter loaded the last entry: shown, saved only by a second key

    @property
    def step(self) -> int:
        if self.task is None:
            return 1
        return 3 if self.type is not None and not self.repeat else 2

    @property
    def is_empty(self) -> bool:
        return self.task is None and self.group is None and not self.hold and not self.blanket \
            and self.batch == 1 and self.batch_typing is None and self.channel_once is None \
            and self.carried is None

    @property
    def entry_channel(self) -> str:
        return self.channel_once or self.channel

    @property
    def question(self) -> Question | None:
        """The question being asked in step 3 (the first one not answered or skipped yet)."""
        if self.step != 3:
            return None
        asked = len(self.answers) + self._skipped
        return self.unit.questions[asked] if asked < len(self.unit.questions) else None

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

    def choose_type(self, code: str) -> bool:
        """Step 2's type key. True when the entry is complete (no local question left to ask):
        the same citizen's answers, when carried over, answer the questions they cover."""
        self.type, self.repeat = code, False
        self.answers, self._skipped = {}, 0
        carried = self.carried or {}
        while self.carried is not None and (question := self.question) is not None:
            if question.text in carried and carried[question.text] in question.answers:
                self.answers[question.text] = carried[question.text]
            elif not question.required and question.text not in carried:
                self._skipped += 1  # skipped for this citizen before: skipped again
            else:
                break  # a question the contact has no answer to: asked now
        return self.question is None

    def answer(self, choice: int | None) -> bool:
        """Step 3: answer number ``choice`` (1-based) of the current question, or None = skip.
        True when this was the last question. The caller has checked the choice is allowed."""
        question = self.question
        assert question is not None
        if choice is None:
            self._skipped += 1
        else:
            self.answers[question.text] = question.answers[choice - 1]
        return self.question is None

    def load_repeat(self, task: Task, type_code: str, *, hold: bool, blanket: bool) -> None:
        """Enter on an empty step 1: the last entry, shown in step 2 before anything is saved.
        The channel is today's pinned one and the count the one typed now (else 1)."""
        self.group, self.task, self.type, self.repeat = None, task, type_code, True
        self.hold, self.blanket = hold, blanket

    def continue_from(self, kanal: str, *, hold: bool, blanket: bool,
                      answers: dict[str, str] | None = None) -> None:
        """"Same citizen, next task": keep the contact's channel, HOLD, blanket and answers."""
        self.hold, self.blanket = hold, blanket
        self.channel_once = kanal if kanal != self.channel else None
        self.carried = dict(answers) if answers is not None and self.unit.questions else None

    def reset(self) -> None:
        """After a commit, Esc or the idle timeout: the whole entry goes; the pinned channel stays."""
        self.group = self.task = self.type = None
        self.answers, self._skipped = {}, 0
        self.hold = self.blanket = self.repeat = False
        self.batch = 1
        self.batch_typing = None
        self.started = None
        self.channel_once = None
        self.carried = None
