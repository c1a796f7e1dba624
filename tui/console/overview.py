"""Overblik: the count weeks, rows today and this week (trial rows apart), the newest row per
unit, and what needs a look (silent units, rows outside the count weeks)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, timedelta

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from storage.hostile import escape
from storage.wording import registrations

from .base import ModeScreen

RECENT_DAYS = 14  # how far back rows outside the count weeks are looked for
# The 14 days' read (~75 ms at 1M rows) is redone at most this often on a mode switch; r forces it.
OUTSIDE_FRESH_SECONDS = 60.0


@dataclass
class Overview:
    lines: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def read_overview(store, config, today: date) -> Overview:
    from exports.coverage import EMPTY, chosen_week, coverage

    first, last, name = chosen_week(config, today)
    cov = coverage(store, config, first, last, today)
    out = Overview()
    for week in config.weeks:
        mark = ">" if week.contains(today) else " "
        out.lines.append(f"{mark} {week.name:<22} {week.first:%d-%m-%Y} – {week.last:%d-%m-%Y}")
    if not config.weeks:
        out.lines.append("  Ingen tælleuger i konfigurationen ([[taelleuge]]).")
    in_week = first <= today <= last
    today_rows = cov.day_total(today) if in_week else 0
    today_trial = sum(n for (u, d), n in cov.trial.items() if d == today)
    out.lines += [
        "",
        f"I dag {today:%d-%m-%Y}: {registrations(today_rows)} (prøve: {today_trial})",
        f"{name}: {registrations(cov.total)} (prøve: {cov.trial_total})",
        "",
        f"{'Enhed':<24}{'I dag':>7}{'Ugen':>8}  Senest",
    ]
    for unit in cov.units:
        label = unit if len(unit) <= 23 else unit[:22] + "…"
        out.lines.append(f"{label:<24}{cov.count(unit, today) if in_week else 0:>7}"
                         f"{cov.unit_total(unit):>8}  {cov.seen_text(unit)}")
    if cov.last_imported:
        out.lines.append("i = senest en importeret række")
    silent = [u for u in cov.units if cov.flags.get((u, today)) == EMPTY]
    if silent:
        out.warnings.append(f"Tavse i dag ({len(silent)}): {', '.join(silent)}")
    flagged = sum(1 for (u, d) in cov.flags if d < today)
    if flagged:
        out.warnings.append(f"{flagged} tidligere dage er tomme eller lave (se Dækning)")
    return out


def outside_warning(store, config, today: date) -> str:
    """Rows of the last 14 days outside their unit's count weeks (a second read: the screen
    shows the rest first)."""
    outside = _outside(store, config, today)
    if not outside:
        return ""
    return ("Rækker uden for enhedens tælleuger (sidste 14 dage): "
            + ", ".join(f"{u} {n}" for u, n in outside.items()))


def _outside(store, config, today: date) -> dict[str, int]:
    first = today - timedelta(days=RECENT_DAYS - 1)
    counts: dict[str, int] = {}
    for (unit, day), n in store.grid((), first, today, config.zone).items():
        if not any(w.contains(day) for w in config.unit_weeks(unit)):
            counts[unit] = counts.get(unit, 0) + n
    return counts


class OverviewScreen(ModeScreen):
    MODE = "overblik"
    TITLE = "Overblik"
    KEYS = "r = læs igen"
    BINDINGS = [Binding("r", "reload", "Læs igen", show=False)]

    outside: tuple[float, str] | None = None  # (when read, the warning) of the 14 days' read

    def body(self) -> ComposeResult:
        with VerticalScroll(id="c-body"):
            yield Static("Læser …", id="o-text", markup=False)
            yield Static("", id="o-warnings", markup=False)

    def action_reload(self) -> None:
        self.outside = None  # r reads everything again
        self.reload()

    def reload(self) -> None:
        app = self.app
        self.in_thread(lambda: read_overview(app.store, app.config, app.today()), self.show)

    def show(self, data: Overview) -> None:
        self.data = data
        # Unit codes of rows the config does not know come from imports: never a terminal control.
        self.query_one("#o-text", Static).update(escape("\n".join(data.lines), keep_newlines=True))
        self._warnings(data.warnings)
        app = self.app
        if self.outside is not None and time.monotonic() - self.outside[0] < OUTSIDE_FRESH_SECONDS:
            self.show_outside(self.outside[1])
            return
        self.in_thread(lambda: outside_warning(app.store, app.config, app.today()),
                       self.show_outside, group="outside")

    def show_outside(self, warning: str) -> None:
        if self.outside is None or self.outside[1] != warning:
            self.outside = (time.monotonic(), warning)
        if warning:
            self._warnings([*self.data.warnings, warning])

    def _warnings(self, warnings: list[str]) -> None:
        box = self.query_one("#o-warnings", Static)
        box.update(escape("\n".join(f"! {w}" for w in warnings), keep_newlines=True)
                   or "Ingen advarsler.")
        box.set_classes("-warning" if warnings else "")
