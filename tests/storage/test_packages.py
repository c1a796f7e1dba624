"""Shared task packages ([[pakke]]): merging into a unit's list, overrides, and every refusal."""

from __future__ import annotations

import pytest

from storage import config as cfg
from storage.config import Group, Task
from storage.errors import ConfigError

HEAD = """
kommunenummer = 259
kommunenavn = "Køge"

[[pakke]]
navn = "borgerservice"
[[pakke.opgave]]
kle = "23.05.10"
navn = "Flytning"
[[pakke.opgave]]
kle = "23.09.02"
navn = "Pas"
[[pakke.opgave]]
gruppe = "Sundhed"
opgaver = [{ kle = "29.03.04", navn = "Sundhedskort" }, { kle = "29.03.12", navn = "Valg af læge" }]

[[pakke]]
navn = "ydelser"
opgaver = [{ kle = "32.06.04", navn = "Boligydelse" }]
"""


def unit(code: str, extra: str = "") -> str:
    return f"""
[[enhed]]
kode = "{code}"
navn = "En enhed"
kanal = "PRSNLG"
{extra}
"""


def load(write_toml, text: str) -> cfg.Config:
    return cfg.load(write_toml(text))


def refused(write_toml, text: str) -> ConfigError:
    path = write_toml(text)
    with pytest.raises(ConfigError) as raised:
        cfg.load(path)
    assert str(path) in str(raised.value)
    return raised.value


def test_units_share_a_package_in_the_order_named(write_toml):
    config = load(write_toml, HEAD + unit("259a", 'pakker = ["borgerservice", "ydelser"]')
                  + unit("259b", 'pakker = ["ydelser"]'))
    first = config.units["259a"]
    assert first.packages == ("borgerservice", "ydelser")
    assert first.package == (
        Task("23.05.10", "Flytning"), Task("23.09.02", "Pas"),
        Group("Sundhed", (Task("29.03.04", "Sundhedskort"), Task("29.03.12", "Valg af læge"))),
        Task("32.06.04", "Boligydelse"),
    )
    assert [k for k, _ in first.keyed()] == ["1", "2", "3", "4"]
    assert config.units["259b"].package == (Task("32.06.04", "Boligydelse"),)


def test_own_tasks_add_to_and_override_the_package_by_kle(write_toml):
    own = """pakker = ["borgerservice"]
opgaver = [
  { kle = "23.09.02", navn = "Pas og ID-kort" },
  { kle = "29.03.12", navn = "Lægevalg" },
  { gruppe = "Sundhed", opgaver = [{ kle = "29.03.99", navn = "EU-sygesikringskort" }] },
  { kle = "07.18.00", navn = "Affald" },
]"""
    config = load(write_toml, HEAD + unit("259a", own))
    assert config.units["259a"].package == (
        Task("23.05.10", "Flytning"), Task("23.09.02", "Pas og ID-kort"),
        Group("Sundhed", (Task("29.03.04", "Sundhedskort"), Task("29.03.12", "Lægevalg"),
                          Task("29.03.99", "EU-sygesikringskort"))),
        Task("07.18.00", "Affald"),
    )
    # The package itself is unchanged for the next unit.
    config = load(write_toml, HEAD + unit("259a", own) + unit("259b", 'pakker = ["borgerservice"]'))
    assert config.units["259b"].package[1] == Task("23.09.02", "Pas")


def test_a_unit_without_packages_still_needs_its_own_tasks(write_toml):
    error = refused(write_toml, HEAD + unit("259a"))
    assert error.key == "enhed[0].opgaver" and "tom" in error.problem


def test_unknown_package_names_the_unit_and_the_package(write_toml):
    error = refused(write_toml, HEAD + unit("259a", 'pakker = ["borgerservise"]'))
    assert error.key == "enhed[0].pakker[0]"
    assert '"259a"' in error.problem and '"borgerservise"' in error.problem
    assert '"borgerservice", "ydelser"' in error.problem


def test_duplicate_package_names_are_refused(write_toml):
    text = HEAD + '\n[[pakke]]\nnavn = "ydelser"\nopgaver = [{ kle = "32.09.00", navn = "Børnetilskud" }]\n'
    error = refused(write_toml, text + unit("259a", 'pakker = ["ydelser"]'))
    assert error.key == "pakke[2].navn" and '"ydelser"' in error.problem and "to gange" in error.problem


def test_a_package_named_twice_by_a_unit_is_refused(write_toml):
    error = refused(write_toml, HEAD + unit("259a", 'pakker = ["ydelser", "ydelser"]'))
    assert error.key == "enhed[0].pakker[1]" and '"259a"' in error.problem


def test_one_kle_in_two_packages_names_both(write_toml):
    text = HEAD + '\n[[pakke]]\nnavn = "flyt"\nopgaver = [{ kle = "23.05.10", navn = "Flytning" }]\n'
    error = refused(write_toml, text + unit("259a", 'pakker = ["borgerservice", "flyt"]'))
    assert '"259a"' in error.problem and "23.05.10" in error.problem
    assert '"borgerservice"' in error.problem and '"flyt"' in error.problem


def test_a_package_task_in_a_new_own_group_is_a_clash(write_toml):
    own = """pakker = ["borgerservice"]
opgaver = [{ gruppe = "Rejse", opgaver = [{ kle = "23.09.02", navn = "Pas" }] }]"""
    error = refused(write_toml, HEAD + unit("259a", own))
    assert error.key == "enhed[0].opgaver[0]"
    assert '"259a"' in error.problem and "23.09.02" in error.problem and '"borgerservice"' in error.problem


def test_a_merged_list_beyond_the_task_keys_is_refused(write_toml):
    # 22 of its own and the package's 3: one more than the 24 task keys of the built-in types.
    many = ", ".join(f'{{ kle = "40.{i:02d}.00", navn = "Opgave {i}" }}' for i in range(1, 23))
    own = f'pakker = ["borgerservice"]\nopgaver = [{many}]'
    error = refused(write_toml, HEAD + unit("259a", own))
    assert '"259a"' in error.problem and '"borgerservice"' in error.problem
    assert "25 punkter" in error.problem and "24 taster" in error.problem


def test_a_bad_task_in_a_package_names_the_package_entry(write_toml):
    text = HEAD.replace('kle = "23.09.02"', 'kle = "23.9.2"')
    error = refused(write_toml, text + unit("259a", 'pakker = ["borgerservice"]'))
    assert error.key == "pakke[0].opgave[1].kle"


def test_the_desk_and_the_exports_see_the_merged_list(write_toml):
    from datetime import date, datetime, timezone

    from storage import register_policy
    from storage.describe import task_name
    from storage.registration import new_entry

    config = load(write_toml, HEAD + unit("259a", 'pakker = ["borgerservice"]\nopgaver = [{ kle = "23.09.02", '
                                                  'navn = "Pas og ID-kort" }]'))
    assert task_name(config, "259a", "23.09.02") == "Pas og ID-kort"
    assert task_name(config, "259a", "29.03.12") == "Valg af læge"
    unit_ = config.units["259a"]
    assert register_policy.task_warnings(unit_, "29.03.12", None, date(2026, 10, 21)) == []
    assert register_policy.task_warnings(unit_, "32.06.04", None, date(2026, 10, 21)) != []
    entry = new_entry(config, enhed="259a", opgave="29.03.12", kanal="PRSNLG", type="OPRET",
                      end=datetime(2026, 10, 21, 8, 0, tzinfo=timezone.utc), trial=True)
    assert entry.opgave == "29.03.12"
