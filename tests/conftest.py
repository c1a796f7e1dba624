"""Shared fixtures: isolated config/DB locations, a frozen clock, a migrated store in tmp_path."""

from __future__ import annotations

import atexit
import itertools
import os
import sqlite3
import subprocess
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from importlib.metadata import version

from storage import settings
from storage.config import Config
from storage.open import open_store

from support import REPO, SAMPLES  # noqa: F401  (re-exported for older imports)

# Wednesday of the demo count week used in tests: 2026-W43 (19-25 October 2026).
FROZEN_UTC = datetime(2026, 10, 21, 8, 30, tzinfo=timezone.utc)


# The host's own config, as the CLI finds it (storage.settings.SYSTEM_CONFIG before any test
# points it elsewhere): subprocesses would read it, whatever a test sets.
HOST_CONFIG = settings.SYSTEM_CONFIG


def pytest_configure(config):
    """Stop before the first test when the host's config is visible: the CLI in a subprocess would
    run on it (and, as root, on the database it names). ``make test`` hides it (tests/isolated.sh)."""
    if os.path.lexists(HOST_CONFIG):
        pytest.exit(
            f"{HOST_CONFIG} exists on this machine, and the CLI tests would read it (as root they "
            "could write to the database it names). Run the suite with `make test` as root (it "
            "hides /etc/taelleuge in a private mount namespace: tests/isolated.sh), or on a machine "
            "without an installation.", returncode=4)


def pytest_report_header(config):
    return (
        f"sqlite {sqlite3.sqlite_version}, sqlite-utils {version('sqlite-utils')}, "
        f"textual {version('textual')}, psycopg {version('psycopg')}"
    )


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path_factory, monkeypatch):
    """Never read the developer's or CI machine's config or database."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setattr(settings, "SYSTEM_CONFIG", home / "no-system-config.toml")
    # The operator always comes from the OS account and the station from the entry point: no
    # test may lean on the environment for either.
    for name in ("TAELLEUGE_CONFIG", "TAELLEUGE_DB", "TAELLEUGE_ENHED", "TAELLEUGE_CONSOLE",
                 "TAELLEUGE_OPERATOR", "TAELLEUGE_STATION"):
        monkeypatch.delenv(name, raising=False)


class FrozenClock:
    def __init__(self, moment: datetime = FROZEN_UTC):
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta) -> None:
        from datetime import timedelta

        self.moment = self.moment + timedelta(**delta)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def config(clock) -> Config:
    """The built-in demo config, its count week being the frozen clock's ISO week (2026-W43)."""
    return settings.demo_config(clock().date())


# --------------------------------------------------------------------------------------------
# Engines. The storage, export and kiosk suites (tests/storage, tests/exports, tests/tui) run every
# test that uses ``store``/``db_path`` (or ``engine``) on both engines: ``db_path`` is then a
# postgresql:// URL once. A module sets ``ENGINES = dbrows.SQLITE_ONLY`` (saying why) when it is
# about the SQLite engine itself or its pictures are engine-independent, a test
# ``@pytest.mark.engines("sqlite")``; elsewhere SQLite only.

BOTH_BY_DEFAULT = {"storage", "exports", "tui"}


def pytest_generate_tests(metafunc):
    import dbrows

    if "engine" not in metafunc.fixturenames:
        return
    engines = getattr(metafunc.module, "ENGINES", None)
    chosen = metafunc.definition.get_closest_marker("engines")
    if chosen is not None:
        engines = [e for e in dbrows.ENGINES_BOTH if getattr(e, "values", (e,))[0] in chosen.args]
    if engines is None:
        folder = Path(metafunc.module.__file__).parent
        in_suite = folder.name in BOTH_BY_DEFAULT and folder.parent.name == "tests"
        engines = dbrows.ENGINES_BOTH if in_suite else None
    if engines and list(engines) != ["sqlite"]:  # SQLite alone: the ``engine`` default, ids as before
        metafunc.parametrize("engine", engines)


@pytest.fixture
def engine() -> str:
    return "sqlite"


@pytest.fixture
def db_path(request, tmp_path, engine) -> Path | str:
    if engine == "postgresql":
        return request.getfixturevalue("pg_recycled_database")
    return tmp_path / "taelleuge.db"


@pytest.fixture
def other_db_path(request, tmp_path, engine) -> Path | str:
    """A second, separate database on the same engine (a copy's destination, another site)."""
    if engine == "postgresql":
        return request.getfixturevalue("pg_other_database")
    return tmp_path / "andet.db"


@pytest.fixture
def store(db_path, clock):
    with open_store(db_path, station="test-station", operator="tester", clock=clock,
                    create=True) as s:
        yield s


# --------------------------------------------------------------------------------------------
# PostgreSQL: one real server for the session (tests/pg_server.py), a fresh database per test:
# ``pg_database`` a new copy of the migrated template; ``db_path`` a database an earlier test used,
# emptied (see _Recycler), which costs a sixth of a copy.

PG_TEMPLATE = "taelleuge_template"
_pg_names = itertools.count(1)


def pg_unavailable(reason: str):
    """CI must run the PostgreSQL tests: there they fail; elsewhere they skip, saying why."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostgreSQL tests cannot run: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL tests skipped: {reason}")


@pytest.fixture(scope="session")
def pg_server():
    import pg_server as pgs

    try:
        server = pgs.start_server()
    except (pgs.ServerUnavailable, OSError, subprocess.SubprocessError) as error:
        pg_unavailable(str(error))
    atexit.register(server.destroy)  # even if the session ends without running the finalizer
    try:
        _make_template(server)
        yield server
    finally:
        server.destroy()


def _make_template(server) -> None:
    """A migrated database with the roles granted: each test's database is a copy of it."""
    import psycopg

    from storage.postgres.admin import setup_roles

    with psycopg.connect(server.url(), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {PG_TEMPLATE}")
    with open_store(server.url(PG_TEMPLATE), station="setup", operator="setup", create=True) as s:
        assert setup_roles(s).done


@pytest.fixture
def pg_admin(pg_server):
    """An autocommit superuser connection to the server's maintenance database."""
    import psycopg

    with psycopg.connect(pg_server.url(), autocommit=True) as conn:
        yield conn


def _pg_database(pg_server, pg_admin, template: str):
    name = f"t{os.getpid()}_{next(_pg_names)}"
    pg_admin.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    try:
        yield pg_server.url(name)
    finally:
        if pg_server.running:
            pg_admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


class _Recycler:
    """Databases of finished tests, emptied for the next one. Emptying (end the sessions still
    on it, then TRUNCATE the four tables and restart ``seq``, triggers off for the superuser's one
    statement) takes ~20 ms; CREATE DATABASE from the template and DROP take ~120 ms. A database
    that cannot be emptied is dropped, never handed out again."""

    TABLES = "registrations, voids, imports, exports"

    def __init__(self) -> None:
        self.free: list[str] = []

    def take(self, pg_server) -> str:
        import psycopg

        if self.free:
            return self.free.pop()
        name = f"r{os.getpid()}_{next(_pg_names)}"
        with psycopg.connect(pg_server.url(), autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {name} TEMPLATE {PG_TEMPLATE}")
        return name

    def give_back(self, pg_server, name: str) -> None:
        import psycopg

        if not pg_server.running:
            return
        try:
            with psycopg.connect(pg_server.url(name), autocommit=True,
                                 options="-c lock_timeout=5s") as conn:
                conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                             "WHERE datname = current_database() AND pid <> pg_backend_pid()")
                with conn.transaction():
                    conn.execute("SET LOCAL session_replication_role = replica")
                    conn.execute(f"TRUNCATE {self.TABLES} RESTART IDENTITY")
        except psycopg.Error:
            with psycopg.connect(pg_server.url(), autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            return
        self.free.append(name)


_recycler = _Recycler()


@pytest.fixture
def pg_recycled_database(pg_server):
    """A postgresql:// URL of an empty, migrated database (one a finished test left, emptied)."""
    name = _recycler.take(pg_server)
    try:
        yield pg_server.url(name)
    finally:
        _recycler.give_back(pg_server, name)


@pytest.fixture
def pg_database(pg_server, pg_admin):
    """A postgresql:// URL of a fresh, migrated database (the superuser over the Unix socket)."""
    yield from _pg_database(pg_server, pg_admin, PG_TEMPLATE)


@pytest.fixture
def pg_other_database(pg_server, pg_admin):
    """A second fresh, migrated database for the same test."""
    yield from _pg_database(pg_server, pg_admin, PG_TEMPLATE)


@pytest.fixture
def pg_empty_database(pg_server, pg_admin):
    """A postgresql:// URL of a fresh database without any tables."""
    yield from _pg_database(pg_server, pg_admin, "template0")


def demo_week() -> tuple[date, date]:
    return date(2026, 10, 19), date(2026, 10, 25)
