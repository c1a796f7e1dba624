"""Config loading: the demo, a full municipality config, every refusal, and the codebook."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from storage import codebook as cb
from storage import config as cfg
from storage import settings
from storage.config import Group, Task
from storage.errors import ConfigError, Refusal

# --------------------------------------------------------------------------------------------
# The built-in demo


def test_demo_config_loads():
    config = settings.demo_config(date(2026, 10, 21))
    assert config.demo is True
    assert config.kommune_nr == "999"
    assert config.zone.key == "Europe/Copenhagen"
    assert list(config.units) == ["999borgerservice", "999telefon", "999ydelse"]
    first = config.units["999borgerservice"]
    assert first.channel == "PRSNLG"
    assert first.channel in first.channels
    assert first.package[:3] == (
        Task("23.05.10", "Flytning"),
        Task("23.09.02", "Pas"),
        Task("23.09.04", "Kørekort"),
    )
    # The keys staff know: 1, 2, 3 … then a group under 4.
    keyed = first.keyed()
    assert [k for k, _ in keyed[:4]] == ["1", "2", "3", "4"]
    assert isinstance(keyed[3][1], Group)
    assert [t.kle for t in keyed[3][1].tasks] == ["29.03.04", "29.03.99", "29.03.12"]
    # Flattened tasks keep package order and include the group's tasks.
    flat = [t.kle for t in first.tasks()]
    assert flat[:6] == ["23.05.10", "23.09.02", "23.09.04", "29.03.04", "29.03.99", "29.03.12"]
    assert len(flat) == len(set(flat))
    # The desk keeps its two keys; the phone desk asks a local question (required by default).
    assert first.questions == ()
    phone = config.units["999telefon"]
    assert [q.text for q in phone.questions] == ["Taler borgeren dansk?"]
    assert phone.questions[0].answers == ("Ja", "Nej") and phone.questions[0].required
    assert config.prices[("PRSNLG", "transaktion")] == 95.0


@pytest.mark.parametrize(
    "day, monday, sunday",
    [
        (date(2026, 10, 19), date(2026, 10, 19), date(2026, 10, 25)),  # Monday
        (date(2026, 10, 21), date(2026, 10, 19), date(2026, 10, 25)),  # Wednesday
        (date(2026, 10, 25), date(2026, 10, 19), date(2026, 10, 25)),  # Sunday
        (date(2027, 1, 1), date(2026, 12, 28), date(2027, 1, 3)),  # ISO week 2026-W53
    ],
)
def test_demo_count_week_is_the_iso_week_of_the_day(day, monday, sunday):
    config = settings.demo_config(day)
    assert len(config.weeks) == 1
    week = config.weeks[0]
    assert (week.first, week.last) == (monday, sunday)
    assert week.first.isoweekday() == 1 and week.last.isoweekday() == 7
    assert config.week_of(day) == week
    assert config.week_of(monday) == week and config.week_of(sunday) == week
    assert config.week_of(date.fromordinal(monday.toordinal() - 1)) is None
    assert config.week_of(date.fromordinal(sunday.toordinal() + 1)) is None


# --------------------------------------------------------------------------------------------
# A full config

FULL = """
kommunenummer = 259
kommunenavn = "Køge"
tidszone = "Europe/Copenhagen"
database = "data/koege.db"
kle_fil = "kle/emneplan.xml"

[taster]
"register.repeat" = "enter"
"register.undo" = "ctrl+z"

# Override: e-mail counted as analog here.
[[kanal]]
kode = "EMLIND"
klasse = "analog"

# A new channel.
[[kanal]]
kode = "CHATIND"
navn = "Chat"
retning = "ind"
klasse = "digital"

[[type]]
kode = "KLAGE"
navn = "Klage"
klasse = "information"

[[enhed]]
kode = "259borgerservice"
navn = "Borgerservice"
kanal = "PRSNLG"
kanaler = ["PRSNLG", "TLFIND", "CHATIND", "EMLIND"]
brugere = ["anne", "bo"]
opgaver = [
  { kle = "23.05.10", navn = "Flytning" },
  { kle = "15.20", navn = "Gruppeniveau" },
  { gruppe = "Pas og kørekort", opgaver = [
    { kle = "23.09.02", navn = "Pas" },
    { kle = "23.09.04", navn = "Kørekort" },
  ] },
]

[[enhed.spoergsmaal]]
tekst = "Over eller under 65?"
svar = ["Over", "Under", "Ukendt"]

[[enhed]]
kode = "259telefon"
navn = "Telefonen"
kanal = "TLFIND"
brugere = ["carl"]
opgaver = [{ kle = "29.03.04", navn = "Sundhedskort" }]

[[taelleuge]]
navn = "Uge 43"
fra = 2026-10-19
til = 2026-10-25

[[taelleuge]]
navn = "Forårsugen"
fra = 2026-03-09
til = 2026-03-15

[[pris]]
kanal = "PRSNLG"
transaktion = 95
information = 80.5

[[pris]]
kanal = "CHATIND"
information = 0
"""


def test_full_config_loads(write_toml, tmp_path):
    path = write_toml(FULL)
    config = cfg.load(path)

    assert config.source == str(path)
    assert config.demo is False
    assert (config.kommune_nr, config.kommune_navn) == ("259", "Køge")
    assert config.zone.key == "Europe/Copenhagen"
    # Relative paths are read from the config file's folder.
    assert config.database == tmp_path / "data" / "koege.db"
    assert config.kle_file == tmp_path / "kle" / "emneplan.xml"
    assert config.keymap == {"register.repeat": "enter", "register.undo": "ctrl+z"}

    bs = config.units["259borgerservice"]
    assert bs.channel == "PRSNLG"
    assert bs.channels == ("PRSNLG", "TLFIND", "CHATIND", "EMLIND")
    assert bs.users == ("anne", "bo")
    assert bs.package[0] == Task("23.05.10", "Flytning")
    assert bs.package[1] == Task("15.20.00", "Gruppeniveau")  # group level read as NN.NN.00
    group = bs.package[2]
    assert isinstance(group, Group) and group.name == "Pas og kørekort"
    assert group.keyed() == [("1", Task("23.09.02", "Pas")), ("2", Task("23.09.04", "Kørekort"))]
    assert [t.kle for t in bs.tasks()] == ["23.05.10", "15.20.00", "23.09.02", "23.09.04"]
    assert bs.questions[0].text == "Over eller under 65?"
    assert bs.questions[0].answers == ("Over", "Under", "Ukendt")

    tlf = config.units["259telefon"]
    assert tlf.channels == ("TLFIND",)  # no kanaler: the pinned channel alone
    assert config.unit_for_user("carl") is tlf
    assert config.unit_for_user("bo") is bs
    assert config.unit_for_user("nobody") is None

    # Count weeks come back sorted by start.
    assert [w.name for w in config.weeks] == ["Forårsugen", "Uge 43"]
    assert config.week_of(date(2026, 10, 25)).name == "Uge 43"
    assert config.week_of(date(2026, 3, 9)).name == "Forårsugen"
    assert config.week_of(date(2026, 10, 26)) is None

    assert config.prices == {
        ("PRSNLG", "transaktion"): 95.0,
        ("PRSNLG", "information"): 80.5,
        ("CHATIND", "information"): 0.0,
    }

    book = config.codebook
    # The override changes only the class; name, direction and staff flag stay.
    assert book.channels["EMLIND"] == cb.Channel("EMLIND", "E-mail", "ind", "analog", True)
    assert book.channels["CHATIND"] == cb.Channel("CHATIND", "Chat", "ind", "digital", True)
    assert book.types["KLAGE"].klass == "information"
    assert list(book.types)[-1] == "KLAGE"
    # The built-in codebook itself is untouched by a config's override.
    assert cb.load_builtin().channels["EMLIND"].klass == "digital"


def test_unit_lookup_refusal_names_known_units(write_toml):
    config = cfg.load(write_toml(FULL))
    with pytest.raises(Refusal) as refused:
        config.unit("259skranke")
    assert "259skranke" in str(refused.value)
    assert "259borgerservice" in str(refused.value) and "259telefon" in str(refused.value)


# --------------------------------------------------------------------------------------------
# Bad configs: each names the file, the key path and the problem

HEAD = 'kommunenummer = 259\nkommunenavn = "Køge"\n'


def unit(kanal='"PRSNLG"', kanaler='["PRSNLG", "TLFIND"]', opgaver=None, extra="", kode="259bs", brugere="[]"):
    opgaver = opgaver or '[{ kle = "23.05.10", navn = "Flytning" }, { kle = "23.09.02", navn = "Pas" }]'
    return (
        f'\n[[enhed]]\nkode = "{kode}"\nnavn = "Borgerservice"\nkanal = {kanal}\nkanaler = {kanaler}\n'
        f"brugere = {brugere}\nopgaver = {opgaver}\n{extra}"
    )


def week(name, fra, til):
    return f'\n[[taelleuge]]\nnavn = "{name}"\nfra = {fra}\ntil = {til}\n'


MANY = "[" + ", ".join(f'{{ kle = "23.05.{i:02d}", navn = "Opgave {i}" }}' for i in range(25)) + "]"

BAD = {
    "invalid toml": (HEAD + "tidszone = \n" + unit(), "", "ikke gyldig TOML"),
    "kommunenummer too short": (HEAD.replace("259", "12") + unit(), "kommunenummer", "tre-cifrede"),
    "kommunenummer as text": (HEAD.replace("259", '"259"') + unit(), "kommunenummer", "tre-cifrede"),
    "kommunenummer missing": ('kommunenavn = "Køge"\n' + unit(), "kommunenummer", "tre-cifrede"),
    "typo in top-level key": (HEAD + 'tidzone = "Europe/Copenhagen"\n' + unit(), "tidzone", "ukendt nøgle"),
    "typo in unit key": (HEAD + unit(extra='kanall = "PRSNLG"\n'), "enhed[0].kanall", "ukendt nøgle"),
    "unknown tidszone": (HEAD + 'tidszone = "Europe/Koebenhavn"\n' + unit(), "tidszone", "Europe/Koebenhavn"),
    "unknown pinned channel": (
        HEAD + unit(kanal='"FAXIND"', kanaler='["PRSNLG"]'), "enhed[0].kanal", 'Kanalen "FAXIND" er ukendt'),
    "import-only channel offered to staff": (
        HEAD + unit(kanaler='["PRSNLG", "SLVBTJN"]'), "enhed[0].kanaler[1]", "må kun komme ind ved import"),
    "pinned channel not in kanaler": (
        HEAD + unit(kanal='"TLFUD"', kanaler='["PRSNLG", "TLFIND"]'), "enhed[0].kanal", "skal også stå i kanaler"),
    "malformed KLE": (
        HEAD + unit(opgaver='[{ kle = "23.05.10", navn = "Flytning" }, { kle = "23.5", navn = "Pas" }]'),
        "enhed[0].opgaver[1].kle", 'KLE-nummeret "23.5" har forkert form'),
    "duplicate KLE": (
        HEAD + unit(opgaver='[{ kle = "23.05.10", navn = "A" }, { kle = "23.05.10", navn = "B" }]'),
        "enhed[0].opgaver[1]", "23.05.10 står der to gange"),
    "duplicate KLE via group level and group": (
        HEAD + unit(opgaver='[{ kle = "23.05", navn = "A" }, '
                            '{ gruppe = "G", opgaver = [{ kle = "23.05.00", navn = "B" }] }]'),
        "enhed[0].opgaver[1]", "23.05.00 står der to gange"),
    "group inside group": (
        HEAD + unit(opgaver='[{ gruppe = "Ydre", opgaver = [{ gruppe = "Indre", opgaver = '
                            '[{ kle = "23.05.10", navn = "A" }] }] }]'),
        "enhed[0].opgaver[0].opgaver[0]", "gruppe kan ikke ligge i en gruppe"),
    # 1-9 and the 15 letters that are neither a type (o s i v d f), HOLD/blanket (h b) nor an answer (j y n).
    "more than 24 items on a level": (HEAD + unit(opgaver=MANY), "enhed[0].opgaver", "højst 24"),
    "two questions with the same text": (
        HEAD + unit(extra='\n[[enhed.spoergsmaal]]\ntekst = "Over 65?"\nsvar = ["Ja", "Nej"]\n'
                          '\n[[enhed.spoergsmaal]]\ntekst = "over 65?"\nsvar = ["Ja", "Nej"]\n'),
        "enhed[0].spoergsmaal[1].tekst", "står der allerede"),
    "empty package": (HEAD + unit(opgaver="[]"), "enhed[0].opgaver", "opgavepakken er tom"),
    "question with one answer": (
        HEAD + unit(extra='\n[[enhed.spoergsmaal]]\ntekst = "Over 65?"\nsvar = ["Ja"]\n'),
        "enhed[0].spoergsmaal[0].svar", "mindst to"),
    "question with the same answer twice": (
        HEAD + unit(extra='\n[[enhed.spoergsmaal]]\ntekst = "Over 65?"\nsvar = ["Ja", "Nej", "ja"]\n'),
        "enhed[0].spoergsmaal[0].svar[2]", "står der allerede"),
    "count week ends before it starts": (
        HEAD + unit() + week("Uge 43", "2026-10-25", "2026-10-19"), "taelleuge[0].til", "før den starter"),
    "overlapping count weeks": (
        HEAD + unit() + week("Uge 43", "2026-10-19", "2026-10-25") + week("Uge 44", "2026-10-25", "2026-10-31"),
        "taelleuge[1]", 'overlapper tælleugen "Uge 43"'),
    "count week date as text": (
        HEAD + unit() + week("Uge 43", '"19-10-2026"', "2026-10-25"), "taelleuge[0].fra", "skal være en dato"),
    "negative price": (
        HEAD + unit() + '\n[[pris]]\nkanal = "PRSNLG"\ntransaktion = -5\n', "pris[0].transaktion", "fra 0 til 100.000, ikke -5"),
    "price for unknown channel": (
        HEAD + unit() + '\n[[pris]]\nkanal = "FAXIND"\ntransaktion = 5\n', "pris[0].kanal", "FAXIND"),
    "user mapped to two units": (
        HEAD + unit(kode="259a", brugere='["anne"]') + unit(kode="259b", brugere='["anne", "bo"]'),
        "brugere", 'brugeren "anne" står under både 259a og 259b'),
    "codebook override with unknown class": (
        HEAD + '\n[[kanal]]\nkode = "EMLIND"\nklasse = "papir"\n' + unit(), "kanal[0].klasse", "papir"),
    "new channel code in lower case": (
        HEAD + '\n[[kanal]]\nkode = "chatind"\nnavn = "Chat"\nretning = "ind"\nklasse = "digital"\n' + unit(),
        "kanal[0].kode", "store bogstaver"),
    "taster not a table of keys": (HEAD + 'taster = "enter"\n' + unit(), "taster", "binding-id"),
}


@pytest.mark.parametrize("text, key, problem", list(BAD.values()), ids=list(BAD))
def test_bad_config_names_file_key_and_problem(write_toml, text, key, problem):
    path = write_toml(text)
    with pytest.raises(ConfigError) as raised:
        cfg.load(path)
    error = raised.value
    message = str(error)
    assert error.source == str(path)
    assert str(path) in message
    assert key in error.key
    assert key in message
    assert problem in message
    assert message.startswith("Fejl i konfigurationen")


def test_missing_config_file(tmp_path):
    path = tmp_path / "nope" / "config.toml"
    with pytest.raises(ConfigError) as raised:
        cfg.load(path)
    assert str(path) in str(raised.value)
    assert "findes ikke" in str(raised.value)
    assert not path.exists()


def test_valid_base_of_bad_cases_loads(write_toml):
    """The bad cases differ from this valid base by one thing each."""
    config = cfg.load(write_toml(HEAD + unit() + week("Uge 43", "2026-10-19", "2026-10-25")))
    assert list(config.units) == ["259bs"]
    assert config.weeks[0].first == date(2026, 10, 19)


def test_config_files_are_read_as_utf8(write_toml, tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes((HEAD + unit()).replace("Køge", "K\u00f8ge").encode("latin-1"))
    with pytest.raises(ConfigError) as raised:
        cfg.load(path)
    assert str(path) in str(raised.value)
    line = next(i for i, text in enumerate((HEAD + unit()).splitlines(), 1) if "Køge" in text)
    column = (HEAD + unit()).splitlines()[line - 1].index("Køge") + 2
    assert f"ikke gemt som UTF-8 (byte 0xF8 på linje {line}, kolonne {column})" in str(raised.value)


# --------------------------------------------------------------------------------------------
# The codebook


@pytest.mark.parametrize(
    "code, direction, klass, staff",
    [
        ("PRSNLG", "ind", "analog", True),
        ("TLFIND", "ind", "analog", True),
        ("TLFUD", "ud", "analog", True),
        ("EMLIND", "ind", "digital", True),
        ("EMLUD", "ud", "digital", True),
        ("DOCIND", "ind", "digital", True),
        ("DOKUD", "ud", "digital", True),
        ("PPRIND", "ind", "analog", True),
        ("PPRUD", "ud", "analog", True),
        ("SMSIND", "ind", "digital", True),
        ("SMSUD", "ud", "digital", True),
        ("MGRUD", "ud", "digital", True),
        ("FPRNT", "ud", "analog", True),
        ("SYSIND", "ind", "digital", True),
        ("SYSECOIND", "ind", "digital", True),
        ("SYSECOUD", "ud", "digital", True),
        ("SYSMEDIND", "ind", "digital", True),
        ("SLVBTJN", "ind", "selvbetjening", False),
        ("WEB", "ind", "selvbetjening", False),
        ("BRGDK", "ind", "selvbetjening", False),
    ],
)
def test_builtin_channels(code, direction, klass, staff):
    channel = cb.load_builtin().channels[code]
    assert (channel.direction, channel.klass, channel.staff) == (direction, klass, staff)
    assert channel.name


def test_builtin_channel_spellings_and_labels():
    book = cb.load_builtin()
    # Digital Post: DOCIND with C in, DOKUD with K out; the other spellings do not exist.
    assert "DOKIND" not in book.channels and "DOCUD" not in book.channels
    docind, dokud = book.channels["DOCIND"].label, book.channels["DOKUD"].label
    assert "Digital Post" in docind and "ind" in docind and "ud" not in docind
    assert "Digital Post" in dokud and "ud" in dokud and "ind" not in dokud


def test_builtin_types_order_and_class():
    book = cb.load_builtin()
    assert list(book.types) == ["OPRET", "STATUS", "INFO", "VEJL", "SLVBTJN", "FEJL"]
    assert {c: t.klass for c, t in book.types.items()} == {
        "OPRET": "transaktion", "STATUS": "transaktion", "INFO": "information",
        "VEJL": "information", "SLVBTJN": "information", "FEJL": "information",
    }
    assert all(t.name and t.description for t in book.types.values())
    assert list(book.afslutning) == ["STRAKS", "HOLD"]
    assert set(book.blanket) == {"JA", "NEJ"}


def test_config_override_changes_a_class():
    data = {"kanal": [{"kode": "PPRIND", "klasse": "digital"}], "type": [{"kode": "VEJL", "klasse": "transaktion"}]}
    book = cb.merge(cb.load_builtin(), data, "test.toml")
    assert book.channels["PPRIND"].klass == "digital"
    assert book.channels["PPRIND"].name == "Papirbrev"
    assert book.types["VEJL"].klass == "transaktion"
    assert list(book.types) == ["OPRET", "STATUS", "INFO", "VEJL", "SLVBTJN", "FEJL"]


def test_unknown_channel_refusal_names_the_code_and_the_allowed_ones():
    book = cb.load_builtin()
    with pytest.raises(Refusal) as refused:
        book.channel("FAXIND")
    message = str(refused.value)
    assert '"FAXIND" er ukendt' in message
    assert "PRSNLG" in message and "DOKUD" in message
    assert "SLVBTJN" not in message  # not offered to staff
    assert refused.value.field == "kanal"


def test_import_only_channel_refused_for_staff_but_known_to_import():
    book = cb.load_builtin()
    with pytest.raises(Refusal) as refused:
        book.channel("SLVBTJN")
    assert "SLVBTJN" in str(refused.value) and "import" in str(refused.value)
    assert book.channel("SLVBTJN", staff=False).klass == "selvbetjening"


@pytest.mark.parametrize(
    "call, bad, allowed, field",
    [
        (lambda b: b.type("OPRETTE"), "OPRETTE", ["OPRET", "STATUS", "INFO", "VEJL", "SLVBTJN", "FEJL"], "type"),
        (lambda b: b.check_afslutning("SENERE"), "SENERE", ["STRAKS", "HOLD"], "afslutning"),
        (lambda b: b.check_blanket("MÅSKE"), "MÅSKE", ["JA", "NEJ"], "blanket"),
    ],
)
def test_unknown_value_refusals(call, bad, allowed, field):
    with pytest.raises(Refusal) as refused:
        call(cb.load_builtin())
    assert f'"{bad}"' in str(refused.value)
    assert all(code in str(refused.value) for code in allowed)
    assert refused.value.field == field


def test_blanket_may_be_absent():
    book = cb.load_builtin()
    assert book.check_blanket(None) is None
    assert book.check_blanket("JA") == "JA"
    assert book.check_afslutning("HOLD") == "HOLD"


def test_codebook_tables_must_be_lists_of_tables():
    with pytest.raises(ConfigError) as raised:
        cb.merge(cb.load_builtin(), {"kanal": {"kode": "X"}}, "x.toml")
    assert "x.toml" in str(raised.value) and "kanal" in str(raised.value)


def test_new_channel_needs_all_its_fields():
    with pytest.raises(ConfigError) as raised:
        cb.merge(cb.load_builtin(), {"kanal": [{"kode": "CHATIND", "navn": "Chat", "retning": "ind"}]}, "x.toml")
    assert "kanal[0].klasse" in str(raised.value)


def test_parse_without_units_is_refused():
    with pytest.raises(ConfigError) as raised:
        cfg.parse({"kommunenummer": 259, "kommunenavn": "Køge"}, "mem.toml")
    assert "enhed" in str(raised.value) and "mindst én enhed" in str(raised.value)


def test_demo_config_file_ships_with_the_package():
    here = Path(cfg.__file__).parent
    assert (here / "demo.toml").is_file() and (here / "codebook.toml").is_file()
