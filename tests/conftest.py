"""Shared fixtures: isolated config/DB locations, a frozen clock, a migrated store in tmp_path."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from importlib.metadata import version

from storage import settings
from storage.config import Config
from storage.store import Store

from support import REPO, SAMPLES  # noqa: F401  (re-exported for older imports)

# Wednesday of the demo count week used in tests: 2026-W43 (19-25 October 2026).
FROZEN_UTC = datetime(2026, 10, 21, 8, 30, tzinfo=timezone.utc)


def pytest_report_header(config):
    return (
        f"sqlite {sqlite3.sqlite_version}, sqlite-utils {version('sqlite-utils')}, "
        f"textual {version('textual')}"
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


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "taelleuge.db"


@pytest.fixture
def store(db_path, clock):
    with Store(db_path, station="test-station", operator="tester", clock=clock) as s:
        yield s


def demo_week() -> tuple[date, date]:
    return date(2026, 10, 19), date(2026, 10, 25)
