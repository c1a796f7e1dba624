"""How the coordinator's console looks at 80x24, each mode in normal and console mode.

Behaviour is asserted with Pilot in test_console.py; these pictures catch layout and glyph
regressions. Update only after reading snapshot_report.html: pytest --snapshot-update.
"""

from __future__ import annotations

import itertools
import uuid
from types import SimpleNamespace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

import dbrows
from console_support import make_console
from storage.registration import new_entry
from support import SAMPLES, settle

# SQLite only: the pictures are engine-independent (the engines' reads are the same interface).
ENGINES = dbrows.SQLITE_ONLY

SIZE = (80, 24)
CPH = ZoneInfo("Europe/Copenhagen")


@pytest.fixture
def fixed_ids(monkeypatch):
    """Registration ids appear on screen: make them the same in every run."""
    numbers = itertools.count(1)
    fixed = SimpleNamespace(uuid4=lambda: uuid.UUID(int=next(numbers)))
    monkeypatch.setattr("storage.registration.uuid", fixed)  # the desk's rows only, not an import's


def seed(store, config):
    rows = [("999borgerservice", 19, 9, 7), ("999borgerservice", 20, 10, 8),
            ("999borgerservice", 21, 9, 2), ("999telefon", 20, 14, 3)]
    for unit, day, hh, n in rows:
        store.record(new_entry(config, enhed=unit, opgave="23.05.10" if unit != "999telefon" else "29.03.04",
                               kanal="TLFIND" if unit == "999telefon" else "PRSNLG", type="OPRET",
                               end=datetime(2026, 10, day, hh, 0, tzinfo=CPH), count=n))


MODES = {"overblik": [], "daekning": ["f2"], "registreringer": ["f3"], "importer": ["f4"],
         "tal": ["f5", "r"], "eksport": ["f6"]}


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("console", [False, True], ids=["normal", "console"])
def test_mode(snap_compare, tmp_path, store, db_path, clock, fixed_ids, mode, console):
    app = make_console(tmp_path, store, db_path, clock, console=console)
    seed(store, app.config)
    if mode == "importer":
        from exports import importer

        importer.run(store, app.config, SAMPLES / "raadata-sample.csv")

    async def run_before(pilot):
        await settle(app, pilot)
        for key in MODES[mode]:
            await pilot.press(key)
            await settle(app, pilot)
        await settle(app, pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
