"""Connections: pragmas, journal mode and the one way to write.

Plain ``sqlite3`` on purpose: ``import sqlite_utils`` pulls in pandas and numpy when they are
installed, which doubles a kiosk's start time and memory. sqlite-utils is used only for migrations
(``storage.migrations``), which run from ``taelleuge init`` or once when a file is new.
"""

from __future__ import annotations

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
        )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if not readonly:
        _set_journal_mode(conn, journal_choice().mode)
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    # Without it INSERT OR REPLACE deletes the old row without firing the append-only trigger.
    conn.execute("PRAGMA recursive_triggers = ON")
    return conn


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
    """
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
