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


# The real entry point (``taelleuge kiosk``) in a subprocess on Textual's headless driver: a thread
# waits until the desk is on screen (the app freezes the heap then, tui.app._freeze_heap; an app
# that never does is reported after the deadline, and the test fails on what it finds), records
# the frame rate Textual runs at, the frozen heap and every module loaded, and stops the kiosk with
# SIGTERM as systemd does.
KIOSK_PROBE = r'''
import gc, json, os, signal, sys, threading, time
out_path = sys.argv[1]
def probe():
    deadline = time.monotonic() + 60
    while not gc.get_freeze_count() and time.monotonic() < deadline:
        time.sleep(0.02)
    import textual.constants
    with open(out_path, "w") as out:
        json.dump({"fps": textual.constants.MAX_FPS, "frozen": gc.get_freeze_count(),
                   "modules": sorted(sys.modules)}, out)
    os.kill(os.getpid(), signal.SIGTERM)
threading.Thread(target=probe, daemon=True).start()
from tui.cli import main
sys.exit(main(sys.argv[2:]))
'''


def run_kiosk_entry(tmp_path: Path, *args: str) -> dict:
    """``taelleuge kiosk --enhed 999borgerservice`` (or ``args``) on the repository's demo config
    and a fresh database in tmp_path, until its desk is up: what the probe above found."""
    import json
    import os
    import subprocess
    import sys

    from storage.open import open_store

    db = tmp_path / "kiosk-probe.db"
    open_store(db, station="setup", operator="test", create=True).close()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAELLEUGE_", "TEXTUAL_"))}
    env.update(TAELLEUGE_CONFIG=str(REPO / "storage" / "demo.toml"), TAELLEUGE_DB=str(db),
               TEXTUAL_DRIVER="textual.drivers.headless_driver:HeadlessDriver",
               PYTHONPATH=str(REPO))
    out = tmp_path / "kiosk-probe.json"
    argv = list(args) or ["kiosk", "--enhed", "999borgerservice"]
    done = subprocess.run([sys.executable, "-c", KIOSK_PROBE, str(out), *argv], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(out.read_text())
