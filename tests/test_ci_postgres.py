"""CI must run the PostgreSQL tests: when the server cannot start, they fail under CI=true and
skip (saying why) elsewhere. A nested pytest run in which tests/pg_server.py cannot find
PostgreSQL (a plugin replaces its lookup) shows both."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from support import REPO

pytestmark = pytest.mark.slow

PLUGIN = '''
import pg_server

def _nowhere():
    raise pg_server.ServerUnavailable("simulated: no PostgreSQL on this machine")

pg_server.find_bin_dir = _nowhere
'''
A_PG_TEST = "tests/storage/test_postgres_schema.py::test_an_empty_database_needs_init"


def nested(tmp_path, ci: str | None) -> subprocess.CompletedProcess:
    (tmp_path / "no_postgres_here.py").write_text(PLUGIN, "utf-8")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_", "TAELLEUGE_")) and k != "CI"}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), str(REPO / "tests"), str(REPO)])
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no_postgres_here", "-p", "no:xdist", "-p",
         "no:cacheprovider", "-q", "-rs", A_PG_TEST],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


def test_without_a_server_the_postgresql_tests_fail_in_ci(tmp_path):
    run = nested(tmp_path, "true")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "PostgreSQL tests cannot run: simulated: no PostgreSQL on this machine" in run.stdout
    assert "1 error" in run.stdout and "skipped" not in run.stdout


def test_without_a_server_they_skip_with_the_reason_elsewhere(tmp_path):
    run = nested(tmp_path, None)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 skipped" in run.stdout
    assert "PostgreSQL tests skipped: simulated: no PostgreSQL on this machine" in run.stdout
