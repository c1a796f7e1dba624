"""Who may register what from the command line: own unit for staff, any for the coordinator; the
past 14 days for staff, the configured count weeks for the coordinator; never the future; task
numbers outside the package warn, and are refused when the KLE file does not know them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from storage import config as cfg
from storage import register_policy as policy
from storage.errors import Refusal
from storage.kle import KleCatalogue, KleEntry

CONFIG = """
kommunenummer = 259
kommunenavn = "Køge"

[[enhed]]
kode = "259bs"
navn = "Borgerservice"
kanal = "PRSNLG"
brugere = ["anne"]
opgaver = [{ kle = "23.05.10", navn = "Flytning" }, { kle = "15.20", navn = "Gruppeniveau" }]

[[enhed]]
kode = "259tlf"
navn = "Telefon"
kanal = "TLFIND"
brugere = ["bo"]
opgaver = [{ kle = "29.03.04", navn = "Sundhedskort" }]

[[taelleuge]]
navn = "Uge 43"
fra = 2026-10-19
til = 2026-10-25
"""
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, "utf-8")
    return cfg.load(path)


def test_staff_register_for_their_own_unit_only(config):
    assert policy.check_unit(config, "259bs", "anne", coordinator=False).code == "259bs"
    with pytest.raises(Refusal, match="anne hører til 259bs og kan kun registrere for den enhed, ikke for 259tlf"):
        policy.check_unit(config, "259tlf", "anne", coordinator=False)
    with pytest.raises(Refusal, match="carl er ikke knyttet til en enhed"):
        policy.check_unit(config, "259bs", "carl", coordinator=False)


def test_the_coordinator_registers_for_any_unit(config):
    assert policy.check_unit(config, "259tlf", "anne", coordinator=True).code == "259tlf"
    assert policy.check_unit(config, "259bs", "carl", coordinator=True).code == "259bs"


def test_without_any_user_mapping_nobody_is_bound_to_a_unit(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(CONFIG.replace('brugere = ["anne"]\n', "").replace('brugere = ["bo"]\n', ""), "utf-8")
    config = cfg.load(path)
    assert policy.check_unit(config, "259tlf", "carl", coordinator=False).code == "259tlf"


def test_an_unknown_unit_is_refused_with_the_known_ones(config):
    with pytest.raises(Refusal, match="259bs, 259tlf"):
        policy.check_unit(config, "259xx", "anne", coordinator=True)


@pytest.mark.parametrize("coordinator", [False, True])
def test_nobody_registers_in_the_future(config, coordinator):
    with pytest.raises(Refusal, match="ligger i fremtiden"):
        policy.check_time(config, NOW + timedelta(minutes=1), NOW, coordinator=coordinator)
    policy.check_time(config, NOW, NOW, coordinator=coordinator)


def test_staff_go_back_fourteen_days(config):
    policy.check_time(config, NOW - timedelta(days=14), NOW, coordinator=False)
    with pytest.raises(Refusal, match="mere end 14 dage tilbage"):
        policy.check_time(config, NOW - timedelta(days=14, minutes=1), NOW, coordinator=False)
    with pytest.raises(Refusal, match="kun tovholderen"):
        policy.check_time(config, datetime(2026, 10, 21, 9, tzinfo=timezone.utc), NOW, coordinator=False)


def test_the_coordinator_goes_back_into_the_count_weeks(config):
    policy.check_time(config, datetime(2026, 10, 21, 9, tzinfo=timezone.utc), NOW, coordinator=True)
    with pytest.raises(Refusal, match="uden for tælleugerne"):
        policy.check_time(config, datetime(2026, 10, 1, 9, tzinfo=timezone.utc), NOW, coordinator=True)


def catalogue() -> KleCatalogue:
    return KleCatalogue({"23.05.10": KleEntry("23.05.10", "Flytning", None),
                         "15.20": KleEntry("15.20", "Gruppe", None),
                         "02.00.20": KleEntry("02.00.20", "BBR", None)}, "2026-08-01")


def test_task_numbers(config):
    unit = config.unit("259bs")
    day = NOW.date()
    assert policy.task_warnings(unit, "23.05.10", catalogue(), day) == []
    assert policy.task_warnings(unit, "15.20.00", catalogue(), day) == []  # group level: its group
    assert policy.task_warnings(unit, "02.00.20", catalogue(), day) == [
        "KLE-nummeret 02.00.20 er ikke i 259bss opgavepakke."]
    assert policy.task_warnings(unit, "02.00.20", None, day) == [
        "KLE-nummeret 02.00.20 er ikke i 259bss opgavepakke."]
    with pytest.raises(Refusal, match="99.99.99 findes ikke i KLE-filen"):
        policy.task_warnings(unit, "99.99.99", catalogue(), day)
