"""``taelleuge koordinator``: the coordinator's console, one Textual mode per task, one function
key per mode in the footer. Store, config and clock are injected, as with the desk (tui.app)."""

from __future__ import annotations

from datetime import date

from textual.app import App
from textual.binding import Binding

from storage.config import Config
from storage.interface import Store
from storage.timeutil import Clock

from ..app import CONSOLE_THEME
from .coverage import CoverageScreen
from .export import ExportScreen
from .imports import ImportsScreen
from .numbers import NumbersScreen
from .overview import OverviewScreen
from .registrations import RegistrationsScreen

MODE_KEYS = (("f1", "overblik", "Overblik"), ("f2", "daekning", "Dækning"),
             ("f3", "registreringer", "Liste"), ("f4", "importer", "Import"),
             ("f5", "tal", "Tal"), ("f6", "eksport", "Eksport"))


class CoordinatorApp(App[None], inherit_bindings=False):
    CSS_PATH = "../app.tcss"
    TITLE = "Tælleuge · tovholder"
    ENABLE_COMMAND_PALETTE = False
    MODES = {"overblik": OverviewScreen, "daekning": CoverageScreen,
             "registreringer": RegistrationsScreen, "importer": ImportsScreen,
             "tal": NumbersScreen, "eksport": ExportScreen}
    BINDINGS = [
        *(Binding(key, f"mode('{mode}')", label, priority=True) for key, mode, label in MODE_KEYS),
        Binding("ctrl+q", "quit", "Afslut", priority=True),
    ]

    def __init__(self, config: Config, store: Store, *, clock: Clock, console: bool = False,
                 location: list[str] | None = None):
        super().__init__()
        self.config = config
        self.store = store
        self.clock = clock
        self.console_mode = console
        # --db/--config for the CLI handlers the console runs (tui.console.cli_bridge).
        self.location = list(location or [])

    def today(self) -> date:
        return self.clock().astimezone(self.config.zone).date()

    def on_mount(self) -> None:
        if self.console_mode:
            self.register_theme(CONSOLE_THEME)
            self.theme = CONSOLE_THEME.name
            self.add_class("-console")
        self.switch_mode("overblik")

    def action_mode(self, mode: str) -> None:
        if self.current_mode != mode:
            self.switch_mode(mode)

    def get_key_display(self, binding: Binding) -> str:
        from ..render import key_label

        return binding.key_display or key_label(binding.key)
