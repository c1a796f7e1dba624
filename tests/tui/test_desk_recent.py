"""Fix any recent entry (issue 9 §4, issue 12): ctrl+u lists this user's last 10 entries at this
station, any of them can be voided after confirmation, Tab goes on with the same citizen; another
login's rows at the same station are never shown or voided."""

from __future__ import annotations


import dbrows
from storage.registration import new_entry
from storage.open import open_store
from tui.screens.dialogs import Confirm, RecentList
from tui.screens.register import RegisterScreen

from desk_support import SIZE, dialog_text, paced, press, rows, text_of
from support import settle


def listed(app) -> list[str]:
    return [str(option.prompt) for option in app.screen.query_one("#recent").options]


async def test_an_older_entry_is_voided_after_confirmation(kiosk, store, clock):
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        for task, kind in (("1", "o"), ("2", "s"), ("3", "i")):
            await press(app, pilot, task, kind)
            clock.advance(minutes=1)
        await press(app, pilot, "ctrl+u")
        assert isinstance(app.screen, RecentList)
        entries = listed(app)
        assert [e.split()[:3] for e in entries] == [
            ["10:32:00", "Kørekort", "INFO"], ["10:31:00", "Pas", "STATUS"], ["10:30:00", "Flytning", "OPRET"]]
        await paced(app, pilot, clock, "down", "down", "enter")
        assert isinstance(app.screen, Confirm)
        assert "kl. 10:30:00" in dialog_text(app) and "23.05.10 Flytning" in dialog_text(app)
        await paced(app, pilot, clock, "j")
        assert [r["opgave"] for r in rows(store.path)] == ["23.09.02", "23.09.04"]
        await press(app, pilot, "ctrl+u")  # what is voided is no longer offered
        assert [e.split()[1] for e in listed(app)] == ["Kørekort", "Pas"]


async def test_the_list_holds_ten_entries_and_a_batch_is_one(kiosk, store, clock):
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "plus", "1", "2", "enter", "1", "o")
        for i in range(10):
            clock.advance(seconds=10)
            await press(app, pilot, "123"[i % 3], "osi"[i % 3])
        await press(app, pilot, "ctrl+u")
        entries = listed(app)
        assert len(entries) == 10 and "12 stk." not in " ".join(entries)  # 11 entries, 22 rows
        await paced(app, pilot, clock, "enter", "j")  # void the newest: the batch moves into the list
        await press(app, pilot, "ctrl+u")
        assert len(listed(app)) == 10 and "12 stk." in listed(app)[9]
        await paced(app, pilot, clock, *["down"] * 9, "enter", "j")
        assert len(rows(store.path)) == 9  # the whole batch of 12 went with one void


async def test_another_logins_rows_at_the_same_station_are_not_listed(kiosk, store, config, clock, db_path):
    with open_store(db_path, station=store.station, operator="someone-else", clock=clock) as other:
        other.record(new_entry(config, enhed="999borgerservice", opgave="23.09.04", kanal="PRSNLG",
                               type="VEJL", end=clock()))
    app = kiosk()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        assert "(ingen endnu)" in text_of(app, "#panel")
        await press(app, pilot, "ctrl+u")
        assert isinstance(app.screen, RegisterScreen)
        assert "ingen registreringer her at annullere" in text_of(app, "#message")
        clock.advance(seconds=5)
        await press(app, pilot, "1", "o")
        await press(app, pilot, "ctrl+u")
        assert [e.split()[1] for e in listed(app)] == ["Flytning"]
        await paced(app, pilot, clock, "enter", "j")
    assert [r["operator"] for r in rows(db_path)] == ["someone-else"]


async def test_tab_keeps_channel_hold_and_blanket_for_the_same_citizens_next_task(kiosk, store, clock):
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "f2")
        await paced(app, pilot, clock, "2")  # TLFIND
        await press(app, pilot, "1", "h", "b", "o")
        await press(app, pilot, "f2")
        await paced(app, pilot, clock, "1")  # back to PRSNLG for the next caller …
        await press(app, pilot, "tab")  # … but this caller had a second matter
        entry = text_of(app, "#entry")
        assert "TLFIND" in entry and "samme borger" in entry and "HOLD" in entry and "blanket JA" in entry
        await press(app, pilot, "2", "s")
        await press(app, pilot, "3", "i")  # the next citizen: the pinned channel, no HOLD/blanket
        assert [(r["opgave"], r["kanal"], r["afslutning"], r["blanket"]) for r in rows(store.path)] == [
            ("23.05.10", "TLFIND", "HOLD", "JA"), ("23.09.02", "TLFIND", "HOLD", "JA"),
            ("23.09.04", "PRSNLG", "STRAKS", "NEJ")]


async def test_tab_in_the_list_goes_on_with_that_entrys_citizen(kiosk, store, clock):
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "1", "h", "o")
        clock.advance(seconds=30)
        await press(app, pilot, "2", "s")
        await press(app, pilot, "ctrl+u")
        await paced(app, pilot, clock, "down", "tab")
        assert isinstance(app.screen, RegisterScreen) and app.screen.state.hold
        await press(app, pilot, "3", "v")
        assert rows(store.path)[-1]["afslutning"] == "HOLD"


async def test_a_void_is_written_with_who_and_why(kiosk, store, clock):
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "1", "o", "ctrl+u")
        await paced(app, pilot, clock, "enter", "j")
    assert dbrows.query(store.path, "SELECT reason, station, operator FROM voids") == [
        ("FORTRUDT", "test-station", "tester")]
