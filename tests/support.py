"""Paths and helpers shared by test modules (importable: `pythonpath = ["tests"]`)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SAMPLES = SHARED / "samples"


async def settle(app, pilot) -> None:
    """Let DB workers finish and their messages reach the widgets."""
    await app.workers.wait_for_complete()
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def screen_text(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())
