"""Hostile configs: control, bidi and zero-width characters, CPR numbers written any way, unknown
codebook keys, nan/inf prices, '=' in a question, PIN hashes, TOML errors in Danish, deep nesting
and files that are not files. Each is refused with the file, the key and the problem."""

from __future__ import annotations

import os
import threading

import pytest

from storage import config as cfg
from storage import pin
from storage.errors import ConfigError

HEAD = 'kommunenummer = 259\nkommunenavn = "Køge"\n'
PIN_HASH = pin.hash_pin("123456", salt=b"0123456789abcdef")


def unit(navn="Borgerservice", opgaver=None, extra="", kode="259bs"):
    opgaver = opgaver or '[{ kle = "23.05.10", navn = "Flytning" }, { kle = "23.09.02", navn = "Pas" }]'
    return (f'\n[[enhed]]\nkode = "{kode}"\nnavn = "{navn}"\nkanal = "PRSNLG"\n'
            f'kanaler = ["PRSNLG", "TLFIND"]\nopgaver = {opgaver}\n{extra}')


def question(tekst="Taler borgeren dansk?", svar='["Ja", "Nej"]'):
    return f'\n[[enhed.spoergsmaal]]\ntekst = "{tekst}"\nsvar = {svar}\n'


def task(name):
    return f'[{{ kle = "23.05.10", navn = "{name}" }}]'


def coordinator(pin_line):
    return f'\n[koordinator]\npin = "{pin_line}"\n'


UNSAFE_VALUES = {
    "ESC/OSC title in kommunenavn": (HEAD.replace("Køge", r"K\u001b]0;hacked\u0007") + unit(),
                                     "kommunenavn", "U+001B (ESC)"),
    "clear screen in a unit name": (HEAD + unit(navn=r"Borgerservice\u001b[2J"), "enhed[0].navn", "U+001B"),
    "C1 CSI in a unit name": (HEAD + unit(navn=r"Borger\u009b2J"), "enhed[0].navn", "U+009B"),
    "bidi override in a task name": (HEAD + unit(opgaver=task(r"Pas\u202eesab")),
                                     "enhed[0].opgaver[0].navn", "RIGHT-TO-LEFT OVERRIDE"),
    "bidi isolate in a task name": (HEAD + unit(opgaver=task(r"Pas\u2067x\u2069")),
                                    "enhed[0].opgaver[0].navn", "RIGHT-TO-LEFT ISOLATE"),
    "zero-width space in an answer": (HEAD + unit(extra=question(svar=r'["Ja\u200b", "Nej"]')),
                                      "enhed[0].spoergsmaal[0].svar[0]", "ZERO WIDTH SPACE"),
    "line separator in a week name": (
        HEAD + unit() + '\n[[taelleuge]]\nnavn = "Uge\\u202843"\nfra = 2026-10-19\ntil = 2026-10-25\n',
        "taelleuge[0].navn", "LINE SEPARATOR"),
    "tab in a task name": (HEAD + unit(opgaver=task(r"Pas\tekstra")), "enhed[0].opgaver[0].navn", "tabulator"),
    "newline in a group name": (
        HEAD + unit(opgaver='[{ gruppe = "Pas\\nog kort", opgaver = [{ kle = "23.09.02", navn = "Pas" }] }]'),
        "enhed[0].opgaver[0].gruppe", "linjeskift"),
    "soft hyphen in a channel name": (
        HEAD + '\n[[kanal]]\nkode = "EMLIND"\nnavn = "E\\u00admail"\n' + unit(), "kanal[0].navn", "SOFT HYPHEN"),
    "BOM in a type description": (
        HEAD + '\n[[type]]\nkode = "OPRET"\nbeskrivelse = "Ny\\ufeffsag"\n' + unit(),
        "type[0].beskrivelse", "ZERO WIDTH NO-BREAK SPACE"),
    "escape in a keymap key": (HEAD + '\n[taster]\n"register\\u001b[2J" = "f5"\n' + unit(), "taster.register\\x1b[2J",
                               "nøglen indeholder tegnet U+001B"),
    "variation selector in a task name (CPR hidden)": (HEAD + unit(opgaver=task(r"0\ufe0f10190-1234")),
                                                       "enhed[0].opgaver[0].navn", "VARIATION SELECTOR-16"),
    "variation selector 17 in a unit name": (HEAD + unit(navn=r"Borger\U000e0100service"), "enhed[0].navn",
                                             "VARIATION SELECTOR-17"),
}

CPR_IN_CONFIG = {
    "en dash": "Flytning 010190\\u20131234",
    "NBSP": "Flytning 010190\\u00a01234",
    "dots": "Flytning 01.01.90-1234",
    "slashes": "Flytning 01/01/90 1234",
    "spaces around the dash": "Flytning 010190 - 1234",
    "full-width digits": "Flytning \\uff10\\uff11\\uff10\\uff11\\uff19\\uff10\\uff11\\uff12\\uff13\\uff14",
    "four-digit year": "Flytning 01011990-1234",
    "four-digit year, dashed": "Flytning 01-01-1990-1234",
    "pairs": "Flytning 01 01 90 12 34",
    "four separators": "Flytning 010190  -  1234",
    "colon": "Flytning 010190:1234",
    "combining mark": "Flytning 0\\u030110190-1234",
}

OTHER_BAD = {
    "unknown key in [[kanal]]": (HEAD + '\n[[kanal]]\nkode = "EMLIND"\nklase = "analog"\n' + unit(),
                                 "kanal[0].klase", "ukendt nøgle"),
    "unknown key in [[type]]": (HEAD + '\n[[type]]\nkode = "OPRET"\nbeskrivlse = "x"\n' + unit(),
                                "type[0].beskrivlse", "ukendt nøgle"),
    "unknown key in [[afslutning]]": (HEAD + '\n[[afslutning]]\nkode = "HOLD"\nnavm = "x"\n' + unit(),
                                      "afslutning[0].navm", "ukendt nøgle"),
    "unknown key in [[blanket]]": (HEAD + '\n[[blanket]]\nkode = "JA"\nnavn = "Ja"\nfarve = "rød"\n' + unit(),
                                   "blanket[0].farve", "ukendt nøgle"),
    "nan price": (HEAD + unit() + '\n[[pris]]\nkanal = "PRSNLG"\ntransaktion = nan\n', "pris[0].transaktion", "beløb"),
    "inf price": (HEAD + unit() + '\n[[pris]]\nkanal = "PRSNLG"\ninformation = inf\n', "pris[0].information", "beløb"),
    "-inf price": (HEAD + unit() + '\n[[pris]]\nkanal = "PRSNLG"\ninformation = -inf\n', "pris[0].information", "beløb"),
    "= in a question": (HEAD + unit(extra=question(tekst="Alder=65+?")), "enhed[0].spoergsmaal[0].tekst",
                        "må ikke indeholde ="),
    "formula as a unit code": (HEAD + unit(kode="=1+1"), "enhed[0].kode", "må ikke begynde med ="),
    "@ as a unit code": (HEAD + unit(kode="@SUM(A1)"), "enhed[0].kode", "må ikke begynde med @"),
    "the PIN itself": (HEAD + unit() + coordinator("123456"), "koordinator.pin", "aldrig selve PIN-koden"),
    "PIN hash with a billion iterations": (
        HEAD + unit() + coordinator(PIN_HASH.replace("$200000$", "$999999999$")), "koordinator.pin",
        f"mellem {pin.MIN_ITERATIONS} og {pin.MAX_ITERATIONS}"),
    "PIN hash with 1000 iterations": (HEAD + unit() + coordinator(PIN_HASH.replace("$200000$", "$1000$")),
                                      "koordinator.pin", "ikke 1000"),
    "PIN hash with text iterations": (HEAD + unit() + coordinator(PIN_HASH.replace("$200000$", "$mange$")),
                                      "koordinator.pin", "helt tal"),
    "PIN hash with a broken salt": (HEAD + unit() + coordinator(PIN_HASH.replace("$MDEy", "$!!!y")),
                                    "koordinator.pin", "base64"),
    "PIN hash cut short": (HEAD + unit() + coordinator(PIN_HASH[:-12]), "koordinator.pin", "forkert længde"),
    "PIN hash with five fields": (HEAD + unit() + coordinator(PIN_HASH + "$x"), "koordinator.pin",
                                  "hash-linjen fra 'taelleuge pin'"),
    "TOML error": (HEAD + "tidszone = \n" + unit(), "", "ikke gyldig TOML (linje 3, kolonne 12): ugyldig værdi"),
    "TOML error: missing =": (HEAD + "tidszone\n" + unit(), "", "(linje 3, kolonne 9): der mangler = efter nøglen"),
    "TOML error: unterminated string": (HEAD + 'tidszone = "Europe\n' + unit(), "",
                                        "(linje 3, kolonne 19): teksten mangler sit afsluttende anførselstegn"),
    "TOML error: key twice": (HEAD + 'kommunenavn = "Køge"\n' + unit(), "",
                              "(linje 3, kolonne 21): værdien er sat før"),
    "TOML error at the end": (HEAD + unit() + "x = [1, 2", "", "ikke gyldig TOML (sidst i filen): listen mangler"),
    "TOML error: escape character": (HEAD + "tidszone = \"a\x1bb\"\n" + unit(), "", "ulovligt tegn '\\x1b'"),
    "nested thousands deep": (HEAD + "x = " + "[" * 5000 + "]" * 5000 + "\n" + unit(), "",
                              "indlejret alt for dybt"),
    # Issue 12, second round: values that reach a spreadsheet, the raw-data header, the import.
    "formula as kommunenavn": (HEAD.replace("Køge", "=1+1") + unit(), "kommunenavn", "må ikke begynde med ="),
    "formula as an answer": (HEAD + unit(extra=question(svar='["=2+2", "Nej"]')), "enhed[0].spoergsmaal[0].svar[0]",
                             "må ikke begynde med ="),
    "HYPERLINK as a task name": (HEAD + unit(opgaver=task('=HYPERLINK(\\"http://x\\")')),
                                 "enhed[0].opgaver[0].navn", "må ikke begynde med ="),
    "plus as a unit name": (HEAD + unit(navn="+1+1"), "enhed[0].navn", "må ikke begynde med +"),
    "at sign as a question": (HEAD + unit(extra=question(tekst="@SUM(A1)")), "enhed[0].spoergsmaal[0].tekst",
                              "må ikke begynde med @"),
    "minus after spaces as a week name": (
        HEAD + unit() + '\n[[taelleuge]]\nnavn = "  -1+1"\nfra = 2026-10-19\ntil = 2026-10-25\n',
        "taelleuge[0].navn", "må ikke begynde med -"),
    "formula as a channel name": (HEAD + '\n[[kanal]]\nkode = "EMLIND"\nnavn = "=cmd|\' /C calc\'!A0"\n' + unit(),
                                  "kanal[0].navn", "må ikke begynde med ="),
    "a question named Dato": (HEAD + unit(extra=question(tekst="Dato")), "enhed[0].spoergsmaal[0].tekst",
                              "navnet på en fast kolonne"),
    "a question named kommune": (HEAD + unit(extra=question(tekst="kommune")), "enhed[0].spoergsmaal[0].tekst",
                                 "navnet på en fast kolonne"),
    "a question named like an upload column": (HEAD + unit(extra=question(tekst="KLE OPGAVE KODE")),
                                               "enhed[0].spoergsmaal[0].tekst", "navnet på en fast kolonne"),
    "NULL as a unit code": (HEAD + unit(kode="NULL"), "enhed[0].kode", "ingen enhed"),
    "null as a unit code": (HEAD + unit(kode="null"), "enhed[0].kode", "ingen enhed"),
    "#REF! as a unit code": (HEAD + unit(kode="#REF!"), "enhed[0].kode", "må kun have bogstaver"),
    "a unit code with a quote": (HEAD + unit(kode="259\\\"bs"), "enhed[0].kode", "må kun have bogstaver"),
    "a unit code over 100 characters": (HEAD + unit(kode="b" * 101), "enhed[0].kode", "højst 100"),
    "kommunenavn over 100 characters": (HEAD.replace("Køge", "K" * 101) + unit(), "kommunenavn", "højst 100"),
    "an answer over 100 characters": (HEAD + unit(extra=question(svar=f'["{"j" * 101}", "Nej"]')),
                                      "enhed[0].spoergsmaal[0].svar[0]", "højst 100"),
    "price 1e308": (HEAD + unit() + '\n[[pris]]\nkanal = "PRSNLG"\ntransaktion = 1e308\n', "pris[0].transaktion",
                    "fra 0 til 100.000"),
    "price 100001": (HEAD + unit() + '\n[[pris]]\nkanal = "PRSNLG"\ninformation = 100001\n',
                     "pris[0].information", "fra 0 til 100.000"),
    "TOML with CR-only line ends": ((HEAD + unit()).replace("\n", "\r"), "", "CR alene"),
    "TOML: two statements on a line": (HEAD + 'tidszone = "Europe/Copenhagen" x = 1\n' + unit(), "",
                                       "efter en værdi skal linjen slutte"),
    "a date-time for a date": (HEAD + unit() + '\n[[taelleuge]]\nnavn = "U"\nfra = 2026-10-19T10:00:00\n'
                               'til = 2026-10-25\n', "taelleuge[0].fra", "ikke tidspunktet 2026-10-19 10:00:00"),
    "a missing date": (HEAD + unit() + '\n[[taelleuge]]\nnavn = "U"\ntil = 2026-10-25\n', "taelleuge[0].fra",
                       "skal være en dato som 2026-10-19, mangler"),
    "text for true/false": (HEAD + unit(extra=question() + 'paakraevet = "ja"\n'),
                            "enhed[0].spoergsmaal[0].paakraevet", 'ikke "ja"'),
    "nested fifty deep": (HEAD + unit() + "\n[taster]\nx = " + "[" * 50 + "1" + "]" * 50 + "\n",
                          "taster.x", "indlejret for dybt"),
}


def check(write_toml, text, key, problem):
    path = write_toml(text)
    with pytest.raises(ConfigError) as raised:
        cfg.load(path)
    message = str(raised.value)
    assert message.startswith(f"Fejl i konfigurationen {path}")
    assert key in raised.value.key
    assert problem in message
    assert "\x1b" not in message and "\u202e" not in message  # quoted back safely, if at all
    return message


@pytest.mark.parametrize("text, key, problem", UNSAFE_VALUES.values(), ids=UNSAFE_VALUES.keys())
def test_control_bidi_and_invisible_characters_are_refused_naming_the_place(write_toml, text, key, problem):
    check(write_toml, text, key, problem)


@pytest.mark.parametrize("name", CPR_IN_CONFIG.values(), ids=CPR_IN_CONFIG.keys())
def test_cpr_numbers_written_any_way_are_refused(write_toml, name):
    message = check(write_toml, HEAD + unit(opgaver=task(name)), "enhed[0].opgaver[0].navn", "CPR-nummer")
    assert "1234" not in message


@pytest.mark.parametrize("text, key, problem", OTHER_BAD.values(), ids=OTHER_BAD.keys())
def test_other_bad_configs(write_toml, text, key, problem):
    check(write_toml, text, key, problem)


def test_a_valid_pin_hash_and_the_base_config_load(write_toml):
    config = cfg.load(write_toml(HEAD + unit(extra=question()) + coordinator(PIN_HASH)))
    assert config.pin_hash == PIN_HASH
    assert pin.check_pin("123456", config.pin_hash)
    assert not pin.check_pin("654321", config.pin_hash)


def test_check_pin_refuses_a_hash_that_would_take_minutes():
    slow = pin.hash_pin("123456", iterations=1000).replace("$1000$", "$999999999$")
    assert pin.check_pin("123456", slow) is False  # returns at once instead of computing


def test_a_non_utf8_config_is_refused_in_danish_with_its_place(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes(HEAD.encode("utf-8") + b'\n# kommentar\nx = "\xff"\n')
    with pytest.raises(ConfigError) as raised:
        cfg.load(path)
    assert "ikke gemt som UTF-8 (byte 0xFF på linje 5, kolonne 6)" in str(raised.value)


def test_a_directory_and_a_device_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="ikke en almindelig fil"):
        cfg.load(tmp_path)
    with pytest.raises(ConfigError, match="ikke en almindelig fil"):
        cfg.load("/dev/zero")


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "config.toml"
    os.mkfifo(fifo)
    outcome: list = []
    reader = threading.Thread(target=lambda: outcome.append(_load_error(fifo)), daemon=True)
    reader.start()
    reader.join(20)
    if reader.is_alive():  # unblock the old code's open() so the test process can end
        with open(fifo, "w"):
            pass
        reader.join(5)
        pytest.fail("loading a FIFO as the config waited for a writer")
    assert "ikke en almindelig fil" in outcome[0]


def _load_error(path) -> str:
    try:
        cfg.load(path)
    except ConfigError as error:
        return str(error)
    return "loaded"


def test_a_huge_config_is_refused(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(HEAD + unit() + "# " + "x" * (2 << 20) + "\n", "utf-8")
    with pytest.raises(ConfigError, match="for stor"):
        cfg.load(path)


def test_readable_values_never_show_python_reprs(write_toml):
    for text in (HEAD + unit() + '\n[[taelleuge]]\nnavn = "U"\nfra = 2026-10-19T10:00:00\ntil = 2026-10-25\n',
                 HEAD + unit() + '\n[[taelleuge]]\nnavn = "U"\ntil = 2026-10-25\n',
                 'kommunenavn = "Køge"\n' + unit()):
        with pytest.raises(ConfigError) as raised:
            cfg.load(write_toml(text))
        assert "datetime" not in str(raised.value) and "None" not in str(raised.value)


def test_a_utf8_config_with_a_byte_order_mark_loads(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes(b"\xef\xbb\xbf" + (HEAD + unit()).encode("utf-8"))
    assert cfg.load(path).kommune_navn == "Køge"


def test_unit_codes_with_danish_letters_and_safe_punctuation_and_safe_texts_load(write_toml):
    text = (HEAD + unit(kode="259.borger-service_øst", extra=question(tekst="Alder 65+?", svar='["Ja", "Nej - ikke"]'))
            + '\n[[pris]]\nkanal = "PRSNLG"\ntransaktion = 100000\n')
    config = cfg.load(write_toml(text))
    assert "259.borger-service_øst" in config.units
    assert config.prices[("PRSNLG", "transaktion")] == 100000


def test_the_fixed_column_names_are_those_of_both_layouts():
    from exports import layouts

    assert set(cfg.FIXED_COLUMNS) == set(layouts.RAADATA_COLUMNS) | set(layouts.UPLOAD_COLUMNS)
