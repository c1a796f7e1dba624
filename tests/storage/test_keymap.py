"""Keys as config, codebook as data (issue 9 §5): [taster] is checked against the binding ids and
against the keys that tasks, types and answers use; each type's desk key comes from the codebook."""

from __future__ import annotations

import tomllib
from datetime import date
from importlib import resources

import pytest

from storage.codebook import load_builtin
from storage.config import parse
from storage.errors import ConfigError
from storage.keys import DEFAULT_KEYS, key_name


def demo(**changes) -> dict:
    data = tomllib.loads(resources.files("storage").joinpath("demo.toml").read_text("utf-8"))
    data["taelleuge"] = [{"navn": "Uge", "fra": date(2026, 10, 19), "til": date(2026, 10, 25)}]
    data.update(changes)
    return data


def refused(data: dict) -> ConfigError:
    with pytest.raises(ConfigError) as raised:
        parse(data, "k.toml")
    return raised.value


def test_builtin_types_have_mnemonic_letters():
    assert {code: t.key for code, t in load_builtin().types.items()} == {
        "OPRET": "o", "STATUS": "s", "INFO": "i", "VEJL": "v", "SLVBTJN": "d", "FEJL": "f"}


@pytest.mark.parametrize("taster, key, words", [
    ({"register.serach": "f9"}, "taster.register.serach", ["ukendt binding-id", "register.search"]),
    ({"register.search": "u"}, "taster.register.search", ['"u"', "vælger en opgave"]),
    ({"register.search": "7"}, "taster.register.search", ['"7"', "vælger en opgave"]),
    ({"register.channel": "0"}, "taster.register.channel", ['"0"']),
    ({"register.repeat": "o"}, "taster.register.repeat", ['"o"', "typetast for OPRET"]),
    ({"register.search": "f2"}, "taster.register.search", ['"f2"', "register.channel"]),
    ({"register.hold": "s"}, "taster.register.hold", ['"s"', "STATUS"]),
    ({"register.blanket": "3"}, "taster.register.blanket", ['"3"', "tallene"]),
    ({"confirm.yes": "enter"}, "taster.confirm.yes", ['"enter"', "kan ikke bekræfte"]),
    ({"confirm.yes": "1"}, "taster.confirm.yes", ['"1"']),
    ({"register.repeat": ""}, "taster", ["binding-id"]),
])
def test_a_keymap_that_would_steal_a_key_or_name_nothing_is_refused(taster, key, words):
    error = refused(demo(taster=taster))
    assert error.key == key
    for word in words:
        assert word in str(error)


def test_keys_may_be_written_as_characters_or_names():
    config = parse(demo(taster={"register.batch": "*", "register.search": "F9", "register.hold": "x"}), "k")
    assert config.keymap["register.search"] == "F9"
    assert key_name("*") == "asterisk" and key_name("+") == "plus" and key_name("F9") == "f9"
    assert set(DEFAULT_KEYS) >= {"register.repeat", "register.undo", "register.next", "confirm.yes"}


def test_a_type_key_must_be_one_letter_and_unique():
    error = refused(demo(type=[{"kode": "VEJL", "tast": "vv"}]))
    assert error.key == "type[0].tast" and "ét lille bogstav" in str(error)
    error = refused(demo(type=[{"kode": "VEJL", "tast": "2"}]))
    assert error.key == "type[0].tast"
    error = refused(demo(type=[{"kode": "KLAGE", "navn": "Klage", "klasse": "information", "tast": "o"}]))
    assert error.key == "type[0].tast" and '"o"' in str(error) and "OPRET" in str(error)
    error = refused(demo(type=[{"kode": "KLAGE", "navn": "Klage", "klasse": "information", "tast": "h"}]))
    assert '"h"' in str(error) and "KLAGE" in str(error)  # h is HOLD's key in step 2


def test_swapping_two_builtin_keys_is_allowed():
    config = parse(demo(type=[{"kode": "OPRET", "tast": "s"}, {"kode": "STATUS", "tast": "o"}]), "k")
    assert (config.codebook.types["OPRET"].key, config.codebook.types["STATUS"].key) == ("s", "o")


def test_a_new_type_without_a_key_gets_a_free_letter_of_its_code():
    config = parse(demo(type=[
        {"kode": "KLAGE", "navn": "Klage", "klasse": "information"},
        {"kode": "OPFOLG", "navn": "Opfølgning", "klasse": "transaktion"},
    ]), "k")
    keys = {code: t.key for code, t in config.codebook.types.items()}
    assert keys["KLAGE"] == "k" and keys["OPFOLG"] == "p"  # o is OPRET's
    assert len(set(keys.values())) == len(keys)
