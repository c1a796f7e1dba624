"""Readable with a real package (issue 9 §2): KL's 2013 package at 80x24 and 60x20, names first,
KLE numbers on demand, today's count beside each task, the panel folding away, one-line "Gemt"."""

from __future__ import annotations

import re

import pytest

from tui.app import make_app
from tui.render import MIN_LABEL, fit_labels

from desk_support import paced, press, rows, screen_lines, text_of
from support import settle

CELL = re.compile(r" (\w) {2}(.+?) +(\d+|·)(?= |$)")


def task_cells(app) -> dict[str, tuple[str, str]]:
    """Key → (label, count) as the task list shows them."""
    lines = text_of(app, "#choices").splitlines()[1:]
    return {key: (label.strip(), count) for line in lines for key, label, count in CELL.findall(line)}


@pytest.mark.engines("sqlite")  # the screen alone: nothing in it depends on the engine
@pytest.mark.parametrize("size", [(80, 24), (60, 20)], ids=["80x24", "60x20"])
@pytest.mark.parametrize("console", [False, True], ids=["normal", "console"])
async def test_every_task_of_a_real_package_is_visible_and_distinguishable(kl2013, store, clock, size, console):
    unit = kl2013.units["259borgerservice"]
    app = make_app(kl2013, store, clock=clock, enhed=unit.code, console=console)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        cells = task_cells(app)
        assert sorted(cells) == sorted(key for key, _ in unit.keyed())  # all 34 keys on screen
        labels = [cells[key][0] for key, _ in unit.keyed()]
        assert len(set(labels)) == len(labels)
        for (key, item), label in zip(unit.keyed(), labels):
            name = getattr(item, "name")
            shown = label.removeprefix("» ")
            # Whole, or cut to at least MIN_LABEL characters with its start or its end visible.
            assert shown == name or (len(shown) >= MIN_LABEL and shown.endswith("…")
                                     and name.startswith(shown[:-1])) or (
                "…" in shown and name.startswith(shown.split("…")[0])
                and name.endswith(shown.split("…")[1])), (key, name, shown)
        # No visible label is the beginning of another one ("Boligsikrin…" next to "Boligsikring").
        stems = [label[:-1] for label in labels if label.endswith("…")]
        assert not [(s, o) for s in stems for o in labels if o.startswith(s) and not o.endswith("…")]
        # Nothing on screen is wider than the terminal.
        assert all(len(line) <= size[0] for line in screen_lines(app))


def test_cut_names_that_would_look_alike_keep_their_ends():
    names = ("Boligsikring", "Boligsikring, førtidspension", "Merudgifter børn", "Merudgifter voksne",
             "Pas", "Pas")
    labels = fit_labels(names, 11, ("32.06.08", "32.06.12", "32.18.04", "32.18.08", "23.09.02", "23.09.03"))
    assert labels[0] == "Boligsikri…" or labels[0] == "Bolig…kring"
    assert labels[1] == "Bolig…nsion"
    assert labels[2:4] == ("Merud…børn", "Merud…oksne")
    assert labels[4] != labels[5] and "09.02" in labels[4]
    assert len(set(labels)) == len(labels)


@pytest.mark.engines("sqlite")  # the screen alone: nothing in it depends on the engine
async def test_names_first_and_kle_numbers_on_demand(kl2013, store, clock):
    app = make_app(kl2013, store, clock=clock, enhed="259borgerservice")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert task_cells(app)["1"][0] == "Flytning"
        await press(app, pilot, "f4")
        assert task_cells(app)["1"][0] == "23.05.10 Flytning"
        await paced(app, pilot, clock, "f4", seconds=1)
        assert task_cells(app)["1"][0] == "Flytning"


async def test_each_task_shows_todays_count_beside_it(kl2013, store, clock):
    app = make_app(kl2013, store, clock=clock, enhed="259borgerservice")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert task_cells(app)["1"] == ("Flytning", "·")
        await press(app, pilot, "1", "o")
        clock.advance(seconds=3)
        await press(app, pilot, "plus", "3", "enter", "1", "s")
        await press(app, pilot, "w", "1", "i")  # Folkepension, in the group "Pension og tillæg"
        cells = task_cells(app)
        assert cells["1"] == ("Flytning", "4") and cells["2"] == ("Pas", "·")
        assert cells["w"] == ("» Pension og tillæg", "1")


async def test_counts_after_a_restart_come_from_the_database(kl2013, store, clock):
    app = make_app(kl2013, store, clock=clock, enhed="259borgerservice")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "2", "o")
    app = make_app(kl2013, store, clock=clock, enhed="259borgerservice")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert task_cells(app)["2"] == ("Pas", "1")


@pytest.mark.parametrize("size, folded", [((80, 24), True), ((99, 30), True), ((100, 30), False)])
async def test_the_panel_is_folded_below_100_columns_and_a_key_toggles_it(kiosk, size, folded):
    app = kiosk()
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        assert app.screen.folded is folded
        assert app.screen.query_one("#panel").display is not folded
        assert ("I dag 0" in text_of(app, "#header")) is folded  # the count stays in sight
        await press(app, pilot, "f3")
        assert app.screen.folded is not folded
        assert app.screen.query_one("#panel").display is folded


async def test_seneste_her_shows_time_name_type_hold_blanket_and_counts_entries(kiosk, store, clock):
    app = kiosk()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "plus", "1", "2", "enter", "1", "s")  # one entry of 12 rows
        for key in "23":
            clock.advance(seconds=60)
            await press(app, pilot, key, "h", "b", "i")
        panel = text_of(app, "#panel").splitlines()
        latest = panel[panel.index("Seneste her:") + 1:]
        assert latest[0].split() == ["10:32:00", "Kørekort", "INFO", "HOLD", "blanket"]
        assert latest[1].split() == ["10:31:00", "Pas", "INFO", "HOLD", "blanket"]
        assert latest[2].split() == ["10:30:00", "Flytning", "STATUS", "12", "stk."]
    # The same three entries when read back from the database (a batch is one entry, not 12 rows).
    app = make_app(app.config, store, clock=clock, enhed="999borgerservice")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        panel = text_of(app, "#panel").splitlines()
        latest = [line for line in panel[panel.index("Seneste her:") + 1:] if line.strip()]
        assert [line.split()[1] for line in latest] == ["Kørekort", "Pas", "Flytning"]
        assert latest[2].split()[-2:] == ["12", "stk."]
        assert len(rows(store.path)) == 14


async def test_the_gemt_line_fits_one_line_at_80_columns(kl2013, store, clock):
    app = make_app(kl2013, store, clock=clock, enhed="259borgerservice")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "plus", "2", "0", "enter", "8", "h", "b", "f")  # the longest name
        lines = text_of(app, "#message").splitlines()
        assert lines[0] == "Gemt kl. 10:30:00: 20 × 23.05.05 Navne- og adressebeskyttelse"
        assert lines[1] == "FEJL · PRSNLG · HOLD · blanket JA"
        clock.advance(seconds=5)
        await press(app, pilot, "2", "o")  # a short name: all of it on one line
        lines = text_of(app, "#message").splitlines()
        assert lines[0] == "Gemt kl. 10:30:05: 23.09.02 Pas · OPRET · PRSNLG · STRAKS · blanket NEJ"
        assert all(len(line) <= 78 for line in lines)
        assert len(rows(store.path)) == 21
