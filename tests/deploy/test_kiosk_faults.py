"""Faults a kiosk meets in the field: a full disk, a read-only database, a damaged file.

The kiosk (driven with Pilot on a real file) must say in Danish that the registration is NOT
saved, write nothing half-way, and save it exactly once when the fault is gone. The CLI must refuse
with a Danish message, exit 1 and leave the file byte-identical.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from textual.worker import WorkerCancelled

from storage.sqlite import db as dbmod
from storage.sqlite.store import SqliteStore as Store
from tui.app import make_app

from taelleuge_harness import (
    REGISTER, UNIT, can_drop_to_nobody, cli_env, integrity, nobody_env, query, run_as_nobody,
    run_cli, shared_dir, write_config,
)

SIZE = (80, 24)
IS_ROOT = os.geteuid() == 0


async def settle(app, pilot) -> None:
    """Let the DB workers finish and their messages reach the widgets. The panel read is an
    exclusive worker: waiting on one that a newer read cancelled raises WorkerCancelled."""
    for _ in range(2):
        try:
            await app.workers.wait_for_complete()
        except WorkerCancelled:
            pass
        await pilot.pause()


def message(app) -> str:
    return str(app.screen.query_one("#message").render())


def rows(path) -> list[tuple]:
    return query(path, "SELECT id, opgave, type, batch_id FROM registrations ORDER BY rowid")


def digest(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# -- a full disk ---------------------------------------------------------------------------------


async def test_full_database_shows_ikke_gemt_writes_nothing_and_saves_once_when_space_returns(
        config, store, clock, db_path):
    """SQLITE_FULL through ``max_page_count`` on the kiosk's own connection (works everywhere)."""
    app = make_app(config, store, clock=clock, enhed=UNIT)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("1", "o")
        await settle(app, pilot)
        assert len(rows(db_path)) == 1
        pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
        assert store.conn.execute("PRAGMA freelist_count").fetchone()[0] == 0
        store.conn.execute(f"PRAGMA max_page_count = {pages}")  # the file may not grow at all
        clock.advance(seconds=5)
        # 50 contacts as one batch: ~17 KB of rows cannot fit into pages that already exist.
        await pilot.press("plus", "5", "0", "enter", "2", "s")
        await settle(app, pilot)
        shown = message(app)
        assert "IKKE GEMT" in shown and "disken er fuld" in shown and "50 × 23.09.02" in shown
        assert len(rows(db_path)) == 1  # nothing half-written
        assert integrity(db_path) == "ok"

        store.conn.execute("PRAGMA max_page_count = 1073741823")  # space is back
        await pilot.press("enter")
        await settle(app, pilot)
        assert "Gemt" in message(app) and "IKKE" not in message(app)
        saved = rows(db_path)
        assert len(saved) == 51
        assert len({r[3] for r in saved[1:]}) == 1 and saved[1][3]  # one batch, saved once
        clock.advance(seconds=1)
        await pilot.press("enter")  # a second Enter is "repeat": shown first, nothing saved
        await settle(app, pilot)
        assert app.screen.state.repeat
        assert len(rows(db_path)) == 51


@pytest.fixture
def small_tmpfs(tmp_path):
    """A real 1 MB filesystem (tmpfs), or a skip where mounting is not allowed."""
    if not IS_ROOT:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0755", "tmpfs", str(mnt)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def fill(directory: Path) -> Path:
    """Write a file until the filesystem says ENOSPC, down to the last byte."""
    filler = directory / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for chunk in (1 << 16, 4096, 512, 1):
            while True:
                try:
                    os.write(fd, b"\0" * chunk)
                except OSError as error:
                    assert error.errno == errno.ENOSPC
                    break
    finally:
        os.close(fd)
    assert os.statvfs(directory).f_bavail == 0
    return filler


async def test_real_full_disk_shows_ikke_gemt_and_enter_saves_once_after_space_is_freed(
        config, clock, small_tmpfs):
    path = small_tmpfs / "taelleuge.db"
    with Store(path, station="tty1", operator="kiosk", clock=clock) as store:
        app = make_app(config, store, clock=clock, enhed=UNIT)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("1", "o")
            await settle(app, pilot)
            assert len(rows(path)) == 1
            filler = fill(small_tmpfs)
            clock.advance(seconds=5)
            await pilot.press("2", "s")
            await settle(app, pilot)
            shown = message(app)
            assert "IKKE GEMT" in shown and "disken er fuld" in shown and "23.09.02" in shown
            assert len(rows(path)) == 1 and integrity(path) == "ok"

            filler.unlink()
            await pilot.press("enter")
            await settle(app, pilot)
            assert "Gemt" in message(app) and "IKKE" not in message(app)
            assert [r[1:3] for r in rows(path)] == [("23.05.10", "OPRET"), ("23.09.02", "STATUS")]
            assert integrity(path) == "ok"


# -- read-only -----------------------------------------------------------------------------------


async def test_read_only_database_is_refused_on_screen_and_saved_once_when_writable_again(
        config, store, clock, db_path):
    """The kiosk's connection turns read-only under it (mode=ro: refused even for root)."""
    app = make_app(config, store, clock=clock, enhed=UNIT)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        writable = store.conn
        store.conn = dbmod.connect(db_path, readonly=True)
        await pilot.press("3", "i")
        await settle(app, pilot)
        shown = message(app)
        assert "IKKE GEMT" in shown and "kan ikke skrives" in shown and "23.09.04" in shown
        assert rows(db_path) == []

        store.conn.close()
        store.conn = writable
        await pilot.press("enter")
        await settle(app, pilot)
        assert "Gemt" in message(app)
        assert [r[1:3] for r in rows(db_path)] == [("23.09.04", "INFO")]


@pytest.fixture
def read_only_mount(tmp_path):
    """tmp/rw holds an initialised DB; tmp/ro is the same directory bind-mounted read-only."""
    if not IS_ROOT:
        pytest.skip("bind mounts need root (CI runs as root)")
    rw, ro = tmp_path / "rw", tmp_path / "ro"
    rw.mkdir()
    ro.mkdir()
    config = write_config(tmp_path / "config.toml")
    assert run_cli(["init"], cli_env(config, rw / "t.db")).returncode == 0
    assert run_cli(REGISTER, cli_env(config, rw / "t.db")).returncode == 0
    for command in (["mount", "--bind", str(rw), str(ro)],
                    ["mount", "-o", "remount,bind,ro", str(ro)]):
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            subprocess.run(["umount", "-l", str(ro)], capture_output=True)
            pytest.skip(f"cannot make a read-only bind mount here: {done.stderr.strip()}")
    try:
        yield config, ro / "t.db"
    finally:
        subprocess.run(["umount", "-l", str(ro)], capture_output=True)


def test_cli_on_a_read_only_filesystem_exits_1_in_danish_and_changes_nothing(read_only_mount):
    """An ext4 remounted read-only after disk errors, as root: the message names the filesystem,
    not the user's group rights (chmod would not help)."""
    config, db = read_only_mount
    before = digest(db)
    done = run_cli(REGISTER, cli_env(config, db))
    assert done.returncode == 1
    assert done.stderr.startswith("taelleuge: ") and "skrivebeskyttet filsystem" in done.stderr
    assert "chmod g+rw" not in done.stderr and "Traceback" not in done.stderr
    assert digest(db) == before and len(rows(db)) == 1


@pytest.mark.skipif(can_drop_to_nobody() is not None, reason=can_drop_to_nobody() or "")
def test_cli_as_a_staff_user_on_a_read_only_file_exits_1_in_danish_and_changes_nothing(installed):
    where = shared_dir("taelleuge-ro-")
    try:
        config = write_config(where / "config.toml")
        config.chmod(0o644)
        db = where / "t.db"
        assert run_cli(REGISTER, cli_env(config, db)).returncode == 1  # no init yet: refused
        assert run_cli(["init"], cli_env(config, db)).returncode == 0
        assert run_cli(REGISTER, cli_env(config, db)).returncode == 0
        db.chmod(0o644)  # root's file; the staff user may read it but not write
        before = digest(db)
        done = run_as_nobody(installed, REGISTER, nobody_env(config, db))
        assert done.returncode == 1
        assert "kan ikke skrives af brugeren nobody" in done.stderr
        assert "Traceback" not in done.stderr
        assert digest(db) == before
    finally:
        shutil.rmtree(where, ignore_errors=True)


# -- a damaged file ------------------------------------------------------------------------------


@pytest.fixture
def filled_db(tmp_path):
    """A real database with 2,000 rows (many pages), made through the CLI."""
    config = write_config(tmp_path / "config.toml")
    db = tmp_path / "t.db"
    env = cli_env(config, db)
    assert run_cli(["init"], env).returncode == 0
    assert run_cli([*REGISTER, "--antal", "2000"], env).returncode == 0
    return config, db, env


def damage(db: Path, *, header: bool) -> bytes:
    data = bytearray(db.read_bytes())
    if header:
        data[:16] = b"ikke-sqlite-mere"  # the magic string: not SQLite at all any more
    else:
        # The registrations table's root page: the header is intact, so the file opens and the
        # damage shows only when the table is used.
        root = query(db, "SELECT rootpage FROM sqlite_master WHERE name = 'registrations'")[0][0]
        page = query(db, "PRAGMA page_size")[0][0]
        data[(root - 1) * page + 8:(root - 1) * page + 208] = b"\xff" * 200
    db.write_bytes(bytes(data))
    return bytes(data)


@pytest.mark.parametrize("command", [REGISTER, ["kiosk", "--enhed", UNIT], ["fortryd", "--enhed", UNIT]],
                         ids=["registrer", "kiosk", "fortryd"])
def test_cli_on_a_file_with_a_broken_header_exits_1_in_danish_and_keeps_it_byte_identical(
        filled_db, command):
    config, db, env = filled_db
    damaged = damage(db, header=True)
    done = run_cli(command, env)
    assert done.returncode == 1
    assert done.stderr.startswith("taelleuge: ")
    assert "ikke en Tælleuge-database" in done.stderr and "taelleuge doctor" in done.stderr
    assert "Filen er ikke ændret" in done.stderr and "Traceback" not in done.stderr
    # Not SQLite at all: maybe the wrong path, so no talk of damage or of restoring a backup here
    # (doctor says that, for the right file).
    assert "sikkerhedskopi" not in done.stderr and "beskadiget" not in done.stderr
    assert db.read_bytes() == damaged
    assert not db.with_name(db.name + "-journal").exists() or \
        db.with_name(db.name + "-journal").stat().st_size == 0


def test_cli_on_a_file_with_a_damaged_page_exits_1_in_danish_and_keeps_it_byte_identical(filled_db):
    """The header is fine, so the start checks pass; the damage shows in the INSERT."""
    config, db, env = filled_db
    damaged = damage(db, header=False)
    done = run_cli(REGISTER, env)
    assert done.returncode == 1
    assert done.stderr.startswith("taelleuge: ") and "beskadiget" in done.stderr
    assert "Traceback" not in done.stderr
    assert db.read_bytes() == damaged


def test_doctor_reports_a_damaged_page_as_a_problem(filled_db):
    config, db, env = filled_db
    damaged = damage(db, header=False)
    done = run_cli(["doctor"], env)
    assert done.returncode == 1
    assert "PROBLEM: quick_check fandt fejl i databasefilen" in done.stderr  # doctor --grundig: integrity_check
    assert "Traceback" not in done.stderr
    assert "Integritet" in done.stdout  # the report itself is printed too
    assert db.read_bytes() == damaged


async def test_kiosk_on_a_damaged_page_says_ikke_gemt_in_danish_and_leaves_the_file_unchanged(
        config, clock, filled_db):
    _, db, _ = filled_db
    damaged = damage(db, header=False)
    with Store(db, station="tty1", operator="kiosk", clock=clock, create=False) as store:
        app = make_app(config, store, clock=clock, enhed=UNIT)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("1", "o")
            await settle(app, pilot)
            shown = message(app)
    assert "IKKE GEMT" in shown and "Esc = opgiv" in shown
    assert "beskadiget" in shown and "malformed" not in shown
    assert db.read_bytes() == damaged


# -- a read that fails after the commit ------------------------------------------------------------


def deny_reading_batch_id(conn) -> None:
    """A real SQLite authorizer: every statement that reads registrations.batch_id is refused.

    ``Store.record``'s INSERT reads no column, so the commit goes through; the screen worker's
    follow-up read (``latest_entries``) then fails, as it does for real when the read waits out
    busy_timeout behind a queue of writers (bench/kiosk_load.py: that read took up to 10.2 s,
    the timeout being 10 s, with 50 kiosks).
    """
    import sqlite3

    def authorizer(action, arg1, arg2, dbname, source):
        if action == sqlite3.SQLITE_READ and (arg1, arg2) == ("registrations", "batch_id"):
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK

    conn.set_authorizer(authorizer)


async def test_a_failing_read_after_the_commit_does_not_lose_or_double_the_row(config, store, clock, db_path):
    app = make_app(config, store, clock=clock, enhed=UNIT)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        deny_reading_batch_id(store.conn)
        await pilot.press("1", "o")
        await settle(app, pilot)
        assert len(rows(db_path)) == 1  # committed
        store.conn.set_authorizer(None)
        await pilot.press("enter")  # whatever the screen said: a retry reuses the same ids
        await settle(app, pilot)
        assert len(rows(db_path)) == 1


async def test_a_failing_read_after_the_commit_is_not_reported_as_not_saved(config, store, clock, db_path):
    app = make_app(config, store, clock=clock, enhed=UNIT)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        deny_reading_batch_id(store.conn)
        await pilot.press("1", "o")
        await settle(app, pilot)
        shown = message(app)
        store.conn.set_authorizer(None)
    assert len(rows(db_path)) == 1
    assert "IKKE GEMT" not in shown and "Gemt" in shown


# -- the right reason on the screen --------------------------------------------------------------


async def test_a_database_deleted_under_the_kiosk_says_so_not_read_only(config, store, clock, db_path):
    """Before, SQLite's READONLY_DBMOVED reached the screen as "skrivebeskyttet"."""
    app = make_app(config, store, clock=clock, enhed=UNIT)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("1", "o")
        await settle(app, pilot)
        assert len(rows(db_path)) == 1
        db_path.unlink()
        clock.advance(seconds=5)
        await pilot.press("2", "s")
        await settle(app, pilot)
        shown = message(app)
    assert "IKKE GEMT" in shown and "slettet eller flyttet" in shown
    assert "skrivebeskyttet" not in shown and "fuld" not in shown and "beskadiget" not in shown


async def test_a_held_write_lock_shows_waiting_then_ikke_gemt_and_saves_once_when_free(
        config, store, clock, db_path, monkeypatch):
    """Another process holds ``<db>-writelock``: the kiosk used to wait for ever ("venter")."""
    import sys

    monkeypatch.setattr(dbmod, "BUSY_TIMEOUT_MS", 1000)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT);"
         " fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); sys.stdin.readline()",
         f"{db_path}-writelock"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        app = make_app(config, store, clock=clock, enhed=UNIT)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("1", "o")
            await pilot.pause(0.6)
            assert "venter på databasen" in message(app)
            await settle(app, pilot)  # the queue's bound ends the wait
            shown = message(app)
            assert "IKKE GEMT" in shown and "optaget af en anden" in shown
            assert "(prøver igen selv)" in shown  # busy: the kiosk retries by itself
            assert rows(db_path) == []
            holder.stdin.close()
            holder.wait(timeout=30)
            await pilot.press("enter")
            await settle(app, pilot)
            assert "Gemt" in message(app) and "IKKE" not in message(app)
            assert len(rows(db_path)) == 1
    finally:
        holder.kill()
        holder.wait(timeout=30)


def test_each_storage_fault_has_its_own_kiosk_line_and_only_corruption_mentions_damage(caplog):
    from storage import errors as e
    from tui.screens.register import _plain

    lines = {cls: _plain(cls("fuld besked til IT")) for cls in (
        e.DatabaseBusy, e.DiskFull, e.ReadOnlyDatabase, e.NotTaelleugeDatabase, e.CorruptDatabase,
        e.DatabaseUnreachable, e.UnsafeFile, e.UnsafeJournalMode)}
    assert len(set(lines.values())) == len(lines)  # every fault says something different
    assert [cls for cls, line in lines.items() if "beskadiget" in line] == [e.CorruptDatabase]
    assert [cls for cls, line in lines.items() if "fuld" in line] == [e.DiskFull]
    assert all("sikkerhedskopi" not in line for line in lines.values())
    assert "fuld besked til IT" in caplog.text  # the full message with file and fix: the journal


async def test_a_database_made_again_with_init_under_the_kiosk_gets_its_next_registration(
        config, store, clock, db_path):
    """IT deletes the database and runs ``taelleuge init``: the running kiosk saves into the new
    file (the one everyone reads), not into the deleted one, and says "Gemt"."""
    import sys

    from support import REPO

    app = make_app(config, store, clock=clock, enhed=UNIT)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("1", "o")
        await settle(app, pilot)
        assert len(rows(db_path)) == 1
        for suffix in ("", "-journal", "-writelock"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("TAELLEUGE_")}
        done = subprocess.run([sys.executable, "-m", "tui", "init", "--db", str(db_path)], cwd=REPO,
                              env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        clock.advance(seconds=5)
        await pilot.press("2", "s")
        await settle(app, pilot)
        shown = message(app)
    assert "Gemt" in shown and "IKKE GEMT" not in shown
    assert [r[1:3] for r in rows(db_path)] == [("23.09.02", "STATUS")]
