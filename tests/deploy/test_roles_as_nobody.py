"""Roles for real: the CLI run as uid/gid 65534 (nobody) through setpriv, on a shared DB.

Staff register; the coordinator's commands (export, import, report, undo from the command line,
init) are refused with a Danish message and exit 1 for a user outside ``[koordinator] gruppe``,
before anything is read or written. Root is the coordinator everywhere.
"""

from __future__ import annotations

import hashlib
import shutil

import pytest

from taelleuge_harness import (
    REGISTER, UNIT, can_drop_to_nobody, cli_env, nobody_env, query, run_as_nobody, run_cli,
    shared_dir, write_config,
)

REASON = can_drop_to_nobody()
pytestmark = [pytest.mark.slow, pytest.mark.skipif(REASON is not None, reason=REASON or "")]

GROUP = "root"  # nobody (gid 65534, no supplementary groups) is not in it

COORDINATOR_COMMANDS = {
    "eksport": ["eksport", "landkort", "--uge", "2026-W43", "--ud", "{dir}/ud.csv"],
    "import": ["import", "{dir}/fil.csv"],
    "rapport": ["rapport", "--uge", "2026-W43", "--ud", "{dir}/rapport"],
    "fortryd": ["fortryd", "--enhed", UNIT],
    "init": ["init"],
    "registreringer": ["registreringer"],
    "status": ["status"],
    "koordinator": ["koordinator"],
}
EXPECTED_NAME = {"eksport": "Eksport", "import": "Import", "rapport": "Rapporten",
                 "fortryd": "Fortryd fra kommandolinjen", "init": "Opsætning af databasen",
                 "registreringer": "Listen over registreringer", "status": "Dækningen (status)",
                 "koordinator": "Tovholderens skærm (koordinator)"}


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def shared(installed):
    where = shared_dir("taelleuge-roles-")
    try:
        config = write_config(where / "config.toml", group=GROUP)
        config.chmod(0o644)
        db = where / "taelleuge.db"
        done = run_cli(["init"], cli_env(config, db))
        assert done.returncode == 0, done.stderr
        for path in (db, db.with_name(db.name + "-journal")):
            if path.exists():
                path.chmod(0o666)
        (where / "fil.csv").write_text("")
        (where / "fil.csv").chmod(0o644)
        yield installed, where, config, db
    finally:
        shutil.rmtree(where, ignore_errors=True)


def test_nobody_can_register_and_the_row_names_nobody(shared):
    installed, where, config, db = shared
    done = run_as_nobody(installed, REGISTER, nobody_env(config, db))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Gemt:")
    rows = query(db, "SELECT operator, enhed FROM registrations ORDER BY rowid DESC LIMIT 1")
    assert rows == [("nobody", UNIT)]  # from the uid, not from an environment variable


@pytest.mark.parametrize("command", sorted(COORDINATOR_COMMANDS))
def test_coordinator_commands_are_refused_for_nobody_in_danish_and_change_nothing(shared, command):
    installed, where, config, db = shared
    before = digest(db)
    args = [a.format(dir=where) for a in COORDINATOR_COMMANDS[command]]
    done = run_as_nobody(installed, args, nobody_env(config, db))
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert done.stderr.startswith("taelleuge: ")
    assert f"{EXPECTED_NAME[command]} er forbeholdt tovholderen (gruppen {GROUP})" in done.stderr
    assert "Traceback" not in done.stderr
    assert digest(db) == before
    assert not any(where.glob("ud*")) and not (where / "rapport").exists()


def test_root_is_the_coordinator_for_the_same_commands(shared):
    """The control: the refusal above is about the user, not about a broken command line."""
    installed, where, config, db = shared
    assert run_cli(REGISTER, cli_env(config, db)).returncode == 0
    done = run_cli(["fortryd", "--enhed", UNIT, "--ja"], cli_env(config, db))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Annulleret:")
    assert query(db, "SELECT operator FROM voids") == [("root",)]
