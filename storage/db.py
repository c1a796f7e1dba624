"""Connections: pragmas, journal mode and the one way to write.

Plain ``sqlite3`` on purpose: ``import sqlite_utils`` pulls in pandas and numpy when they are
installed, which doubles a kiosk's start time and memory. sqlite-utils is used only for migrations
(``storage.migrations``), which run from ``taelleuge init`` or once when a file is new.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

BUSY_TIMEOUT_MS = 10_000

# SQLite fixed a WAL-reset corruption race (several connections writing or checkpointing at once,
# which is exactly a shared kiosk host) in 3.51.3. Older libraries use the rollback journal.
WAL_SAFE_FROM = (3, 51, 3)


@dataclass(frozen=True)
class JournalChoice:
    mode: str
    reason: str


def journal_choice(version: tuple[int, int, int] = sqlite3.sqlite_version_info) -> JournalChoice:
    shown = ".".join(map(str, version))
    if tuple(version) >= WAL_SAFE_FROM:
        return JournalChoice("wal", f"SQLite {shown} ≥ 3.51.3 har rettelsen af WAL-reset-fejlen")
    return JournalChoice(
        "truncate",
        f"SQLite {shown} < 3.51.3 har WAL-reset-fejlen ved flere samtidige skrivere; "
        "derfor rollback-journal (TRUNCATE)",
    )


class Connection(sqlite3.Connection):
    """A connection that knows its database's write-queue file (see :func:`write_txn`)."""

    write_queue: str | None = None
    _queue_fd: int | None = None

    def queue_for_write(self) -> None:
        if self.write_queue is None:
            return
        if self._queue_fd is None:
            try:
                self._queue_fd = os.open(self.write_queue, os.O_RDWR | os.O_CREAT, 0o660)
            except OSError:
                # The queue only makes waiting fair; without it SQLite's own lock still
                # serialises writers, so a file we may not open must not stop the write.
                self.write_queue = None
                return
        fcntl.flock(self._queue_fd, fcntl.LOCK_EX)

    def leave_write_queue(self) -> None:
        if self._queue_fd is not None:
            fcntl.flock(self._queue_fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._queue_fd is not None:
            os.close(self._queue_fd)
            self._queue_fd = None
        super().close()


def connect(path: str | Path, *, readonly: bool = False) -> sqlite3.Connection:
    """Open a connection with the project's pragmas.

    ``isolation_level=None`` stops Python from opening transactions behind our back: every write
    goes through :func:`write_txn`, which says ``BEGIN IMMEDIATE`` itself. ``check_same_thread``
    is off because the TUI writes from a worker thread; :class:`storage.store.Store` serialises
    use of the connection with a lock.
    """
    if readonly:
        conn = sqlite3.connect(
            f"{Path(path).resolve().as_uri()}?mode=ro",
            uri=True,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
            check_same_thread=False,
        )
    else:
        conn = sqlite3.connect(
            str(path),
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
            check_same_thread=False,
            factory=Connection,
        )
        conn.write_queue = f"{path}-writelock"  # next to SQLite's own -journal file
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if not readonly:
        _set_journal_mode(conn, journal_choice().mode)
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    # Without it INSERT OR REPLACE deletes the old row without firing the append-only trigger.
    conn.execute("PRAGMA recursive_triggers = ON")
    return conn


def connect_checked(path: str | Path) -> sqlite3.Connection:
    """``connect``, with a file that is not SQLite at all reported as the Danish refusal the
    callers show (the journal-mode pragma is the first thing that reads the header)."""
    from .errors import NotInitialised

    try:
        return connect(path)
    except sqlite3.DatabaseError as error:
        raise NotInitialised(
            f"{path} er ikke en Tælleuge-database, eller filen er beskadiget ({error}). Filen er "
            "ikke ændret. Brug den rigtige fil, eller læg en sikkerhedskopi tilbage."
        ) from None


def _set_journal_mode(conn: sqlite3.Connection, wanted: str) -> None:
    current = conn.execute("PRAGMA journal_mode").fetchone()[0].lower()
    if current == wanted:
        return
    try:
        conn.execute(f"PRAGMA journal_mode = {wanted}")
    except sqlite3.OperationalError:
        # Leaving WAL needs the file to ourselves; another process has it open. Keep going in the
        # mode the file is in: `taelleuge doctor` shows the mode actually in force.
        pass


def journal_mode(conn: sqlite3.Connection) -> str:
    return conn.execute("PRAGMA journal_mode").fetchone()[0].lower()


@contextmanager
def write_txn(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE … COMMIT``: take the write lock before the first read.

    A deferred ``BEGIN`` that reads and then writes fails at once with SQLITE_BUSY when another
    process wrote in between, without waiting for ``busy_timeout``; IMMEDIATE waits its turn.
    With ``synchronous=FULL`` the row is on disk when COMMIT returns.

    Writers first queue on a kernel file lock next to the database. SQLite's own busy handler lets
    a waiting writer sleep up to 100 ms between tries while the holder takes the lock straight
    back, so under 50 writers some waited past the 10 s timeout and failed (bench/
    concurrent_writers.py); the kernel wakes the next waiter as soon as the lock is free. The
    lock dies with its process, so a killed writer never blocks the others.
    """
    queue = isinstance(conn, Connection)
    if queue:
        conn.queue_for_write()
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        else:
            try:
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
    finally:
        if queue:
            conn.leave_write_queue()
