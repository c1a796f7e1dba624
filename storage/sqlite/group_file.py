"""A new database file belongs to the group: mode 0660, whatever the creating process's umask.

SQLite creates a missing database file with 0644 & ~umask, so even under the entry points' umask
007 it is 0640, and every -journal, -wal and -shm file copies the database file's mode: kiosks and
SSH users in the group could read it but never write. An empty file is a valid empty database to
SQLite, so creating it ourselves first settles the mode of the database and of all its side files.
"""

from __future__ import annotations

import os
from pathlib import Path

GROUP_WRITABLE = 0o660


def create_group_writable(path: Path) -> None:
    """Create ``path`` empty with mode 0660 unless something is already there (another process
    running ``init`` at the same moment, a symlink an administrator placed). Any other failure is
    left to SQLite's own open, which reports it as before."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(path, flags, GROUP_WRITABLE)
    except OSError:
        return
    try:
        os.fchmod(fd, GROUP_WRITABLE)  # open() took the umask's bits off
    finally:
        os.close(fd)
