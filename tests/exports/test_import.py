"""``taelleuge import`` in-process: what is kept, what is refused, and that a refusal writes nothing."""

from __future__ import annotations

import json

import pytest

import dbrows
from landkort_fixtures import *  # noqa: F401,F403
from landkort_fixtures import QUESTION, SAMPLE, count, import_text, rows
from storage.errors import Refusal

HEADER = ("Kommune;ID;Enhed;Opgave;Kanal;Type;Afslutning;Blanket;Dato;StartTidspunkt;SlutTidspunkt;"
          "Datakilde;Taler borgeren dansk?;\r\n")
GOOD = ("Eksempelby;999;999borgerservice;23.05.10;PRSNLG;OPRET;STRAKS;NEJ;19-10-2026 08:21:44;"
        "19-10-2026 08:20:27;19-10-2026 08:21:44;Tracetool;Ja;\r\n")


def run(store, config, path, **kwargs):
    from exports import importer

    return importer.run(store, config, path, **kwargs)


def test_sample_rows_keep_what_the_file_says(lk_store, lk_config, lk_db, monkeypatch):
    monkeypatch.setenv("TAELLEUGE_OPERATOR", "koordinator")  # ignored: the store's OS account counts
    outcome = run(lk_store, lk_config, SAMPLE)
    got = rows(lk_db)
    assert len(got) == outcome.parsed.rows == 312
    assert outcome.facts.encoding == "iso-8859-1" and outcome.parsed.layout == "raadata"
    assert {r["station"] for r in got} == {"import"}
    assert {r["operator"] for r in got} == {lk_store.operator}
    assert {r["import_id"] for r in got} == {outcome.record.id}
    assert {(r["kommune_nr"], r["kommune_navn"]) for r in got} == {("999", "Eksempelby")}
    assert {r["datakilde"] for r in got} == {"Tracetool", "DetDigitaleLandkort"}
    assert sum(r["date_only"] for r in got) == 60
    assert {r["enhed"] for r in got} >= {"999hjælpemidler", ""}  # unknown to the config: kept
    assert sum(1 for r in got if r["opgave"] == "15.20.00") == 12  # group level read as .00
    first = got[0]
    assert first["end_utc"] == "2026-10-19T06:21:44.000000Z"  # 08:21:44 CEST
    assert first["start_utc"] == "2026-10-19T06:20:27.000000Z"
    assert json.loads(first["answers"]) == {QUESTION: "Nej"}
    batch = [r for r in got if r["date_only"]][0]
    assert batch["end_utc"] == "2026-10-18T22:00:00.000000Z" and batch["start_utc"] is None
    # The summary lists what the config does not know.
    from exports import importer

    text = "\n".join(importer.summary(outcome, lk_config))
    assert "Rækker: 312" in text
    assert "Enheder uden for konfigurationen: (uden enhed) 12, 999hjælpemidler 46, 999jobcenter 40" in text
    assert "15.20 → 15.20.00 (12)" in text
    assert "Rækker kun med dato (00:00:00): 60" in text
    record = dbrows.query(lk_db, "SELECT file_name, layout, encoding, row_count, datakilde FROM imports")
    assert record == [("raadata-sample.csv", "raadata", "iso-8859-1", 312, "Import")]


def test_same_file_twice_imports_nothing_the_second_time(lk_store, lk_config, lk_db):
    run(lk_store, lk_config, SAMPLE)
    with pytest.raises(Refusal, match="allerede importeret .*312 rækker.*Intet er importeret"):
        run(lk_store, lk_config, SAMPLE)
    assert count(lk_db) == 312 and count(lk_db, "imports") == 1


def test_same_lines_saved_as_utf8_are_recognised(lk_store, lk_config, lk_db, tmp_path):
    run(lk_store, lk_config, SAMPLE)
    utf8 = tmp_path / "sample-utf8.csv"
    utf8.write_bytes(SAMPLE.read_bytes().decode("iso-8859-1").replace("\r\n", "\n").encode("utf-8"))
    with pytest.raises(Refusal, match="allerede importeret"):
        run(lk_store, lk_config, utf8)
    assert count(lk_db) == 312


def test_utf8_file_with_bom_and_columns_in_another_order(lk_store, lk_config, lk_db, tmp_path):
    text = ("\ufeffDato;Kanal;Opgave;ID;Kommune;Enhed;Type;Afslutning;Blanket;Datakilde;Alder;\n"
            "20-10-2026 09:00:00;TLFIND;23.05.10;999;Eksempelby;999hjælpemidler;INFO;STRAKS;NEJ;Tracetool;Over 65;\n"
            "20-10-2026 09:05:00;TLFIND;23.05;999;Eksempelby;999hjælpemidler;INFO;HOLD;NEJ;;Under 65;\n")
    outcome = import_text(lk_store, lk_config, tmp_path / "u.csv", text, encoding="utf-8")
    assert outcome.facts.encoding == "utf-8-sig"
    got = rows(lk_db)
    assert [r["enhed"] for r in got] == ["999hjælpemidler"] * 2
    assert [json.loads(r["answers"]) for r in got] == [{"Alder": "Over 65"}, {"Alder": "Under 65"}]
    assert [r["datakilde"] for r in got] == ["Tracetool", "Import"]  # empty → the default
    assert [r["opgave"] for r in got] == ["23.05.10", "23.05.00"]
    assert [r["start_utc"] for r in got] == [None, None]


def test_upload_layout_with_null_and_datakilde(lk_store, lk_config, lk_db, tmp_path):
    text = ("KommuneID;Enhed;KLE Opgave kode;Henvendelses Kanal;Henvendelses type;Afslutning;Blanket;Dato;\r\n"
            "999;NULL;23.05.10;BRGDK;NULL;NULL;NULL;21-10-2026 14:05;\r\n"
            "999;999borgerservice;29.03.04;PRSNLG;OPRET;STRAKS;NEJ;21-10-2026 00:00;\r\n")
    outcome = import_text(lk_store, lk_config, tmp_path / "upload.csv", text, datakilde="Selvbetjening2026")
    assert outcome.parsed.layout == "upload"
    first, second = rows(lk_db)
    assert (first["enhed"], first["type"], first["afslutning"], first["blanket"]) == ("", None, None, None)
    assert first["end_utc"] == "2026-10-21T12:05:00.000000Z"
    assert first["kommune_navn"] == "Eksempelby"  # the config's name for its own number
    assert {first["datakilde"], second["datakilde"]} == {"Selvbetjening2026"}
    assert second["date_only"] == 1


BAD_LINES = [
    # (the line, the words the message must contain)
    (GOOD.replace("23.05.10", "23.5.10"), 'Linje 3, felt "Opgave": KLE-nummeret "23.5.10" har forkert form'),
    (GOOD.replace("PRSNLG", "FAX"), 'Linje 3, felt "Kanal": Kanalen "FAX" er ukendt'),
    (GOOD.replace("OPRET", "SNAK"), 'Linje 3, felt "Type": Typen "SNAK" er ukendt'),
    (GOOD.replace(";NEJ;", ";MAASKE;"), 'Linje 3, felt "Blanket"'),
    (GOOD.replace("19-10-2026 08:21:44;19-10-2026 08:20:27", "32-10-2026 08:21:44;19-10-2026 08:20:27"),
     'Linje 3, felt "Dato": "32-10-2026 08:21:44" er ikke en rigtig dato'),
    (GOOD.replace("19-10-2026 08:21:44;19-10-2026 08:20:27", "2026-10-19 08:21;19-10-2026 08:20:27"),
     'Linje 3, felt "Dato": "2026-10-19 08:21" skal skrives som dd-mm-åååå TT:MM:SS'),
    (GOOD.replace("19-10-2026 08:20:27", "19-10-2026 09:20:27"),
     'Linje 3, felt "StartTidspunkt": "19-10-2026 09:20:27" ligger efter Dato'),
    (GOOD.replace(";19-10-2026 08:21:44;Tracetool", ";19-10-2026 08:22:44;Tracetool"),
     'Linje 3, felt "SlutTidspunkt": "19-10-2026 08:22:44" skal være det samme som Dato'),
    (GOOD.replace("999borgerservice", ""), 'Linje 3, felt "Enhed": enheden mangler'),
    (GOOD.replace(";Ja;", ";Måske;"), 'Linje 3, felt "Taler borgeren dansk?": svaret "Måske" er ikke en mulighed'),
    (GOOD.replace(";Tracetool;", ";Tracetool;Ja;"), "Linje 3: linjen har 14 felter, men overskriften har 13"),
    (GOOD.replace("Ja;\r\n", "Ja\r\n"), "Linje 3: linjen skal slutte med ; ligesom overskriften"),
    (GOOD.replace(";999;", ";99;"), 'Linje 3, felt "ID": "99" er ikke et kommunenummer'),
    (GOOD.replace("Tracetool", "Borger 010203-1234"), 'Linje 3, felt "Datakilde"'),
    (GOOD.replace("19-10-2026 08:21:44;19-10-2026 08:20:27;19-10-2026 08:21:44",
                  "29-03-2026 02:30:00;;29-03-2026 02:30:00"),
     'Linje 3, felt "Dato": "29-03-2026 02:30:00" findes ikke i tidszonen Europe/Copenhagen'),
]


@pytest.mark.parametrize("bad, message", BAD_LINES, ids=[m.split(":")[0] + str(i) for i, (_, m) in enumerate(BAD_LINES)])
def test_one_bad_row_imports_nothing_and_names_line_and_field(lk_store, lk_config, lk_db, tmp_path, bad, message):
    path = tmp_path / "bad.csv"
    path.write_bytes((HEADER + GOOD + bad + GOOD).encode("iso-8859-1"))
    with pytest.raises(Refusal) as refused:
        run(lk_store, lk_config, path)
    assert message in str(refused.value)
    assert "er ikke importeret; intet er gemt" in str(refused.value)
    assert count(lk_db) == 0 and count(lk_db, "imports") == 0
    # Nothing was left staged: the good file goes in afterwards as if nothing happened.
    path.write_bytes((HEADER + GOOD).encode("iso-8859-1"))
    run(lk_store, lk_config, path)
    assert count(lk_db) == 1


def test_windows_1252_bytes_are_named(lk_store, lk_config, lk_db, tmp_path):
    path = tmp_path / "cp1252.csv"
    path.write_bytes((HEADER + GOOD).encode("iso-8859-1") + GOOD.replace("Tracetool", "Trace\x96tool").encode("cp1252", "replace").replace(b"?", b"\x96"))
    with pytest.raises(Refusal, match='Linje 3, felt "Datakilde": tegnet med kode 0x96 .*Windows-1252'):
        run(lk_store, lk_config, path)
    assert count(lk_db) == 0


def test_many_errors_stop_reading_and_say_so(lk_store, lk_config, lk_db, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes((HEADER + GOOD.replace("PRSNLG", "FAX") * 50).encode("iso-8859-1"))
    with pytest.raises(Refusal) as refused:
        run(lk_store, lk_config, path)
    text = str(refused.value)
    assert "20 fejl (læsningen stoppede her; der kan være flere)" in text
    assert text.count("Linje ") == 20
    assert count(lk_db) == 0


def test_free_text_answers_are_refused(lk_store, lk_config, lk_db, tmp_path):
    header = HEADER.replace("Taler borgeren dansk?", "Bemærkning")
    lines = "".join(GOOD.replace(";Ja;", f";note nummer {i};") for i in range(25))
    path = tmp_path / "fritekst.csv"
    path.write_bytes((header + lines).encode("iso-8859-1"))
    with pytest.raises(Refusal, match='felt "Bemærkning": spørgsmålet har over 20 forskellige svar'):
        run(lk_store, lk_config, path)
    assert count(lk_db) == 0


@pytest.mark.parametrize("text, message", [
    ("", "filen er tom"),
    (HEADER, "har ingen rækker"),
    ("Kommune,ID,Enhed,Opgave,Kanal\r\n", r'filen bruger komma \(,\) som skilletegn'),
    ("Navn;Adresse;Telefon;\r\nA;B;C;\r\n", "passer hverken til rådata-formatet"),
    ("Kommune;ID;Enhed;Opgave;Kanal;Type;\r\n", 'kolonnen "Dato" mangler'),
    ("KommuneID;Enhed;KLE Opgave kode;Henvendelses Kanal;Dato;Alder;\r\n", '"Alder": kendes ikke i upload-formatet'),
])
def test_files_that_are_not_landkort_files(lk_store, lk_config, lk_db, tmp_path, text, message):
    path = tmp_path / "x.csv"
    path.write_bytes(text.encode("iso-8859-1"))
    with pytest.raises(Refusal, match=message):
        run(lk_store, lk_config, path)
    assert count(lk_db) == 0 and count(lk_db, "imports") == 0


def test_missing_file(lk_store, lk_config, tmp_path):
    with pytest.raises(Refusal, match="findes ikke"):
        run(lk_store, lk_config, tmp_path / "nope.csv")


def test_check_only_imports_nothing(lk_store, lk_config, lk_db):
    outcome = run(lk_store, lk_config, SAMPLE, check_only=True)
    assert outcome.record is None and outcome.parsed.rows == 312
    assert count(lk_db) == 0 and count(lk_db, "imports") == 0
    run(lk_store, lk_config, SAMPLE)  # and the real import still works afterwards
    assert count(lk_db) == 312


def test_imported_rows_are_append_only_too(lk_store, lk_config, lk_db):
    run(lk_store, lk_config, SAMPLE)
    with dbrows.refused("append-only"):
        dbrows.execute(lk_db, "DELETE FROM imports")
    with dbrows.refused("append-only"):
        dbrows.execute(lk_db, "UPDATE imports SET row_count = 1")


def test_own_export_imported_into_the_same_database_adds_nothing(lk_store, lk_config, lk_db, tmp_path):
    from landkort_fixtures import export, register

    register(lk_store, lk_config, "19-10-2026 08:00:00", answers={QUESTION: "Ja"})
    register(lk_store, lk_config, "19-10-2026 08:00:30", count=2)
    data, _, _ = export(lk_store, lk_config, "raadata")
    outcome = import_text(lk_store, lk_config, tmp_path / "own.csv", data.decode("iso-8859-1"))
    assert outcome.record is None and (outcome.match.new, outcome.match.existing) == (0, 3)
    assert outcome.result == "0 nye rækker importeret, 3 fandtes allerede"
    assert count(lk_db) == 3 and count(lk_db, "imports") == 0


def test_undo_by_unit_never_voids_an_imported_row(lk_store, lk_config, lk_db):
    from landkort_fixtures import register

    [own] = register(lk_store, lk_config, "21-10-2026 10:00:00")
    run(lk_store, lk_config, SAMPLE)  # 103 rows of 999borgerservice, written after ours
    voided = lk_store.undo_last(enhed="999borgerservice")
    assert [r.id for r in voided] == [own]
    assert lk_store.undo_last(enhed="999borgerservice") == []  # nothing of ours left to undo
