"""Placeholder registration screen until the kiosk lands: shows the unit and today's count."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Footer, Static

from storage.config import Config
from storage.store import Store


class TaelleApp(App[None]):
    BINDINGS = [("ctrl+q", "quit", "Afslut")]

    def __init__(self, config: Config, store: Store, clock, enhed: str | None, operator: str):
        super().__init__()
        self.config, self.store, self.clock = config, store, clock
        self.enhed = enhed or next(iter(config.units))

    def compose(self) -> ComposeResult:
        unit = self.config.unit(self.enhed)
        today = self.clock().astimezone(self.config.zone).date()
        count = self.store.count_day(unit.code, today, self.config.zone)
        yield Static(f"Tælleuge · {self.config.kommune_navn} · {unit.name}\n\nI dag: {count} registreringer")
        yield Footer()


def make_app(config: Config, store: Store, *, clock, enhed: str | None, operator: str) -> TaelleApp:
    return TaelleApp(config, store, clock, enhed, operator)
