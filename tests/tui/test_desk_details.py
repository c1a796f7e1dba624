"""The codebook as data at the desk, the README's commands, and the smaller defects (issue 9 §5-6):
extra types, footer and help wording, the search dialog, the locked unit picker, the demo's week
over midnight, ``taelleuge --enhed`` without a subcommand."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timezone

import pytest

from storage.config import parse
from tui.app import make_app
from tui.screens.dialogs import Help, TaskSearch, UnitPicker
from tui.screens.register import RegisterScreen

from desk_support import SIZE, dialog_text, kl2013_data, paced, press, rows, screen_lines, text_of
from support import REPO, settle

EXTRA_TYPES = [
    {"kode": "KLAGE", "navn": "Klage", "klasse": "information"},
    {"kode": "AKTIND", "navn": "Aktindsigt", "klasse": "information", "tast": "a"},
    {"kode": "PARTSH", "navn": "Partshøring", "klasse": "transaktion"},
    {"kode": "RYKKER", "navn": "Rykker", "klasse": "information"},
]


def extra_types_config():
    data = kl2013_data()
    data["type"] = EXTRA_TYPES
    # Four more type letters leave 20 task keys (1-9 and the free letters): a package that
    # filled all 24 is refused with that count, so this one keeps its first 20 items.
    data["enhed"][0]["opgaver"] = data["enhed"][0]["opgaver"][:20]
    return parse(data, "typer.toml")


@pytest.mark.parametrize("size", [(80, 24), (60, 20)], ids=["80x24", "60x20"])
async def test_every_type_of_the_codebook_can_be_entered_at_the_desk(store, clock, size):
    config = extra_types_config()
    keys = {code: t.key for code, t in config.codebook.types.items()}
    assert len(keys) == 10 and (keys["KLAGE"], keys["AKTIND"], keys["PARTSH"], keys["RYKKER"]) == (
        "k", "a", "p", "r")
    app = make_app(config, store, clock=clock, enhed="259borgerservice")
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "2")
        choices = text_of(app, "#choices")
        for code, key in keys.items():
            assert f" {key}  {code}" in choices, code  # on screen, none left out
        assert "k/a/p/r" in text_of(app, "#message")
        await press(app, pilot, "r")
        await press(app, pilot, "f1")
        assert " r  RYKKER" in dialog_text(app)
    assert [(r["opgave"], r["type"]) for r in rows(store.path)] == [("23.09.02", "RYKKER")]


@pytest.mark.engines("sqlite")  # the screen alone: nothing in it depends on the engine
async def test_footer_uses_the_words_of_the_help_and_shows_ctrl_r_when_it_can_act(kiosk, clock):
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        footer = {k.key_display: k.description for k in app.screen.query("FooterKey")}
        assert footer["Ctrl+U"] == "Annullér" and footer["Ctrl+Q"] == "Afslut"
        assert footer["Esc"] == "Ryd" and footer["Enter"] == "Gentag" and footer["F2"] == "Kanal"
        assert not [k for k in footer if "^" in k]
        assert screen_lines(app)[-1].rstrip().endswith("F3 Tal")  # the whole footer fits 80 columns
        await press(app, pilot, "1", "o", "ctrl+u")
        await paced(app, pilot, clock, "enter", "j")
        footer = {k.key_display: k.description for k in app.screen.query("FooterKey")}
        assert footer["Ctrl+R"] == "Genskab"  # something to bring back: the key says so


@pytest.mark.engines("sqlite")  # the screen alone: nothing in it depends on the engine
async def test_help_lists_the_keys_and_its_lines_fit_the_dialog(kiosk):
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "f1")
        assert isinstance(app.screen, Help)
        text = dialog_text(app)
        assert "Ctrl+U" in text and "annullér" in text and "Tab" in text and "samme borger" in text
        assert " o s i v d f " in text
        body = app.screen.query_one(".help Static")
        assert max(len(line) for line in str(body.render()).splitlines()) <= body.content_size.width


@pytest.mark.engines("sqlite")  # the screen alone: nothing in it depends on the engine
@pytest.mark.parametrize("size", [(80, 24), (60, 20)], ids=["80x24", "60x20"])
@pytest.mark.parametrize("console", [False, True], ids=["normal", "console"])
async def test_search_shows_its_hint_and_says_when_nothing_matches(kiosk, size, console):
    app = kiosk(console=console)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "slash")
        assert isinstance(app.screen, TaskSearch)
        screen = " ".join(" ".join(line.split()) for line in screen_lines(app))
        assert "Esc = tilbage" in screen and "Skriv navn eller KLE-nummer" in screen
        await press(app, pilot, *"pas")
        screen = " ".join(" ".join(line.split()) for line in screen_lines(app))
        assert "Esc = tilbage" in screen and "Enter = brug opgaven" in screen
        await press(app, pilot, *["backspace"] * 3, *"xyz")
        screen = " ".join(" ".join(line.split()) for line in screen_lines(app))
        assert 'Ingen opgave passer til "xyz"' in screen


@pytest.mark.engines("sqlite")  # the screen alone: nothing in it depends on the engine
async def test_the_locked_unit_picker_does_not_offer_esc(config, store, clock):
    app = make_app(config, store, clock=clock, enhed=None, locked=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, UnitPicker) and "Esc" not in dialog_text(app)
        await paced(app, pilot, clock, "escape")
        assert isinstance(app.screen, UnitPicker) and app.is_running
        await paced(app, pilot, clock, "1")
        assert isinstance(app.screen, RegisterScreen)


@pytest.mark.engines("sqlite")  # the screen alone: nothing in it depends on the engine
async def test_the_open_unit_picker_leaves_with_esc_as_it_says(config, store, clock):
    app = make_app(config, store, clock=clock, enhed=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert "Esc = afslut" in dialog_text(app)
        await paced(app, pilot, clock, "escape")
        assert not app.is_running


async def test_the_demo_moves_on_to_the_new_week_at_midnight_sunday(store, clock):
    from storage import settings

    clock.moment = datetime(2026, 10, 25, 22, 58, tzinfo=timezone.utc)  # Sunday 23:58 in Copenhagen
    config = settings.demo_config(clock().date())
    app = make_app(config, store, clock=clock, enhed="999borgerservice")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert "2026-W43" in text_of(app, "#header")
        await press(app, pilot, "1", "o")
        clock.advance(minutes=4)  # Monday 00:02
        await press(app, pilot, "2", "o")
        assert [r["trial"] for r in rows(store.path)] == [0, 0]
        assert "2026-W44" in text_of(app, "#header") and "PRØVE" not in text_of(app, "#header")


@pytest.mark.parametrize("argv", [["--enhed", "nope"], ["--console-mode", "--enhed", "nope"],
                                  ["--enhed", "nope", "kiosk"], ["kiosk", "--enhed", "nope"]])
def test_the_screens_options_work_without_a_subcommand(argv, tmp_path):
    """The README's first commands: argparse takes the options; the unknown unit is refused in
    Danish with the known ones, before any screen is drawn."""
    config = REPO / "tests" / "fixtures" / "kl2013.toml"
    done = subprocess.run([sys.executable, "-m", "tui", *argv, "--db", str(tmp_path / "t.db"),
                           "--config", str(config)],
                          cwd=REPO, capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
                               "XDG_DATA_HOME": str(tmp_path / "data")})
    assert done.returncode == 1, done.stderr
    assert 'Enheden "nope" er ukendt. Kendte enheder: 259borgerservice, 259telefon' in done.stderr
    assert "usage" not in done.stderr and "Traceback" not in done.stderr


def test_init_says_one_unit_and_one_week_in_danish(tmp_path):
    data = (REPO / "tests" / "fixtures" / "kl2013.toml").read_text("utf-8")
    one_unit = data[:data.index('[[enhed]]\nkode = "259telefon"')]
    config = tmp_path / "one.toml"
    config.write_text(one_unit + '\n[[taelleuge]]\nnavn = "Uge"\nfra = 2026-10-19\ntil = 2026-10-25\n', "utf-8")
    done = subprocess.run([sys.executable, "-m", "tui", "init", "--config", str(config), "--db",
                           str(tmp_path / "t.db")], cwd=REPO, capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert "(1 enhed, 1 tælleuge)" in done.stdout
