"""What the kiosk must never do with a failed, pending or confirmed entry (found in review)."""

from __future__ import annotations


import dbrows
from storage.registration import new_entry
from tui.screens.dialogs import Confirm
from tui.screens.register import RETRY_AFTER, RegisterScreen

from support import database_locked, settle

SIZE = (80, 24)


def live_tasks(db_path) -> list[str]:
    return [r["opgave"] for r in dbrows.live_rows(db_path)]


async def test_a_failed_entry_is_not_dropped_by_the_next_registration(kiosk, store, db_path, clock):
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        with database_locked(store, db_path):
            await pilot.press("1", "o")
            await settle(app, pilot)
            assert "IKKE GEMT" in str(app.screen.query_one("#message").render())
        clock.advance(seconds=3)
        await pilot.press("2", "i")  # the next contact, while the first waits for its retry
        await settle(app, pilot)
        await pilot.pause(RETRY_AFTER + 0.5)
        await settle(app, pilot)
        assert sorted(live_tasks(db_path)) == ["23.05.10", "23.09.02"]
        assert app.screen.unsaved() == 0


async def test_the_double_press_guard_also_holds_while_the_first_is_still_waiting(kiosk, store, db_path, clock):
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        with database_locked(store, db_path):
            await pilot.press("1", "o")
            clock.advance(seconds=0.5)
            await pilot.press("1", "o")
            await pilot.pause()
            assert isinstance(app.screen, Confirm)
            clock.advance(seconds=0.5)
            await pilot.press("n")
        await pilot.pause()
        clock.advance(seconds=0.5)
        await pilot.press("enter")  # retry the first one
        await settle(app, pilot)
        assert live_tasks(db_path) == ["23.05.10"]


async def test_undo_voids_exactly_the_row_that_was_shown(kiosk, store, config, clock, db_path):
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("1", "o")
        await settle(app, pilot)
        clock.advance(seconds=5)
        await pilot.press("ctrl+u")
        await settle(app, pilot)
        clock.advance(seconds=0.5)
        await pilot.press("enter")  # the newest entry, as the list showed it
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        # A write from this station lands while the dialog is open (a retry, say).
        store.record(new_entry(config, enhed="999borgerservice", opgave="23.09.02", kanal="PRSNLG",
                               type="INFO", end=clock()))
        clock.advance(seconds=0.5)
        await pilot.press("j")
        await settle(app, pilot)
        assert live_tasks(db_path) == ["23.09.02"]  # 23.05.10, the one shown, is voided


async def test_leaving_with_an_unsaved_entry_asks_first(kiosk, store, db_path, clock):
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        with database_locked(store, db_path):
            await pilot.press("1", "o")
            await settle(app, pilot)
            await pilot.press("ctrl+q")
            await pilot.pause()
            assert isinstance(app.screen, Confirm)
            assert "IKKE gemt" in "\n".join(str(w.render()) for w in app.screen.query("Static"))
            clock.advance(seconds=0.5)
            await pilot.press("n")
            await pilot.pause()
            assert isinstance(app.screen, RegisterScreen) and app.is_running
