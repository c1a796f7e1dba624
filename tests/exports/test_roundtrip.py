"""Round trips: the sample extract in and out again byte for byte, and our own files in and out."""

from __future__ import annotations

from collections import Counter

from landkort_fixtures import *  # noqa: F401,F403
from landkort_fixtures import QUESTION, SAMPLE, config_text, export, import_text, register
from storage.open import open_store


def test_sample_comes_back_byte_for_byte(lk_store, lk_config):
    from exports import importer

    outcome = importer.run(lk_store, lk_config, SAMPLE)
    assert outcome.parsed.rows == 312
    data, written, _ = export(lk_store, lk_config, "raadata")
    sample = SAMPLE.read_bytes().split(b"\r\n")
    ours = data.split(b"\r\n")
    assert ours[0] == sample[0]  # the header, byte for byte
    assert ours[-1] == sample[-1] == b""  # both end with CRLF
    # Every line as often as in the sample; only the group-level KLE number gains its ".00".
    expected = Counter(line.replace(b";15.20;", b";15.20.00;") for line in sample[1:-1])
    assert Counter(ours[1:-1]) == expected
    assert sum(1 for line in sample if b";15.20;" in line) == 12
    assert written.rows == 312


def test_upload_file_round_trips(lk_store, lk_config, tmp_path, other_db_path):
    register(lk_store, lk_config, "19-10-2026 08:15:30", answers={QUESTION: "Ja"})
    register(lk_store, lk_config, "20-10-2026 10:00:00", enhed="999telefon", opgave="32.03.04",
             kanal="TLFIND", type="INFO", count=3)
    import_text(lk_store, lk_config, tmp_path / "web.csv",
                "Kommune;ID;Enhed;Opgave;Kanal;Type;Afslutning;Blanket;Dato;StartTidspunkt;SlutTidspunkt;Datakilde;\r\n"
                "Eksempelby;999;;23.05.10;WEB;;;;23-10-2026 00:00:00;;;DetDigitaleLandkort;\r\n")
    first, _, _ = export(lk_store, lk_config, "upload")
    with open_store(other_db_path, station="s", operator="o", create=True) as other:
        import_text(other, lk_config, tmp_path / "upload.csv", first.decode("iso-8859-1"))
        again, written, _ = export(other, lk_config, "upload")
    assert again == first
    assert written.rows == 5


def test_own_raw_export_round_trips(lk_store, lk_config, tmp_path, other_db_path):
    """Rows made here (start time or not, answers or not) survive export → import → export."""
    register(lk_store, lk_config, "19-10-2026 08:15:30", start="19-10-2026 08:10:00", answers={QUESTION: "Nej"})
    register(lk_store, lk_config, "19-10-2026 09:00:00")
    register(lk_store, lk_config, "22-10-2026 12:00:59", enhed="999skranke", opgave="23.09.04", type="VEJL")
    first, _, _ = export(lk_store, lk_config, "raadata")
    with open_store(other_db_path, station="s", operator="o", create=True) as other:
        import_text(other, lk_config, tmp_path / "own.csv", first.decode("iso-8859-1"))
        again, _, _ = export(other, lk_config, "raadata")
    assert again == first


def test_questions_only_imported_rows_answer_become_columns(lk_store, lk_config, tmp_path):
    """Config questions first (config order), then the others alphabetically; a row without an
    answer gets empty fields. Such a week is read twice (see landkort.write); the file is as if once."""
    register(lk_store, lk_config, "19-10-2026 08:00:00", answers={QUESTION: "Ja"})
    import_text(lk_store, lk_config, tmp_path / "old.csv",
                "Kommune;ID;Enhed;Opgave;Kanal;Type;Afslutning;Blanket;Dato;Datakilde;Over 65;Alder;\r\n"
                "Eksempelby;999;999skranke;23.05.10;PRSNLG;INFO;STRAKS;NEJ;20-10-2026 09:00:00;Tracetool;Ja;Voksen;\r\n")
    data, written, _ = export(lk_store, lk_config, "raadata")
    lines = data.decode("iso-8859-1").split("\r\n")
    assert lines[0].endswith(";Datakilde;Taler borgeren dansk?;Alder;Over 65;")
    assert lines[1].endswith(";Taelleuge;Ja;;;")
    assert lines[2].endswith(";Tracetool;;Voksen;Ja;")
    assert len(lines) == 4 and written.rows == 2
    assert data.count(b"Kommune;ID;") == 1  # the first, stopped pass left nothing behind


def test_unit_codes_with_aeoeaa_round_trip_in_iso_8859_1(tmp_path, db_path, other_db_path):
    """``259økonomi`` and ``259hjælpemidler`` (real municipalities' codes): registered, exported
    to Landkort in ISO-8859-1 with ``--enhed``, imported into a fresh database, exported again
    byte for byte; ``rapport --enhed`` takes the same code."""
    from landkort_fixtures import Cli, local
    from storage import config as cfgmod
    from storage.registration import new_entry

    text = config_text(**{'kode = "999skranke"': 'kode = "999økonomi"',
                          'kode = "999telefon"': 'kode = "999hjælpemidler"'})
    path = tmp_path / "config.toml"
    path.write_text(text, "utf-8")
    config = cfgmod.load(path)
    db = db_path
    with open_store(db, station="s", operator="o", create=True) as store:
        for unit, opgave, kanal in (("999økonomi", "23.09.04", "PRSNLG"),
                                    ("999hjælpemidler", "32.03.04", "TLFIND")):
            store.record(new_entry(config, enhed=unit, opgave=opgave, kanal=kanal, type="OPRET",
                                   end=local(config, "20-10-2026 10:00")))
    cli = Cli(path, db, tmp_path)
    out = tmp_path / "okonomi.csv"
    done = cli("eksport", "landkort", "--uge", "2026-W43", "--format", "raadata",
               "--enhed", "999økonomi", "999hjælpemidler", "--ud", out)
    assert done.returncode == 0, done.stderr
    data = out.read_bytes()
    assert ";999\xf8konomi;".encode("latin-1") in data  # ø is one ISO-8859-1 byte, 0xF8
    assert ";999hj\xe6lpemidler;".encode("latin-1") in data
    again_cli = Cli(path, other_db_path, tmp_path)
    assert again_cli("init").returncode == 0
    imported = again_cli("import", out)
    assert imported.returncode == 0, imported.stderr
    again = tmp_path / "again.csv"
    done = again_cli("eksport", "landkort", "--uge", "2026-W43", "--format", "raadata",
                     "--enhed", "999økonomi", "999hjælpemidler", "--ud", again)
    assert done.returncode == 0, done.stderr
    assert again.read_bytes() == data
    report = again_cli("rapport", "--uge", "2026-W43", "--enhed", "999hjælpemidler")
    assert report.returncode == 0, report.stderr
    assert "999hjælpemidler" in report.stdout and "999økonomi" not in report.stdout
