"""The real command line against the test session's PostgreSQL server: the config's ``database``
and TAELLEUGE_DB select it; init, doctor, registrer, fortryd, eksport, import and rapport work;
the password in a URL is never printed; faults are Danish messages, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from psycopg.conninfo import conninfo_to_dict

import dbrows
import pg_server as pgs
from storage.postgres.schema import MIGRATION_NAMES
from support import REPO

pytestmark = [pytest.mark.postgresql, pytest.mark.slow]

CONFIG = """
kommunenummer = 259
kommunenavn = "Køge"
tidszone = "Europe/Copenhagen"
DATABASE

[[enhed]]
kode = "259borgerservice"
navn = "Borgerservice"
kanal = "PRSNLG"
kanaler = ["PRSNLG", "TLFIND"]
opgaver = [{ kle = "23.05.10", navn = "Flytning" }]

[[taelleuge]]
navn = "Uge 43 2025"
fra = 2025-10-20
til = 2025-10-26
"""
REGISTER = ["registrer", "--enhed", "259borgerservice", "--opgave", "23.05.10", "--kanal", "PRSNLG",
            "--type", "OPRET", "--tid", "22-10-2025 10:15"]


def run(tmp_path, *args: str, db: str | None = None, database_line: str = "") -> subprocess.CompletedProcess:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG.replace("DATABASE", database_line), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAELLEUGE_")}
    env.update(HOME=str(tmp_path / "home"), XDG_DATA_HOME=str(tmp_path / "xdg"),
               TAELLEUGE_CONFIG=str(config))
    if db:
        env["TAELLEUGE_DB"] = db
    return subprocess.run([sys.executable, "-m", "tui", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def tcp_url(pg_server, pg_empty_database) -> str:
    """The fresh, empty database over TCP, with the superuser's password in the URL."""
    return pg_server.tcp_url(conninfo_to_dict(pg_empty_database)["dbname"])


def no_secret(result: subprocess.CompletedProcess) -> None:
    assert pgs.SUPERUSER_PASSWORD not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_init_and_doctor_on_a_server(tmp_path, tcp_url):
    first = run(tmp_path, "init", db=tcp_url)
    assert first.returncode == 0, first.stderr
    assert "Database: PostgreSQL host=127.0.0.1" in first.stdout
    assert "adgangskode i adressen: vises ikke" in first.stdout
    assert f"Skema: version {len(MIGRATION_NAMES)} (anvendt nu: m001_registrations" in first.stdout
    assert "Roller: taelleuge_staff og taelleuge_coordinator findes" in first.stdout
    no_secret(first)
    again = run(tmp_path, "init", db=tcp_url)
    assert f"Skema: version {len(MIGRATION_NAMES)} (var allerede opdateret)" in again.stdout
    doctor = run(tmp_path, "doctor", db=tcp_url)
    assert doctor.returncode == 0, doctor.stderr
    lines = doctor.stdout.splitlines()
    assert any(line.startswith("Server        PostgreSQL ") and "synchronous_commit on" in line
               for line in lines)
    assert any(line.startswith("Login         postgres: superbruger") and "taelleuge_staff" in line
               for line in lines)
    assert f"Skema         version {len(MIGRATION_NAMES)}" in doctor.stdout
    assert "Rækker        registreringer 0, prøve 0" in doctor.stdout
    no_secret(doctor)


def test_the_config_database_line_selects_the_server(tmp_path, pg_empty_database):
    line = f'database = "{pg_empty_database}"'
    assert run(tmp_path, "init", database_line=line).returncode == 0
    saved = run(tmp_path, *REGISTER, database_line=line)
    assert saved.returncode == 0, saved.stderr
    assert saved.stdout.startswith("Gemt: 1 × 23.05.10 Flytning")
    assert dbrows.count(pg_empty_database) == 1
    undone = run(tmp_path, "fortryd", "--enhed", "259borgerservice", "--ja", database_line=line)
    assert undone.returncode == 0, undone.stderr
    assert dbrows.count(pg_empty_database, "voids") == 1
    assert not (tmp_path / "postgresql:").exists()  # never taken for a relative file path


def test_a_server_that_is_not_there_is_a_danish_message(tmp_path):
    url = f"postgresql://anna:{pgs.SUPERUSER_PASSWORD}@127.0.0.1:{pgs.free_port()}/taelleuge"
    result = run(tmp_path, *REGISTER, db=url)
    assert result.returncode == 1
    assert "Databaseserveren kan ikke nås (host=127.0.0.1" in result.stderr
    assert "Intet er gemt" in result.stderr
    no_secret(result)
    doctor = run(tmp_path, "doctor", db=url)
    assert doctor.returncode == 1 and "Databaseserveren kan ikke nås" in doctor.stderr
    no_secret(doctor)


def test_the_end_of_week_commands_work_on_a_server(tmp_path, tcp_url):
    """eksport landkort/excel, import and rapport on PostgreSQL (they refused it before the store
    interface), over TCP with the password in the URL, which is never shown."""
    assert run(tmp_path, "init", db=tcp_url).returncode == 0
    for when in ("20-10-2025 09:00", "22-10-2025 10:15", "22-10-2025 11:00"):
        saved = run(tmp_path, *REGISTER[:-1], when, db=tcp_url)
        assert saved.returncode == 0, saved.stderr
    csv = tmp_path / "uge43.csv"
    exported = run(tmp_path, "eksport", "landkort", "--uge", "2025-W43", "--format", "raadata",
                   "--ud", str(csv), db=tcp_url)
    assert exported.returncode == 0, exported.stderr
    assert "Rækker: 3" in exported.stdout
    assert csv.read_bytes().count(b"\r\n") == 4
    assert dbrows.count(tcp_url, "exports") == 1
    excel = run(tmp_path, "eksport", "excel", "--uge", "2025-W43", "--ud", str(tmp_path / "u.xlsx"),
                db=tcp_url)
    assert excel.returncode == 0, excel.stderr
    assert "Rækker: 3" in excel.stdout
    report = run(tmp_path, "rapport", "--uge", "2025-W43", db=tcp_url)
    assert report.returncode == 0, report.stderr
    assert "23.05.10" in report.stdout
    imported = run(tmp_path, "import", str(csv), db=tcp_url)
    assert imported.returncode == 0, imported.stderr
    # Our own export comes back: every row is already there (matched by content).
    assert "Rækker: 3" in imported.stdout
    assert "0 nye rækker importeret, 3 fandtes allerede" in imported.stdout
    assert dbrows.count(tcp_url) == 3 and dbrows.count(tcp_url, "imports") == 0
    for result in (exported, excel, report, imported):
        no_secret(result)
