"""``taelleuge import`` (re-import counts, --kommune, --liste, --fortryd N) and ``fortryd --enhed``
asking first: the real CLI in a subprocess."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

import pytest

import dbrows
from landkort_fixtures import *  # noqa: F401,F403
from landkort_fixtures import SAMPLE, count
from support import REPO
from test_import_dedupe import SAMPLE_ROWS, SAMPLE_TEXT, _join, _lines, excel_resave, minutes_only

pytestmark = pytest.mark.slow


def _write(path, text: str):
    path.write_bytes(text.encode("iso-8859-1"))
    return path


def test_a_reimport_says_what_is_new_and_what_was_there(cli, lk_db, tmp_path):
    header, body = _lines(SAMPLE_TEXT)
    half = _write(tmp_path / "halv.csv", _join(header, body[:200]))
    first = cli("import", half)
    assert first.returncode == 0, first.stderr
    assert "Resultat: 200 nye rækker importeret, 0 fandtes allerede" in first.stdout
    whole = _write(tmp_path / "hele-excel.csv", minutes_only(SAMPLE_TEXT))
    check = cli("import", whole, "--kontroller")
    assert check.returncode == 0, check.stderr
    assert f"Resultat: {SAMPLE_ROWS - 200} nye rækker ville blive importeret, 200 fandtes allerede" \
        in check.stdout
    assert count(lk_db) == 200
    done = cli("import", whole)
    assert done.returncode == 0, done.stderr
    assert f"Resultat: {SAMPLE_ROWS - 200} nye rækker importeret, 200 fandtes allerede" in done.stdout
    assert count(lk_db) == SAMPLE_ROWS
    nothing = cli("import", _write(tmp_path / "igen.csv", excel_resave(SAMPLE_TEXT).replace(
        ";Ja\r\n", ";ja\r\n")))
    assert nothing.returncode == 0, nothing.stderr
    assert f"Resultat: 0 nye rækker importeret, {SAMPLE_ROWS} fandtes allerede. Intet nyt" in nothing.stdout
    assert nothing.stdout.startswith("Intet importeret (alle rækker fandtes allerede)")
    assert count(lk_db) == SAMPLE_ROWS and count(lk_db, "imports") == 2


def test_another_municipality_is_refused_unless_named(cli, lk_db, tmp_path):
    other = _write(tmp_path / "nabo.csv", SAMPLE_TEXT.replace(";999;", ";998;", 1))
    refused = cli("import", other)
    assert refused.returncode == 1
    assert 'Linje 2, felt "ID": kommunenummer 998 er ikke konfigurationens (999)' in refused.stderr
    assert "--kommune 998" in refused.stderr and "Traceback" not in refused.stderr
    assert count(lk_db) == 0
    named = cli("import", other, "--kommune", "998")
    assert named.returncode == 0, named.stderr
    assert dbrows.query(lk_db, "SELECT count(*) FROM registrations WHERE kommune_nr = '998'") == [(1,)]


@pytest.mark.engines("sqlite")  # the file is refused before the database is touched
def test_a_double_encoded_file_is_refused_with_the_diagnosis(cli, lk_db, tmp_path):
    mangled = SAMPLE_TEXT.replace("Eksempelby", "Køge".encode("utf-8").decode("latin-1"), 1)
    path = tmp_path / "dobbelt.csv"
    path.write_bytes(mangled.encode("utf-8"))
    refused = cli("import", path)
    assert refused.returncode == 1
    assert "dobbelt-kodet UTF-8" in refused.stderr and 'skulle nok være "Køge"' in refused.stderr
    assert "Linje 2" in refused.stderr and count(lk_db) == 0


def test_list_and_undo_an_import(cli, lk_db, tmp_path):
    header, body = _lines(SAMPLE_TEXT)
    assert cli("import", _write(tmp_path / "a.csv", _join(header, body[:100]))).returncode == 0
    assert cli("import", _write(tmp_path / "b.csv", _join(header, body[100:130]))).returncode == 0
    listed = cli("import", "--liste")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["Nr", "Tidspunkt", "Rækker", "Tæller", "Af", "Fil"]
    assert lines[1].split()[0] == "1" and lines[1].split()[-1] == "a.csv"
    assert lines[1].split()[3:5] == ["100", "100"]
    assert lines[2].split()[0] == "2" and lines[2].split()[-1] == "b.csv"

    asked = cli("import", "--fortryd", "1")  # no terminal, no --ja: nothing happens
    assert asked.returncode == 1
    assert 'Annullér 100 rækker fra import 1 ("a.csv"' in asked.stderr and "--ja" in asked.stderr
    assert count(lk_db, "voids") == 0

    done = cli("import", "--fortryd", "1", "--ja", "--aarsag", "dublet")
    assert done.returncode == 0, done.stderr
    assert 'Fortrudt: import 1 ("a.csv"): 100 rækker annulleret (DUBLET).' in done.stdout
    first_id = dbrows.query(lk_db, "SELECT id FROM imports WHERE file_name = 'a.csv'")[0][0]
    voided = dbrows.query(lk_db, "SELECT r.import_id, v.reason FROM voids v "
                                 "JOIN registrations r ON r.id = v.registration_id")
    assert len(voided) == 100 and set(voided) == {(first_id, "DUBLET")}
    assert count(lk_db) == 130  # append-only: nothing deleted

    listed = cli("import", "--liste").stdout.splitlines()
    assert listed[1].split()[3:5] == ["100", "0"] and listed[1].endswith("(fortrudt)")
    assert listed[2].split()[3:5] == ["30", "30"]

    again = cli("import", "--fortryd", "1", "--ja")
    assert again.returncode == 1 and 'Import 1 ("a.csv") er allerede fortrudt' in again.stderr
    assert count(lk_db, "voids") == 100
    missing = cli("import", "--fortryd", "3", "--ja")
    assert missing.returncode == 1 and "ingen import nummer 3; numrene går fra 1 til 2" in missing.stderr
    bad = cli("import", "--fortryd", "2", "--ja", "--aarsag", "fordi jeg vil")
    assert bad.returncode == 1 and 'Ukendt årsag "fordi jeg vil"' in bad.stderr
    assert count(lk_db, "voids") == 100


@pytest.mark.engines("sqlite")  # argument checks: no database is read
def test_import_option_mistakes_are_messages(cli):
    for args, words in ((["import"], "Angiv filen"), (["import", "--liste", "--fortryd", "1"], "enten --liste"),
                        (["import", "x.csv", "--liste"], "tager ingen fil"),
                        (["import", "x.csv", "--ja"], "hører til --fortryd")):
        result = cli(*args)
        assert result.returncode == 1 and words in result.stderr and "Traceback" not in result.stderr


def _answering(args: list[str], env: dict, answer: str) -> tuple[int, str]:
    """Run the CLI on a pseudo-terminal and answer its question."""
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "tui", *args], cwd=REPO, env=env,
                                stdin=slave, stdout=slave, stderr=slave)
    finally:
        os.close(slave)
    os.write(master, answer.encode() + b"\n")
    out = b""
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        out += data
    proc.wait(timeout=60)
    os.close(master)
    return proc.returncode, out.decode(errors="replace")


@pytest.mark.engines("sqlite")  # the question is the CLI's; the engines' undo is tested above
def test_undo_of_an_import_asks_on_a_terminal(cli, lk_db, tmp_path):
    assert cli("import", SAMPLE).returncode == 0
    code, out = _answering(["import", "--fortryd", "1"], cli.env, "n")
    assert code == 1 and "Annullér 312 rækker fra import 1" in out and "Intet er ændret" in out
    assert count(lk_db, "voids") == 0
    code, out = _answering(["import", "--fortryd", "1"], cli.env, "j")
    assert code == 0, out
    assert "312 rækker annulleret (RETTELSE)" in out and count(lk_db, "voids") == 312


def test_fortryd_enhed_shows_the_row_and_asks(cli, lk_db):
    saved = cli("registrer", "--enhed", "999skranke", "--opgave", "23.09.04", "--kanal", "TLFIND",
                "--type", "VEJL", "--tid", "21-10-2026 10:15")
    assert saved.returncode == 0, saved.stderr
    asked = cli("fortryd", "--enhed", "999skranke")
    assert asked.returncode == 1
    # Time, task, channel and type of what would be voided, and how to confirm.
    assert "Annullér enhedens seneste registrering: 1 × 23.09.04 Kørekort · TLFIND" in asked.stderr
    assert "· VEJL ·" in asked.stderr and "21-10-2026 10:15" in asked.stderr and "--ja" in asked.stderr
    assert count(lk_db, "voids") == 0
    done = cli("fortryd", "--enhed", "999skranke", "--ja")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Annulleret: 1 × 23.09.04 Kørekort")
    assert count(lk_db, "voids") == 1


@pytest.mark.engines("sqlite")  # the question is the CLI's
def test_fortryd_enhed_asks_on_a_terminal(cli, lk_db):
    assert cli("registrer", "--enhed", "999skranke", "--opgave", "23.09.04", "--kanal", "TLFIND",
               "--type", "VEJL", "--tid", "21-10-2026 10:15", "--antal", "2").returncode == 0
    code, out = _answering(["fortryd", "--enhed", "999skranke"], cli.env, "nej")
    assert code == 1 and "2 × 23.09.04 Kørekort" in out and count(lk_db, "voids") == 0
    code, out = _answering(["fortryd", "--enhed", "999skranke"], cli.env, "ja")
    assert code == 0 and "Annulleret: 2 × 23.09.04" in out and count(lk_db, "voids") == 2


def test_an_undone_import_lets_the_same_file_in_again(cli, lk_db, tmp_path):
    """Undo, then the byte-identical file again: its rows come back under a new import. While
    an import still counts, the same file is refused, naming that import and how to undo it."""
    header, body = _lines(SAMPLE_TEXT)
    path = _write(tmp_path / "f.csv", _join(header, body[:40]))
    assert cli("import", path).returncode == 0
    refused = cli("import", path)
    assert refused.returncode == 1
    assert 'allerede importeret (import 1: "f.csv"' in refused.stderr
    assert "taelleuge import --fortryd 1" in refused.stderr and "Traceback" not in refused.stderr
    assert cli("import", "--fortryd", "1", "--ja").returncode == 0
    again = cli("import", path)
    assert again.returncode == 0, again.stderr
    assert "Resultat: 40 nye rækker importeret, 0 fandtes allerede" in again.stdout
    live = dbrows.query(lk_db, "SELECT count(*) FROM registrations r WHERE NOT EXISTS "
                               "(SELECT 1 FROM voids v WHERE v.registration_id = r.id)")
    assert live == [(40,)] and count(lk_db) == 80 and count(lk_db, "imports") == 2
    third = cli("import", path)  # the new import counts now: refused again, naming import 2
    assert third.returncode == 1 and 'allerede importeret (import 2: "f.csv"' in third.stderr
    assert count(lk_db) == 80
