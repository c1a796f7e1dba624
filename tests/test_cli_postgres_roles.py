"""Who is the coordinator on PostgreSQL, through the real command line: the database role decides
(never "everyone"), with no ``[koordinator] gruppe`` configured. A login granted only
``taelleuge_staff`` registers but is refused every coordinator command, as on SQLite; a login in
``taelleuge_coordinator`` may run them. (The attack this answers: a staff login voided a row with
``fortryd --id`` and listed ``registreringer`` and ``historik``.)"""

from __future__ import annotations

import grp
import os
import subprocess
import sys
import uuid

import pytest
from psycopg.conninfo import conninfo_to_dict

import dbrows
from storage.open import open_store
from storage.postgres import roles
from storage.registration import new_entry
from support import REPO

pytestmark = [pytest.mark.postgresql, pytest.mark.slow]

# No [koordinator] gruppe: the database role alone decides.
CONFIG = """
kommunenummer = 259
kommunenavn = "Køge"
tidszone = "Europe/Copenhagen"

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
REFUSED = "er forbeholdt tovholderen"


def run(tmp_path, url: str, *args: str, group: str | None = None) -> subprocess.CompletedProcess:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG + (f'\n[koordinator]\ngruppe = "{group}"\n' if group else ""),
                      encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAELLEUGE_")}
    env.update(HOME=str(tmp_path / "home"), XDG_DATA_HOME=str(tmp_path / "xdg"),
               TAELLEUGE_CONFIG=str(config), TAELLEUGE_DB=url, TERM="dumb")
    return subprocess.run([sys.executable, "-m", "tui", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


@pytest.fixture
def login(pg_server, pg_admin, pg_database):
    dbname = conninfo_to_dict(pg_database)["dbname"]

    def make(member_of: str) -> str:
        name = f"login_{uuid.uuid4().hex[:10]}"
        pg_admin.execute(f"CREATE ROLE {name} LOGIN IN ROLE {member_of}")
        return pg_server.url(dbname, user=name)

    return make


@pytest.fixture
def row(pg_database, config) -> str:
    """One registration, made by another desk (the superuser's connection)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    entry = new_entry(config, enhed="999borgerservice", opgave="23.05.10", kanal="PRSNLG",
                      type="OPRET", end=datetime(2026, 10, 21, 10, 0, tzinfo=ZoneInfo("Europe/Copenhagen")))
    with open_store(pg_database, station="kiosk9", operator="bo") as store:
        [rid] = store.record(entry)
    return rid


def test_a_staff_login_is_refused_every_coordinator_command(tmp_path, login, row, pg_database):
    url = login(roles.STAFF)
    upload = tmp_path / "upload.csv"
    upload.write_text("x;\r\n", encoding="latin-1")
    out = tmp_path / "uge.csv"
    commands = [
        ("fortryd", "--id", row, "--aarsag", "DUBLET", "--ja"),
        ("fortryd", "--enhed", "259borgerservice", "--ja"),
        ("registreringer",),
        ("historik",),
        ("import", str(upload)),
        ("eksport", "landkort", "--uge", "2025-W43", "--ud", str(out)),
        ("eksport", "excel", "--uge", "2025-W43", "--ud", str(tmp_path / "uge.xlsx")),
        ("rapport", "--uge", "2025-W43"),
        ("status",),
        ("koordinator",),
        ("doctor", "--grundig"),
    ]
    user = conninfo_to_dict(url)["user"]
    for command in commands:
        result = run(tmp_path, url, *command)
        assert result.returncode == 1, (command, result.stdout, result.stderr)
        assert REFUSED in result.stderr, (command, result.stderr)
        assert f"databasebrugeren {user} har ikke rollen {roles.COORDINATOR}" in result.stderr
        assert row not in result.stdout  # nothing listed
        assert "Traceback" not in result.stderr
    assert dbrows.count(pg_database, "voids") == 0
    assert dbrows.count(pg_database, "imports") == 0 and dbrows.count(pg_database, "exports") == 0
    assert not out.exists()


def test_a_staff_login_still_registers_and_doctor_says_it_is_staff(tmp_path, login, pg_database):
    url = login(roles.STAFF)
    saved = run(tmp_path, url, "registrer", "--enhed", "259borgerservice", "--opgave", "23.05.10",
                "--kanal", "PRSNLG", "--type", "OPRET", "--proeve")
    assert saved.returncode == 0, saved.stderr
    assert dbrows.count(pg_database, "registrations") == 1
    # Staff's limits, not the coordinator's (every server login counted as coordinator before).
    batch = run(tmp_path, url, "registrer", "--enhed", "259borgerservice", "--opgave", "23.05.10",
                "--kanal", "PRSNLG", "--type", "OPRET", "--proeve", "--antal", "501")
    assert batch.returncode == 1 and "500" in batch.stderr, batch.stderr
    assert dbrows.count(pg_database, "registrations") == 1
    doctor = run(tmp_path, url, "doctor")
    assert "tovholder i databasen: nej" in doctor.stdout, doctor.stdout
    assert "databaserollen taelleuge_coordinator" in doctor.stdout


def test_a_coordinator_login_may(tmp_path, login, row, pg_database):
    url = login(roles.COORDINATOR)
    listed = run(tmp_path, url, "registreringer")
    assert listed.returncode == 0, listed.stderr
    assert row[:8] in listed.stdout
    voided = run(tmp_path, url, "fortryd", "--id", row, "--aarsag", "DUBLET", "--ja")
    assert voided.returncode == 0, voided.stderr
    assert dbrows.count(pg_database, "voids") == 1
    history = run(tmp_path, url, "historik")
    assert history.returncode == 0, history.stderr
    doctor = run(tmp_path, url, "doctor")
    assert "tovholder i databasen: ja" in doctor.stdout, doctor.stdout


def test_a_configured_group_is_required_on_top_never_instead(tmp_path, login, row, pg_database):
    """With a group the caller is in (root here, a member of every group), the database role
    still decides: root on a kiosk host with a staff login is staff."""
    group = grp.getgrgid(os.getegid()).gr_name
    staff = run(tmp_path, login(roles.STAFF), "fortryd", "--id", row, "--aarsag", "DUBLET", "--ja",
                group=group)
    assert staff.returncode == 1 and REFUSED in staff.stderr, staff.stderr
    assert dbrows.count(pg_database, "voids") == 0
    coordinator = run(tmp_path, login(roles.COORDINATOR), "fortryd", "--id", row, "--aarsag",
                      "DUBLET", "--ja", group=group)
    assert coordinator.returncode == 0, coordinator.stderr
    assert dbrows.count(pg_database, "voids") == 1
    outside = run(tmp_path, login(roles.COORDINATOR), "registreringer", group="ingen-saadan-gruppe")
    if os.geteuid() != 0:  # root counts as in every group, as on SQLite
        assert outside.returncode == 1 and "(gruppen ingen-saadan-gruppe)" in outside.stderr
    else:
        assert outside.returncode == 0, outside.stderr


def test_flyt_into_postgresql_needs_the_coordinators_login_there(tmp_path, login, pg_database):
    sqlite = str(tmp_path / "lokal.db")
    assert run(tmp_path, sqlite, "init").returncode == 0
    saved = run(tmp_path, sqlite, "registrer", "--enhed", "259borgerservice", "--opgave", "23.05.10",
                "--kanal", "PRSNLG", "--type", "OPRET", "--proeve")
    assert saved.returncode == 0, saved.stderr
    refused = run(tmp_path, sqlite, "flyt", "--til", login(roles.STAFF))
    assert refused.returncode == 1 and "Flytningen til PostgreSQL er forbeholdt tovholderen" \
        in refused.stderr, refused.stderr
    assert dbrows.count(pg_database, "registrations") == 0
    moved = run(tmp_path, sqlite, "flyt", "--til", login(roles.COORDINATOR))
    assert moved.returncode == 0, moved.stderr
    assert dbrows.count(pg_database, "registrations") == 1
