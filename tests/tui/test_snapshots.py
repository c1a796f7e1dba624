"""How the kiosk looks at 80x24, in normal and console mode: main screen, help, error state.

Behaviour is asserted with Pilot elsewhere; these pictures catch layout and glyph regressions.
Update only after reading snapshot_report.html: pytest --snapshot-update.
"""

from __future__ import annotations

import pytest

from support import database_locked, settle

SIZE = (80, 24)


def seed(store, config, clock):
    """A few registrations so the live panel has something to show."""
    from storage.registration import new_entry

    for opgave, type_, kanal in [("23.05.10", "OPRET", "PRSNLG"), ("23.09.02", "VEJL", "PRSNLG"),
                                 ("23.09.04", "STATUS", "TLFIND")]:
        store.record(new_entry(config, enhed="999borgerservice", opgave=opgave, kanal=kanal,
                               type=type_, end=clock()))
        clock.advance(minutes=4)


@pytest.mark.parametrize("console", [False, True], ids=["normal", "console"])
def test_main_screen(snap_compare, kiosk, store, config, clock, console):
    seed(store, config, clock)
    app = kiosk(console=console)

    async def run_before(pilot):
        await settle(app, pilot)
        await pilot.press("1", "1")
        await settle(app, pilot)
        await pilot.press("4")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("console", [False, True], ids=["normal", "console"])
def test_step_two_with_hold_and_blanket(snap_compare, kiosk, console):
    app = kiosk(console=console)

    async def run_before(pilot):
        await settle(app, pilot)
        await pilot.press("2", "h", "b")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("console", [False, True], ids=["normal", "console"])
def test_help(snap_compare, kiosk, console):
    app = kiosk(console=console)

    async def run_before(pilot):
        await settle(app, pilot)
        await pilot.press("3", "f1")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("console", [False, True], ids=["normal", "console"])
def test_write_error(snap_compare, kiosk, store, db_path, console):
    app = kiosk(console=console)

    async def run_before(pilot):
        await settle(app, pilot)
        with database_locked(store, db_path):
            await pilot.press("1", "1")
            await settle(app, pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
