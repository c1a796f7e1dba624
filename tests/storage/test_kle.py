"""KLE numbers and the municipality's own KLE-Emneplan XML."""

from __future__ import annotations

from datetime import date

import pytest

from storage import kle
from storage.errors import ConfigError, Refusal

from support import SAMPLES

SAMPLE_XML = SAMPLES / "kle-emneplan-sample.xml"


# --------------------------------------------------------------------------------------------
# normalise


@pytest.mark.parametrize(
    "given, expected",
    [
        ("23.05.10", "23.05.10"),
        ("15.20", "15.20.00"),
        ("  23.05.10 ", "23.05.10"),
        ("00.00.00", "00.00.00"),
        ("02.00.20", "02.00.20"),
    ],
)
def test_normalise_accepts(given, expected):
    assert kle.normalise(given) == expected


@pytest.mark.parametrize(
    "given",
    ["23.5", "2305.10", "ab.cd.ef", "23.05.10.01", "", "   ", "23", "23.05.1", "23-05-10", "23.05.", None, 230510],
)
def test_normalise_refuses(given):
    with pytest.raises(Refusal) as refused:
        kle.normalise(given)
    message = str(refused.value)
    assert f'"{given}"' in message
    assert "NN.NN.NN" in message
    assert refused.value.field == "opgave"


@pytest.mark.parametrize("given", ["２３.０５.１０", "٢٣.٠٥.١٠"])
def test_normalise_refuses_non_ascii_digits(given):
    with pytest.raises(Refusal):
        kle.normalise(given)


def test_is_valid():
    assert kle.is_valid("23.05.10") and kle.is_valid("23.05")
    assert not kle.is_valid("23.5") and not kle.is_valid(None) and not kle.is_valid("")


# --------------------------------------------------------------------------------------------
# The sample KLE-Emneplan


@pytest.fixture(scope="module")
def catalogue():
    return kle.load_catalogue(SAMPLE_XML)


def test_sample_loads_every_level(catalogue):
    assert catalogue.published == "2026-08-01"
    assert set(catalogue.entries) == {
        "99", "99.01", "99.01.00", "99.01.02", "99.01.04", "99.02", "99.02.00",
        "98", "98.10", "98.10.05",
    }
    assert len(catalogue) == 10


def test_titles_keep_danish_letters(catalogue):
    assert catalogue.title("99") == "Prøveområde for borgerservice"
    assert catalogue.title("99.02.00") == "Æbler, øl og ål: tegnsæt"
    assert catalogue.title("99.01.02") == "Udstedelse af prøvebevis"
    assert catalogue.title("12.34.56") is None


def test_single_subject_group_parses(catalogue):
    assert catalogue.title("99.02") == "Prøvegruppe med ét emne"
    assert catalogue.entries["99.02.00"].retired is None
    # A Hovedgruppe with a single Gruppe with a single Emne.
    assert catalogue.title("98.10") == "Eneste gruppe"
    assert catalogue.title("98.10.05") == "Prøveansøgning"


def test_retired_number_warns_from_its_date(catalogue):
    entry = catalogue.entries["99.01.04"]
    assert entry.retired == date(2025, 11, 1)
    after = catalogue.warning("99.01.04", date(2025, 11, 2))
    assert after is not None
    assert "99.01.04" in after and "udgået" in after and "01-11-2025" in after
    assert catalogue.warning("99.01.04", date(2025, 11, 1)) is not None
    assert catalogue.warning("99.01.04", date(2025, 10, 31)) is None


def test_live_number_does_not_warn(catalogue):
    assert catalogue.warning("99.01.02", date(2026, 10, 21)) is None
    # Only retirement counts: a RettetDato (edited) is not a retirement.
    assert catalogue.entries["99.01.02"].retired is None


def test_unknown_number_warns(catalogue):
    warning = catalogue.warning("23.05.10", date(2026, 10, 21))
    assert warning is not None
    assert "23.05.10" in warning and "findes ikke" in warning and "2026-08-01" in warning


def test_search_by_number_prefix(catalogue):
    assert [e.number for e in catalogue.search("99.01")] == ["99.01", "99.01.00", "99.01.02", "99.01.04"]
    assert [e.number for e in catalogue.search("98")] == ["98", "98.10", "98.10.05"]
    assert [e.number for e in catalogue.search("99", limit=2)] == ["99", "99.01"]


def test_search_by_title_text(catalogue):
    assert [e.number for e in catalogue.search("prøvebevis")] == ["99.01.02", "99.01.04"]
    assert [e.number for e in catalogue.search("ÆBLER")] == ["99.02.00"]  # case-insensitive
    assert [e.number for e in catalogue.search("ål")] == ["99.02.00"]
    assert catalogue.search("") == [] and catalogue.search("   ") == []
    assert catalogue.search("findes slet ikke") == []


# --------------------------------------------------------------------------------------------
# Own XML files

SMALL = """<?xml version="1.0" encoding="UTF-8"?>
<KLE-Emneplan>
  <UdgivelsesDato>2025-01-15</UdgivelsesDato>
  <Hovedgruppe>
    <HovedgruppeNr>97</HovedgruppeNr>
    <HovedgruppeTitel>Én hovedgruppe</HovedgruppeTitel>
    <Gruppe>
      <GruppeNr>97.03</GruppeNr>
      <GruppeTitel>Én gruppe</GruppeTitel>
      <GruppeAdministrativInfo><Historisk><UdgaaetDato>2024-06-30T00:00:00</UdgaaetDato></Historisk></GruppeAdministrativInfo>
      <Emne>
        <EmneNr>97.03.07</EmneNr>
        <EmneTitel>Ét emne, søgbart</EmneTitel>
      </Emne>
    </Gruppe>
  </Hovedgruppe>
</KLE-Emneplan>
"""


def test_one_of_each_level(tmp_path):
    path = tmp_path / "kle.xml"
    path.write_text(SMALL, encoding="utf-8")
    catalogue = kle.load_catalogue(path)
    assert catalogue.published == "2025-01-15"
    assert {n: e.title for n, e in catalogue.entries.items()} == {
        "97": "Én hovedgruppe", "97.03": "Én gruppe", "97.03.07": "Ét emne, søgbart",
    }
    # A date-time UdgaaetDato is read by its date; retirement on a group level is kept.
    assert catalogue.entries["97.03"].retired == date(2024, 6, 30)
    assert catalogue.entries["97.03.07"].retired is None
    assert [e.number for e in catalogue.search("søgbart")] == ["97.03.07"]


def test_latin1_declared_file(tmp_path):
    path = tmp_path / "kle-latin1.xml"
    path.write_bytes(SMALL.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').encode("latin-1"))
    assert kle.load_catalogue(path).title("97.03.07") == "Ét emne, søgbart"


@pytest.mark.parametrize(
    "text, problem",
    [
        ("<KLE-Emneplan><Hovedgruppe></KLE-Emneplan>", "kan ikke læses"),
        ("", "kan ikke læses"),
        ("not xml at all", "kan ikke læses"),
        ("<?xml version='1.0'?><Emneplan><Hovedgruppe/></Emneplan>", "er ikke en KLE-Emneplan (roden hedder Emneplan)"),
        (SMALL.replace("2024-06-30T00:00:00", "30-06-2024"), "ugyldig dato"),
    ],
    ids=["unclosed", "empty", "text", "wrong root", "bad retired date"],
)
def test_bad_xml_is_a_config_error(tmp_path, text, problem):
    path = tmp_path / "kle.xml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        kle.load_catalogue(path)
    assert str(path) in str(raised.value)
    assert problem in str(raised.value)


def test_missing_xml_is_a_config_error(tmp_path):
    path = tmp_path / "missing.xml"
    with pytest.raises(ConfigError) as raised:
        kle.load_catalogue(path)
    assert str(path) in str(raised.value)
