"""``fortryd``'s reason options and id, ``registreringer``'s bounds and an ISO week that does not
exist, through the real CLI in a subprocess."""

from __future__ import annotations

import pytest

from test_cli import Cli, assert_refused
from test_cli_console import BS, WEEK, seed


@pytest.fixture
def cli(tmp_path) -> Cli:
    cli = Cli(tmp_path)
    cli.init()
    return cli


def assert_usage(result, *fragments):
    """argparse refuses with exit 2 and a Danish message, never a traceback."""
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "fejl:" in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr


@pytest.mark.parametrize("option", ["--aarsag", "--grund"])
def test_fortryd_enhed_records_the_reason_given_in_either_form(cli, option):
    seed(cli, WEEK)
    result = cli("fortryd", "--enhed", BS, option, "dublet", "--ja")
    assert result.returncode == 0, result.stderr
    first = cli.rows("voids")
    assert first and {v["reason"] for v in first} == {"DUBLET"}  # the unit's latest batch
    default = cli("fortryd", "--enhed", BS, "--ja")
    assert default.returncode == 0, default.stderr
    assert {v["reason"] for v in cli.rows("voids")[len(first):]} == {"FORTRUDT"}


@pytest.mark.parametrize("option", ["--aarsag", "--grund"])
def test_fortryd_id_records_the_reason_given_in_either_form(cli, option):
    ids = seed(cli, WEEK)
    result = cli("fortryd", "--id", ids[2], option, "FEJLTASTNING", "--ja")
    assert result.returncode == 0, result.stderr
    assert [(v["registration_id"], v["reason"]) for v in cli.rows("voids")] == [(ids[2], "FEJLTASTNING")]


def test_fortryd_id_in_upper_case_is_the_same_id_and_an_empty_one_is_refused(cli):
    ids = seed(cli, WEEK)
    result = cli("fortryd", "--id", f" {ids[1].upper()} ", "--aarsag", "RETTELSE", "--ja")
    assert result.returncode == 0, result.stderr
    assert [v["registration_id"] for v in cli.rows("voids")] == [ids[1]]
    empty = cli("fortryd", "--id", "", "--aarsag", "RETTELSE", "--ja")
    assert_usage(empty, "angiv registreringens id")
    assert "sti" not in empty.stderr
    assert len(cli.rows("voids")) == 1


@pytest.mark.parametrize("option, value", [
    ("--antal", "99999999999999999999"), ("--antal", "0"), ("--antal", "-1"), ("--antal", "1001"),
    ("--foer", "99999999999999999999"), ("--foer", "0"), ("--foer", "9223372036854775808"),
])
def test_registreringer_bounds_its_numbers(cli, option, value):
    result = cli("registreringer", option, value)
    assert_usage(result, "skal være et helt tal fra 1 til")


def test_registreringer_takes_the_bounds_themselves(cli):
    seed(cli, WEEK)
    one = cli("registreringer", "--antal", "1", "--foer", "9223372036854775807")
    assert one.returncode == 0, one.stderr
    assert one.stdout.count("\n") == 4  # header, one row, "Flere", legend
    assert cli("registreringer", "--antal", "1000").returncode == 0


def test_a_week_the_year_does_not_have_is_named_so(cli):
    result = cli("status", "--uge", "2025-W53")
    assert_refused(result, 'Ugen "2025-W53" findes ikke: 2025 har uge 1-52')
    assert "skal skrives som" not in result.stderr
    assert cli("status", "--uge", "2026-W53").returncode == 0
