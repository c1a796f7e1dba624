"""Start the coordinator's console (the caller's role is checked by tui.cli before this)."""

from __future__ import annotations

import argparse
import sys

from storage import identity
from storage.errors import Refusal
from storage.timeutil import system_clock


def run_console(args: argparse.Namespace) -> int:
    from ..cli_store import load, open_store
    from ..kiosk_main import tune_runtime

    if not (sys.stdin.isatty() and sys.stderr.isatty()):  # Textual reads stdin, draws on stderr
        raise Refusal("Tovholderens skærm skal bruges i en terminal (ssh -t).", "terminal")
    config, path = load(args)
    location = [flag for name, flag in (("db", "--db"), ("config", "--config"))
                if getattr(args, name, None) for flag in (flag, getattr(args, name))]
    tune_runtime()
    from ..app import console_wanted
    from .app import CoordinatorApp

    with open_store(path, station=identity.terminal_station()) as store:
        app = CoordinatorApp(config, store, clock=system_clock,
                             console=console_wanted(getattr(args, "console_mode", None)),
                             location=location)
        app.run()
    return app.return_code or 0
