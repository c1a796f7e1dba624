"""The check before delivery, on a week counted by hand, through the real CLI.

The week (count week Monday 19 – Friday 23 October 2026 in this config):

==================  ==  ==  ==  ==  ==  ==  ==  =====
unit                ma  ti  on  to  fr  lø  sø  total
==================  ==  ==  ==  ==  ==  ==  ==  =====
999borgerservice     2   1   0!  1   0!  -   -      4   (a batch of 2; Wednesday's row is voided)
999skranke           1   0!  0!  0!  0!  1   -      2   (Saturday: imported, outside the count week)
999telefon           0!  0!  0!  0!  0!  -   -      0   (Tuesday's row is a trial row)
(uden enhed)         0   0   0   0   1   -   -      1   (an imported WEB row)
==================  ==  ==  ==  ==  ==  ==  ==  =====

7 rows written = 7 live in the database; 1 voided and 1 trial row left out; 11 empty unit-days; 1
self-service row registered by staff (TraceTool's SLVBTJN on Thursday); 1 row outside the count
week (Saturday).
"""

from __future__ import annotations

import hashlib

import pytest

import dbrows
from landkort_fixtures import *  # noqa: F401,F403
from landkort_fixtures import Cli, QUESTION, config_text, import_text, local, register
from storage import config as cfgmod
from storage.open import open_store

IMPORTED = (
    "Kommune;ID;Enhed;Opgave;Kanal;Type;Afslutning;Blanket;Dato;StartTidspunkt;SlutTidspunkt;Datakilde;\r\n"
    "Eksempelby;999;999borgerservice;29.03.04;SLVBTJN;OPRET;HOLD;JA;22-10-2026 11:00:00;;;Tracetool;\r\n"
    "Eksempelby;999;999skranke;23.05.10;PRSNLG;VEJL;STRAKS;NEJ;24-10-2026 10:00:00;;;Tracetool;\r\n"
    "Eksempelby;999;;23.05.10;WEB;VEJL;STRAKS;NEJ;23-10-2026 00:00:00;;;DetDigitaleLandkort;\r\n"
)


@pytest.fixture
def week(tmp_path, db_path):
    config_path = tmp_path / "config.toml"
    config_path.write_text(config_text(last="2026-10-23"), "utf-8")
    config = cfgmod.load(config_path)
    db = db_path
    with open_store(db, station="test-station", operator="tester", create=True) as store:
        register(store, config, "19-10-2026 08:00:00", count=2)
        register(store, config, "20-10-2026 09:00:00", answers={QUESTION: "Ja"})
        register(store, config, "19-10-2026 10:00:00", enhed="999skranke")
        store.void(register(store, config, "21-10-2026 09:00:00"), "DUBLET")
        register(store, config, "20-10-2026 09:30:00", enhed="999telefon", kanal="TLFIND", trial=True)
        import_text(store, config, tmp_path / "tidligere.csv", IMPORTED)
    return Cli(config_path, db, tmp_path), db, tmp_path


def table_row(report: str, label: str) -> list[str]:
    line = next(line for line in report.splitlines() if line.startswith(label + " "))
    return line[len(label):].split()


def test_check_report_numbers(week):
    cli, db, tmp = week
    target = tmp / "uge43.csv"
    checked = cli("eksport", "landkort", "--uge", "2026-W43", "--ud", target, "--kontroller")
    assert checked.returncode == 0, checked.stderr
    assert not target.exists() and not (tmp / "uge43.csv.kontrol.txt").exists()  # --kontroller writes nothing
    report = checked.stdout
    assert table_row(report, "Enhed") == ["ma", "19-10", "ti", "20-10", "on", "21-10", "to", "22-10",
                                          "fr", "23-10", "lø", "24-10", "sø", "25-10", "I", "alt"]
    assert table_row(report, "999borgerservice") == ["2", "1", "0!", "1", "0!", "-", "-", "4"]
    assert table_row(report, "999skranke") == ["1", "0!", "0!", "0!", "0!", "1", "-", "2"]
    assert table_row(report, "999telefon") == ["0!", "0!", "0!", "0!", "0!", "-", "-", "0"]
    assert table_row(report, "(uden enhed)") == ["0", "0", "0", "0", "1", "-", "-", "1"]
    assert table_row(report, "I alt") == ["3", "1", "0", "1", "1", "1", "0", "7"]
    assert "  OK        Rækker skrevet: 7 (databasens antal for samme udvalg: 7)" in report
    assert "  INFO      Annullerede rækker udeladt: 1" in report
    assert "  INFO      Prøverækker udeladt: 1" in report
    assert "  ADVARSEL  Selvbetjeningskanaler registreret af personale: 1 række" in report
    assert "SLVBTJN fra Tracetool: 1 række" in report
    assert "  ADVARSEL  Rækker uden for enhedens tælleuger: 1 (tæller ikke med i rapportens tal)" in report
    assert "999skranke lø 24-10-2026: 1 række" in report
    assert "  ADVARSEL  Tomme dage i tælleugen: 11 (enhed × dag uden registreringer)" in report
    assert "999telefon: ma 19-10, ti 20-10, on 21-10, to 22-10, fr 23-10" in report
    assert "  OK        Ukendte koder: ingen" in report
    assert "  OK        Rækker uden for udvalget: 0" in report
    assert "  INFO      Rækker pr. datakilde: DetDigitaleLandkort 1, Taelleuge 4, Tracetool 2" in report
    assert "Resultat:     klar til aflevering (3 advarsel/advarsler)" in report
    checked_sha = next(line.split()[1] for line in report.splitlines() if line.startswith("SHA-256:"))

    done = cli("eksport", "landkort", "--uge", "2026-W43", "--ud", target, "--stille")
    assert done.returncode == 0, done.stderr
    data = target.read_bytes()
    assert len(data.split(b"\r\n")) == 1 + 7 + 1
    sha = hashlib.sha256(data).hexdigest()
    assert f"SHA-256: {sha}" in done.stdout and sha == checked_sha
    assert "Rækker: 7" in done.stdout
    saved = (tmp / "uge43.csv.kontrol.txt").read_text("utf-8")
    assert f"SHA-256:      {sha}" in saved
    assert table_row(saved, "I alt") == table_row(report, "I alt")
    assert "Advarsel: Tomme dage i tælleugen" in done.stderr


def test_unit_filter_and_date_range(week):
    cli, db, tmp = week
    result = cli("eksport", "landkort", "--fra", "19-10-2026", "--til", "2026-10-20", "--enhed", "999borgerservice",
                 "--kontroller")
    assert result.returncode == 0, result.stderr
    assert "Rækker skrevet: 3 (databasens antal for samme udvalg: 3)" in result.stdout
    assert table_row(result.stdout, "Enhed") == ["ma", "19-10", "ti", "20-10", "I", "alt"]
    assert "999skranke" not in result.stdout


def test_unknown_code_blocks_and_writes_no_file(week):
    cli, db, tmp = week
    dbrows.insert(db, "registrations", [dbrows.registration(  # a row no command could have written
        id="x", kommune_nr="999", kommune_navn="Eksempelby", enhed="999skranke", kanal="FAX",
        end_utc="2026-10-20T08:00:00.000000Z", created_utc="2026-10-20T08:00:00.000000Z")])
    target = tmp / "uge43.csv"
    result = cli("eksport", "landkort", "--uge", "2026-W43", "--ud", target)
    assert result.returncode == 1
    assert "  FEJL      Ukendte koder: 1 række" in result.stdout
    assert 'Kanal "FAX": 1 række (ikke i kodebogen)' in result.stdout
    assert "Resultat:     BLOKERET: 1 problem. Ingen fil er skrevet." in result.stdout
    assert "ingen fil er skrevet" in result.stderr
    assert sorted(p.name for p in tmp.iterdir() if "uge43" in p.name) == []


def test_unencodable_character_is_named_and_nothing_written(tmp_path, db_path):
    config_path = tmp_path / "config.toml"
    config_path.write_text(config_text(**{'svar = ["Ja", "Nej"]': 'svar = ["Ja – helt", "Nej"]'}), "utf-8")
    config = cfgmod.load(config_path)
    db = db_path
    with open_store(db, station="s", operator="o", create=True) as store:
        register(store, config, "19-10-2026 08:00:00")
        [rid] = register(store, config, "19-10-2026 09:00:00", answers={QUESTION: "Ja – helt"})
    cli = Cli(config_path, db, tmp_path)
    target = tmp_path / "uge43.csv"
    refused = cli("eksport", "landkort", "--uge", "2026-W43", "--format", "raadata", "--ud", target)
    assert refused.returncode == 1
    assert (f'Linje 3 (registrering {rid}), felt "Taler borgeren dansk?": tegnet "–" (U+2013) findes '
            "ikke i ISO-8859-1") in refused.stdout
    assert "--tegnsaet utf-8" in refused.stdout
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(("uge43", ".uge43"))] == []
    # The upload layout has no answers: nothing to refuse there.
    assert cli("eksport", "landkort", "--uge", "2026-W43", "--ud", tmp_path / "upload.csv").returncode == 0
    ok = cli("eksport", "landkort", "--uge", "2026-W43", "--format", "raadata", "--tegnsaet", "utf-8",
             "--ud", target)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "Ja – helt;\r\n".encode("utf-8") in target.read_bytes()


def test_existing_file_is_never_overwritten_without_overskriv(week):
    cli, db, tmp = week
    target = tmp / "uge43.csv"
    target.write_bytes(b"last week's file")
    before = sorted(p.name for p in tmp.iterdir())
    refused = cli("eksport", "landkort", "--uge", "2026-W43", "--ud", target)
    assert refused.returncode == 1
    assert "findes allerede og er ikke ændret" in refused.stderr and "--overskriv" in refused.stderr
    assert target.read_bytes() == b"last week's file"
    assert sorted(p.name for p in tmp.iterdir()) == before  # no temporary file left behind
    # The check report's name is guarded the same way.
    target.unlink()
    (tmp / "uge43.csv.kontrol.txt").write_text("old report", "utf-8")
    refused = cli("eksport", "landkort", "--uge", "2026-W43", "--ud", target)
    assert refused.returncode == 1 and not target.exists()
    assert (tmp / "uge43.csv.kontrol.txt").read_text("utf-8") == "old report"
    replaced = cli("eksport", "landkort", "--uge", "2026-W43", "--ud", target, "--overskriv")
    assert replaced.returncode == 0, replaced.stderr
    assert target.read_bytes().startswith(b"KommuneID;")
    assert (tmp / "uge43.csv.kontrol.txt").read_text("utf-8").startswith("Kontrol af eksport")


def test_week_bounds_follow_local_time_across_the_clock_change(lk_store, lk_config, lk_db):
    """2026-W43 ends Sunday 25 October, the night summer time ends: 23:30 local is still in the week,
    Monday 00:30 local (23:30 UTC on Sunday) is not; 02:30 happens twice and both are in."""
    from datetime import datetime, timezone

    from landkort_fixtures import export
    from storage.registration import new_entry

    def at_utc(text):
        return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)

    for moment in ("2026-10-25T00:30:00", "2026-10-25T01:30:00", "2026-10-25T22:30:00", "2026-10-25T23:30:00"):
        lk_store.record(new_entry(lk_config, enhed="999borgerservice", opgave="23.05.10", kanal="PRSNLG",
                                  type="OPRET", end=at_utc(moment), trial=moment.endswith("23:30:00")))
    data, written, left = export(lk_store, lk_config, "upload")
    lines = data.decode("iso-8859-1").split("\r\n")[1:-1]
    assert [line.split(";")[7] for line in lines] == ["25-10-2026 02:30", "25-10-2026 02:30", "25-10-2026 23:30"]
    # Monday 00:30 local is a trial row (outside the count week only trial rows are allowed): it is
    # not even counted among the trial rows left out, because it is outside the selection.
    assert (written.rows, left.trial) == (3, 0)
    assert local(lk_config, "25-10-2026 23:30").utcoffset().total_seconds() == 3600


def test_rows_outside_a_units_own_count_weeks_are_named_per_unit_and_day(tmp_path, db_path):
    """999telefon counts only "Uge 44"; its rows in W43 are outside its count weeks, the other
    units' rows in W43 are not."""
    text = config_text().replace(
        'opgaver = [\n  { kle = "32.03.04", navn = "Folkepension" },',
        'taelleuger = ["Uge 44"]\nopgaver = [\n  { kle = "32.03.04", navn = "Folkepension" },')
    text += '\n[[taelleuge]]\nnavn = "Uge 44"\nfra = 2026-10-26\ntil = 2026-11-01\n'
    config_path = tmp_path / "config.toml"
    # The rows were registered before 999telefon got its own weeks (the desk refuses a counted
    # row outside them today): written with the config as it was, checked with the new one.
    config_path.write_text(text.replace('taelleuger = ["Uge 44"]\n', ""), "utf-8")
    config = cfgmod.load(config_path)
    config_path.write_text(text, "utf-8")
    db = db_path
    with open_store(db, station="test-station", operator="tester", create=True) as store:
        register(store, config, "19-10-2026 08:00:00")
        register(store, config, "20-10-2026 09:30:00", enhed="999telefon", kanal="TLFIND", count=2)
    checked = Cli(config_path, db, tmp_path)("eksport", "landkort", "--uge", "2026-W43",
                                             "--kontroller")
    assert checked.returncode == 0, checked.stderr
    assert "  ADVARSEL  Rækker uden for enhedens tælleuger: 2" in checked.stdout
    assert "999telefon ti 20-10-2026: 2 rækker" in checked.stdout
    assert "999borgerservice ma" not in checked.stdout


def test_empty_days_are_weekdays_of_each_units_own_weeks(tmp_path, db_path):
    """A Monday-Sunday count week and a unit that counts only the next week: the check flagged
    the weekend and every day of that unit (the same rule as Dækning now)."""
    text = config_text(last="2026-10-25").replace(
        'kanal = "TLFIND"\n', 'kanal = "TLFIND"\ntaelleuger = ["Uge 44"]\n') + (
        '\n[[taelleuge]]\nnavn = "Uge 44"\nfra = 2026-10-26\ntil = 2026-11-01\n')
    config_path = tmp_path / "config.toml"
    config_path.write_text(text, "utf-8")
    config = cfgmod.load(config_path)
    with open_store(db_path, station="test-station", operator="tester", create=True) as store:
        for day in range(19, 24):
            register(store, config, f"{day}-10-2026 09:00:00")
            register(store, config, f"{day}-10-2026 09:00:00", enhed="999skranke")
    cli = Cli(config_path, db_path, tmp_path)
    checked = cli("eksport", "landkort", "--uge", "2026-W43", "--ud", tmp_path / "u.csv", "--kontroller")
    assert checked.returncode == 0, checked.stderr
    report = checked.stdout
    assert table_row(report, "999borgerservice") == ["1", "1", "1", "1", "1", "0", "0", "5"]
    assert table_row(report, "999telefon") == ["-", "-", "-", "-", "-", "-", "-", "0"]
    assert "  OK        Tomme dage i tælleugen: ingen" in report
