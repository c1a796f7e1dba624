"""The report's config keys: unit codes with æøå, a unit's count weeks (``taelleuger``) and
responsible role (``ansvarlig``), ``[[afdeling]]`` and ``[[kanalpolitik]]``, and their refusals."""

from __future__ import annotations

import pytest

from storage import config as cfg
from storage.errors import ConfigError

HEAD = 'kommunenummer = 259\nkommunenavn = "Køge"\n'
WEEKS = ('\n[[taelleuge]]\nnavn = "Uge 43"\nfra = 2026-10-19\ntil = 2026-10-25\n'
         '\n[[taelleuge]]\nnavn = "Uge 44"\nfra = 2026-10-26\ntil = 2026-11-01\n')


def unit(kode="259bs", extra=""):
    return (f'\n[[enhed]]\nkode = "{kode}"\nnavn = "Enhed {kode}"\nkanal = "PRSNLG"\n'
            f'opgaver = [{{ kle = "23.05.10", navn = "Flytning" }}]\n{extra}')


def full() -> str:
    return (HEAD + unit("259økonomi", 'taelleuger = ["Uge 44"]\nansvarlig = "Teamleder, Økonomi"\n')
            + unit("259hjælpemidler") + unit("259skranke") + WEEKS
            + '\n[[afdeling]]\nnavn = "Social og Sundhed"\nenheder = ["259økonomi", "259hjælpemidler"]\n'
            + '\n[[kanalpolitik]]\ntypeklasse = "transaktion"\nprimaer = ["SLVBTJN"]\n'
              'sekundaer = ["TLFIND"]\nuoensket = ["PRSNLG", "PPRIND"]\n'
            + '\n[[kanalpolitik]]\ntype = "STATUS"\nprimaer = ["SLVBTJN", "TLFIND"]\n'
              'uoensket = ["PPRIND"]\n')


def test_the_report_keys_load(write_toml):
    config = cfg.load(write_toml(full()))
    assert list(config.units) == ["259økonomi", "259hjælpemidler", "259skranke"]
    money = config.units["259økonomi"]
    assert money.count_weeks == ("Uge 44",) and money.responsible == "Teamleder, Økonomi"
    assert [w.name for w in config.unit_weeks("259økonomi")] == ["Uge 44"]
    assert [w.name for w in config.unit_weeks("259skranke")] == ["Uge 43", "Uge 44"]  # default
    assert [w.name for w in config.unit_weeks("")] == ["Uge 43", "Uge 44"]  # imported, no unit
    assert config.units["259skranke"].responsible is None
    assert config.department_of("259hjælpemidler") == "Social og Sundhed"
    assert config.department_of("259skranke") is None
    policy = config.channel_policy
    # the type's own rule first, then its class's; a channel no rule names has no level
    assert policy.level("STATUS", "transaktion", "TLFIND") == "primaer"
    assert policy.level("STATUS", "transaktion", "PRSNLG") is None
    assert policy.level("OPRET", "transaktion", "PRSNLG") == "uoensket"
    assert policy.level("VEJL", "information", "PRSNLG") is None


def test_unit_codes_with_aeoeaa_are_accepted_everywhere_a_code_is(write_toml):
    config = cfg.load(write_toml(HEAD + unit("259ÆØÅæøå")))
    assert config.unit("259ÆØÅæøå").code == "259ÆØÅæøå"


REFUSED = {
    "a unit code with a space": (HEAD + unit("259 økonomi"), "enhed[0].kode", "mellemrum"),
    "a unit code with ;": (HEAD + unit("259a;b"), "enhed[0].kode", 'ikke ";"'),
    "a unit code with ü": (HEAD + unit("259müll"), "enhed[0].kode", 'ikke "ü"'),
    "a unit code with a formula lead": (HEAD + unit("=259"), "enhed[0].kode", "må ikke begynde med ="),
    "a unit code with a bidi override": (HEAD + unit("259\\u202eø"), "enhed[0].kode", "U+202E"),
    "an unknown count week": (HEAD + unit(extra='taelleuger = ["Uge 45"]\n') + WEEKS,
                              "enhed[0].taelleuger[0]", 'ukendt tælleuge "Uge 45"'),
    "a count week twice": (HEAD + unit(extra='taelleuger = ["Uge 44", "Uge 44"]\n') + WEEKS,
                           "enhed[0].taelleuger[1]", "to gange"),
    "an empty count week list": (HEAD + unit(extra="taelleuger = []\n") + WEEKS,
                                 "enhed[0].taelleuger", "mindst én tælleuge"),
    "count weeks without [[taelleuge]]": (HEAD + unit(extra='taelleuger = ["Uge 44"]\n'),
                                          "enhed[0].taelleuger[0]", "[[taelleuge]] mangler"),
    "a CPR number as the responsible": (HEAD + unit(extra='ansvarlig = "010190-1234"\n'),
                                        "enhed[0].ansvarlig", "CPR"),
    "an e-mail address as the responsible": (HEAD + unit(extra='ansvarlig = "anne@koege.dk"\n'),
                                             "enhed[0].ansvarlig", "en rolle"),
    "an escape in the responsible": (HEAD + unit(extra='ansvarlig = "Leder\\u001b[2J"\n'),
                                     "enhed[0].ansvarlig", "U+001B"),
    "a long responsible": (HEAD + unit(extra=f'ansvarlig = "{"x" * 61}"\n'), "enhed[0].ansvarlig",
                           "højst 60"),
    "an unknown unit in a department": (
        HEAD + unit() + '\n[[afdeling]]\nnavn = "A"\nenheder = ["259ukendt"]\n',
        "afdeling[0].enheder[0]", 'ukendt enhed "259ukendt"'),
    "a unit in two departments": (
        HEAD + unit() + '\n[[afdeling]]\nnavn = "A"\nenheder = ["259bs"]\n'
        '\n[[afdeling]]\nnavn = "B"\nenheder = ["259bs"]\n',
        "afdeling[1].enheder[0]", 'står allerede under afdelingen "A"'),
    "a department twice": (
        HEAD + unit() + unit("259b") + '\n[[afdeling]]\nnavn = "A"\nenheder = ["259bs"]\n'
        '\n[[afdeling]]\nnavn = "A"\nenheder = ["259b"]\n', "afdeling[1].navn", "to gange"),
    "an unknown key in a department": (
        HEAD + unit() + '\n[[afdeling]]\nnavn = "A"\nenheder = ["259bs"]\nleder = "x"\n',
        "afdeling[0].leder", "ukendt nøgle"),
    "a policy for both a class and a type": (
        HEAD + unit() + '\n[[kanalpolitik]]\ntypeklasse = "transaktion"\ntype = "OPRET"\n'
        'primaer = ["SLVBTJN"]\n', "kanalpolitik[0]", "enten typeklasse"),
    "a policy for an unknown class": (
        HEAD + unit() + '\n[[kanalpolitik]]\ntypeklasse = "salg"\nprimaer = ["SLVBTJN"]\n',
        "kanalpolitik[0].typeklasse", "transaktion, information"),
    "a policy for an unknown type": (
        HEAD + unit() + '\n[[kanalpolitik]]\ntype = "KLAGE"\nprimaer = ["SLVBTJN"]\n',
        "kanalpolitik[0].type", 'ukendt type "KLAGE"'),
    "a policy with an unknown channel": (
        HEAD + unit() + '\n[[kanalpolitik]]\ntypeklasse = "transaktion"\nuoensket = ["FAX"]\n',
        "kanalpolitik[0].uoensket[0]", 'ukendt kanal "FAX"'),
    "a channel on two levels": (
        HEAD + unit() + '\n[[kanalpolitik]]\ntypeklasse = "transaktion"\nprimaer = ["TLFIND"]\n'
        'uoensket = ["TLFIND"]\n', "kanalpolitik[0].uoensket[0]", "står allerede som primær"),
    "two policies for one class": (
        HEAD + unit() + '\n[[kanalpolitik]]\ntypeklasse = "transaktion"\nprimaer = ["SLVBTJN"]\n'
        '\n[[kanalpolitik]]\ntypeklasse = "transaktion"\nprimaer = ["TLFIND"]\n',
        "kanalpolitik[1]", "allerede en kanalpolitik"),
    "a policy without channels": (HEAD + unit() + '\n[[kanalpolitik]]\ntype = "STATUS"\n',
                                  "kanalpolitik[0]", "mindst én kanal"),
    "a misspelt level": (HEAD + unit() + '\n[[kanalpolitik]]\ntype = "STATUS"\nuonsket = ["PPRIND"]\n',
                         "kanalpolitik[0].uonsket", "ukendt nøgle"),
}


@pytest.mark.parametrize("text, key, problem", REFUSED.values(), ids=REFUSED.keys())
def test_refusals_name_the_key(write_toml, text, key, problem):
    path = write_toml(text)
    with pytest.raises(ConfigError) as raised:
        cfg.load(path)
    assert raised.value.key == key
    assert problem in str(raised.value)
    assert "\x1b" not in str(raised.value) and "\u202e" not in str(raised.value)
