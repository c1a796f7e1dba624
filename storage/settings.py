"""Which config and which database file: flags, then environment, then defaults.

Order: ``--config`` / ``TAELLEUGE_CONFIG`` / ``/etc/taelleuge/config.toml`` / the built-in demo;
``--db`` / ``TAELLEUGE_DB`` / the config's ``database`` / the user's data dir.
"""

from __future__ import annotations

import os
import tomllib
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

from . import config as cfg
from .open import location
from .timeutil import iso_week_days

SYSTEM_CONFIG = Path("/etc/taelleuge/config.toml")
DEMO_ZONE = "Europe/Copenhagen"  # as in demo.toml


def data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "taelleuge"


def demo_config(today: date) -> cfg.Config:
    text = resources.files(__package__).joinpath("demo.toml").read_text("utf-8")
    data = tomllib.loads(text)
    year, week, _ = today.isocalendar()
    first, last = iso_week_days(year, week)
    data["taelleuge"] = [{"navn": f"Demo-tælleuge {year}-W{week:02d}", "fra": first, "til": last}]
    return cfg.parse(data, "indbygget demo-konfiguration", demo=True)


def load_config(flag: str | None, now: datetime) -> cfg.Config:
    path = flag or os.environ.get("TAELLEUGE_CONFIG")
    if path:
        return cfg.load(path)
    if SYSTEM_CONFIG.exists():
        return cfg.load(SYSTEM_CONFIG)
    # The demo's week is the local one: at 00:30 on a Monday in Copenhagen it is still Sunday in UTC.
    return demo_config(now.astimezone(ZoneInfo(DEMO_ZONE)).date())


def database_path(flag: str | None, config: cfg.Config) -> Path | str:
    """A file path, or a ``postgresql://`` URL kept as text (storage.open.is_server)."""
    if flag:
        return location(flag)
    if os.environ.get("TAELLEUGE_DB"):
        return location(os.environ["TAELLEUGE_DB"])
    if config.database:
        return config.database
    return data_dir() / ("demo.db" if config.demo else "taelleuge.db")
