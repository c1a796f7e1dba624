"""The second desk trial in real tmux, keys sent as bursts (as over SSH): every case here saved
or lost what nobody meant on the desk before the fix."""

from __future__ import annotations

import pytest
from textual import events
from textual.drivers import linux_driver

from tui.app import make_app
from tui.esc_parser import DeskParser

from desk_support import SIZE, rows, text_of
from support import settle


def parsed(raw: str) -> list[events.Key]:
    """The keys the real terminal driver makes of ``raw`` arriving in one read."""
    parser = linux_driver.XTermParser()
    return [t for t in [*parser.feed(raw), *parser.feed("")] if isinstance(t, events.Key)]


def saved(db_path, *fields: str) -> list[tuple]:
    return [tuple(r[f] for f in fields) for r in rows(db_path)]


# -- D1: Esc and the next character in one read ---------------------------------------------------

@pytest.mark.parametrize("raw, keys", [
    ("7\x1b8i", ["7", "escape", "8", "i"]),
    ("\x1b1o", ["escape", "1", "o"]),
    ("\x1b+100\r", ["escape", "plus", "1", "0", "0", "enter"]),
    ("\x1b/", ["escape", "slash"]),
    ("\x1bf", ["escape", "f"]),
    ("\x1b-", ["escape", "minus"]),
    ("\x1b\x1b3", ["escape", "escape", "3"]),
    ("\x1b[A\x1bOP\x1b[1;5C", ["up", "f1", "ctrl+right"]),  # real sequences stay whole
])
def test_every_esc_and_character_in_one_read_is_esc_then_the_character(kl2013, store, clock, raw, keys):
    make_app(kl2013, store, clock=clock)  # the app installs its parser in Textual's driver
    assert linux_driver.XTermParser is DeskParser
    assert [k.key for k in parsed(raw)] == keys


async def test_esc_then_a_digit_in_one_burst_clears_and_starts_that_task(kl2013, store, clock):
    """Trial: ``send-keys 7 Escape 8 i`` saved task 7 INFO instead of task 8 INFO."""
    app = make_app(kl2013, store, clock=clock, enhed="259borgerservice")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        task = {key: item for key, item in app.screen.state.items()}
        for key in parsed("7\x1b8i"):
            app.post_message(key)
        await settle(app, pilot)
        assert saved(store.path, "opgave", "type") == [(task["8"].kle, "INFO")]
        assert "Gemt" in text_of(app, "#message")


# -- D3: a stray Enter, then the next citizen -----------------------------------------------------

async def test_a_task_key_during_the_repeat_preview_cancels_it_and_starts_that_task(kl2013, store, clock):
    """Trial: Enter, then ``3 i`` saved the previous task as INFO."""
    app = make_app(kl2013, store, clock=clock, enhed="259borgerservice")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        task = {key: item for key, item in app.screen.state.items()}
        await pilot.press("1", "o")
        clock.advance(seconds=5)
        await pilot.press("enter", "3", "i")  # one burst: the stray Enter, the next citizen
        await settle(app, pilot)
        assert saved(store.path, "opgave", "type") == [(task["1"].kle, "OPRET"), (task["3"].kle, "INFO")]


async def test_the_screen_says_the_repeat_was_cancelled(kl2013, store, clock):
    app = make_app(kl2013, store, clock=clock, enhed="259borgerservice")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("1", "o")
        clock.advance(seconds=5)
        await pilot.press("enter", "3")
        await settle(app, pilot)
        state = app.screen.state
        assert not state.repeat and state.task is not None and state.task.name in text_of(app, "#message")
        assert "Gentagelse fortrudt" in text_of(app, "#message")


# -- D2: the dialogs' answer letters are never task keys ------------------------------------------

def test_no_dialog_answer_letter_is_a_task_key_in_the_kl2013_package(kl2013):
    """Trial: j, y and n were task keys in a 30-task package, so the next citizen's ``j o``
    confirmed "Gem den igen?" (a duplicate) and ``n 2 o`` was taken as "nej"."""
    for unit in kl2013.units.values():
        assert not set("jyn") & set(unit.keys)
    assert len(kl2013.units["259borgerservice"].package) <= len(kl2013.units["259borgerservice"].keys)


async def test_a_guard_nobody_answers_closes_itself_with_no_and_says_so(kl2013, store, clock, monkeypatch):
    from tui.screens import dialogs
    from tui.screens.dialogs import Confirm

    monkeypatch.setattr(dialogs, "CONFIRM_TICK", 0.02)
    app = make_app(kl2013, store, clock=clock, enhed="259borgerservice")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("1", "o", "1", "o")  # a burst: the second asks "Gem den igen?"
        await settle(app, pilot)
        assert isinstance(app.screen, Confirm)
        clock.advance(seconds=29)
        await pilot.pause(0.1)
        assert isinstance(app.screen, Confirm)
        clock.advance(seconds=2)
        await pilot.pause(0.1)
        assert not isinstance(app.screen, Confirm) and len(rows(store.path)) == 1
        message = text_of(app, "#message")
        assert "lukkede sig selv efter 30 sekunder uden svar: svaret blev nej" in message
        assert "Ikke gemt igen" in message
        clock.advance(seconds=2)
        await pilot.press("j", "o")  # the next citizen's keys answer nothing
        await settle(app, pilot)
        assert len(rows(store.path)) == 1


# -- D7: the start of an entry is its own first key -------------------------------------------------

@pytest.mark.parametrize("count, answer", [("60", "n"), ("0", None)], ids=["declined", "refused"])
async def test_a_count_that_is_declined_or_refused_gives_no_start_time(kl2013, store, clock, count, answer):
    """Trial: ``+ 6 0 Enter n``, then ``a o``: the start was the + a minute before."""
    app = make_app(kl2013, store, clock=clock, enhed="259borgerservice")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("plus", *count, "enter")
        await settle(app, pilot)
        if answer:
            clock.advance(seconds=1)
            await pilot.press(answer)
            await settle(app, pilot)
        clock.advance(seconds=60)
        first_key = clock()
        await pilot.press("a")
        clock.advance(seconds=2)
        await pilot.press("o")
        await settle(app, pilot)
        [row] = rows(store.path)
        assert row["start_utc"] == first_key.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# -- D8: after a busy database, entries commit in the order they were made ---------------------------

@pytest.mark.engines("sqlite")  # an SQLite lock held by the test makes the write fail
async def test_an_entry_that_waited_for_the_database_commits_before_the_next_one(kl2013, store, db_path, clock):
    """Trial: after a busy spell, queued entries committed in random order, so Seneste (by seq)
    missed the newest. Now the waiting entry goes first, then the new one."""
    import sqlite3

    app = make_app(kl2013, store, clock=clock, enhed="259borgerservice")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        store.conn.execute("PRAGMA busy_timeout = 50")
        blocker = sqlite3.connect(db_path, isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")
        await pilot.press("1", "o")
        await settle(app, pilot)
        assert "IKKE GEMT" in text_of(app, "#message")
        blocker.execute("ROLLBACK")
        blocker.close()
        clock.advance(seconds=5)
        await pilot.press("2", "s")  # before the automatic retry: the first goes first
        await settle(app, pilot)
        await pilot.pause(0.3)
        got = [(r["seq"], r["type"]) for r in rows(store.path)]
        assert [t for _, t in sorted(got)] == ["OPRET", "STATUS"]
        assert app.screen.unsaved() == 0


def test_seneste_orders_by_end_time_then_seq(kl2013, store, clock):
    """An entry saved late (after a busy spell) has the higher seq but the earlier end."""
    from datetime import timedelta

    from storage.registration import new_entry
    from tui.panel_data import load_recent

    made = clock()
    later = made + timedelta(minutes=1)
    for opgave, end in [("23.09.02", later), ("23.05.10", made)]:  # the older one commits last
        store.record(new_entry(kl2013, enhed="259borgerservice", opgave=opgave, kanal="PRSNLG",
                               type="OPRET", start=end, end=end))
    assert [e.opgave for e in load_recent(store, "259borgerservice")] == ["23.09.02", "23.05.10"]
    assert [e.opgave for e in load_recent(store, "259borgerservice", limit=1)] == ["23.09.02"]


# -- D9: IKKE GEMT with a long task name keeps its reason and the Esc hint in sight -----------------

@pytest.mark.engines("sqlite")  # an SQLite lock held by the test makes the write fail
@pytest.mark.parametrize("size", [(80, 24), (60, 20)], ids=["80x24", "60x20"])
async def test_ikke_gemt_with_a_long_task_name_shows_the_reason_and_the_esc_hint(kl2013, store, db_path,
                                                                                clock, size):
    import sqlite3

    from desk_support import screen_lines

    app = make_app(kl2013, store, clock=clock, enhed="259borgerservice")
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        store.conn.execute("PRAGMA busy_timeout = 50")
        blocker = sqlite3.connect(db_path, isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")
        await pilot.press("8", "f")  # Navne- og adressebeskyttelse
        await settle(app, pilot)
        shown = "\n".join(screen_lines(app))
        blocker.execute("ROLLBACK")
        blocker.close()
        assert "IKKE GEMT: 1 × 23.05.05 Navne" in shown
        assert "Årsag: " in shown and "Esc = opgiv" in shown


# -- D6: ctrl+u on a locked database ----------------------------------------------------------------

@pytest.mark.engines("sqlite")  # an SQLite lock held by the test makes the read wait
async def test_ctrl_u_on_a_locked_database_says_so_soon_and_counts_the_keys_it_ignored(
        kl2013, store, db_path, clock, monkeypatch):
    """Trial: ctrl+u with the database locked froze ~9 s without a word, and the keys typed
    meanwhile were thrown away silently."""
    import sqlite3

    from tui.screens import register

    monkeypatch.setattr(register, "RECENT_BOUND", 0.2)
    app = make_app(kl2013, store, clock=clock, enhed="259borgerservice")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("1", "o")
        await settle(app, pilot)
        blocker = sqlite3.connect(db_path, isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")
        try:
            clock.advance(seconds=2)
            await pilot.press("ctrl+u")
            await pilot.pause()
            assert "Henter seneste" in text_of(app, "#message")
            await pilot.press("2", "s")  # typed while the list is read
            await pilot.pause(0.5)
            message = " ".join(text_of(app, "#message").split())
            assert "Kunne ikke hente de seneste registreringer" in message
            assert "2 taster trykket imens blev ikke brugt" in message
            assert not app.screen.dialog_open
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        clock.advance(seconds=2)
        await pilot.press("2", "s")  # the desk takes keys again
        await settle(app, pilot)
        assert len(rows(store.path)) == 2


# -- D10: a stop signal with entries the database has not got --------------------------------------

@pytest.mark.engines("sqlite")  # an SQLite lock held by the test makes the write fail
@pytest.mark.parametrize("sig", ["SIGTERM", "SIGHUP"])
async def test_a_stop_signal_tries_to_save_then_exits_non_zero_with_the_count_logged(
        kl2013, store, db_path, clock, monkeypatch, caplog, sig):
    """Trial: SIGTERM with a queued entry on a locked database exited 0 after ~15 s and the entry
    was lost; SIGHUP behaved differently."""
    import logging
    import signal
    import sqlite3

    from tui import app as app_module

    monkeypatch.setattr(app_module, "STOP_SAVE_SECONDS", 0.3)
    app = make_app(kl2013, store, clock=clock, enhed="259borgerservice")
    blocker = sqlite3.connect(db_path, isolation_level=None)
    try:
        with caplog.at_level(logging.WARNING, logger="taelleuge"):
            async with app.run_test(size=SIZE) as pilot:
                await settle(app, pilot)
                store.conn.execute("PRAGMA busy_timeout = 50")
                blocker.execute("BEGIN EXCLUSIVE")
                await pilot.press("1", "o")
                await settle(app, pilot)
                app._stop_on_signal(getattr(signal, sig))
                await pilot.pause()
                assert f"Programmet stopper ({sig}): gemmer 1 henvendelse" in text_of(app, "#message")
                await pilot.pause(1.0)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert app.return_code == 1
    assert f"{sig}: 1 henvendelse ikke gemt ved afslutning" in caplog.text
    assert rows(store.path) == []


@pytest.mark.engines("sqlite")
async def test_a_stop_signal_saves_what_waits_when_the_database_frees_up(kl2013, store, db_path, clock):
    import signal
    import sqlite3

    app = make_app(kl2013, store, clock=clock, enhed="259borgerservice")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        store.conn.execute("PRAGMA busy_timeout = 50")
        blocker = sqlite3.connect(db_path, isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")
        await pilot.press("1", "o")
        await settle(app, pilot)
        blocker.execute("ROLLBACK")
        blocker.close()
        app._stop_on_signal(signal.SIGTERM)
        await pilot.pause(1.0)
    assert app.return_code == 0 and len(rows(store.path)) == 1


# -- D11: smaller findings ------------------------------------------------------------------------

async def test_the_guard_shows_the_answers_of_the_entry_it_asks_about(kiosk, store, clock):
    from tui.screens.dialogs import Confirm

    from desk_support import dialog_text

    app = kiosk(enhed="999telefon")  # asks "Taler borgeren dansk?": 1 = Ja
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("1", "o", "1")
        clock.advance(seconds=0.8)
        await pilot.press("1", "o", "1")  # the same again within 1.5 s: "Gem den igen?"
        await settle(app, pilot)
        assert isinstance(app.screen, Confirm)
        assert "Taler borgeren dansk? Ja" in dialog_text(app)
