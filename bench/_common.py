"""Shared helpers for the benchmark scripts: machine description, percentiles, demo entries.

Imported as a sibling module (``python bench/x.py`` puts ``bench/`` first on ``sys.path``); the repo
root is added too, so the scripts work without the editable install.
"""

from __future__ import annotations

import os
import platform
import sqlite3
import sys
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from storage.sqlite import db as dbmod  # noqa: E402
from storage.registration import new_entry  # noqa: E402
from storage.settings import demo_config  # noqa: E402

# The Store's INSERT (storage.sqlite.store._INSERT) as of this benchmark: the raw paths and the bulk build
# use this copy so a change to the Store's column list cannot break them silently;
# ``insert_drift()`` says when the two differ.
INSERT = (
    "INSERT INTO registrations (id, kommune_nr, kommune_navn, enhed, opgave, kanal, type, "
    "afslutning, blanket, start_utc, end_utc, date_only, datakilde, station, operator, answers, "
    "trial, batch_id, replaces, created_utc) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (id) DO NOTHING"
)

UNIT = "999borgerservice"
OPGAVE = "23.05.10"
KANAL = "PRSNLG"
TYPE = "OPRET"


def machine() -> str:
    choice = dbmod.journal_choice()
    return (
        f"nproc={os.cpu_count()}, SQLite {sqlite3.sqlite_version}, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}, "
        f"journal_mode={choice.mode}, tmp={Path('/tmp').resolve()}"
    )


def header(title: str) -> None:
    print(f"# {title}")
    print(f"date: {datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(f"machine: {machine()}")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average at start (1/5/15 min): {load}  (other work on the host skews the figures)")
    exe = Path(sys.executable)
    try:
        exe = exe.relative_to(ROOT)
    except ValueError:
        pass
    print(f"command: {' '.join([str(exe), *sys.argv])}")
    print()


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100 * len(s) + 0.5)) - 1))
    return s[k]


def median(values: list[float]) -> float:
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def insert_drift() -> str | None:
    from storage.sqlite import store

    shipped = getattr(store, "_INSERT", None)
    if shipped != INSERT:
        return ("WARNING: storage.sqlite.store._INSERT differs from the benchmark's INSERT; the raw path "
                "no longer runs the Store's exact statement")
    return None


def schema_key() -> str:
    """Short tag of the migration list, so cached files are rebuilt when the schema changes."""
    import hashlib

    from storage.sqlite.schema import MIGRATION_NAMES

    return hashlib.sha1(",".join(MIGRATION_NAMES).encode()).hexdigest()[:8]


def config():
    return demo_config(date.today())


def entry(cfg, *, count: int = 1):
    return new_entry(
        cfg, enhed=UNIT, opgave=OPGAVE, kanal=KANAL, type=TYPE,
        end=datetime.now(timezone.utc), count=count,
    )
