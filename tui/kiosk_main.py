"""Start the registration screen: resolve config, database and unit, then run the Textual app."""

from __future__ import annotations

import argparse

from storage import identity
from storage.timeutil import system_clock

from .cli_store import load, open_store


def run_kiosk(args: argparse.Namespace) -> int:
    config, path = load(args)
    store = open_store(path)
    from .app import make_app  # textual is imported here and only here

    app = make_app(config, store, clock=system_clock, enhed=getattr(args, "enhed", None),
                   operator=identity.operator())
    try:
        app.run()
    finally:
        store.close()
    return app.return_code or 0
