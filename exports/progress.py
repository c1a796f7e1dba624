"""Progress for long imports and exports: a rich bar in a terminal, silence otherwise.

In a terminal (stderr is a TTY) and without ``--stille`` the bar shows rows done, rate and time
left on stderr. Otherwise nothing is drawn, so stdout holds only the command's parseable summary.
Callers report every few thousand rows; the cost per call is a counter.
"""

from __future__ import annotations

import sys
from typing import Protocol


class Progress(Protocol):
    def start(self, label: str, total: int | None) -> None: ...
    def advance(self, rows: int) -> None: ...
    def stop(self) -> None: ...


class Quiet:
    def start(self, label: str, total: int | None) -> None:
        pass

    def advance(self, rows: int) -> None:
        pass

    def stop(self) -> None:
        pass

    def __enter__(self) -> Quiet:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


class RichBar:
    """A rich progress display on stderr; each :meth:`start` adds a line (rich is imported only
    when a bar is shown). Use as a context manager."""

    def __init__(self, stream=None):
        from rich.console import Console
        from rich.progress import (
            BarColumn, MofNCompleteColumn, Progress as RichProgress, TextColumn,
            TimeElapsedColumn, TimeRemainingColumn,
        )

        self._progress = RichProgress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("rækker"),
            TextColumn("{task.fields[rate]}"),
            TextColumn("brugt"),
            TimeElapsedColumn(),
            TextColumn("tilbage"),
            TimeRemainingColumn(),
            console=Console(file=stream or sys.stderr),
        )
        self._task = None
        self._live = False

    def start(self, label: str, total: int | None) -> None:
        self.stop()
        if not self._live:
            self._progress.start()
            self._live = True
        self._task = self._progress.add_task(label, total=total, rate="")

    def advance(self, rows: int) -> None:
        if self._task is None:
            return
        self._progress.advance(self._task, rows)
        speed = self._progress.tasks[-1].speed
        if speed:
            self._progress.update(self._task, rate=f"{speed:,.0f}/s".replace(",", "."))

    def stop(self) -> None:
        """The current line is done (its bar shows full)."""
        if self._task is not None:
            task = self._progress.tasks[-1]
            done = task.total if task.total is not None else max(task.completed, 1)
            self._progress.update(self._task, total=done, completed=done)
            self._task = None

    def __enter__(self) -> RichBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        if self._live:
            self._progress.stop()
            self._live = False


def choose(quiet: bool, stream=None) -> Quiet | RichBar:
    """The bar when stderr is a terminal and ``--stille`` was not given; else silence."""
    stream = stream or sys.stderr
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    return RichBar(stream) if tty and not quiet else Quiet()
