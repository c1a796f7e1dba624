"""The locked kiosk's way out, driven with Pilot: ctrl+c / ctrl+z / ctrl+\\ are plain keys, ctrl+q
asks for the coordinator's PIN, and without a PIN the prompt says how the kiosk is stopped."""

from __future__ import annotations

from textual.worker import WorkerCancelled

from storage.pin import hash_pin
from tui.app import make_app
from tui.screens.dialogs import PinPrompt
from tui.screens.register import RegisterScreen

from taelleuge_harness import UNIT

SIZE = (80, 24)


async def settle(app, pilot) -> None:
    for _ in range(2):
        try:
            await app.workers.wait_for_complete()
        except WorkerCancelled:  # an exclusive panel read replaced by a newer one
            pass
        await pilot.pause()


def dialog_text(app) -> str:
    return "\n".join(str(w.render()) for w in app.screen.query("Static"))


async def test_locked_kiosk_keeps_running_through_ctrl_c_z_backslash(config, store, clock):
    app = make_app(config, store, clock=clock, enhed=UNIT, locked=True, console=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+c", "ctrl+z", "ctrl+backslash")
        await settle(app, pilot)
        assert isinstance(app.screen, RegisterScreen) and app.is_running
        await pilot.press("ctrl+q")
        await settle(app, pilot)
        assert isinstance(app.screen, PinPrompt)
        assert "kan kun stoppes med systemctl" in " ".join(dialog_text(app).split())
        clock.advance(seconds=1)  # a dialog takes no key in its first moment (tui.key_filter)
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, RegisterScreen) and app.is_running


async def test_wrong_pin_keeps_the_kiosk_and_the_right_one_leaves(config, store, clock):
    from dataclasses import replace

    cfg = replace(config, pin_hash=hash_pin("123456", iterations=1000))
    app = make_app(cfg, store, clock=clock, enhed=UNIT, locked=True, console=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+q", *"654321", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, PinPrompt) and "Forkert PIN (1)" in dialog_text(app)
        await pilot.press(*"123456", "enter")
        await settle(app, pilot)
        assert not app.is_running and app.return_code == 0


async def test_no_pin_message_names_the_config_table(config, store, clock):
    """"[koordinator]" is text, not a style tag: the coordinator must see where the PIN goes."""
    app = make_app(config, store, clock=clock, enhed=UNIT, locked=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+q")
        await settle(app, pilot)
        assert "[koordinator] pin" in " ".join(dialog_text(app).split())


async def test_leaving_with_the_pin_while_an_entry_is_ikke_gemt_warns_first_and_logs_it(
        config, store, clock, caplog):
    """The unlocked screen asked before dropping a registration that is not saved; the locked
    kiosk's PIN path used to exit at once and lose it without a word."""
    from dataclasses import replace

    from tui.screens.dialogs import Confirm

    cfg = replace(config, pin_hash=hash_pin("123456", iterations=1000))
    app = make_app(cfg, store, clock=clock, enhed=UNIT, locked=True, console=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
        store.conn.execute(f"PRAGMA max_page_count = {pages}")  # a full disk: the entry fails
        await pilot.press("plus", "5", "0", "enter", "1", "o")
        await settle(app, pilot)
        assert app._unsaved() == 50
        await pilot.press("ctrl+q", *"123456", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, Confirm) and app.is_running
        assert "50 henvendelser er IKKE gemt" in dialog_text(app)
        clock.advance(seconds=1)  # a dialog takes no key in its first moment (tui.key_filter)
        await pilot.press("escape")  # stay: the entry is still there to retry
        await settle(app, pilot)
        assert isinstance(app.screen, RegisterScreen) and app.is_running and app._unsaved() == 50
        clock.advance(seconds=1)
        await pilot.press("ctrl+q", *"123456", "enter")
        await settle(app, pilot)
        clock.advance(seconds=1)
        await pilot.press("enter")  # Enter never confirms a dialog (it repeats at the desk)
        await settle(app, pilot)
        assert app.is_running
        clock.advance(seconds=1)
        await pilot.press("j")  # leave anyway
        await settle(app, pilot)
        assert not app.is_running
    assert "afsluttet (PIN) med 50 henvendelser IKKE GEMT" in caplog.text


async def test_leaving_with_the_pin_when_everything_is_saved_asks_nothing_more(config, store, clock):
    from dataclasses import replace

    cfg = replace(config, pin_hash=hash_pin("123456", iterations=1000))
    app = make_app(cfg, store, clock=clock, enhed=UNIT, locked=True, console=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("1", "1")
        await settle(app, pilot)
        await pilot.press("ctrl+q", *"123456", "enter")
        await settle(app, pilot)
        assert not app.is_running and app.return_code == 0
