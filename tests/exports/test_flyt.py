"""``taelleuge flyt --til postgresql://…`` for real: an SQLite database (an import, registrations
with answers, a batch, a trial row, a void, a restore, an export log entry) copied into the test
session's PostgreSQL server by the CLI in a subprocess; run twice; killed midway and run again;
refused when the target holds other content under the same ids or another municipality's rows."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date, datetime

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

import dbrows
import pg_server as pgs
from landkort_fixtures import SAMPLE, Cli, config_text, register
from storage import config as cfgmod
from storage.model import EXPORTS, IMPORTS, REGISTRATIONS, VOIDS
from storage.open import open_store
from support import REPO

pytestmark = [pytest.mark.postgresql, pytest.mark.slow]

TABLES = {"registrations": REGISTRATIONS, "voids": VOIDS, "imports": IMPORTS, "exports": EXPORTS}


@pytest.fixture
def config_path(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(config_text(), "utf-8")
    return path


@pytest.fixture
def source(tmp_path, config_path):
    """An SQLite database with a bit of everything; 312 imported + 8 registered rows."""
    from exports import importer

    config = cfgmod.load(config_path)
    path = tmp_path / "kilde.db"
    with open_store(path, station="skranke-1", operator="anna", create=True) as store:
        importer.run(store, config, SAMPLE)
        register(store, config, "20-10-2026 09:15", start="20-10-2026 09:12",
                 answers={"Taler borgeren dansk?": "Nej"})
        register(store, config, "20-10-2026 10:00", count=3, kanal="TLFIND")
        register(store, config, "21-10-2026 11:30", enhed="999skranke", opgave="23.09.04")
        register(store, config, "21-10-2026 11:31", trial=True)
        [voided] = register(store, config, "22-10-2026 08:00")
        store.void([voided], "DUBLET")
        store.restore([voided])
        store.undo_last(station="skranke-1")
        store.record_export(kind="landkort-raadata", first=date(2026, 10, 19), last=date(2026, 10, 25),
                            start_utc="2026-10-18T22:00:00.000000Z", end_utc="2026-10-25T23:00:00.000000Z",
                            units=(), sources=(), rows=3, sha256="ab" * 32, file_name="uge43.csv",
                            now=datetime(2026, 10, 26, 9, 0, tzinfo=config.zone))
    return path


def flyt(tmp_path, config_path, source, target, *extra: str) -> subprocess.CompletedProcess:
    return Cli(config_path, source, tmp_path)("flyt", "--til", target, *extra)


def table_rows(location, table: str) -> list[tuple]:
    """Every written column (not seq), in seq / written order."""
    order = "seq" if table in ("registrations", "voids") else ("rowid" if not str(location).startswith("postgresql") else "created_utc, id")
    return dbrows.query(location, f"SELECT {', '.join(TABLES[table].written)} FROM {table} ORDER BY {order}")


def same_content(source, target) -> None:
    for table in TABLES:
        assert table_rows(source, table) == table_rows(target, table), table


def test_flyt_copies_every_row_and_proves_it(tmp_path, config_path, source, pg_empty_database):
    done = flyt(tmp_path, config_path, source, pg_empty_database)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    out = done.stdout
    assert "registreringer: 320 nye; 320 i SQLite, 320 i PostgreSQL" in out
    assert "annulleringer: 2 nye" in out and "importer: 1 nye" in out and "eksporter: 1 nye" in out
    assert "Kontrol af antal: ens i begge databaser." in out
    lines = [line.split()[1] for line in out.splitlines() if line.strip().startswith(("SQLite:", "PostgreSQL:"))]
    assert len(lines) == 2 and lines[0] == lines[1] and len(lines[0]) == 64
    assert "Flytningen er kontrolleret" in out
    same_content(source, pg_empty_database)


def test_flyt_twice_adds_nothing(tmp_path, config_path, source, pg_empty_database):
    assert flyt(tmp_path, config_path, source, pg_empty_database).returncode == 0
    again = flyt(tmp_path, config_path, source, pg_empty_database)
    assert again.returncode == 0, again.stderr
    assert "registreringer: 0 nye; 320 i SQLite, 320 i PostgreSQL" in again.stdout
    assert "annulleringer: 0 nye" in again.stdout and "Flytningen er kontrolleret" in again.stdout
    assert dbrows.count(pg_empty_database) == 320
    same_content(source, pg_empty_database)


def test_flyt_killed_midway_resumes_and_copies_each_row_once(tmp_path, config_path, source, pg_database):
    """Chunks of 50: another session holds an uncommitted row with the id of registration 151,
    so the fourth chunk waits on it; the copy is killed (SIGKILL) there, with three chunks
    committed. Run again, it completes: each row once, the same export from both sides."""
    blocker_id = table_rows(source, "registrations")[150][0]
    dbname = conninfo_to_dict(pg_database)["dbname"]
    env = Cli(config_path, source, tmp_path).env
    from storage import move

    with open_store(pg_database, station="t", operator="o", create=True) as target:  # as init:
        move.grant_roles(target)  # roles and grants first: setting them up locks the table
    with psycopg.connect(pg_database) as holder, psycopg.connect(pg_database, autocommit=True) as watch:
        holder.execute(
            "INSERT INTO registrations (id, kommune_nr, kommune_navn, enhed, opgave, kanal, end_utc, "
            "datakilde, station, operator, created_utc) VALUES (%s, '999', 'Eksempelby', 'x', "
            "'23.05.10', 'PRSNLG', '2026-10-21T09:00:00.000000Z', 'Taelleuge', 's', 'o', '2026-10-21T09:00:00.000000Z')", (blocker_id,))
        proc = subprocess.Popen([sys.executable, "-m", "tui", "flyt", "--til", pg_database, "--blok", "50"],
                                cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while not watch.execute(
                    "SELECT 1 FROM pg_stat_activity WHERE datname = %s AND application_name = "
                    "'taelleuge' AND wait_event_type = 'Lock'", (dbname,)).fetchall():
                assert proc.poll() is None and time.monotonic() < deadline, "flyt never waited"
                time.sleep(0.02)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
        holder.rollback()
    assert dbrows.count(pg_database) == 150  # three committed chunks, nothing of the fourth
    assert dbrows.count(pg_database, "imports") == 1 and dbrows.count(pg_database, "voids") == 0
    again = flyt(tmp_path, config_path, source, pg_database, "--blok", "50")
    assert again.returncode == 0, again.stderr
    assert "registreringer: 170 nye; 320 i SQLite, 320 i PostgreSQL" in again.stdout
    assert "Flytningen er kontrolleret" in again.stdout
    same_content(source, pg_database)


def test_a_target_with_other_content_under_a_source_id_is_refused_before_copying(
        tmp_path, config_path, source, pg_database):
    taken = table_rows(source, "registrations")[200][0]
    dbrows.execute(
        pg_database,
        "INSERT INTO registrations (id, kommune_nr, kommune_navn, enhed, opgave, kanal, end_utc, "
        "datakilde, station, operator, created_utc) VALUES (?, '999', 'Eksempelby', 'x', '23.05.10', "
        "'PRSNLG', '2026-10-21T08:30:00.000000Z', 'Taelleuge', 's', 'o', '2026-10-21T09:00:00.000000Z')", (taken,))
    refused = flyt(tmp_path, config_path, source, pg_database)
    assert refused.returncode == 1
    assert f"med id {taken}, men med et andet indhold" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert dbrows.count(pg_database) == 1 and dbrows.count(pg_database, "imports") == 0


def test_a_target_with_another_municipalitys_rows_is_refused(tmp_path, config_path, source, pg_database):
    dbrows.execute(
        pg_database,
        "INSERT INTO registrations (id, kommune_nr, kommune_navn, enhed, opgave, kanal, end_utc, "
        "datakilde, station, operator, created_utc) VALUES ('other', '101', 'København', 'x', "
        "'23.05.10', 'PRSNLG', '2026-10-21T08:30:00.000000Z', 'Taelleuge', 's', 'o', '2026-10-21T09:00:00.000000Z')")
    refused = flyt(tmp_path, config_path, source, pg_database)
    assert refused.returncode == 1
    assert "registreringer fra en anden kommune (101)" in refused.stderr
    assert dbrows.count(pg_database) == 1


def test_flyt_wants_a_server_and_never_shows_its_password(tmp_path, config_path, source, pg_server, pg_empty_database):
    wrong = flyt(tmp_path, config_path, source, str(tmp_path / "andet.db"))
    assert wrong.returncode == 1 and "--til skal være en PostgreSQL-adresse" in wrong.stderr
    url = pg_server.tcp_url(conninfo_to_dict(pg_empty_database)["dbname"])
    done = flyt(tmp_path, config_path, source, url)
    assert done.returncode == 0, done.stderr
    assert pgs.SUPERUSER_PASSWORD not in done.stdout + done.stderr
    assert "host=127.0.0.1" in done.stdout


def test_flyt_into_an_empty_database_grants_what_init_grants(tmp_path, config_path, source, pg_server,
                                                              pg_empty_database):
    """Without the grants, a staff login got "permission denied for table taelleuge_migrations"."""
    import os

    from storage.postgres import roles

    done = flyt(tmp_path, config_path, source, pg_empty_database)
    assert done.returncode == 0, done.stderr
    assert f"Roller: {roles.STAFF} og {roles.COORDINATOR} findes og har deres rettigheder" in done.stdout
    with psycopg.connect(pg_empty_database) as conn:
        assert roles.grants_in_place(conn)
    login = f"flyt_kiosk_{os.getpid()}"
    with psycopg.connect(pg_server.url(), autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {login} LOGIN IN ROLE {roles.STAFF}")
    try:
        dbname = conninfo_to_dict(pg_empty_database)["dbname"]
        with open_store(pg_server.url(dbname, user=login), station="kiosk1", operator="kiosk1") as staff:
            assert staff.totals()["registreringer"] > 0
    finally:
        with psycopg.connect(pg_server.url(), autocommit=True) as admin:
            admin.execute(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{login}'")
            admin.execute(f"DROP ROLE {login}")


def test_a_target_with_rows_not_from_this_source_is_refused_before_copying(tmp_path, config_path, source,
                                                                            pg_database):
    """Same municipality, but a row the source does not have: the final check could never pass,
    so nothing is copied."""
    dbrows.execute(
        pg_database,
        "INSERT INTO registrations (id, kommune_nr, kommune_navn, enhed, opgave, kanal, end_utc, "
        "datakilde, station, operator, created_utc) VALUES ('fremmed', '999', 'Eksempelby', 'x', "
        "'23.05.10', 'PRSNLG', '2026-10-21T08:30:00.000000Z', 'Taelleuge', 's', 'o', "
        "'2026-10-21T09:00:00.000000Z')")
    refused = flyt(tmp_path, config_path, source, pg_database)
    assert refused.returncode == 1
    assert "ikke kommer fra denne SQLite-database (registreringer: 1;" in refused.stderr
    assert "Intet er kopieret" in refused.stderr and "Traceback" not in refused.stderr
    assert dbrows.count(pg_database) == 1 and dbrows.count(pg_database, "imports") == 0
