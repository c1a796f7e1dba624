"""Privacy at the edges a deployment touches: the config file and the CLI's --svar answers.

Tælleuge stores nothing about citizens: a config value that looks like a CPR number is refused,
naming the key, and local questions only take answers from their fixed list.
"""

from __future__ import annotations

import json
import tomllib
from datetime import date

import pytest

from storage.config import parse
from storage.errors import ConfigError

from taelleuge_harness import REGISTER, REPO, UNIT, cli_env, query, run_cli, write_config

QUESTION = "Taler borgeren dansk?"  # the demo's phone desk asks it
PHONE = "999telefon"
REGISTER_PHONE = ["registrer", "--enhed", PHONE, "--opgave", "23.05.10", "--kanal", "TLFIND", "--type", "OPRET"]


def demo_data() -> dict:
    data = tomllib.loads((REPO / "storage" / "demo.toml").read_text("utf-8"))
    data["taelleuge"] = [{"navn": "Uge", "fra": date(2026, 10, 19), "til": date(2026, 10, 25)}]
    return data


def _set(data: dict, key: str, value: str) -> None:
    if key == "kommunenavn":
        data["kommunenavn"] = value
    elif key == "enhed[0].navn":
        data["enhed"][0]["navn"] = value
    elif key == "enhed[0].opgaver[1].navn":
        data["enhed"][0]["opgaver"][1]["navn"] = value
    elif key == "enhed[1].spoergsmaal[0].svar[1]":
        data["enhed"][1]["spoergsmaal"][0]["svar"][1] = value
    elif key == "taelleuge[0].navn":
        data["taelleuge"][0]["navn"] = value
    else:
        raise AssertionError(key)


@pytest.mark.parametrize("key", ["kommunenavn", "enhed[0].navn", "enhed[0].opgaver[1].navn",
                                 "enhed[1].spoergsmaal[0].svar[1]", "taelleuge[0].navn"])
@pytest.mark.parametrize("cpr", ["010190-1234", "0101901234", "Hans 311299 1234"])
def test_a_cpr_like_config_value_is_refused_naming_the_key(key, cpr):
    data = demo_data()
    parse(data, "ok.toml")  # the control: the same data without the number is accepted
    _set(data, key, cpr)
    with pytest.raises(ConfigError) as raised:
        parse(data, "kommune.toml")
    assert raised.value.key == key
    assert f"kommune.toml: {key}" in str(raised.value) and "CPR-nummer" in str(raised.value)


def test_the_cli_refuses_a_config_file_with_a_cpr_number_and_writes_nothing(tmp_path):
    config = write_config(tmp_path / "config.toml")
    text = config.read_text("utf-8").replace('navn = "Borgerservice, skranken"',
                                              'navn = "Borgerservice 010190-1234"', 1)
    assert "010190-1234" in text
    config.write_text(text, "utf-8")
    db = tmp_path / "t.db"
    for command in (["init"], REGISTER, ["doctor"]):
        done = run_cli(command, cli_env(config, db))
        assert done.returncode == 1, command
        assert "enhed[0].navn" in done.stderr and "CPR-nummer" in done.stderr
        assert "Traceback" not in done.stderr
    assert not db.exists()


@pytest.fixture
def cli(tmp_path):
    config = write_config(tmp_path / "config.toml")
    db = tmp_path / "t.db"
    env = cli_env(config, db)
    assert run_cli(["init"], env).returncode == 0
    return db, env


@pytest.mark.parametrize("answer, problem", [
    (f"{QUESTION}=Måske", 'Svaret "Måske" er ikke en mulighed'),
    (f"{QUESTION}=010190-1234", "--svar ligner et CPR-nummer"),  # refused before it is even compared
    ("Hvad hedder borgeren?=Hans", 'Spørgsmålet "Hvad hedder borgeren?" findes ikke'),
    ("bare tekst", "SPØRGSMÅL=SVAR"),
])
def test_svar_outside_the_fixed_list_is_refused_and_nothing_is_written(cli, answer, problem):
    db, env = cli
    done = run_cli([*REGISTER_PHONE, "--svar", answer], env)
    assert done.returncode == 1
    assert problem in done.stderr and "Traceback" not in done.stderr
    assert "1234" not in done.stderr  # a CPR-like value is never quoted back
    assert query(db, "SELECT count(*) FROM registrations") == [(0,)]


def test_svar_from_the_fixed_list_is_saved_as_given(cli):
    db, env = cli
    done = run_cli([*REGISTER_PHONE, "--svar", f"{QUESTION}=Nej"], env)
    assert done.returncode == 0, done.stderr
    (answers,), = query(db, "SELECT answers FROM registrations WHERE enhed = ?", (PHONE,))
    assert json.loads(answers) == {QUESTION: "Nej"}
