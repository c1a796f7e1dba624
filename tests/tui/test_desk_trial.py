"""What a real desk worker and an attacker found on the finished desk (issue 10), each replayed
with the real key timings on the injected clock: auto-repeat after 250 ms (Linux console) or
500 ms (X) and then every 30 ms, a bounce after 40 ms, Esc and a key within 50 ms. Every test
here failed on the desk before the fix."""

from __future__ import annotations

import io
import logging
import sqlite3
from dataclasses import replace
from datetime import timedelta

import pytest
from rich.console import Console
from textual import events

from storage.config import parse
from storage.pin import hash_pin
from storage.registration import new_entry
from tui.app import make_app
from tui.screens.dialogs import Confirm, RecentList
from tui.screens.register import RegisterScreen

from desk_support import SIZE, dialog_text, kl2013_data, paced, press, rows, screen_lines, text_of
from support import settle

TWICE = "Samme tast to gange hurtigt efter hinanden tæller én gang"


def saved(db_path, *fields: str) -> list[tuple]:
    return [tuple(r[f] for f in fields) for r in rows(db_path)]


async def held(app, pilot, clock, key: str, *, delay: float = 0.5, repeats: int = 10, every: float = 0.03):
    """A key held down: the first repeat after ``delay``, then one every ``every`` seconds."""
    for gap in (delay, *[every] * (repeats - 1)):
        clock.advance(seconds=gap)
        await pilot.press(key)
    await settle(app, pilot)


# -- A: held and bounced keys ----------------------------------------------------------------

async def test_a_bounced_type_key_never_starts_the_next_citizens_entry(kl2013, store, clock):
    """Trial: ``c i i(200 ms)`` then ``5 v`` saved "Valg af læge VEJL" and lost the first."""
    app = make_app(kl2013, store, clock=clock, enhed="259borgerservice")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "c", "i")
        clock.advance(seconds=0.2)
        await press(app, pilot, "i")  # bounced, or a second press 200 ms later: dropped
        assert app.screen.state.is_empty
        clock.advance(seconds=4)
        await press(app, pilot, "5", "v")  # the next citizen
        assert saved(store.path, "opgave", "type") == [("09.13.00", "INFO"), ("29.03.99", "VEJL")]


@pytest.mark.parametrize("delay", [0.25, 0.5], ids=["console-250ms", "x-500ms"])
async def test_a_held_type_key_saves_once(kl2013, store, clock, delay):
    """Trial: a held ``o`` saved BBR OPRET for the next citizen."""
    app = make_app(kl2013, store, clock=clock, enhed="259borgerservice")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "g", "o")  # BBR, OPRET, and o stays down
        await held(app, pilot, clock, "o", delay=delay, repeats=15)
        assert app.screen.state.is_empty and "Gemt" in text_of(app, "#message")
        assert TWICE not in text_of(app, "#message")  # the key that saved, held: nothing to say
        clock.advance(seconds=3)
        await press(app, pilot, "2", "s")
        assert saved(store.path, "opgave", "type") == [("02.00.20", "OPRET"), ("23.09.02", "STATUS")]


async def test_two_questions_answered_with_the_same_digit_fast_take_both_answers(kl2013, store, clock):
    """Second trial (D4): the second "1" was dropped as a bounce, and the next citizen's task key
    became the answer. Only a key that saved (or opened something) has its repeat dropped."""
    app = make_app(kl2013, store, clock=clock, enhed="259telefon")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "1", "o", "1")
        clock.advance(seconds=0.15)
        await press(app, pilot, "1")  # 1 = Ja, then 1 = Under 65
        assert saved(store.path, "answers") == [('{"Alder": "Under 65", "Taler borgeren dansk?": "Ja"}',)]
        assert app.screen.state.is_empty and TWICE not in text_of(app, "#message")


async def test_a_count_typed_in_one_burst_keeps_every_digit(kiosk, store, clock):
    """Second trial (D5): ``+ 1 0 0 Enter`` in one burst became 10, ``+11`` became 1."""
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "plus", "1", "1", "enter")
        assert app.screen.state.batch == 11
        await press(app, pilot, "escape")
        clock.advance(seconds=1)
        await press(app, pilot, "plus", "1", "0", "0", "enter")
        assert isinstance(app.screen, Confirm) and "100 ens henvendelser" in dialog_text(app)


async def test_held_enter_shows_the_repeat_with_its_details_and_saves_nothing(kiosk, store, clock):
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "1", "h", "b", "o")
        clock.advance(seconds=5)
        await press(app, pilot, "enter")
        await held(app, pilot, clock, "enter", delay=0.66, repeats=30)
        assert len(rows(store.path)) == 1 and app.screen.state.repeat
        message = text_of(app, "#message")
        # The preview names count, HOLD and blanket, not only the header's task.
        assert "1 × 23.05.10 Flytning · OPRET · PRSNLG · HOLD · blanket JA" in message
        assert TWICE in message  # a second Enter within 700 ms may have been meant: say how


async def test_esc_and_a_key_joined_by_the_terminal_are_esc_then_the_key(kiosk, store):
    """Attacker #4: ``\\e1o`` arrives as alt+1, o: the half-made Pas HOLD must be cleared first."""
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "2", "h")
        app.post_message(events.Key("alt+1", "1"))
        await settle(app, pilot)
        await press(app, pilot, "o")
        assert saved(store.path, "opgave", "type", "afslutning") == [("23.05.10", "OPRET", "STRAKS")]


async def test_plus_3_enter_typed_within_a_few_ms_is_a_batch_of_3(kiosk, store, clock):
    """New-user trial: ``+3⏎`` faster than ~30 ms dropped the 3. The + ran as a binding after
    the app had already sent the 3 on (as a task key); every desk key is now handled in order."""
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        for key, char in (("plus", "+"), ("3", "3"), ("enter", "\r")):
            app.post_message(events.Key(key, char))  # as the driver sends them, no pause
            clock.advance(seconds=0.01)
        await settle(app, pilot)
        assert app.screen.state.batch == 3 and app.screen.state.task is None
        await press(app, pilot, "1", "o")
        assert len(rows(store.path)) == 3


async def test_a_channel_picker_takes_no_typed_ahead_or_bounced_key(kiosk, store, clock):
    """Attacker: ``F2 2 2`` saved task 2 on the new channel."""
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "f2")
        clock.advance(seconds=0.06)
        await press(app, pilot, "2")  # typed ahead
        assert "Tasten 2 kom, lige da dette blev vist" in dialog_text(app)
        clock.advance(seconds=0.04)
        await press(app, pilot, "2")  # bounced
        assert TWICE in dialog_text(app)
        await paced(app, pilot, clock, "2", seconds=0.9)
        assert isinstance(app.screen, RegisterScreen) and app.screen.state.is_empty
        assert "TLFIND" in text_of(app, "#entry") and rows(store.path) == []


@pytest.mark.engines("sqlite")  # the PIN dialog alone
async def test_a_pin_typed_fast_is_taken_but_an_enter_typed_ahead_is_not(config, store, clock):
    """The coordinator types ctrl+q, the PIN and Enter in one go: typing into the field shows
    the dialog is being answered, so its Enter counts. An Enter with nothing typed, in the
    dialog's first moment, was typed for the desk and is dropped."""
    app = make_app(replace(config, pin_hash=hash_pin("246810", iterations=1000)), store, clock=clock,
                   enhed="999borgerservice", locked=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "ctrl+q", "enter")
        assert "Tasten Enter kom, lige da dette blev vist" in dialog_text(app)
        assert "Forkert PIN" not in dialog_text(app)
        await paced(app, pilot, clock, "escape")
        await press(app, pilot, "ctrl+q", *"135790", "enter")
        assert "Forkert PIN (1)" in dialog_text(app)


# -- B: entries that are not saved -----------------------------------------------------------

def lock(db_path):
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    return blocker


@pytest.mark.engines("sqlite")  # an SQLite lock held by the test makes the write fail or wait
async def test_a_bounced_esc_never_gives_up_an_entry_that_is_not_saved(kiosk, store, db_path, clock):
    """Attacker #5: Esc on an IKKE GEMT entry gave it up at once."""
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        store.conn.execute("PRAGMA busy_timeout = 50")
        blocker = lock(db_path)
        await press(app, pilot, "1", "o")
        assert "IKKE GEMT" in text_of(app, "#message")
        await press(app, pilot, "escape", "escape")
        assert isinstance(app.screen, Confirm) and "IKKE gemt" in dialog_text(app)
        await paced(app, pilot, clock, "n")
        assert app.screen.unsaved() == 1 and "IKKE GEMT" in text_of(app, "#message")
        blocker.execute("ROLLBACK")
        blocker.close()
        await paced(app, pilot, clock, "enter")
        assert len(rows(store.path)) == 1


@pytest.mark.engines("sqlite")  # an SQLite lock held by the test makes the write fail or wait
async def test_enter_while_the_previous_entry_waits_for_the_database_offers_no_repeat(
        kiosk, store, db_path, clock):
    """Attacker #6: Enter Enter while "venter på databasen" saved a duplicate."""
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        store.conn.execute("PRAGMA busy_timeout = 20000")  # the write waits for the lock
        blocker = lock(db_path)
        try:
            await pilot.press("1", "o")
            await pilot.pause(0.4)
            assert app.screen.pending and "venter på databasen" in text_of(app, "#message")
            clock.advance(seconds=2)
            await pilot.press("enter")
            await pilot.pause()
            assert not app.screen.state.repeat
            assert "Den forrige er ikke gemt endnu" in text_of(app, "#message")
            clock.advance(seconds=1)
            await pilot.press("enter")
            await pilot.pause()
            assert not app.screen.state.repeat
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        await settle(app, pilot)
        assert len(rows(store.path)) == 1 and "Gemt" in text_of(app, "#message")


@pytest.mark.engines("sqlite")  # an SQLite lock held by the test makes the write fail or wait
async def test_one_entrys_gemt_never_hides_anothers_ikke_gemt(kiosk, store, db_path, clock):
    """Trial #5: the second entry's "Gemt" replaced the first one's red IKKE GEMT."""
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        store.conn.execute("PRAGMA busy_timeout = 50")
        blocker = lock(db_path)
        await press(app, pilot, "1", "o")
        blocker.execute("ROLLBACK")
        blocker.close()
        clock.advance(seconds=3)
        blocker = lock(db_path)  # busy again: the second fails behind the first
        await press(app, pilot, "2", "i")
        message = text_of(app, "#message")
        assert "Venter: 2 IKKE GEMT" in message and app.screen.query_one("#message").has_class("-error")
        blocker.execute("ROLLBACK")
        blocker.close()
        clock.advance(seconds=3)
        await press(app, pilot, "3", "i")  # the two waiting go first, in order, then this one
        message = text_of(app, "#message")
        assert "Gemt kl." in message and "23.09.04 Kørekort" in message and "IKKE GEMT" not in message
        assert [r["opgave"] for r in rows(store.path)] == ["23.05.10", "23.09.02", "23.09.04"]


@pytest.mark.engines("sqlite")  # an SQLite lock held by the test makes the write fail or wait
async def test_every_entry_not_saved_stays_in_sight_and_enter_saves_them_all(kiosk, store, db_path, clock):
    """Two entries failed in a row: the screen named only the last one."""
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        store.conn.execute("PRAGMA busy_timeout = 50")
        blocker = lock(db_path)
        await press(app, pilot, "1", "o")
        clock.advance(seconds=3)
        await press(app, pilot, "2", "i")
        assert app.screen.unsaved() == 2
        assert "Venter: 2 IKKE GEMT (Flytning OPRET, Pas INFO)" in text_of(app, "#message")
        blocker.execute("ROLLBACK")
        blocker.close()
        await paced(app, pilot, clock, "enter")
        assert app.screen.unsaved() == 0 and "IKKE GEMT" not in text_of(app, "#message")
    assert sorted(saved(store.path, "opgave", "type")) == [("23.05.10", "OPRET"), ("23.09.02", "INFO")]


@pytest.mark.engines("sqlite")  # an SQLite lock held by the test makes the write fail or wait
async def test_the_guard_after_a_failed_entry_says_it_was_not_saved_and_keeps_it_in_sight(
        kiosk, store, db_path, clock):
    """New-user trial: "blev gemt for lidt siden" about an entry that was not, and answering n
    removed the red IKKE GEMT line."""
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        store.conn.execute("PRAGMA busy_timeout = 50")
        blocker = lock(db_path)
        try:
            await press(app, pilot, "1", "o")
            clock.advance(seconds=0.8)
            await press(app, pilot, "1", "o")
            assert isinstance(app.screen, Confirm)
            question = dialog_text(app)
            assert "blev IKKE gemt" in question and "blev gemt for lidt siden" not in question
            await paced(app, pilot, clock, "n")
            assert "IKKE GEMT" in text_of(app, "#message")
            assert app.screen.query_one("#message").has_class("-error")
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()


@pytest.mark.engines("sqlite")  # an SQLite lock held by the test makes the write fail or wait
async def test_leaving_asks_once_however_often_ctrl_q_is_pressed(kiosk, store, db_path, clock):
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        store.conn.execute("PRAGMA busy_timeout = 50")
        blocker = lock(db_path)
        try:
            await press(app, pilot, "1", "o")
            await paced(app, pilot, clock, *["ctrl+q"] * 6, seconds=0.9)
            assert sum(isinstance(s, Confirm) for s in app.screen_stack) == 1
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()


# -- C: repeat and Seneste belong to the unit on screen ----------------------------------------

async def test_repeat_and_the_recent_list_never_reach_another_units_entries(kiosk, store, config, clock):
    """Attacker #7: Enter Enter in 999ydelse saved 23.09.02 from 999borgerservice."""
    store.record(new_entry(config, enhed="999borgerservice", opgave="23.09.02", kanal="PRSNLG",
                           type="OPRET", end=clock()))
    app = kiosk(enhed="999ydelse")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        assert "(ingen endnu)" in text_of(app, "#panel")
        clock.advance(seconds=5)
        await press(app, pilot, "enter")
        assert "ingen registrering at gentage" in text_of(app, "#message")
        clock.advance(seconds=1)
        await press(app, pilot, "enter")
        await press(app, pilot, "ctrl+u")
        assert isinstance(app.screen, RegisterScreen)
        assert "ingen registreringer her at annullere" in text_of(app, "#message")
    assert saved(store.path, "enhed") == [("999borgerservice",)]


async def test_older_entries_show_their_date_and_are_not_voided_at_the_desk(kiosk, store, config, clock):
    store.record(new_entry(config, enhed="999borgerservice", opgave="23.09.02", kanal="PRSNLG",
                           type="OPRET", end=clock() - timedelta(days=1)))
    app = kiosk()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "1", "o")
        panel = text_of(app, "#panel")
        assert "20-10 10:30:00 Pas" in panel and "\n10:30:00 Flytning" in panel
        await press(app, pilot, "ctrl+u")
        assert isinstance(app.screen, RecentList)
        await paced(app, pilot, clock, "down", "enter")
        assert isinstance(app.screen, RegisterScreen)
        assert "Registreringen fra 20-10-2026 kan ikke annulleres her" in text_of(app, "#message")
    assert len(rows(store.path)) == 2


# -- D: any terminal size, and a crash never shows a secret -----------------------------------

SIZES = [(10, 5), (40, 12), (60, 20), (100, 10), (120, 8), (200, 6), (25, 9), (80, 24), (13, 31)]
STATES = [(), ("f3",), ("f3", "f4"), ("2", "h"), ("x",), ("question_mark",), ("slash", "b"),
          ("ctrl+u",), ("plus", "5"), ("f2",)]


@pytest.mark.engines("sqlite")  # the screen alone: its drawing does not depend on the engine
@pytest.mark.parametrize("keys", STATES, ids=["main", "panel", "panel-numbers", "step2", "group",
                                              "help", "search", "recent", "count", "channel"])
async def test_every_screen_draws_at_every_terminal_size(kl2013, store, clock, keys):
    """F3 at 60x20, 40x12, 100x10, 120x8, 10x5 and a resize to 200x6 crashed the desk (a negative
    width in a format). Each state, resized through sizes down to 10x5: no crash, and no line
    wider than the terminal."""
    store.record(new_entry(kl2013, enhed="259borgerservice", opgave="23.05.10", kanal="PRSNLG",
                           type="OPRET", end=clock()))
    app = make_app(kl2013, store, clock=clock, enhed="259borgerservice")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await paced(app, pilot, clock, *keys)
        for width, height in SIZES:
            await pilot.resize_terminal(width, height)
            await pilot.pause()
            await pilot.pause()
            assert all(len(line) <= width for line in screen_lines(app))


@pytest.mark.engines("sqlite")  # the screen alone: its drawing does not depend on the engine
async def test_the_desk_with_its_panel_draws_at_every_size_from_20x8_to_120x40(kl2013, store, clock):
    """A sweep over the sizes a terminal or an SSH window can have: the panel's columns and the
    task grid never get a negative width, and no line is wider than the terminal."""
    store.record(new_entry(kl2013, enhed="259borgerservice", opgave="23.05.10", kanal="PRSNLG",
                           type="OPRET", end=clock()))
    app = make_app(kl2013, store, clock=clock, enhed="259borgerservice")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await paced(app, pilot, clock, "f3", "2")
        for width in range(20, 121, 10):
            for height in range(8, 41, 4):
                await pilot.resize_terminal(width, height)
                await pilot.pause()
                lines = screen_lines(app)
                assert len(lines) == height and all(len(line) <= width for line in lines), (width, height)
        assert app.is_running


@pytest.mark.engines("sqlite")  # the crash screen alone
@pytest.mark.parametrize("debug", [False, True], ids=["kiosk", "debug"])
async def test_a_crash_never_prints_a_local_such_as_the_pin_hash(config, store, clock, caplog, debug):
    """Attacker #9: Textual's crash screen printed every frame's locals, the PIN hash with them.
    Ours prints a Danish line (and in debug mode the traceback) without one local; the journal
    gets the traceback, without locals too."""
    pin_hash = hash_pin("246810", iterations=1000)
    app = make_app(replace(config, pin_hash=pin_hash), store, clock=clock, enhed="999borgerservice")
    if debug:
        app.features = frozenset({*app.features, "debug"})
    app.error_console = Console(file=io.StringIO(), width=100, color_system=None)

    def crash():
        secret = app.config.pin_hash  # noqa: F841 - a local, as in the real crash
        raise RuntimeError("boom")

    caplog.set_level(logging.INFO, logger="taelleuge")
    with pytest.raises(RuntimeError):
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            app.call_later(crash)
            await pilot.pause()
            await pilot.pause()
    printed = app.error_console.file.getvalue()
    assert "Tælleuge stoppede på grund af en programfejl (RuntimeError)" in " ".join(printed.split())
    assert pin_hash not in printed and "locals" not in printed  # rich's panel of a frame's locals
    assert ("RuntimeError: boom" in printed) == debug
    journal = "\n".join(r.getMessage() for r in caplog.records)
    assert "RuntimeError: boom" in journal and pin_hash not in journal


async def test_wide_characters_keep_the_task_list_in_its_columns(store, clock):
    data = kl2013_data()
    for i, name in enumerate(["登记处 搬家", "Pas 🛂", "Kørekort 🚗🚗", "Ærø Ø", "漢字漢字漢字漢字漢字"]):
        data["enhed"][0]["opgaver"][i]["navn"] = name
    config = parse(data, "wide.toml")
    app = make_app(config, store, clock=clock, enhed="259borgerservice")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        from rich.cells import cell_len

        lines = [line for line in screen_lines(app)[3:15]]
        assert all(cell_len(line) == SIZE[0] for line in lines)
        # The second column's keys (g, k, l …) start in the same cell on every line.
        starts = {cell_len(line[: line.index(f" {key} ", 20)]) for line, key in zip(lines, "gklmpqrtuwxz")}
        assert len(starts) == 1


# -- G: smaller findings -----------------------------------------------------------------------

async def test_kle_numbers_with_the_panel_shown_keep_the_names_readable(kl2013, store, clock):
    """Trial: F4 with the panel shown at 80x24 cut names to one letter (32.06.04 B… x3)."""
    app = make_app(kl2013, store, clock=clock, enhed="259borgerservice")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await paced(app, pilot, clock, "f3", "f4")
        choices = text_of(app, "#choices")
        assert "27.45.00 Boligtilbud" in choices and "27.37.04 Administrationsaftaler" in choices
        assert app.screen.folded and "foldet væk" in text_of(app, "#message")


@pytest.mark.parametrize("locked", [False, True], ids=["unlocked", "locked"])
async def test_a_60_column_footer_keeps_help_and_the_way_out(config, store, clock, locked):
    app = make_app(config, store, clock=clock, enhed="999borgerservice", locked=locked)
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(app, pilot)
        footer = screen_lines(app)[-1]
        assert footer.startswith("? Hjælp")
        assert ("Ctrl+Q Afslut" in footer) is not locked


async def test_help_at_60_columns_wraps_under_its_own_text(kiosk, clock):
    app = kiosk()
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "f1")
        body = app.screen.query_one(".help Static")
        lines = str(body.render()).splitlines()
        assert max(len(line) for line in lines) <= body.content_size.width
        start = lines.index("Taster") + 1
        keys = lines[start: lines.index("", start)]
        # A description that wraps goes on under itself, never back at the left margin.
        assert all(line.startswith(" ") for line in keys)
        assert any(line.startswith("          ") for line in keys)


async def test_the_recent_list_at_60x20_has_one_line_per_entry(kl2013, store, clock):
    app = make_app(kl2013, store, clock=clock, enhed="259borgerservice")
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "t", "h", "b", "3", "s")  # Boligsikring, førtidspension
        clock.advance(seconds=3)
        await press(app, pilot, "1", "o")
        await press(app, pilot, "ctrl+u")
        lines = [line for line in screen_lines(app) if "PRSNLG  ▎" in line]  # the list's own lines
        assert len(lines) == 2
        assert "STATUS HOLD blanket" in lines[1] and "OPRET" in lines[0]


async def test_the_recent_list_uses_the_height_it_has(kiosk, store, config, clock):
    for i in range(10):
        store.record(new_entry(config, enhed="999borgerservice", opgave="23.05.10", kanal="PRSNLG",
                               type="OPRET", end=clock() + timedelta(seconds=i)))
    app = kiosk()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "ctrl+u")
        assert sum("OPRET  PRSNLG" in line for line in screen_lines(app)) == 10  # 8 were in sight


async def test_the_panel_heads_are_whole_codes_on_a_wide_screen(kiosk, store, clock):
    app = kiosk()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "1", "d")
        head = next(line for line in text_of(app, "#panel").splitlines() if "OPRET" in line)
        assert head.split() == ["OPRET", "STATUS", "INFO", "VEJL", "SLVBTJN", "FEJL"]


async def test_search_ranks_name_starts_first_refuses_an_empty_enter_and_says_what_was_cut(
        kl2013, store, clock):
    app = make_app(kl2013, store, clock=clock, enhed="259borgerservice")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "slash")
        await paced(app, pilot, clock, "enter")  # nothing typed: nothing picked
        assert "Skriv noget først" in dialog_text(app) and app.screen.query_one("#query").value == ""
        await press(app, pilot, *"pens")
        hits = [str(o.prompt).split("  ", 1)[1] for o in app.screen.query_one("#hits").options]
        assert hits.index("Folkepension") < hits.index("Boligsikring, førtidspension")
        app.screen.query_one("#query").post_message(events.Paste("x" * 60))
        await settle(app, pilot)
        assert len(app.screen.query_one("#query").value) == 40
        assert "24 tegn kom ikke med" in dialog_text(app)


class TickingClock:
    """A clock that moves a second at every look: the commit is read later than the key."""

    def __init__(self, clock):
        self.clock = clock

    def __call__(self):
        self.clock.advance(seconds=1)
        return self.clock()


async def test_the_time_on_screen_is_the_time_stored(kiosk, store, config, clock):
    """The screen showed the commit's time, the database the key's."""
    ticking = TickingClock(clock)
    app = make_app(config, store, clock=ticking, enhed="999borgerservice", key_clock=lambda: clock().timestamp())
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "1", "o")
        [row] = rows(store.path)
        end = row["end_utc"][11:19]  # HH:MM:SS UTC; the screen is in Copenhagen (UTC+2)
        hour = f"{int(end[:2]) + 2:02d}{end[2:]}"
        assert f"Gemt kl. {hour}" in text_of(app, "#message")


async def test_tab_keeps_the_first_matters_confirmation_and_the_citizens_answers(kl2013, store, clock):
    app = make_app(kl2013, store, clock=clock, enhed="259telefon")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "1", "o", "2", "3")  # Nej, Ukendt
        await press(app, pilot, "tab")
        message = text_of(app, "#message")
        assert "Gemt kl." in message and "Samme borger" in message
        await press(app, pilot, "2", "s")  # the next matter: 3 keys, the answers as before
        assert saved(store.path, "opgave", "answers") == [
            ("23.05.10", '{"Alder": "Ukendt", "Taler borgeren dansk?": "Nej"}'),
            ("29.03.04", '{"Alder": "Ukendt", "Taler borgeren dansk?": "Nej"}')]


async def test_a_remapped_key_shows_as_its_character(store, clock):
    import tomllib
    from importlib import resources

    data = tomllib.loads(resources.files("storage").joinpath("demo.toml").read_text("utf-8"))
    data["taelleuge"] = [{"navn": "Uge", "fra": clock().date(), "til": clock().date()}]
    data["taster"] = {"register.help": "]", "register.channel": "@"}
    app = make_app(parse(data, "t"), store, clock=clock, enhed="999borgerservice")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        footer = {k.key_display: k.description for k in app.screen.query("FooterKey")}
        assert footer["]"] == "Hjælp" and footer["@"] == "Kanal"
        assert not [k for k in footer if "bracket" in k or k == "at"]


def test_key_labels_read_as_keys_are_printed_on_a_keyboard():
    from tui.render import key_label

    assert [key_label(k) for k in ("ctrl+u", "ctrl+q", "f2", "escape", "right_square_bracket", "ctrl+f5")] == [
        "Ctrl+U", "Ctrl+Q", "F2", "Esc", "]", "Ctrl+F5"]
    assert key_label("ctrl+shift+left") == "Ctrl+Shift+Pil venstre"
