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

# The Store's own INSERT: storage.model's column list, ``seq`` the next number per row. The raw
# paths and the bulk builds use it (with rows from ``stored_row``), so they write what the Store
# writes, however the model's columns change.
from storage.model import REGISTRATIONS  # noqa: E402
from storage.sqlite.store import INSERT  # noqa: E402,F401

# For building large files in one go: the same columns, ``seq`` given (the row's number) instead
# of looked up per row; rows from ``stored_row(..., seq=n)``.
BULK_INSERT = REGISTRATIONS.insert("?", extra=[("seq", "?")])


def stored_row(*, seq: int | None = None, **values) -> tuple:
    """A registrations row in INSERT's column order, from stored values by name (0/1 flags,
    answers as JSON text); a column not given is NULL. With ``seq``: for BULK_INSERT."""
    unknown = set(values) - set(REGISTRATIONS.written)
    if unknown:
        raise KeyError(f"not registration columns: {sorted(unknown)}")
    row = tuple(values.get(c) for c in REGISTRATIONS.written)
    return row if seq is None else (*row, seq)


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
