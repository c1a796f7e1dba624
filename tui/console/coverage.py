"""Dækning: units × days of a count week, flagged cells, Enter for one cell's hours and
stations. Re-read every few seconds in a worker thread: one short read per day (Store.grid),
so a kiosk's commit never waits for the console for more than a few milliseconds."""

from __future__ import annotations

import time
from datetime import date

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Static

from storage.hostile import escape

from .base import ModeScreen

REFRESH_SECONDS = 5.0
FULL_EVERY = 12  # every 12th re-read (a minute) reads the whole week; the others today only


BAR_WIDTH = 40  # the widest hour's bar; the others in proportion


def bar(n: int, widest: int) -> str:
    """``n`` as #s, the widest at BAR_WIDTH; any hour with rows gets at least one."""
    return "#" * max(1 if n else 0, round(n * BAR_WIDTH / widest)) if widest else ""


def detail_text(detail) -> str:
    lines = [f"I alt: {detail.total}", "", "Pr. time:"]
    widest = max(detail.hours.values(), default=0)
    lines += [f"  {'uden klokkeslæt' if hour is None else f'{hour:02d}-{hour + 1:02d}':<15} {n:>5}  "
              f"{bar(n, widest)}" for hour, n in detail.hours.items()]
    if not detail.hours:
        lines.append("  (ingen registreringer)")
    lines += ["", "Pr. station og bruger:"]
    lines += [f"  {station} / {operator}: {n}" for (station, operator), n in detail.stations.items()]
    return "\n".join(lines)


UNIT_WIDTH, DAY_WIDTH, TOTAL_WIDTH = 17, 6, 6


class CoverageGrid(Static, can_focus=True):
    """The grid as one text block with a cell cursor (arrows; Enter chooses the cell). A
    DataTable rendered its ~200 cells apart on every re-read: ~100 ms of CPU at 20 units."""

    BINDINGS = [
        Binding("up", "move(-1, 0)", show=False),
        Binding("down", "move(1, 0)", show=False),
        Binding("left", "move(0, -1)", show=False),
        Binding("right", "move(0, 1)", show=False),
        Binding("enter", "choose", show=False),
    ]

    class CellChosen(Message):
        def __init__(self, unit: str, day: date) -> None:
            super().__init__()
            self.unit, self.day = unit, day

    def __init__(self, **kwargs) -> None:
        super().__init__("Læser …", markup=False, **kwargs)
        self.cov = None
        self.row = 0
        self.column = 0
        self.top = 0

    def show(self, cov) -> None:
        self.cov = cov
        self.row = min(self.row, max(len(cov.units) - 1, 0))
        self.column = min(self.column, len(cov.days) - 1)
        self._draw()

    def action_move(self, rows: int, columns: int) -> None:
        if self.cov is None or not self.cov.units:
            return
        self.row = max(0, min(len(self.cov.units) - 1, self.row + rows))
        self.column = max(0, min(len(self.cov.days) - 1, self.column + columns))
        self._draw()

    def action_choose(self) -> None:
        if self.cov is not None and self.cov.units:
            self.post_message(self.CellChosen(self.cov.units[self.row], self.cov.days[self.column]))

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        from exports.coverage import cell_text, day_label

        cov = self.cov
        if cov is None:
            return
        legend = "   ".join(note for note, on in (
            ("* = ikke i konfigurationen (markeres ikke)", cov.unconfigured),
            ("i = senest importeret", cov.last_imported)) if on)
        # The header, the total line and the legend stay.
        room = max(1, self.size.height - 2 - bool(legend))
        if self.row < self.top:
            self.top = self.row
        elif self.row >= self.top + room:
            self.top = self.row - room + 1
        text = Text(no_wrap=True, overflow="crop")
        text.append(f"{'Enhed':<{UNIT_WIDTH}}" + "".join(f"{day_label(d):>{DAY_WIDTH}}" for d in cov.days)
                    + f"{'I alt':>{TOTAL_WIDTH}} Senest\n", style="bold")
        for index in range(self.top, min(len(cov.units), self.top + room)):
            unit = cov.units[index]
            shown = escape(cov.label(unit, UNIT_WIDTH - 1))
            text.append(f"{shown if len(shown) < UNIT_WIDTH else shown[:UNIT_WIDTH - 2] + '…':<{UNIT_WIDTH}}")
            for column, day in enumerate(cov.days):
                # The cursor reversed (underlined while the grid has no focus); a flag is bold
                # and has its "!".
                if index == self.row and column == self.column:
                    style = "reverse" if self.has_focus else "underline"
                else:
                    style = "bold" if (unit, day) in cov.flags else ""
                text.append(f"{cell_text(cov, unit, day):>{DAY_WIDTH}}", style=style)
            text.append(f"{cov.unit_total(unit):>{TOTAL_WIDTH}} {cov.seen_text(unit)}\n")
        text.append(f"{'I alt':<{UNIT_WIDTH}}" + "".join(f"{cov.day_total(d):>{DAY_WIDTH}}" for d in cov.days)
                    + f"{cov.total:>{TOTAL_WIDTH}}", style="bold")
        if legend:
            text.append(f"\n{legend}")
        self.update(text)

    def on_focus(self) -> None:
        self._draw()

    def on_blur(self) -> None:
        self._draw()


class CoverageScreen(ModeScreen):
    MODE = "daekning"
    TITLE = "Dækning"
    KEYS = "Pile = flyt   Enter = timer og stationer   u = næste tælleuge   r = læs igen"
    BINDINGS = [
        Binding("u", "next_week", "Næste uge", show=False),
        Binding("r", "reload", "Læs igen", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.week_index: int | None = None  # None: the current count week
        self.cov = None
        self.name_shown = ""
        self.ticks = 0
        self.full_at = float("-inf")  # when the whole week was last read (time.monotonic)

    def body(self) -> ComposeResult:
        yield CoverageGrid(id="d-grid")

    def on_mount(self) -> None:
        self.query_one(CoverageGrid).focus()
        self.set_interval(REFRESH_SECONDS, self._tick, name="coverage-refresh")

    def _tick(self) -> None:
        if not self.is_current or self.app.screen_stack[-1].is_modal:
            return
        self.ticks += 1
        self._refresh(full=self.ticks % FULL_EVERY == 0)

    def on_screen_resume(self) -> None:
        # Back in this mode: the grid shown is at most a minute old but for today (read now).
        self._refresh(full=time.monotonic() - self.full_at > REFRESH_SECONDS * FULL_EVERY)

    def _refresh(self, *, full: bool) -> None:
        cov, today = self.cov, self.app.today()
        if full or cov is None or not cov.first <= today <= cov.last:
            self.reload()
            return
        from exports.coverage import refresh_day

        app, name = self.app, self.name_shown
        self.in_thread(lambda: (name, refresh_day(app.store, app.config, cov, today, today)),
                       self.show, group="coverage")

    def action_reload(self) -> None:
        self.reload()

    def action_next_week(self) -> None:
        weeks = self.app.config.weeks
        if not weeks:
            return
        current = self.week_index if self.week_index is not None else -1
        self.week_index = (current + 1) % len(weeks)
        self.reload()

    def _week(self) -> tuple[date, date, str]:
        from exports.coverage import chosen_week

        app = self.app
        if self.week_index is not None and app.config.weeks:
            week = app.config.weeks[self.week_index]
            return week.first, week.last, week.name
        return chosen_week(app.config, app.today())

    def reload(self) -> None:
        from exports.coverage import coverage

        app = self.app
        first, last, name = self._week()
        today = app.today()
        self.full_at = time.monotonic()
        self.in_thread(lambda: (name, coverage(app.store, app.config, first, last, today)),
                       self.show, group="coverage")

    def show(self, data) -> None:
        name, cov = data
        self.cov, self.name_shown = cov, name
        self.query_one(CoverageGrid).show(cov)
        trial = f"   prøve: {cov.trial_total}" if cov.trial_total else ""
        self.set_title(f"Dækning · {name} · {cov.first:%d-%m} – {cov.last:%d-%m}   "
                       f"markeret: {len(cov.flags)}{trial}")

    def on_coverage_grid_cell_chosen(self, event: CoverageGrid.CellChosen) -> None:
        event.stop()
        from exports.coverage import cell_detail

        from .dialogs import TextBox

        app, unit, day = self.app, event.unit, event.day
        self.in_thread(lambda: cell_detail(app.store, app.config, unit, day),
                       lambda detail: app.push_screen(
                           TextBox(f"{unit} · {day:%d-%m-%Y}", detail_text(detail))),
                       group="detail")
