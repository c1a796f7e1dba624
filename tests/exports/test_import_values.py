"""Imported values as they are written by hand or by other tools: units and data sources with
spaces, another case or look-alike characters; no unit on a staff channel; rows dated after
today; a re-import after rows were voided as duplicates. Both engines."""

from __future__ import annotations

import pytest

import dbrows
from landkort_fixtures import *  # noqa: F401,F403
from landkort_fixtures import count, import_text
from storage.errors import Refusal

HEADER = ("Kommune;ID;Enhed;Opgave;Kanal;Type;Afslutning;Blanket;Dato;StartTidspunkt;SlutTidspunkt;"
          "Datakilde;\r\n")


def line(enhed="999borgerservice", kanal="PRSNLG", dato="20-10-2026 09:00:00", kilde="TraceTool"):
    return f"Eksempelby;999;{enhed};23.05.10;{kanal};OPRET;STRAKS;NEJ;{dato};;;{kilde};\r\n"


def units(db):
    return sorted(r[0] for r in dbrows.query(db, "SELECT DISTINCT enhed FROM registrations"))


def test_a_configured_unit_with_spaces_or_in_another_case_is_that_unit(lk_store, lk_config, lk_db, tmp_path):
    import_text(lk_store, lk_config, tmp_path / "a.csv", HEADER + line())
    again = import_text(lk_store, lk_config, tmp_path / "b.csv",
                        HEADER + line(" 999borgerservice ") + line("999BORGERSERVICE"))
    assert (again.match.new, again.match.existing) == (1, 1)  # one copy was there, the second is new
    assert units(lk_db) == ["999borgerservice"]


def test_a_unit_outside_the_config_is_compared_without_regard_to_case(lk_store, lk_config, lk_db, tmp_path):
    import_text(lk_store, lk_config, tmp_path / "a.csv", HEADER + line("999Ældre"))
    again = import_text(lk_store, lk_config, tmp_path / "b.csv", HEADER + line(" 999ældre"))
    assert (again.match.new, again.match.existing) == (0, 1)
    assert units(lk_db) == ["999Ældre"]


@pytest.mark.parametrize("enhed", ["999borgerservice\u00a0", "\uff19\uff19\uff19borgerservice",
                                   "999 borger service", "999borger/x"])
def test_a_unit_that_breaks_the_unit_code_rule_is_refused_naming_line_and_value(
        lk_store, lk_config, lk_db, tmp_path, enhed):
    with pytest.raises(Refusal) as refused:
        import_text(lk_store, lk_config, tmp_path / "a.csv", HEADER + line() + line(enhed), encoding="utf-8")
    message = str(refused.value)
    assert f'Linje 3, felt "Enhed": enheden "{enhed}" er ikke en enhedskode (tegnet ' in message
    if enhed.endswith("\u00a0"):
        assert "U+00A0 (NO-BREAK SPACE)" in message
    assert count(lk_db) == 0


def test_data_sources_in_another_case_or_with_spaces_are_one_source(lk_store, lk_config, lk_db, tmp_path):
    import_text(lk_store, lk_config, tmp_path / "a.csv", HEADER + line(kilde="tracetool"))
    again = import_text(lk_store, lk_config, tmp_path / "b.csv",
                        HEADER + line(kilde="TraceTool") + line(kilde="Tracetool ") + line(kilde=" x "))
    assert (again.match.new, again.match.existing) == (2, 1)
    stored = sorted(r[0] for r in dbrows.query(lk_db, "SELECT datakilde FROM registrations"))
    assert stored == ["Tracetool", "tracetool", "x"]  # stored stripped
    third = import_text(lk_store, lk_config, tmp_path / "c.csv", HEADER + line(kilde="TRACETOOL") * 2)
    assert (third.match.new, third.match.existing) == (0, 2)


@pytest.mark.parametrize("enhed", ["", " ", "NULL", "null"])
def test_no_unit_on_a_staff_channel_is_refused_in_the_raw_layout(lk_store, lk_config, lk_db, tmp_path, enhed):
    with pytest.raises(Refusal) as refused:
        import_text(lk_store, lk_config, tmp_path / "a.csv", HEADER + line() + line(enhed))
    assert 'Linje 3, felt "Enhed": enheden mangler' in str(refused.value)
    assert count(lk_db) == 0


def test_null_on_a_self_service_channel_is_no_unit(lk_store, lk_config, lk_db, tmp_path):
    import_text(lk_store, lk_config, tmp_path / "a.csv", HEADER + line("NULL", kanal="SLVBTJN"))
    assert units(lk_db) == [""]


def test_a_row_dated_after_today_is_refused_naming_the_line(lk_store, lk_config, lk_db, tmp_path):
    with pytest.raises(Refusal) as refused:
        import_text(lk_store, lk_config, tmp_path / "a.csv", HEADER + line() + line(dato="01-01-2099 10:00:00"))
    assert 'Linje 3, felt "Dato": "01-01-2099 10:00:00" ligger efter i dag' in str(refused.value)
    assert count(lk_db) == 0 and count(lk_db, "imports") == 0


def test_the_last_minute_of_today_is_accepted_and_tomorrow_is_not(lk_config, tmp_path):
    from datetime import date

    from exports.reader import Reader, scan

    path = tmp_path / "a.csv"
    path.write_text(HEADER + line(dato="20-10-2026 23:59:59") + line(dato="21-10-2026 00:00:00"), "iso-8859-1")
    reader = Reader(scan(path), lk_config, today=date(2026, 10, 20))
    rows = list(reader.rows())
    assert len(rows) == 1
    assert [e.split(":")[0] for e in reader.parsed.errors] == ['Linje 3, felt "Dato"']


def test_rows_voided_as_duplicates_stay_away_on_a_re_import(lk_store, lk_config, lk_db, tmp_path):
    text = HEADER + line() * 2 + line(dato="20-10-2026 10:00:00")
    first = import_text(lk_store, lk_config, tmp_path / "a.csv", text)
    ids = [r[0] for r in dbrows.query(lk_db, "SELECT id FROM registrations WHERE end_utc LIKE '%T07:00%' "
                                             "ORDER BY id")]
    lk_store.void([ids[0]], "DUBLET")
    again = import_text(lk_store, lk_config, tmp_path / "b.csv", text.replace(":00:00;", ":00;"))
    assert (again.match.new, again.match.existing) == (0, 3)
    # Another reason: the row is not counted any more, so the file's copy is new.
    lk_store.void([ids[1]], "FEJLTASTNING")
    third = import_text(lk_store, lk_config, tmp_path / "c.csv", text.replace(";TraceTool;", ";tracetool;"))
    assert (third.match.new, third.match.existing) == (1, 2)
    assert count(lk_db) == 4 and first.record.row_count == 3


UPLOAD = ("KommuneID;Enhed;KLE Opgave kode;Henvendelses Kanal;Henvendelses type;Afslutning;Blanket;Dato;\r\n"
          "999;999borgerservice;23.05.10;PRSNLG;OPRET;STRAKS;NEJ;20-10-2026 09:00;\r\n"
          "999;999borgerservice;23.05.10;PRSNLG;OPRET;STRAKS;NEJ;20-10-2026 10:00;\r\n")
RAW_Q = HEADER.replace("Datakilde;", "Datakilde;Taler borgeren dansk?;")


def raw_q(dato, kilde="DetDigitaleLandkort", svar="Ja"):
    return line(dato=dato, kilde=kilde).replace(f";{kilde};", f";{kilde};{svar};")


def test_the_raw_extract_after_an_upload_import_of_the_same_contacts_adds_only_the_new(
        lk_store, lk_config, lk_db, tmp_path):
    """The upload layout has no Datakilde and no answers: its rows match whatever a later file says."""
    first = import_text(lk_store, lk_config, tmp_path / "upload.csv", UPLOAD)
    assert first.match.new == 2
    text = RAW_Q + raw_q("20-10-2026 09:00:00") + raw_q("20-10-2026 10:00:10", "TraceTool", "Nej") \
        + raw_q("20-10-2026 10:00:20") + raw_q("20-10-2026 11:00:00")
    outcome = import_text(lk_store, lk_config, tmp_path / "raa.csv", text)
    # 09:00 and one 10:00 were there; the second 10:00 copy and 11:00 are new.
    assert (outcome.match.new, outcome.match.existing) == (2, 2)
    assert count(lk_db) == 4
    again = import_text(lk_store, lk_config, tmp_path / "raa2.csv", text.replace(":00;", ";"))
    assert (again.match.new, again.match.existing) == (0, 4)


def test_a_voided_upload_row_is_not_a_wildcard(lk_store, lk_config, lk_db, tmp_path):
    import_text(lk_store, lk_config, tmp_path / "upload.csv", UPLOAD)
    nine = dbrows.query(lk_db, "SELECT id FROM registrations WHERE end_utc LIKE '%T07:00%'")[0][0]
    lk_store.void([nine], "FEJLTASTNING")
    outcome = import_text(lk_store, lk_config, tmp_path / "raa.csv",
                          RAW_Q + raw_q("20-10-2026 09:00:00") + raw_q("20-10-2026 10:00:00"))
    assert (outcome.match.new, outcome.match.existing) == (1, 1)
