"""Paths and helpers shared by test modules (importable: `pythonpath = ["tests"]`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# The synthetic samples (a Landkort raw-data extract, a KLE-Emneplan XML): inside the repository, so
# a bare clone tests itself.
SAMPLES = REPO / "tests" / "fixtures"


async def settle(app, pilot) -> None:
    """Let DB workers finish and their messages reach the widgets.

    A newer panel read cancels an older one (exclusive worker); waiting on the cancelled one
    raises WorkerCancelled, which only means there is a newer one to wait for.
    """
    from textual.worker import WorkerCancelled

    for _ in range(2):
        for _attempt in range(10):
            try:
                await app.workers.wait_for_complete()
                break
            except WorkerCancelled:
                continue
        await pilot.pause()


def screen_text(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


@contextmanager
def database_locked(store, db_path) -> Iterator[None]:
    """Another process holds the database (a real EXCLUSIVE lock: SQLite's on the file,
    PostgreSQL's on the two tables) while the block runs; the store gives up after 50 ms instead
    of its 10 s, so a write fails quickly and for real (busy)."""
    if store.engine == "postgresql":
        import psycopg

        store._call(lambda conn: conn.execute("SET lock_timeout = 50"), retry=False)
        with psycopg.connect(str(db_path), autocommit=True) as blocker:
            blocker.execute("BEGIN")
            blocker.execute("LOCK TABLE registrations, voids IN EXCLUSIVE MODE")
            try:
                yield
            finally:
                blocker.execute("ROLLBACK")
        return
    store.conn.execute("PRAGMA busy_timeout = 50")
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
