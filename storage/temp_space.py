"""Which folder ran out of room: the one a file was meant for, or the temporary folder.

SQLite keeps temporary tables (an import's staging rows) and openpyxl keeps each worksheet of an
Excel file in the temporary folder (``TMPDIR``) until the end. When that folder is a small, full
tmpfs, the error is ENOSPC / SQLITE_FULL like any other, and a message naming the database's or
the target's disk sends the coordinator to free space in the wrong place. This module looks.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

# Less than this is "full": a failed write leaves a few blocks at most.
NEARLY_FULL = 1 << 20


def sqlite_temp_dir() -> Path:
    """The folder SQLite's unix VFS puts temporary files in (its own search order)."""
    for candidate in (os.environ.get("SQLITE_TMPDIR"), os.environ.get("TMPDIR"), "/var/tmp",
                      "/usr/tmp", "/tmp", "."):
        if candidate and os.path.isdir(candidate) and os.access(candidate, os.W_OK | os.X_OK):
            return Path(candidate)
    return Path(".")


def python_temp_dir() -> Path:
    """The folder ``tempfile`` (and so openpyxl) uses."""
    return Path(tempfile.gettempdir())


def _free(folder: Path) -> tuple[int, int] | None:
    """(device, free bytes) of the filesystem holding ``folder``."""
    try:
        info = os.statvfs(folder)
        return os.stat(folder).st_dev, info.f_bavail * info.f_frsize
    except OSError:
        return None


def full_temp_folder(temp: Path, meant: Path | None) -> Path | None:
    """``temp`` when it, and not ``meant`` (the database's or target's folder), is out of room."""
    mine = _free(temp)
    if mine is None or mine[1] >= NEARLY_FULL:
        return None
    other = _free(meant) if meant is not None else None
    if other is not None and (other[0] == mine[0] or other[1] <= mine[1]):
        return None  # the same disk, or the other one is no better off: name the usual one
    return temp


def temp_full_message(temp: Path, what: str) -> str:
    return (f"Den midlertidige mappe {temp} er fuld; {what} lægger midlertidige data der. Intet er "
            "gemt, og databasen er uændret. Frigør plads i den, eller sæt TMPDIR til en mappe med "
            "plads, og prøv igen.")
