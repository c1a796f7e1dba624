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


def create_group_writable(path: Path) -> bool:
    """Create ``path`` empty with mode 0660 unless something is already there (another process
    running ``init`` at the same moment, a symlink an administrator placed). Any other failure is
    left to SQLite's own open, which reports it as before. True when this call made the file."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(path, flags, GROUP_WRITABLE)
    except OSError:
        return False
    try:
        os.fchmod(fd, GROUP_WRITABLE)  # open() took the umask's bits off
    finally:
        os.close(fd)
    return True


def remove_if_still_empty(path: Path) -> None:
    """Undo a creation that failed half-way (a full disk during ``init``): the database file, if
    nothing was ever committed to it (still empty), with its empty journal and its write lock.
    A file another process has filled meanwhile is left alone."""
    sides = [Path(f"{path}{suffix}") for suffix in ("-journal", "-wal", "-shm", "-writelock")]
    try:
        if os.lstat(path).st_size != 0:
            return
        for side in sides[:2]:  # another process writing (its journal or WAL): not ours to undo
            if os.path.lexists(side) and os.lstat(side).st_size != 0:
                return
        os.unlink(path)
    except OSError:
        return
    for side in sides:
        try:
            os.unlink(side)
        except OSError:
            pass
