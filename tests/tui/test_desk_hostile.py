"""Hostile text and input at the desk (issue 12): names with markup are shown as written and never
crash the kiosk, inputs are limited, the PIN backs off after wrong tries and every try is logged."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest

from storage.config import parse
from storage.pin import hash_pin
from tui.app import make_app
from tui.screens.dialogs import PIN_MAX, SEARCH_MAX, Help, PinPrompt, RecentList, TaskSearch, UnitPicker
from tui.screens.register import RegisterScreen

from desk_support import SIZE, dialog_text, kl2013_data, paced, press, rows, screen_lines, text_of
from support import settle

HOSTILE = ["Pas [ophævet] [/]", "Sundhedskort [EU]", "[bold]Fed[/bold]", "[@click=app.quit]Klik[/]",
           "[red]Rød[/red] \\[x]"]


def hostile_config():
    data = kl2013_data()
    unit = data["enhed"][0]
    unit["navn"] = "[b]Skranken[/b] [/]"
    for i, name in enumerate(HOSTILE):
        unit["opgaver"][i]["navn"] = name
    return parse(data, "hostile.toml")


def shown(app) -> str:
    return "\n".join(screen_lines(app))


@pytest.mark.engines("sqlite")  # the screen alone: nothing in it depends on the engine
@pytest.mark.parametrize("console", [False, True], ids=["normal", "console"])
async def test_names_with_markup_are_shown_as_written_everywhere(store, clock, console):
    config = hostile_config()
    app = make_app(config, store, clock=clock, enhed=None, console=console, locked=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, UnitPicker) and "[b]Skranken[/b] [/]" in dialog_text(app)
        await paced(app, pilot, clock, "1")
        assert "[b]Skranken[/b] [/]" in text_of(app, "#header")
        await press(app, pilot, "f4")
        for name in HOSTILE:  # the list cuts names to fit, so compare the start
            assert name[:20] in text_of(app, "#choices")
        # The search list (OptionList) is where "[/]" used to crash the locked kiosk.
        await press(app, pilot, "slash", *"pas")
        assert isinstance(app.screen, TaskSearch)
        prompts = [str(o.prompt) for o in app.screen.query_one("#hits").options]
        assert "23.05.10  Pas [ophævet] [/]" in prompts
        await paced(app, pilot, clock, "escape", "slash")
        await press(app, pilot, "[")
        prompts = [str(o.prompt) for o in app.screen.query_one("#hits").options]
        assert sorted(p.split("  ", 1)[1] for p in prompts) == sorted(HOSTILE)
        # "[" begins three names (ranked first), then a word of two: Pas [ophævet] [/] is 4th.
        await paced(app, pilot, clock, "down", "down", "down", "enter")
        assert "Pas [ophævet] [/]" in text_of(app, "#choices") and "Pas [ophævet] [/]" in text_of(app, "#message")
        await press(app, pilot, "f1")
        assert isinstance(app.screen, Help) and "Valgt opgave: 23.05.10 Pas [ophævet] [/]" in dialog_text(app)
        await paced(app, pilot, clock, "escape", "o")
        assert "Pas [ophævet] [/]" in text_of(app, "#message")
        for key in ("4", "i"):  # "[@click=app.quit]Klik[/]": a name, not an action
            await press(app, pilot, key)
        await press(app, pilot, "ctrl+u")
        assert isinstance(app.screen, RecentList)
        assert "[@click=app.quit]Klik[/]" in shown(app)
        await paced(app, pilot, clock, "enter")
        assert "[@click=app.quit]Klik[/]" in dialog_text(app)
        await paced(app, pilot, clock, "j")
        assert app.is_running and isinstance(app.screen, RegisterScreen)
        assert [r["opgave"] for r in rows(store.path)] == ["23.05.10"]


@pytest.mark.engines("sqlite")  # no data in it: the search field alone
async def test_search_input_is_limited_and_says_so(kiosk):
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "slash", *("x" * (SEARCH_MAX + 3)))
        query = app.screen.query_one("#query")
        assert len(query.value) == SEARCH_MAX
        assert f"Søgningen kan højst være {SEARCH_MAX} tegn" in " ".join(shown(app).split())


@pytest.mark.engines("sqlite")  # no data in it: the PIN dialog alone
async def test_pin_input_is_limited_and_backs_off_after_three_wrong_tries(config, store, clock, caplog):
    config = replace(config, pin_hash=hash_pin("246810", iterations=1000))
    app = make_app(config, store, clock=clock, enhed="999borgerservice", locked=True, console=True)
    caplog.set_level(logging.INFO, logger="taelleuge")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        # The PIN's digits are typed into the field at once, doubles and all (never filtered
        # as repeats); Enter comes at a person's pace.
        await press(app, pilot, "ctrl+q", *("9" * (PIN_MAX + 3)))
        assert len(app.screen.query_one("#pin").value) == PIN_MAX
        await paced(app, pilot, clock, "enter")
        for attempt in ("111111", "222222"):
            await press(app, pilot, *attempt)
            await paced(app, pilot, clock, "enter")
        assert "Forkert PIN (3). Næste forsøg om 5 sekunder" in dialog_text(app)
        await press(app, pilot, *"246810")
        await paced(app, pilot, clock, "enter")  # the right PIN, but too soon: not even checked
        assert app.is_running and "Vent 5 sekunder" in dialog_text(app)
        await paced(app, pilot, clock, "escape", "ctrl+q")  # closing and reopening does not reset it
        await press(app, pilot, *"246810")
        await paced(app, pilot, clock, "enter")
        assert app.is_running and isinstance(app.screen, PinPrompt)
        clock.advance(seconds=6)
        await press(app, pilot, *"000000")
        await paced(app, pilot, clock, "enter")
        assert "Næste forsøg om 10 sekunder" in dialog_text(app)  # the wait grows
        clock.advance(seconds=11)
        await press(app, pilot, *"246810")
        await paced(app, pilot, clock, "enter")
        assert not app.is_running
    journal = [r.getMessage() for r in caplog.records if r.name == "taelleuge"]
    assert sum("Forkert PIN" in m for m in journal) == 4
    assert sum("ventetid" in m for m in journal) == 2 and any("PIN korrekt" in m for m in journal)
    assert not [m for m in journal if any(pin in m for pin in ("246810", "111111", "999999"))]
