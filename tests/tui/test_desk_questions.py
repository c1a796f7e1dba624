"""Local questions at the desk (issue 9 §3): asked after the type, one key per answer, required or
skippable per question; the answers reach the database, the confirmation line and the export."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from storage.config import parse
from storage.errors import ConfigError
from tui.app import make_app

from desk_support import KL2013, SIZE, kl2013_data, press, rows, text_of
from support import REPO, settle

PHONE = "259telefon"  # "Taler borgeren dansk?" (required), then "Alder" (0 = skip)
DANSK = "Taler borgeren dansk?"


def answers(db_path) -> list[dict]:
    return [json.loads(r["answers"]) for r in rows(db_path)]


async def test_required_then_skippable_question(kl2013, store, clock):
    app = make_app(kl2013, store, clock=clock, enhed=PHONE)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "1", "o")
        choices = text_of(app, "#choices")
        assert "Spørgsmål 1 af 2: Taler borgeren dansk?" in choices
        assert " 1  Ja" in choices and " 2  Nej" in choices and "spring over" not in choices
        await press(app, pilot, "0")  # required: 0 does not skip it
        assert "skal besvares" in text_of(app, "#message") and rows(store.path) == []
        await press(app, pilot, "3")  # there is no third answer
        assert "ingen svar 3" in text_of(app, "#message") and rows(store.path) == []
        await press(app, pilot, "2")
        choices = text_of(app, "#choices")
        assert "Spørgsmål 2 af 2: Alder" in choices and " 0  spring over" in choices
        assert rows(store.path) == []
        await press(app, pilot, "0")
        assert answers(store.path) == [{DANSK: "Nej"}]
        message = text_of(app, "#message")
        assert "Gemt" in message and f"Svar: {DANSK} Nej" in message


async def test_every_question_answered(kl2013, store, clock):
    app = make_app(kl2013, store, clock=clock, enhed=PHONE)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "2", "s", "1", "3")
        assert answers(store.path) == [{DANSK: "Ja", "Alder": "Ukendt"}]
        assert "Alder Ukendt" in text_of(app, "#message")


async def test_escape_during_the_questions_saves_nothing(kl2013, store, clock):
    app = make_app(kl2013, store, clock=clock, enhed=PHONE)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "1", "o", "1", "escape")
        assert rows(store.path) == [] and app.screen.state.is_empty


async def test_a_unit_without_questions_saves_on_the_type_key(kl2013, store, clock):
    app = make_app(kl2013, store, clock=clock, enhed="259borgerservice")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "1", "o")
        assert answers(store.path) == [{}]


def test_paakraevet_must_be_true_or_false():
    data = kl2013_data()
    data["enhed"][1]["spoergsmaal"][1]["paakraevet"] = "nej"
    with pytest.raises(ConfigError) as raised:
        parse(data, "k.toml")
    assert raised.value.key == "enhed[1].spoergsmaal[1].paakraevet"
    questions = parse(kl2013_data(), "k.toml").units[PHONE].questions
    assert [q.required for q in questions] == [True, False]  # true unless set to false


async def test_answers_given_at_the_desk_are_in_the_export(kl2013, store, clock, tmp_path):
    app = make_app(kl2013, store, clock=clock, enhed=PHONE)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "1", "o", "1", "2")
        clock.advance(seconds=5)
        await press(app, pilot, "3", "v", "2", "0")
    config = tmp_path / "config.toml"
    config.write_text(KL2013.read_text("utf-8")
                      + '\n[[taelleuge]]\nnavn = "Uge 43"\nfra = 2026-10-19\ntil = 2026-10-25\n', "utf-8")
    out = tmp_path / "raadata.csv"
    done = subprocess.run(
        [sys.executable, "-m", "tui", "eksport", "landkort", "--uge", "2026-W43", "--format", "raadata",
         "--tegnsaet", "utf-8", "--ud", str(out), "--stille", "--config", str(config), "--db", str(store.path)],
        cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = out.read_text("utf-8").splitlines()
    header = lines[0].split(";")
    assert header[-3:] == [DANSK, "Alder", ""]
    fields = [line.split(";") for line in lines[1:]]
    assert [(f[3], f[-3], f[-2]) for f in fields] == [("23.05.10", "Ja", "Over 65"), ("32.03.04", "Nej", "")]
