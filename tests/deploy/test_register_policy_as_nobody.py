"""``registrer`` run as a staff user for real (uid/gid 65534 through setpriv, outside the
``[koordinator] gruppe``): only the unit the config maps the user to, at most 14 days back, never
in the future, and the row names the OS account whatever the environment claims."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta

import pytest

from taelleuge_harness import (
    REGISTER, UNIT, ZONE, can_drop_to_nobody, cli_env, nobody_env, query, run_as_nobody,
    run_cli, shared_dir, write_config,
)

REASON = can_drop_to_nobody()
pytestmark = [pytest.mark.slow, pytest.mark.skipif(REASON is not None, reason=REASON or "")]


@pytest.fixture(scope="module")
def shared(installed):
    where = shared_dir("taelleuge-policy-")
    try:
        mapped = write_config(where / "mapped.toml", users=("nobody",), group="root")
        other = write_config(where / "other.toml", users=("someone",), group="root")
        for path in (mapped, other):
            path.chmod(0o644)
        db = where / "taelleuge.db"
        done = run_cli(["init"], cli_env(mapped, db))
        assert done.returncode == 0, done.stderr
        for path in (db, db.with_name(db.name + "-journal")):
            if path.exists():
                path.chmod(0o666)
        yield installed, mapped, other, db
    finally:
        shutil.rmtree(where, ignore_errors=True)


def as_nobody(shared, args, config=None, **env):
    installed, mapped, _, db = shared
    environment = nobody_env(config or mapped, db)
    environment.update(env)
    return run_as_nobody(installed, args, environment)


def refused(done, *fragments):
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    for fragment in fragments:
        assert fragment in done.stderr


def test_staff_register_for_their_own_unit_as_themselves(shared):
    done = as_nobody(shared, REGISTER, TAELLEUGE_OPERATOR="root", TAELLEUGE_STATION="tty1")
    assert done.returncode == 0, done.stderr
    [(operator, station)] = query(shared[3], "SELECT operator, station FROM registrations "
                                             "ORDER BY rowid DESC LIMIT 1")
    assert operator == "nobody" and station.startswith("cli:")


def test_staff_cannot_register_for_another_unit(shared):
    before = query(shared[3], "SELECT count(*) FROM registrations")
    done = as_nobody(shared, ["registrer", "--enhed", "999telefon", *REGISTER[3:]])
    refused(done, "Brugeren nobody hører til 999borgerservice og kan kun registrere for den enhed, "
                  "ikke for 999telefon")
    assert query(shared[3], "SELECT count(*) FROM registrations") == before


def test_staff_not_mapped_to_any_unit_are_refused(shared):
    done = as_nobody(shared, REGISTER, config=shared[2])
    refused(done, "Brugeren nobody er ikke knyttet til en enhed")


def test_staff_go_back_fourteen_days_at_most(shared):
    old = datetime.now(ZONE) - timedelta(days=20)
    done = as_nobody(shared, [*REGISTER, "--proeve", "--tid", f"{old:%d-%m-%Y %H:%M}"])
    refused(done, "mere end 14 dage tilbage", "kun tovholderen")
    future = datetime.now(ZONE) + timedelta(hours=2)
    refused(as_nobody(shared, [*REGISTER, "--tid", f"{future:%d-%m-%Y %H:%M}"]), "ligger i fremtiden")
    assert UNIT in REGISTER


def test_root_as_the_coordinator_registers_for_any_unit(shared):
    _, mapped, _, db = shared
    done = run_cli(["registrer", "--enhed", "999telefon", "--opgave", "32.03.04", "--kanal", "TLFIND",
                    "--type", "INFO", "--svar", "Taler borgeren dansk?=Ja"], cli_env(mapped, db))
    assert done.returncode == 0, done.stderr
