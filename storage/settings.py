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


def host_config() -> cfg.Config | None:
    """The host's own config, ``/etc/taelleuge/config.toml`` (a file, or a symlink root placed in
    its root-owned folder), or None on a machine without one (a developer's, the demo). It decides
    who the coordinators are, whichever config a command was given (``storage.roles``)."""
    if not os.path.lexists(SYSTEM_CONFIG):
        return None
    return cfg.load(SYSTEM_CONFIG)  # a broken host config is an error for everyone


def is_host_config(config: cfg.Config) -> bool:
    """``config`` was read from the host's own file (by its name, a link to it, or another path
    to the same file)."""
    try:
        return os.path.samefile(config.source, SYSTEM_CONFIG)
    except (OSError, ValueError):
        return False


def root_controlled(source: str) -> bool:
    """Only root can change the file: owned by root, not writable by its group or others. Such a
    config speaks for the host; a file a user wrote speaks only for that user."""
    try:
        info = os.stat(source)
    except (OSError, ValueError):
        return False
    return info.st_uid == 0 and not info.st_mode & 0o022


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
