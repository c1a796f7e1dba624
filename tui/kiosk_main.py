"""Start the registration screen: resolve config, database and unit, then run the Textual app."""

from __future__ import annotations

import argparse
import os

from storage import identity
from storage.timeutil import system_clock

from .cli_store import load, open_store


def choose_unit(flag: str | None, config) -> str | None:
    """The unit from ``--enhed``, ``TAELLEUGE_ENHED``, the OS user's mapping, or the only unit.

    None means: ask once with the picker.
    """
    explicit = flag or os.environ.get("TAELLEUGE_ENHED")
    if explicit:
        return config.unit(explicit).code  # refuses an unknown unit with the known ones
    mapped = config.unit_for_user(identity.operator())
    if mapped:
        return mapped.code
    return next(iter(config.units)) if len(config.units) == 1 else None


def run_kiosk(args: argparse.Namespace) -> int:
    config, path = load(args)
    enhed = choose_unit(getattr(args, "enhed", None), config)
    store = open_store(path)
    from .app import console_wanted, make_app  # textual is imported here and only here

    console = console_wanted(getattr(args, "console_mode", None))
    app = make_app(config, store, clock=system_clock, enhed=enhed, console=console)
    try:
        app.run(mouse=not console)
    finally:
        store.close()
    return app.return_code or 0
