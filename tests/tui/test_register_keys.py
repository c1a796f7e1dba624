"""Every key of the registration contract, asserted on the database and on the screen."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pytest

import dbrows

from storage.config import parse
from tui.screens.dialogs import ChannelPicker, Confirm, Help, RecentList, TaskSearch, UnitPicker
from tui.screens.register import RegisterScreen

from desk_support import paced
from support import database_locked, screen_text, settle

SIZE = (80, 24)


def rows(store, where: str = "1=1", params=()) -> list[dict]:
    return dbrows.live_rows(store.path, where, params)


async def press(app, pilot, *keys: str) -> None:
    await pilot.press(*keys)
    await settle(app, pilot)


async def test_task_key_then_type_key_saves_and_says_so(kiosk, store):
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "1", "o")
        saved = rows(store)
        assert len(saved) == 1
        row = saved[0]
        assert (row["enhed"], row["opgave"], row["kanal"], row["type"]) == (
            "999borgerservice", "23.05.10", "PRSNLG", "OPRET")
        assert (row["afslutning"], row["blanket"], row["trial"]) == ("STRAKS", "NEJ", 0)
        assert row["station"] == "test-station" and row["operator"] == "tester"
        message = screen_text(app, "#message")
        assert "Gemt" in message and "23.05.10 Flytning" in message and "OPRET" in message
        assert "PRSNLG" in message and "STRAKS" in message and "blanket NEJ" in message


@pytest.mark.parametrize(
    "key, code", [("o", "OPRET"), ("s", "STATUS"), ("i", "INFO"), ("v", "VEJL"), ("d", "SLVBTJN"), ("f", "FEJL")]
)
async def test_type_keys_are_the_codebook_letters(kiosk, store, key, code):
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "2", key)
        assert [(r["opgave"], r["type"]) for r in rows(store)] == [("23.09.02", code)]
        assert code in screen_text(app, "#message")


async def test_letter_keys_follow_the_digits_and_skip_the_type_hold_and_blanket_letters(kiosk, store):
    """1-9, then a c e …: b is blanket, d f i o s v are types; none of them is ever a task key."""
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        keys = [key for key, _ in app.screen.state.items()]
        assert keys == list("123456789ace")
        await press(app, pilot, "e", "v")  # 12th item: 07.18.00 Affald
        assert [r["opgave"] for r in rows(store)] == ["07.18.00"]


async def test_group_opens_its_sub_tasks_with_the_same_keys(kiosk, store):
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("4")
        assert "Sundhedskort og læge" in screen_text(app, "#choices")
        assert "EU-sygesikringskort" in screen_text(app, "#choices")
        assert "29.03.99" not in screen_text(app, "#choices")  # names first, numbers on demand
        await pilot.press("f4")
        assert "29.03.99 EU-sygesikringskort" in screen_text(app, "#choices")
        await press(app, pilot, "2", "i")
        assert [(r["opgave"], r["type"]) for r in rows(store)] == [("29.03.99", "INFO")]


async def test_unknown_task_key_warns_and_saves_nothing(kiosk, store):
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "z")
        assert "ingen opgave" in screen_text(app, "#message")
        assert rows(store) == []


async def test_h_and_b_toggle_hold_and_blanket_for_one_entry(kiosk, store):
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("1", "h", "b")
        assert "HOLD" in screen_text(app, "#entry") and "blanket JA" in screen_text(app, "#entry")
        await press(app, pilot, "s")
        await press(app, pilot, "1", "o")  # the next entry is back to STRAKS / NEJ
        assert [(r["afslutning"], r["blanket"]) for r in rows(store)] == [("HOLD", "JA"), ("STRAKS", "NEJ")]


async def test_h_and_b_before_the_task_are_hold_and_blanket_not_tasks(kiosk, store):
    """HOLD pressed first (as the help's "before the type" invites) must not pick task h."""
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "h", "b", "c", "o")  # 11th item: 09.13.00 Skadedyr
        assert [(r["opgave"], r["afslutning"], r["blanket"]) for r in rows(store)] == [
            ("09.13.00", "HOLD", "JA")]


async def test_search_by_name_and_by_number(kiosk, store, clock):
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("slash")
        await pilot.pause()
        assert isinstance(app.screen, TaskSearch)
        await pilot.press(*"kørekort")  # typed ahead into the field: every letter counts
        await paced(app, pilot, clock, "enter")
        assert isinstance(app.screen, RegisterScreen)
        assert "23.09.04 Kørekort" in screen_text(app, "#choices")
        await press(app, pilot, "s")
        await pilot.press("slash")
        await pilot.pause()
        await pilot.press(*"29.03")
        await paced(app, pilot, clock, "down", "enter")
        await press(app, pilot, "o")
        assert [(r["opgave"], r["type"]) for r in rows(store)] == [("23.09.04", "STATUS"), ("29.03.99", "OPRET")]


async def test_enter_shows_the_last_registration_and_a_second_enter_saves_it(kiosk, store, clock):
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "1", "h", "v")
        clock.advance(seconds=5)
        await press(app, pilot, "enter")
        assert len(rows(store)) == 1  # shown, not saved
        assert "Gentag · 23.05.10 Flytning" in screen_text(app, "#choices")
        assert "HOLD" in screen_text(app, "#entry") and "Intet er gemt" in screen_text(app, "#message")
        clock.advance(seconds=1)
        await press(app, pilot, "enter")
        saved = rows(store)
        assert len(saved) == 2
        assert {(r["opgave"], r["type"], r["afslutning"]) for r in saved} == {("23.05.10", "VEJL", "HOLD")}
        assert saved[0]["id"] != saved[1]["id"]
        assert "Gemt" in screen_text(app, "#message")


async def test_enter_with_nothing_to_repeat_says_so(kiosk, store):
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter")
        assert "ingen registrering at gentage" in screen_text(app, "#message")
        assert rows(store) == []


@pytest.mark.parametrize("answer, expected", [("j", 2), ("n", 1)])
async def test_same_registration_within_1_5_s_asks_first(kiosk, store, clock, answer, expected):
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "1", "o")
        clock.advance(seconds=1)
        await press(app, pilot, "1", "o")
        assert isinstance(app.screen, Confirm)
        await paced(app, pilot, clock, answer)
        assert isinstance(app.screen, RegisterScreen)
        assert len(rows(store)) == expected


async def test_same_registration_after_1_5_s_is_not_questioned(kiosk, store, clock):
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "1", "o")
        clock.advance(seconds=2)
        await press(app, pilot, "1", "o")
        assert isinstance(app.screen, RegisterScreen)
        assert len(rows(store)) == 2


async def test_f2_changes_the_pinned_channel_until_changed_again(kiosk, store, clock):
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, ChannelPicker)
        picker_text = "\n".join(str(w.render()) for w in app.screen.query("Static"))
        assert "TLFIND" in picker_text and ", ind" in picker_text and ", ud" in picker_text
        await paced(app, pilot, clock, "2")  # second channel of the unit: TLFIND
        assert "TLFIND Telefon" in screen_text(app, "#entry")
        await press(app, pilot, "1", "o")
        await press(app, pilot, "2", "s")
        assert [r["kanal"] for r in rows(store)] == ["TLFIND", "TLFIND"]


async def test_plus_number_registers_the_next_entry_as_one_batch(kiosk, store):
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("plus", "1", "2", "enter")
        assert "12 stk." in screen_text(app, "#entry")
        await press(app, pilot, "3", "i")
        saved = rows(store)
        assert len(saved) == 12
        assert len({r["batch_id"] for r in saved}) == 1 and saved[0]["batch_id"]
        assert "12 × 23.09.04" in screen_text(app, "#message")
        await press(app, pilot, "1", "o")  # the batch count was for one entry only
        assert len(rows(store)) == 13


async def test_one_escape_clears_the_whole_half_made_entry(kiosk, store):
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("4", "1", "h")
        assert "Trin 2" in screen_text(app, "#choices")
        await press(app, pilot, "escape")
        assert "Trin 1 · Vælg opgave" in screen_text(app, "#choices")
        assert "STRAKS" in screen_text(app, "#entry")
        assert "intet er gemt" in screen_text(app, "#message")
        assert rows(store) == []


async def test_ctrl_u_lists_then_voids_and_ctrl_r_brings_it_back(kiosk, store, clock):
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "1", "o")
        clock.advance(seconds=3)
        await press(app, pilot, "2", "s")
        await press(app, pilot, "ctrl+u")
        assert isinstance(app.screen, RecentList)
        listed = [str(o.prompt) for o in app.screen.query_one("#recent").options]
        assert "Pas" in listed[0] and "STATUS" in listed[0] and "10:30:03" in listed[0]
        assert "Flytning" in listed[1] and "OPRET" in listed[1]
        await paced(app, pilot, clock, "enter")  # the newest is highlighted
        assert isinstance(app.screen, Confirm)
        question = "\n".join(str(w.render()) for w in app.screen.query("Static"))
        assert "23.09.02 Pas" in question and "STATUS" in question
        assert "21-10-2026 kl. 10:30:03" in question  # date and time with seconds
        await paced(app, pilot, clock, "escape")  # the way back before anything is written
        assert len(rows(store)) == 2
        await press(app, pilot, "ctrl+u")
        await paced(app, pilot, clock, "enter", "j")
        assert [r["opgave"] for r in rows(store)] == ["23.05.10"]
        voids = dbrows.query(store.path, "SELECT reason, station, operator FROM voids")
        assert voids == [("FORTRUDT", "test-station", "tester")]
        assert "Annulleret" in screen_text(app, "#message")
        await press(app, pilot, "ctrl+r")
        assert sorted(r["opgave"] for r in rows(store)) == ["23.05.10", "23.09.02"]
        # The message names what came back, not only how many rows.
        assert "Genskabt, tæller igen: 1 × 23.09.02 Pas" in screen_text(app, "#message")


@pytest.mark.engines("sqlite")  # the screen alone: nothing in it depends on the engine
@pytest.mark.parametrize("key", ["question_mark", "f1"])
async def test_help_explains_task_types_and_counting_rules(kiosk, clock, key):
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("2", key)
        await pilot.pause()
        assert isinstance(app.screen, Help)
        text = "\n".join(str(w.render()) for w in app.screen.query("Static"))
        assert "23.09.02 Pas" in text
        assert "FEJL" in text and "anden myndighed" in text
        assert "to sager er to registreringer" in text
        assert "blanket" in text.lower()
        await paced(app, pilot, clock, "escape")
        assert isinstance(app.screen, RegisterScreen)


async def test_failed_write_is_shown_kept_and_retried_without_double_counting(kiosk, store, db_path):
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        with database_locked(store, db_path):
            await press(app, pilot, "1", "o")
            message = screen_text(app, "#message")
            assert "IKKE GEMT" in message and "23.05.10" in message and "Enter = prøv" in message
            assert "optaget" in message
        await press(app, pilot, "enter")
        assert "Gemt" in screen_text(app, "#message")
        assert len(rows(store)) == 1


async def test_escape_gives_up_a_failed_write_after_a_yes_and_says_it_was_not_saved(
        kiosk, store, db_path, clock):
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        with database_locked(store, db_path):
            await press(app, pilot, "1", "o")
        await press(app, pilot, "escape")
        assert isinstance(app.screen, Confirm)  # never given up by one (bounced) Esc
        await paced(app, pilot, clock, "j")
        assert "IKKE gemt" in screen_text(app, "#message")
        await press(app, pilot, "enter")  # nothing to retry any more: Enter only shows a repeat
        assert rows(store) == []


async def test_start_is_the_first_key_and_end_is_the_commit(kiosk, store, clock):
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        first_key = clock()
        await pilot.press("1")
        clock.advance(seconds=7)
        await press(app, pilot, "o")
        row = rows(store)[0]
        assert row["start_utc"] == first_key.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        assert row["end_utc"] == clock().strftime("%Y-%m-%dT%H:%M:%S.%fZ")


async def test_live_panel_counts_today_week_matrix_and_latest(kiosk, store, clock):
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.screen.folded  # below 100 columns the panel starts folded away
        await press(app, pilot, "f3")
        assert "I dag: 0" in screen_text(app, "#panel")
        await press(app, pilot, "1", "o")
        clock.advance(seconds=2)
        await press(app, pilot, "2", "v")
        panel = screen_text(app, "#panel")
        assert "I dag: 2" in panel and "Ugen: 2" in panel
        matrix_line = next(line for line in panel.splitlines() if line.startswith("PRSNLG"))
        assert matrix_line.split()[1:] == ["1", "·", "·", "1", "·", "·"]
        latest = panel.splitlines()[panel.splitlines().index("Seneste her:") + 1:]
        assert latest[0].split() == ["10:30:02", "Pas", "VEJL"]
        assert latest[1].split() == ["10:30:00", "Flytning", "OPRET"]


async def test_outside_the_count_week_only_trial_is_possible_and_marked(config, store, clock):
    from tui.app import make_app

    config = replace(config, demo=False)  # the demo's own week moves with the clock
    clock.moment = datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc)  # weeks after the count week
    app = make_app(config, store, clock=clock, enhed="999borgerservice")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert "PRØVE" in screen_text(app, "#header")
        await press(app, pilot, "1", "o")
        assert [r["trial"] for r in rows(store)] == [1]
        assert "PRØVE" in screen_text(app, "#message")
        assert "Prøve i dag 1" in screen_text(app, "#header")


async def test_unit_picker_when_no_unit_is_given(kiosk, store, clock):
    app = kiosk(enhed=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, UnitPicker)
        await paced(app, pilot, clock, "2")
        assert isinstance(app.screen, RegisterScreen)
        assert app.screen.unit.code == "999telefon"
        await press(app, pilot, "1", "o", "1")  # the telefon desk asks its local question
        assert [(r["enhed"], r["kanal"], r["answers"]) for r in rows(store)] == [
            ("999telefon", "TLFIND", '{"Taler borgeren dansk?": "Ja"}')]


async def test_keys_are_remappable_by_binding_id(store, clock):
    from tui.app import make_app

    import tomllib
    from importlib import resources

    data = tomllib.loads(resources.files("storage").joinpath("demo.toml").read_text("utf-8"))
    data["taelleuge"] = [{"navn": "Uge", "fra": clock().date(), "til": clock().date()}]
    data["taster"] = {"register.repeat": "f5", "register.channel": "f6"}
    cfg = parse(data, "test")
    app = make_app(cfg, store, clock=clock, enhed="999borgerservice")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "1", "o")
        clock.advance(seconds=3)
        await press(app, pilot, "f5")
        clock.advance(seconds=1)
        await press(app, pilot, "f5")
        assert len(rows(store)) == 2
        footer = {k.key_display: k.description for k in app.screen.query("FooterKey")}
        assert footer["F5"] == "Gentag" and "Enter" not in footer
        await pilot.press("f6")
        await pilot.pause()
        assert isinstance(app.screen, ChannelPicker)
        await paced(app, pilot, clock, "escape")
        await press(app, pilot, "enter")  # Enter is no longer the repeat key: nothing happens
        assert len(rows(store)) == 2 and app.screen.state.is_empty

