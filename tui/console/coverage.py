"""Dækning: units × days of a count week, flagged cells, Enter for one cell's hours and
stations. Re-read every few seconds in a worker thread: one short read per day (Store.grid),
so a kiosk's commit never waits for the console for more than a few milliseconds."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable

from .base import ModeScreen, plain

REFRESH_SECONDS = 5.0


def detail_text(detail) -> str:
    lines = [f"I alt: {detail.total}", "", "Pr. time:"]
    lines += [f"  {hour:02d}-{hour + 1:02d}  {n:>5}  {'#' * min(n, 40)}" for hour, n in detail.hours.items()]
    if not detail.hours:
        lines.append("  (ingen registreringer)")
    lines += ["", "Pr. station og bruger:"]
    lines += [f"  {station} / {operator}: {n}" for (station, operator), n in detail.stations.items()]
    return "\n".join(lines)


class CoverageScreen(ModeScreen):
    MODE = "daekning"
    TITLE = "Dækning"
    KEYS = "Pile = flyt   Enter = timer og stationer   u = næste tælleuge   r = læs igen"
    BINDINGS = [Binding("u", "next_week", "Næste uge", show=False), Binding("r", "reload", "Læs igen", show=False)]

    def __init__(self) -> None:
        super().__init__()
        self.week_index: int | None = None  # None: the current count week
        self.cov = None

    def body(self) -> ComposeResult:
        yield DataTable(id="d-grid", cursor_type="cell", zebra_stripes=False, cell_padding=0)

    def on_mount(self) -> None:
        self.set_interval(REFRESH_SECONDS, self._tick, name="coverage-refresh")

    def _tick(self) -> None:
        if self.is_current and not self.app.screen_stack[-1].is_modal:
            self.reload()

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
        self.in_thread(lambda: (name, coverage(app.store, app.config, first, last, today)),
                       self.show, group="coverage")

    def show(self, data) -> None:
        from exports.coverage import cell_text, day_label

        name, cov = data
        self.cov = cov
        table = self.query_one("#d-grid", DataTable)
        row, column = table.cursor_coordinate
        keys = ["Enhed", *(f" {day_label(d)}" for d in cov.days), " I alt", " Senest"]
        if [str(c.label) for c in table.columns.values()] != keys:
            table.clear(columns=True)
            # Fixed widths: no measuring of every cell on each re-read.
            widths = [17, *([6] * len(cov.days)), 6, 12]
            for key, width in zip(keys, widths):
                table.add_column(key, width=width)
        else:
            table.clear()
        for unit in cov.units:
            cells = [plain(unit if len(unit) <= 16 else unit[:15] + "…")]
            for day in cov.days:
                text = cell_text(cov, unit, day)
                cells.append(Text(text, justify="right",
                                  style="bold reverse" if (unit, day) in cov.flags else ""))
            seen = cov.last_seen.get(unit)
            cells += [Text(str(cov.unit_total(unit)), justify="right"),
                      Text(f" {seen:%d-%m %H:%M}" if seen else " aldrig")]
            table.add_row(*cells)
        table.add_row(Text("I alt", style="bold"),
                      *(Text(str(cov.day_total(d)), justify="right") for d in cov.days),
                      Text(str(cov.total), justify="right", style="bold"), Text(""))
        table.move_cursor(row=min(row, len(cov.units)), column=column, animate=False)
        flags = len(cov.flags)
        trial = f"   prøve: {cov.trial_total}" if cov.trial_total else ""
        self.set_title(f"Dækning · {name} · {cov.first:%d-%m} – {cov.last:%d-%m}   "
                       f"markeret: {flags}{trial}")

    def on_data_table_cell_selected(self, event: DataTable.CellSelected) -> None:
        event.stop()
        cov = self.cov
        row, column = event.coordinate
        if cov is None or row >= len(cov.units) or not 1 <= column <= len(cov.days):
            return
        unit, day = cov.units[row], cov.days[column - 1]
        from exports.coverage import cell_detail

        from .dialogs import TextBox

        app = self.app
        self.in_thread(lambda: cell_detail(app.store, app.config, unit, day),
                       lambda detail: app.push_screen(
                           TextBox(f"{unit} · {day:%d-%m-%Y}", detail_text(detail))),
                       group="detail")
