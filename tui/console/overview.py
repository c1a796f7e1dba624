"""Overblik: the count weeks, rows today and this week (trial rows apart), the newest row per
unit, and what needs a look (silent units, rows outside the count weeks, imported duplicates)."""

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
# The slower reads (the 14 days', ~75 ms at 1M rows; the week's duplicate search, the report's)
# are redone at most this often on a mode switch; r forces them.
OUTSIDE_FRESH_SECONDS = 60.0


@dataclass
class Overview:
    lines: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def read_overview(store, config, today: date) -> Overview:
    from exports.coverage import EMPTY, UNCONFIGURED_NOTE, chosen_week, coverage

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
        label = cov.label(unit, 23)
        out.lines.append(f"{label:<24}{cov.count(unit, today) if in_week else 0:>7}"
                         f"{cov.unit_total(unit):>8}  {cov.seen_text(unit)}")
    if cov.last_imported:
        out.lines.append("i = senest en importeret række")
    if cov.unconfigured:
        out.lines.append(UNCONFIGURED_NOTE)
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


def duplicates_warning(store, config, today: date) -> str:
    """Imported duplicates in the week shown, found as the report finds them."""
    from exports.coverage import chosen_week
    from exports.week_duplicates import week_duplicates

    first, last, name = chosen_week(config, today)
    findings, rows = week_duplicates(store, config, first, last)
    if not findings:
        return ""
    return (f"Dubletter fra to importer i {name}: {findings} fund, {registrations(rows)}. Se "
            "arket Datakvalitet (taelleuge rapport) eller F3 Liste (filter på dag og datakilde); "
            "fortryd importen under F4.")


SLOW_READS = {"outside": outside_warning, "duplicates": duplicates_warning}


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

    def __init__(self) -> None:
        super().__init__()
        self.slow: dict[str, tuple[float, str]] = {}  # read → (when read, its warning)

    def body(self) -> ComposeResult:
        with VerticalScroll(id="c-body"):
            yield Static("Læser …", id="o-text", markup=False)
            yield Static("", id="o-warnings", markup=False)

    def action_reload(self) -> None:
        self.slow = {}  # r reads everything again
        self.reload()

    def reload(self) -> None:
        app = self.app
        self.in_thread(lambda: read_overview(app.store, app.config, app.today()), self.show)

    def show(self, data: Overview) -> None:
        self.data = data
        # Unit codes of rows the config does not know come from imports: never a terminal control.
        self.query_one("#o-text", Static).update(escape("\n".join(data.lines), keep_newlines=True))
        self._warnings()
        app = self.app
        for name, read in SLOW_READS.items():
            known = self.slow.get(name)
            if known is not None and time.monotonic() - known[0] < OUTSIDE_FRESH_SECONDS:
                continue
            self.in_thread(lambda read=read: read(app.store, app.config, app.today()),
                           lambda warning, name=name: self.show_slow(name, warning), group=name)

    def show_slow(self, name: str, warning: str) -> None:
        self.slow[name] = (time.monotonic(), warning)
        self._warnings()

    def _warnings(self) -> None:
        warnings = [*self.data.warnings, *(w for _, w in self.slow.values() if w)]
        box = self.query_one("#o-warnings", Static)
        box.update(escape("\n".join(f"! {w}" for w in warnings), keep_newlines=True)
                   or "Ingen advarsler.")
        box.set_classes("-warning" if warnings else "")
