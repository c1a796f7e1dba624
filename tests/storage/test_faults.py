"""Files that are not ours, unwritable files and network drives: refused with Danish messages,
and the file is never changed."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from storage.errors import (
    CorruptDatabase, DatabaseBusy, DatabaseUnreachable, DiskFull, NotTaelleugeDatabase,
    ReadOnlyDatabase, UnsafeFile, UnsafeJournalMode,
)
from storage.placement import filesystem_type, network_warning
from storage.privacy import looks_like_cpr
from storage.sqlite.store import SqliteStore as Store

import dbrows
from support import REPO

# SQLite only: files, pragmas, the write queue and SQLite's error codes (the
# PostgreSQL engine's faults: test_postgres_faults.py).
ENGINES = dbrows.SQLITE_ONLY


def raw_count(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM registrations").fetchone()[0]
    finally:
        conn.close()


def entry(config, clock, opgave="23.05.10", count=1):
    from storage.registration import new_entry

    return new_entry(config, enhed="999borgerservice", opgave=opgave, kanal="PRSNLG", type="OPRET",
                     end=clock(), count=count)


def assert_no_restore_advice(message: str) -> None:
    """Only a truly damaged file may send anyone to the backup (or call the file damaged)."""
    assert "sikkerhedskopi" not in message and "beskadiget" not in message
    assert "disk I/O error" not in message and "database is locked" not in message  # no English


def test_a_file_that_is_not_sqlite_is_refused_and_not_changed(tmp_path):
    path = tmp_path / "taelleuge.db"
    junk = b"Dette er et regneark, ikke en database.\n" * 50
    path.write_bytes(junk)
    with pytest.raises(NotTaelleugeDatabase) as raised:
        Store(path, station="s", operator="o")
    assert "ikke en Tælleuge-database" in str(raised.value) and "ikke ændret" in str(raised.value)
    assert str(path) in str(raised.value)
    assert_no_restore_advice(str(raised.value))
    assert path.read_bytes() == junk


def test_a_broken_header_is_refused_and_not_changed(tmp_path, config, clock):
    path = tmp_path / "taelleuge.db"
    with Store(path, station="s", operator="o", clock=clock) as store:
        store.record(entry(config, clock))
    data = bytearray(path.read_bytes())
    data[:16] = b"ikke-sqlite-mere"  # the header's magic string
    path.write_bytes(bytes(data))
    with pytest.raises(NotTaelleugeDatabase):
        Store(path, station="s", operator="o")
    assert path.read_bytes() == bytes(data)


def test_a_damaged_page_is_corrupt_and_the_only_fault_that_points_to_the_backup(tmp_path, config, clock):
    path = tmp_path / "taelleuge.db"
    with Store(path, station="s", operator="o", clock=clock) as store:
        store.record(entry(config, clock, count=500))  # many pages
    conn = sqlite3.connect(path)
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'registrations'").fetchone()[0]
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    data = bytearray(path.read_bytes())
    data[(root - 1) * size + 8:(root - 1) * size + 208] = b"\xff" * 200
    path.write_bytes(bytes(data))
    with Store(path, station="s", operator="o", clock=clock) as store:
        with pytest.raises(CorruptDatabase) as raised:
            store.record(entry(config, clock, opgave="23.09.02"))
    message = str(raised.value)
    assert "beskadiget" in message and "sikkerhedskopi" in message and "taelleuge doctor" in message
    assert "SQLITE_CORRUPT" in message and "malformed" not in message
    assert raised.value.short == "databasefilen er beskadiget: kontakt tovholderen"
    assert path.read_bytes() == bytes(data)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write any file; the check is for staff users")
def test_a_read_only_database_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "taelleuge.db"
    Store(path, station="s", operator="o").close()
    path.chmod(0o444)
    with pytest.raises(ReadOnlyDatabase) as raised:
        Store(path, station="s", operator="o")
    assert "kan ikke skrives" in str(raised.value) and "chmod g+rw" in str(raised.value)


def test_a_read_only_database_refuses_the_write_and_keeps_the_rows(tmp_path, config, clock):
    """Even for root: a database opened read-only rejects the write inside the transaction."""
    from storage.sqlite import db as dbmod

    path = tmp_path / "taelleuge.db"
    with Store(path, station="s", operator="o", clock=clock) as store:
        store.record(entry(config, clock))
        store.conn.close()
        store.conn = dbmod.connect(path, readonly=True)
        with pytest.raises(ReadOnlyDatabase) as raised:
            store.record(entry(config, clock, opgave="23.09.02"))
    assert "skrivebeskyttet" in str(raised.value) and str(path) in str(raised.value)
    assert "chmod g+rw" in str(raised.value)
    assert_no_restore_advice(str(raised.value))
    assert "fuld" not in str(raised.value)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT opgave FROM registrations").fetchall() == [("23.05.10",)]
    conn.close()


def test_a_database_held_by_another_process_is_busy_not_damaged(store, config, clock, db_path):
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        store.conn.execute("PRAGMA busy_timeout = 200")  # the real 10 s, shortened for the test
        with pytest.raises(DatabaseBusy) as raised:
            store.record(entry(config, clock))
        with pytest.raises(DatabaseBusy):  # a read waits and fails the same way
            store.totals()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    message = str(raised.value)
    assert "optaget" in message and str(db_path) in message and "Intet er gemt" in message
    assert_no_restore_advice(message)
    assert raised.value.short == "databasen er optaget af en anden lige nu"
    store.record(entry(config, clock))  # and works again once the other process lets go


def test_a_full_database_is_disk_full(store, config, clock, db_path):
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    store.conn.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(DiskFull) as raised:
        store.record(entry(config, clock, count=50))
    assert "fuld" in str(raised.value) and str(db_path) in str(raised.value)
    assert_no_restore_advice(str(raised.value))
    assert raised.value.short == "disken er fuld"


def test_a_database_deleted_under_a_running_store_is_unreachable_not_read_only(store, config, clock, db_path):
    store.record(entry(config, clock))
    db_path.unlink()
    with pytest.raises(DatabaseUnreachable) as raised:
        store.record(entry(config, clock, opgave="23.09.02"))
    message = str(raised.value)
    assert "slettet, omdøbt eller erstattet" in message and str(db_path) in message
    assert "skrivebeskyttet" not in message and "fuld" not in message
    assert_no_restore_advice(message)
    assert raised.value.short == "databasefilen er slettet eller flyttet: kontakt IT"


def test_a_missing_database_folder_on_open_is_named(tmp_path):
    from storage.sqlite import db as dbmod

    with pytest.raises(DatabaseUnreachable) as raised:
        dbmod.connect(tmp_path / "findes-ikke" / "t.db")
    assert "findes ikke" in str(raised.value)


# -- files next to the database that are not what they seem ------------------------------------------


@pytest.mark.parametrize("kind", ["symlink", "fifo", "directory"])
def test_a_journal_that_is_not_a_regular_file_is_refused_before_sqlite_opens_it(tmp_path, kind):
    """SQLite blocks for ever on a FIFO named -journal (checked by hand: a hung process), so
    this runs in a subprocess with a timeout; root must not follow a planted symlink either."""
    path = tmp_path / "taelleuge.db"
    Store(path, station="s", operator="o").close()
    journal = tmp_path / "taelleuge.db-journal"
    journal.unlink(missing_ok=True)
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    {"symlink": lambda: journal.symlink_to(victim), "fifo": lambda: os.mkfifo(journal),
     "directory": journal.mkdir}[kind]()
    code = ("import sys; from storage.sqlite.store import SqliteStore as Store; from storage.errors import UnsafeFile\n"
            "try:\n    Store(sys.argv[1], station='s', operator='o')\n"
            "except UnsafeFile as e:\n    print(type(e).__name__, e)\n")
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                          timeout=60, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.stdout.startswith("UnsafeFile ") and "rollback-journalen" in done.stdout, done.stderr
    assert "ikke en almindelig fil" in done.stdout and f"rm {journal}" in done.stdout
    assert victim.read_bytes() == b"precious"


def test_a_journal_replaced_by_a_symlink_under_a_running_store_stops_the_write(store, config, clock, tmp_path):
    store.record(entry(config, clock))
    journal = tmp_path / "taelleuge.db-journal"
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    journal.unlink(missing_ok=True)
    journal.symlink_to(victim)
    with pytest.raises(UnsafeFile):
        store.record(entry(config, clock, opgave="23.09.02"))
    assert victim.read_bytes() == b"precious"


@pytest.mark.parametrize("kind", ["dangling-symlink", "symlink", "fifo"])
def test_a_write_lock_that_is_not_a_regular_file_is_refused_and_never_followed(
        store, config, clock, tmp_path, kind):
    lock = tmp_path / "taelleuge.db-writelock"
    store.conn.queue.close()  # the store had opened the real one already: start over
    from storage.sqlite.write_queue import WriteQueue

    store.conn.queue = WriteQueue(lock)
    lock.unlink(missing_ok=True)
    victim = tmp_path / "victim"
    if kind == "symlink":
        victim.write_bytes(b"precious")
    if kind == "fifo":
        os.mkfifo(lock)
    else:
        lock.symlink_to(victim)
    with pytest.raises(UnsafeFile) as raised:
        store.record(entry(config, clock))
    assert "skrivekøen" in str(raised.value) and str(lock) in str(raised.value)
    if kind == "dangling-symlink":
        assert not victim.exists()  # O_CREAT never went through the link
    elif kind == "symlink":
        assert victim.read_bytes() == b"precious"
    assert raw_count(tmp_path / "taelleuge.db") == 0


# -- the write queue -------------------------------------------------------------------------------


HOLD_LOCK = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o660)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.readline()
"""


def hold_write_lock(lock: Path) -> subprocess.Popen:
    """Another process holding ``<db>-writelock`` until its stdin closes."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(lock)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_write_lock_held_by_another_process_times_out_as_busy(store, config, clock, db_path, monkeypatch):
    """flock has no timeout of its own: without one a hung process held every kiosk for ever."""
    from storage.sqlite import db as dbmod

    monkeypatch.setattr(dbmod, "BUSY_TIMEOUT_MS", 300)
    lock = Path(f"{db_path}-writelock")
    holder = hold_write_lock(lock)
    try:
        with pytest.raises(DatabaseBusy) as raised:
            store.record(entry(config, clock))
        with pytest.raises(DatabaseBusy):  # a second try waits on the same helper, and fails too
            store.record(entry(config, clock))
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    message = str(raised.value)
    assert "Skrivekøen" in message and str(lock) in message and "fuser -v" in message
    assert_no_restore_advice(message)
    assert raw_count(db_path) == 0
    store.record(entry(config, clock))  # free again: the waiting helper handed the lock back
    assert raw_count(db_path) == 1
    other = os.open(lock, os.O_RDWR)
    try:
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # nobody keeps it after the write
    finally:
        os.close(other)


def test_a_writer_that_waits_in_the_queue_gets_its_turn(store, config, clock, db_path):
    lock = Path(f"{db_path}-writelock")
    holder = hold_write_lock(lock)
    done = threading.Event()
    failure = []

    def write():
        try:
            store.record(entry(config, clock))
        except Exception as error:  # noqa: BLE001
            failure.append(error)
        done.set()

    worker = threading.Thread(target=write)
    worker.start()
    assert not done.wait(0.5)  # queued behind the holder
    holder.stdin.close()
    holder.wait(timeout=30)
    worker.join(timeout=30)
    assert failure == [] and raw_count(db_path) == 1


# -- WAL and an old SQLite ------------------------------------------------------------------------


def make_wal_file(path: Path) -> bytes:
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA journal_mode = wal").fetchone()[0] == "wal"
    raw.execute("CREATE TABLE t (a)")
    raw.commit()
    raw.close()  # the last connection checkpoints and removes -wal and -shm
    return path.read_bytes()


def test_a_wal_file_is_refused_by_an_sqlite_older_than_3_51_3_without_touching_it(tmp_path):
    from storage.sqlite import db as dbmod

    path = tmp_path / "wal.db"
    before = make_wal_file(path)
    with pytest.raises(UnsafeJournalMode) as raised:
        dbmod.refuse_old_wal(path, version=(3, 51, 2))
    message = str(raised.value)
    assert "WAL" in message and "3.51.3" in message and "WAL-reset" in message
    assert "SQLite 3.51.2" in message
    dbmod.refuse_old_wal(path, version=(3, 51, 3))  # a fixed library may use it
    if sqlite3.sqlite_version_info < (3, 51, 3):  # the library under test: the real refusal
        for opener in (lambda: Store(path, station="s", operator="o"),
                       lambda: dbmod.connect(path, readonly=True)):
            with pytest.raises(UnsafeJournalMode):
                opener()
        assert path.read_bytes() == before
        assert not Path(f"{path}-wal").exists() and not Path(f"{path}-shm").exists()


def test_a_rollback_journal_file_is_not_taken_for_wal(tmp_path):
    from storage.sqlite import db as dbmod

    path = tmp_path / "t.db"
    Store(path, station="s", operator="o").close()
    if dbmod.journal_choice().mode != "wal":
        assert not dbmod.wal_header(path)
        dbmod.refuse_old_wal(path, version=(3, 40, 1))


def test_network_filesystems_are_recognised(tmp_path):
    mounts = tmp_path / "mounts"
    mounts.write_text(
        "/dev/vda / ext4 rw 0 0\n"
        "fileserver:/export /mnt/delt nfs4 rw 0 0\n"
        "//nas/kommune /mnt/smb cifs rw 0 0\n"
    )
    assert filesystem_type("/mnt/delt/taelleuge/x.db", str(mounts)) == "nfs4"
    assert "netværksdrev (nfs4)" in network_warning("/mnt/delt/taelleuge/x.db", str(mounts))
    assert "netværksdrev (cifs)" in network_warning("/mnt/smb/t.db", str(mounts))
    assert network_warning("/var/lib/taelleuge/t.db", str(mounts)) is None


@pytest.mark.parametrize("text", ["010190-1234", "0101901234", "Borger 311299 1234 ringede"])
def test_cpr_like_text_is_recognised(text):
    assert looks_like_cpr(text)


@pytest.mark.parametrize("text", ["23.05.10", "Tlf. 12345678", "999borgerservice", "2026-10-19",
                                  "320190-1234"])  # 32 January is no day
def test_ordinary_text_is_not_taken_for_a_cpr_number(text):
    assert not looks_like_cpr(text)


def test_a_staff_users_own_config_cannot_make_them_coordinator(tmp_path, monkeypatch):
    """The host's /etc/taelleuge/config.toml names the coordinator group; --config does not."""
    import argparse
    from importlib import resources

    from storage import roles, settings
    from storage.errors import Refusal
    from storage.roles import NotCoordinator
    from tui.cli_store import require_coordinator_for

    demo = resources.files("storage").joinpath("demo.toml").read_text("utf-8")
    system = tmp_path / "system.toml"
    system.write_text(demo + '\n[koordinator]\ngruppe = "taelleuge-tovholder-findes-ikke"\n', "utf-8")
    own = tmp_path / "own.toml"
    own.write_text(demo, "utf-8")  # no [koordinator]: would let everyone pass
    monkeypatch.setattr(settings, "SYSTEM_CONFIG", system)
    monkeypatch.setattr(roles.os, "geteuid", lambda: 65534)  # a staff user, not root
    args = argparse.Namespace(config=str(own), db=str(tmp_path / "x.db"))
    with pytest.raises(Refusal, match="kun tovholderen kan bruge en anden konfiguration"):
        require_coordinator_for(args, "eksport")
    with pytest.raises(NotCoordinator, match="forbeholdt tovholderen"):
        require_coordinator_for(argparse.Namespace(db=str(tmp_path / "x.db")), "eksport")
    system.write_text(demo, "utf-8")  # a host without a coordinator group: nobody is singled out
    require_coordinator_for(args, "eksport")


def test_a_read_the_database_refuses_leaves_the_engine_typed(tmp_path):
    """Not only the file faults: any SQLite error on a read leaves the engine as a StorageError
    (the kiosk and the CLI never see a ``sqlite3`` exception), the original as its cause."""
    from storage.errors import StorageError

    path = tmp_path / "t.db"
    with Store(path, station="s", operator="o") as store:
        raw = sqlite3.connect(path)
        raw.execute("DROP TABLE voids")  # something no Tælleuge would do: a broken schema
        raw.close()
        with pytest.raises(StorageError) as raised:
            store.latest(station="s")
    assert isinstance(raised.value.__cause__, sqlite3.OperationalError)
    assert raised.value.code and "SQLite" in str(raised.value) and "Intet er gemt" in str(raised.value)
