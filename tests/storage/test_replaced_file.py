"""A database file deleted (or moved away) and made again under a running kiosk's store.

Before, the store's connection went on with the old inode; where SQLite notices (its rollback
journal's READONLY_DBMOVED) every later save failed until the kiosk was restarted, and where it does
not (WAL) rows would go into a file nobody reads. Now the store follows the file at its path: it
opens the new one (checked as at start), or refuses in Danish; never a write into a deleted file,
never a new empty file of its own.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest

import dbrows
from storage.errors import DatabaseUnreachable, NotTaelleugeDatabase
from storage.registration import new_entry
from storage.sqlite import db as dbmod
from storage.sqlite.store import SqliteStore as Store
from support import REPO

ENGINES = dbrows.SQLITE_ONLY  # about the SQLite file under a running process


def entry(config, clock, opgave="23.05.10"):
    return new_entry(config, enhed="999borgerservice", opgave=opgave, kanal="PRSNLG", type="OPRET",
                     end=clock())


def opgaver(path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [o for (o,) in conn.execute("SELECT opgave FROM registrations ORDER BY seq")]
    finally:
        conn.close()


def remove_database(path) -> None:
    for name in (path.name, f"{path.name}-journal", f"{path.name}-writelock", f"{path.name}-wal",
                 f"{path.name}-shm"):
        (path.parent / name).unlink(missing_ok=True)


def taelleuge_init(path) -> None:
    """The real ``taelleuge init`` (demo config) in a subprocess, as IT would run it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAELLEUGE_")}
    done = subprocess.run([sys.executable, "-m", "tui", "init", "--db", str(path)], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


@pytest.fixture
def kiosk(db_path, clock):
    with Store(db_path, station="kiosk-tty1", operator="kiosk", clock=clock) as store:
        yield store


@pytest.mark.parametrize("how", ["deleted", "moved away"])
def test_a_database_made_again_with_init_gets_the_kiosks_next_row(kiosk, config, clock, db_path,
                                                                    tmp_path, how):
    kiosk.record(entry(config, clock))
    if how == "deleted":
        remove_database(db_path)
    else:
        os.rename(db_path, tmp_path / "gammel.db")
    taelleuge_init(db_path)
    kiosk.record(entry(config, clock, opgave="23.09.02"))
    assert opgaver(db_path) == ["23.09.02"]
    day = clock().astimezone(config.zone).date()
    assert kiosk.count_day("999borgerservice", day, config.zone) == 1  # reads follow too
    if how == "moved away":
        assert opgaver(tmp_path / "gammel.db") == ["23.05.10"]


def test_a_deleted_database_not_made_again_is_refused_and_never_created(kiosk, config, clock, db_path):
    kiosk.record(entry(config, clock))
    remove_database(db_path)
    with pytest.raises(DatabaseUnreachable) as raised:
        kiosk.record(entry(config, clock, opgave="23.09.02"))
    assert "slettet, omdøbt eller erstattet" in str(raised.value) and "Intet er gemt" in str(raised.value)
    assert raised.value.short == "databasefilen er slettet eller flyttet: kontakt IT"
    assert not db_path.exists()


def test_another_sqlite_file_moved_into_place_is_refused_and_left_alone(kiosk, config, clock, db_path,
                                                                       tmp_path):
    kiosk.record(entry(config, clock))
    other = tmp_path / "andet.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE noter (tekst TEXT)")
    conn.commit()
    conn.close()
    before = other.read_bytes()
    os.replace(other, db_path)
    with pytest.raises(NotTaelleugeDatabase):
        kiosk.record(entry(config, clock, opgave="23.09.02"))
    assert db_path.read_bytes() == before


def test_a_write_on_a_connection_whose_file_was_replaced_is_refused(db_path, tmp_path):
    """Code that writes on a connection directly (import, export log) never reopens; it stops."""
    Store(db_path, station="setup", operator="setup").close()
    conn = dbmod.connect_checked(db_path)
    try:
        os.rename(db_path, tmp_path / "gammel.db")
        Store(db_path, station="setup", operator="setup").close()
        with pytest.raises(DatabaseUnreachable) as raised:
            with dbmod.write_txn(conn):
                conn.execute("CREATE TABLE never (x)")
        assert "slettet, omdøbt eller erstattet" in str(raised.value)
    finally:
        conn.close()
    for path in (db_path, tmp_path / "gammel.db"):
        tables = sqlite3.connect(path).execute(
            "SELECT name FROM sqlite_master WHERE name = 'never'").fetchall()
        assert tables == []


def test_an_unchanged_file_costs_no_reopen(kiosk, config, clock):
    first = kiosk.conn
    kiosk.record(entry(config, clock))
    kiosk.record(entry(config, clock, opgave="23.09.02"))
    assert kiosk.conn is first
