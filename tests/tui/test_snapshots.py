"""How the kiosk looks at 80x24 (and 60x20 with a real package), in normal and console mode: main
screen, KL's 2013 package, step 2, a local question, search, the Seneste list, help, error state.

Behaviour is asserted with Pilot elsewhere; these pictures catch layout and glyph regressions.
Update only after reading snapshot_report.html: pytest --snapshot-update.
"""

from __future__ import annotations

import pytest

import dbrows
from support import database_locked, settle

# SQLite only: the pictures are engine-independent (the engines' reads are the same interface).
ENGINES = dbrows.SQLITE_ONLY
from tui.app import make_app

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
        await pilot.press("1", "o")
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
            await pilot.press("1", "o")
            await settle(app, pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def seed_kl2013(store, config, clock):
    """Today's counts on a few tasks of the package, from this station (the Seneste list)."""
    from storage.registration import new_entry

    for opgave, type_, count in [("23.05.10", "OPRET", 1), ("23.09.02", "VEJL", 3), ("32.06.12", "STATUS", 1),
                                 ("32.03.04", "INFO", 2), ("23.05.05", "OPRET", 1)]:
        store.record(new_entry(config, enhed="259borgerservice", opgave=opgave, kanal="PRSNLG",
                               type=type_, end=clock(), count=count))
        clock.advance(minutes=3)


@pytest.mark.parametrize("size", [(80, 24), (60, 20)], ids=["80x24", "60x20"])
@pytest.mark.parametrize("console", [False, True], ids=["normal", "console"])
def test_kl2013_package(snap_compare, kl2013, store, clock, console, size):
    seed_kl2013(store, kl2013, clock)
    app = make_app(kl2013, store, clock=clock, enhed="259borgerservice", console=console)

    async def run_before(pilot):
        await settle(app, pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


def test_kl2013_panel_unfolded(snap_compare, kl2013, store, clock):
    seed_kl2013(store, kl2013, clock)
    app = make_app(kl2013, store, clock=clock, enhed="259borgerservice")

    async def run_before(pilot):
        await settle(app, pilot)
        await pilot.press("f3", "f4")
        await settle(app, pilot)

    assert snap_compare(app, terminal_size=(100, 30), run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (60, 20)], ids=["80x24", "60x20"])
def test_local_question(snap_compare, kl2013, store, clock, size):
    app = make_app(kl2013, store, clock=clock, enhed="259telefon")

    async def run_before(pilot):
        await settle(app, pilot)
        await pilot.press("1", "o", "2")
        await settle(app, pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (60, 20)], ids=["80x24", "60x20"])
@pytest.mark.parametrize("console", [False, True], ids=["normal", "console"])
def test_search(snap_compare, kl2013, store, clock, console, size):
    app = make_app(kl2013, store, clock=clock, enhed="259borgerservice", console=console)

    async def run_before(pilot):
        await settle(app, pilot)
        await pilot.press("slash", *"bolig", "down")
        await settle(app, pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("console", [False, True], ids=["normal", "console"])
def test_recent_list(snap_compare, kl2013, store, clock, console):
    seed_kl2013(store, kl2013, clock)
    app = make_app(kl2013, store, clock=clock, enhed="259borgerservice", console=console)

    async def run_before(pilot):
        await settle(app, pilot)
        await pilot.press("ctrl+u")
        await settle(app, pilot)
        await pilot.press("down")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_repeat_shown_before_saving(snap_compare, kiosk, clock):
    app = kiosk()

    async def run_before(pilot):
        await settle(app, pilot)
        await pilot.press("2", "h", "v")
        await settle(app, pilot)
        clock.advance(seconds=5)
        await pilot.press("enter")
        await settle(app, pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
