"""``taelleuge koordinator``: the coordinator's console, one Textual mode per task, one function
key per mode in the footer. Store, config and clock are injected, as with the desk (tui.app)."""

from __future__ import annotations

import asyncio
import os
import signal
from datetime import date

from textual.app import App
from textual.binding import Binding

from storage.config import Config
from storage.interface import Store
from storage.timeutil import Clock

from ..app import CONSOLE_THEME, TERMINAL_CHECK_SECONDS, _terminal_fds
from .base import ModeScreen
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
        self._stop_cleanly()
        if self.console_mode:
            self.register_theme(CONSOLE_THEME)
            self.theme = CONSOLE_THEME.name
            self.add_class("-console")
        self.switch_mode("overblik")

    def _stop_cleanly(self) -> None:
        """As the desk (tui.app): systemctl stop or an SSH disconnect restores the terminal, and a
        terminal that disappeared without a SIGHUP ends the process instead of spinning."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(sig, self.exit)
        self._terminal_fds = [fd for fd in _terminal_fds() if os.isatty(fd)]
        if self._terminal_fds:
            self.set_interval(TERMINAL_CHECK_SECONDS, self._check_terminal, name="terminal-check")

    def _check_terminal(self) -> None:
        if not all(os.isatty(fd) for fd in self._terminal_fds):
            self.exit(return_code=1)

    def on_unmount(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGHUP):
            loop.remove_signal_handler(sig)

    def action_mode(self, mode: str) -> None:
        if self.current_mode != mode:
            # What the mode said last is about what was done then: not shown on coming back.
            leaving = self.screen
            if isinstance(leaving, ModeScreen):
                leaving.message("")
            self.switch_mode(mode)

    def get_key_display(self, binding: Binding) -> str:
        from ..render import key_label

        return binding.key_display or key_label(binding.key)
