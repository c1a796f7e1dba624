"""The real command line on PostgreSQL when a COMMIT's answer is lost (tests/cutting_proxy.py):
the outcome is checked on a new connection, so ``registrer`` and ``fortryd`` report what really
happened; when the server cannot be asked, they say the outcome is unknown and how to check,
never "Intet er gemt" (running again would count or void twice)."""

from __future__ import annotations

import pytest
from psycopg.conninfo import conninfo_to_dict

import dbrows
import pg_server as pgs
from test_cli_postgres import REGISTER, no_secret, run

pytestmark = [pytest.mark.postgresql, pytest.mark.slow]


@pytest.fixture
def proxy(pg_server):
    from cutting_proxy import CuttingProxy

    proxy = CuttingProxy(pg_server.port)
    yield proxy
    proxy.close()


@pytest.fixture
def proxied(tmp_path, pg_server, pg_empty_database, proxy) -> str:
    """An initialised database, reached through the cutting proxy (password in the URL)."""
    url = proxy.url(conninfo_to_dict(pg_empty_database)["dbname"], pgs.SUPERUSER, pgs.SUPERUSER_PASSWORD)
    assert run(tmp_path, "init", db=url).returncode == 0
    return url


def test_registrer_whose_answer_is_lost_is_reported_saved(tmp_path, proxy, proxied, pg_empty_database):
    proxy.arm(2)
    result = run(tmp_path, *REGISTER, db=proxied)
    assert result.returncode == 0, result.stderr
    assert "Gemt:" in result.stdout and "Intet er gemt" not in result.stderr
    assert proxy.cuts == 1
    assert dbrows.count(pg_empty_database) == 1
    no_secret(result)


def test_registrer_with_the_server_gone_after_the_commit_says_unknown(tmp_path, proxy, proxied, pg_empty_database):
    proxy.arm(1, refuse_after=True)
    result = run(tmp_path, *REGISTER, db=proxied)
    assert result.returncode == 1
    assert "Intet er gemt" not in result.stderr
    assert "uvist" in result.stderr and "taelleuge registreringer --enhed 259borgerservice" in result.stderr
    [(rid,)] = dbrows.query(pg_empty_database, "SELECT id FROM registrations")
    assert rid in result.stderr  # the id to look for
    no_secret(result)


def test_fortryd_whose_answer_is_lost_voids_the_shown_row_once(tmp_path, proxy, proxied, pg_empty_database):
    for minute in ("10:15", "10:16"):
        assert run(tmp_path, *REGISTER[:-1], f"22-10-2025 {minute}", db=proxied).returncode == 0
    newest = dbrows.query(pg_empty_database, "SELECT id FROM registrations ORDER BY seq DESC LIMIT 1")
    proxy.arm(2)
    result = run(tmp_path, "fortryd", "--enhed", "259borgerservice", "--ja", db=proxied)
    assert result.returncode == 0, result.stderr
    assert "Annulleret:" in result.stdout and "kan ikke nås" not in result.stderr
    assert proxy.cuts == 1
    assert dbrows.query(pg_empty_database, "SELECT registration_id FROM voids") == newest
    no_secret(result)


def test_fortryd_with_the_server_gone_after_the_commit_says_unknown(tmp_path, proxy, proxied, pg_empty_database):
    assert run(tmp_path, *REGISTER, db=proxied).returncode == 0
    proxy.arm(1, refuse_after=True)
    result = run(tmp_path, "fortryd", "--enhed", "259borgerservice", "--ja", db=proxied)
    assert result.returncode == 1
    assert "Intet er gemt" not in result.stderr
    assert "uvist" in result.stderr and "taelleuge historik" in result.stderr
    assert dbrows.query(pg_empty_database, "SELECT count(*) FROM voids") == [(1,)]
    no_secret(result)
