"""Tal: Table 1, the self-service rates and the A–D lists of the selected week, as the CLI's
terminal report prints them (tui.cli_report, captured at the screen's width), and the quadrant
drawn in characters."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer
from textual.widgets import Input, Static

from . import cli_bridge
from .base import ModeScreen

# Wider than the screen: Table 1 folded names inside words at 76; the box scrolls sideways.
WIDTH = 100  # the terminal report's own (tui.cli_report.WIDTH)


class NumbersScreen(ModeScreen):
    MODE = "tal"
    TITLE = "Tal"
    KEYS = "/ = udvalg (fx --uge 2026-W43 --enhed E)   r = beregn   Pile = rul"
    BINDINGS = [
        Binding("slash", "selection", "Udvalg", show=False),
        Binding("r", "compute", "Beregn", show=False),
    ]

    def body(self) -> ComposeResult:
        yield Input(placeholder="--uge 2026-W43 [--enhed E …]", id="t-selection", max_length=200)
        with ScrollableContainer(id="t-box"):
            yield Static("r = beregn tallene for ugen.", id="t-report", markup=False)

    def on_mount(self) -> None:
        from exports.coverage import chosen_week

        first, _, _ = chosen_week(self.app.config, self.app.today())
        year, week, _ = first.isocalendar()
        self.query_one("#t-selection", Input).value = f"--uge {year}-W{week:02d}"
        self.query_one("#t-box", ScrollableContainer).focus()

    def reload(self) -> None:
        """Computing the report takes a moment (pandas): only on r, never on a mode switch."""

    def action_selection(self) -> None:
        self.query_one("#t-selection", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_compute()
        self.query_one("#t-box", ScrollableContainer).focus()

    def action_compute(self) -> None:
        words = self.query_one("#t-selection", Input).value.split()
        location = self.app.location
        self.message("Beregner …")
        self.in_thread(lambda: cli_bridge.run(["rapport", *words], location, width=WIDTH),
                       self.show, group="report")

    def show(self, outcome: cli_bridge.Outcome) -> None:
        text = outcome.text.rstrip()
        if outcome.code == 0:
            self.query_one("#t-report", Static).update(text)
            self.message("Færdig.", "ok")
        else:
            self.message(outcome.errors.strip() or "Afvist", "error")
