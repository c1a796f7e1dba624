"""Helper process (not a test): one headless kiosk driven with Pilot, as a member of a crowd.

    python tests/load/pilot_kiosk.py CONFIG DB STATION SECONDS

Builds the app with the same factory as the CLI (``tui.app.make_app``) on the real DB file, then
registers task key + type key pairs until SECONDS have passed. Each pair is counted only once the
screen has said "Gemt" and its commit counter moved. Prints one JSON line: ``{"saved": n, ...}``.
Exit 0 only if every registration it started was saved.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from storage.config import load  # noqa: E402
from storage.sqlite.store import SqliteStore as Store  # noqa: E402
from storage.timeutil import system_clock  # noqa: E402
from textual.worker import WorkerCancelled  # noqa: E402

from tui.app import make_app  # noqa: E402

TASKS = "123"  # alternate tasks: two equal entries within 1.5 s would ask "Gem den igen?"
TYPES = "osivdf"  # the type keys (codebook tast)


async def workers_done(app) -> None:
    # The panel read is an exclusive worker: a newer read cancels an older one, and waiting on
    # the cancelled one raises WorkerCancelled. That is not a failure of the write.
    try:
        await app.workers.wait_for_complete()
    except WorkerCancelled:
        pass


async def drive(config_path: str, db: str, station: str, seconds: float) -> dict:
    config = load(config_path)
    store = Store(db, station=station, operator="pilot", create=False)
    app = make_app(config, store, clock=system_clock, enhed="999borgerservice")
    saved = 0
    problems: list[str] = []
    try:
        async with app.run_test(size=(80, 24), notifications=False) as pilot:
            await pilot.pause()
            deadline = time.monotonic() + seconds
            i = 0
            while time.monotonic() < deadline:
                screen = app.screen
                before = screen.saves
                await pilot.press(TASKS[i % len(TASKS)], TYPES[i % len(TYPES)])
                i += 1
                # Bounded wait for this pair's commit (busy_timeout is 10 s; allow retries).
                wait_until = time.monotonic() + 60
                while screen.saves == before and time.monotonic() < wait_until:
                    await workers_done(app)
                    await pilot.pause(0.01)
                message = str(screen.query_one("#message").render())
                if screen.saves != before + 1 or "Gemt" not in message:
                    problems.append(f"pair {i}: saves {before}->{screen.saves}, message {message!r}")
                    break
                saved += 1
            await workers_done(app)
            await pilot.pause()
            if app.screen.pending or app.screen.failed:
                problems.append("a write was still pending or failed at the end")
    finally:
        store.close()
    return {"station": station, "saved": saved, "problems": problems}


def main() -> int:
    config_path, db, station, seconds = sys.argv[1:5]
    result = asyncio.run(drive(config_path, db, station, float(seconds)))
    print(json.dumps(result), flush=True)
    return 0 if not result["problems"] else 1


if __name__ == "__main__":
    sys.exit(main())
