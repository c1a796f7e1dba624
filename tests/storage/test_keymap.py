"""Keys as config, codebook as data (issue 9 §5, issue 10 E): [taster] is checked against the
binding ids, Textual's key names, the keys that tasks, types and answers use, and every other
binding active in the same place; each type's desk key comes from the codebook, and the task keys
are what the types and HOLD/blanket leave."""

from __future__ import annotations

import tomllib
from datetime import date
from importlib import resources

import pytest

from storage.codebook import load_builtin
from storage.config import parse
from storage.errors import ConfigError
from storage.keys import DEFAULT_KEYS, NAMED_KEYS, PLACES, key_char, key_name, task_keys


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
    # issue 10 E: each of these loaded before
    ({"confirm.yes": "escape"}, "taster.confirm.yes", ['"escape"', "kan ikke bekræfte"]),
    ({"register.repeat": "f5", "confirm.yes": "f5"}, "taster.confirm.yes", ['"f5"', "register.repeat"]),
    ({"confirm.yes": "h"}, "taster.confirm.yes", ['"h"', "register.hold"]),
    ({"register.cancel": "esc"}, "taster.register.cancel", ['"esc"', "escape"]),
    ({"register.search": "banana"}, "taster.register.search", ['"banana"', "ikke et tastnavn"]),
    ({"register.search": "alt+s"}, "taster.register.search", ['"alt+s"', "Esc"]),
    ({"register.search": "ctrl+m"}, "taster.register.search", ['"ctrl+m"', "enter"]),
    ({"register.hold": "X"}, "taster.register.hold", ['"X"', "lille"]),
    ({"pin.cancel": "enter"}, "taster.pin.cancel", ['"enter"', "PIN-koden"]),
    ({"recent.void": "escape"}, "taster.recent.void", ['"escape"', "recent.cancel", "listen over seneste"]),
    ({"dialog.cancel": "1"}, "taster.dialog.cancel", ['"1"', "kanal- og enhedsvalget"]),
    ({"search.cancel": "q"}, "taster.search.cancel", ['"q"', "skrives i feltet"]),
    ({"help.close": "down"}, "taster.help.close", ['"down"', "hjælpen"]),
    ({"app.quit": "escape"}, "taster.app.quit", ['"escape"']),
])
def test_a_keymap_that_would_steal_a_key_or_name_nothing_is_refused(taster, key, words):
    error = refused(demo(taster=taster))
    assert error.key == key
    for word in words:
        assert word in str(error)


def test_keys_may_be_written_as_characters_or_names():
    config = parse(demo(taster={"register.batch": "*", "register.search": "F9", "register.hold": "x",
                                "register.help": "]"}), "k")
    # Stored in Textual's names: the app's keymap and the screen's own key table agree.
    assert config.keymap["register.search"] == "f9" and config.keymap["register.help"] == "right_square_bracket"
    assert key_name("*") == "asterisk" and key_name("+") == "plus" and key_name("F9") == "f9"
    assert key_char("right_square_bracket") == "]" and key_char("at") == "@" and key_char("f9") is None
    assert set(DEFAULT_KEYS) >= {"register.repeat", "register.undo", "register.next", "confirm.yes"}


def test_task_keys_are_what_the_types_hold_blanket_and_the_dialog_answers_leave():
    """Trial: five of the six type letters were also task keys, so a held or bounced type key
    started the next entry; second trial: j, y and n answered "Gem den igen?" for the next
    citizen. Now no type letter, nor h, b, j, y or n, is ever a task key."""
    assert task_keys("osivdf") == "123456789acegklmpqrtuwxz"  # 24 keys
    config = parse(demo(), "k")
    assert config.units["999borgerservice"].keys == "123456789acegklmpqrtuwxz"
    # A configured confirm key is taken out too; the default it replaces comes back.
    config = parse(demo(taster={"confirm.yes": "z"}), "k")
    keys = config.units["999borgerservice"].keys
    assert "z" not in keys and "j" in keys and "y" in keys and "n" not in keys
    # Another letter for HOLD frees h; a new type takes its letter away.
    config = parse(demo(taster={"register.hold": "x"},
                        type=[{"kode": "KLAGE", "navn": "Klage", "klasse": "information"}]), "k")
    keys = config.units["999borgerservice"].keys
    assert "h" in keys and "x" not in keys and "k" not in keys and len(keys) == 23


def test_new_types_without_a_key_never_get_a_reserved_letter():
    """JOURNAL and YDERLIG were refused with a confusing "taster.confirm.yes" error: their first
    letters j and y answer "Gem den igen?"."""
    config = parse(demo(type=[{"kode": "JOURNAL", "navn": "Journal", "klasse": "information"},
                              {"kode": "YDERLIG", "navn": "Yderligere", "klasse": "information"},
                              {"kode": "HENVIS", "navn": "Henvisning", "klasse": "information"},
                              {"kode": "BREV", "navn": "Brev", "klasse": "information"}]), "k")
    keys = {code: t.key for code, t in config.codebook.types.items()}
    assert (keys["JOURNAL"], keys["YDERLIG"], keys["HENVIS"], keys["BREV"]) == ("u", "e", "a", "r")
    assert not {keys[c] for c in ("JOURNAL", "YDERLIG", "HENVIS", "BREV")} & set("jyhbn")
    assert len(set(keys.values())) == len(keys)


def test_a_type_on_the_yes_key_is_named_at_the_type():
    error = refused(demo(type=[{"kode": "JOURNAL", "navn": "Journal", "klasse": "information", "tast": "j"}]))
    assert error.key == "type JOURNAL.tast" and '"j"' in str(error) and "confirm.yes" in str(error)


def test_the_key_lists_agree_with_textual():
    """storage never imports Textual: its lists of key names and of the keys Textual's widgets
    use by themselves are copies, checked here against the real thing."""
    import string

    from textual.containers import VerticalScroll
    from textual.keys import Keys, _character_to_key
    from textual.widgets import Input, OptionList

    assert NAMED_KEYS <= {k.value for k in Keys} | {"space", "shift+escape"}
    for char in string.printable.strip():
        assert key_name(char) == _character_to_key(char), char

    def bound(widget) -> set[str]:
        return {k for b in widget.BINDINGS for k in (b.key if hasattr(b, "key") else b[0]).split(",")}

    taken = {place: set(spec["taken"]) for place, spec in PLACES.items()}
    assert bound(Input) - {"alt+backspace", "super+backspace", "super+c"} <= taken["søgningen"]
    assert bound(Input) - {"alt+backspace", "super+backspace", "super+c"} <= taken["PIN-koden"]
    assert bound(OptionList) - {"enter"} <= taken["listen over seneste"]
    assert bound(VerticalScroll) - {"left", "right", "ctrl+pageup", "ctrl+pagedown"} <= taken["hjælpen"]


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
