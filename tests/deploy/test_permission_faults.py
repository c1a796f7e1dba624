"""Permission faults as a real staff user (uid 65534), on real files: each gets its own typed
error and a Danish message that names the file and the fix, never "disken er fuld" and never a
backup. Before, a journal left behind by root said "disk I/O error" and the kiosk read that as a
full disk."""

from __future__ import annotations

import grp
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from storage.sqlite.store import SqliteStore as Store

from taelleuge_harness import (
    AS_NOBODY, can_drop_to_nobody, nobody_env, shared_dir, write_config,
)

pytestmark = pytest.mark.skipif(can_drop_to_nobody() is not None, reason=can_drop_to_nobody() or "")

# Opens the store, writes once, optionally waits for a line on stdin and writes again; prints one
# JSON line per step: {"ok": true} or the error's class, message and kiosk line.
STAFF = """
import json, sys
from datetime import date, datetime, timezone
from storage.registration import new_entry
from storage.settings import demo_config
from storage.sqlite.store import SqliteStore as Store

config = demo_config(date.today())

def attempt(step):
    try:
        step()
        return {"ok": True}
    except Exception as error:
        return {"class": type(error).__name__, "message": str(error),
                "short": getattr(error, "short", "")}

def write():
    store.record(new_entry(config, enhed="999borgerservice", opgave="23.05.10", kanal="PRSNLG",
                           type="OPRET", end=datetime.now(timezone.utc)))

store = None
def open_store():
    global store
    store = Store(sys.argv[1], station="s", operator="o", create=False)

print(json.dumps(attempt(open_store)), flush=True)
if store is not None:
    print(json.dumps(attempt(write)), flush=True)
    if sys.argv[2:] == ["again"]:
        sys.stdin.readline()
        print(json.dumps(attempt(write)), flush=True)
"""


@pytest.fixture
def place(installed):
    """A 0777 folder under /tmp with a migrated database any user may write (0666). The staff
    process runs the installed app's interpreter (the checkout may be out of nobody's reach)."""
    python = str(installed.venv / "bin" / "python")
    folder = shared_dir("taelleuge-perm-")
    db = folder / "t.db"
    Store(db, station="root", operator="root").close()
    db.chmod(0o666)
    journal = Path(f"{db}-journal")
    if journal.exists():  # TRUNCATE leaves an empty journal behind; start without it
        journal.unlink()
    lock = Path(f"{db}-writelock")
    if lock.exists():
        lock.chmod(0o666)
    try:
        yield python, folder, db, write_config(folder / "config.toml")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def as_staff(python: str, db: Path, config: Path, *, again: bool = False):
    return subprocess.Popen([*AS_NOBODY, python, "-c", STAFF, str(db), *(["again"] if again else [])],
                            env=nobody_env(config, db), cwd="/", stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def steps(process: subprocess.Popen) -> list[dict]:
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    return [json.loads(line) for line in out.splitlines()]


def assert_permission_message(result: dict, named: Path, group: str | None = None) -> None:
    assert result["class"] == "ReadOnlyDatabase", result
    message = result["message"]
    assert f"{named} kan ikke skrives af brugeren nobody" in message or \
        f"Mappen {named} kan ikke skrives af brugeren nobody" in message, message
    # The group of the shared folder the files live in (0777 here); README's taelleuge for a
    # folder nobody shares.
    folder = named if named.is_dir() else named.parent
    shared = folder.stat().st_mode & 0o2020
    group = group or (grp.getgrgid(folder.stat().st_gid).gr_name if shared else "taelleuge")
    assert f"gruppen {group}" in message and f"chgrp {group}" in message
    # The fix for the user, too: join the group, log in again.
    assert f"usermod -aG {group} nobody" in message and "ind igen" in message
    assert "fuld" not in message and "sikkerhedskopi" not in message and "beskadiget" not in message
    assert "disk I/O error" not in message
    assert "fuld" not in result["short"] and "kan ikke skrives" in result["short"]


@pytest.mark.parametrize("mode", [0o644, 0o640], ids=["readable", "unreadable"])
def test_a_journal_left_by_another_user_is_named_with_its_fix(place, mode):
    python, _folder, db, config = place
    journal = Path(f"{db}-journal")
    journal.write_bytes(b"")
    journal.chmod(mode)  # root's, as after a coordinator's command
    opened, *_ = steps(as_staff(python, db, config))
    assert_permission_message(opened, journal)


def test_a_journal_taken_away_mid_session_is_a_permission_fault_not_a_full_disk(place):
    """The kiosk had written before; then root's command left the journal as root's own 0644:
    SQLite says SQLITE_IOERR_WRITE ("disk I/O error"), which the kiosk used to show as a full disk."""
    python, _folder, db, config = place
    staff = as_staff(python, db, config, again=True)
    assert json.loads(staff.stdout.readline()) == {"ok": True}  # opened
    assert json.loads(staff.stdout.readline()) == {"ok": True}  # wrote once
    journal = Path(f"{db}-journal")
    os.chown(journal, 0, 0)
    journal.chmod(0o644)
    staff.stdin.write("go\n")
    staff.stdin.flush()
    (failed,) = steps(staff)
    assert_permission_message(failed, journal)


def test_a_folder_without_write_permission_is_named_with_its_fix(place):
    python, folder, db, config = place
    folder.chmod(0o755)  # no journal can be made there any more
    try:
        opened, *_ = steps(as_staff(python, db, config))
    finally:
        folder.chmod(0o777)
    assert_permission_message(opened, folder, group="taelleuge")  # 0755 then: shared by nobody
    assert "chmod 2770" in opened["message"]


def test_a_database_file_without_write_permission_is_named_with_its_fix(place):
    python, _folder, db, config = place
    db.chmod(0o644)
    opened, *_ = steps(as_staff(python, db, config))
    assert_permission_message(opened, db)
    assert "chmod g+rw" in opened["message"]
