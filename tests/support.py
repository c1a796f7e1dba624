"""Paths and helpers shared by test modules (importable: `pythonpath = ["tests"]`)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SAMPLES = SHARED / "samples"


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
