"""Helpers for the desk tests: the KL 2013 package, the screen as text, the DB as rows."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import dbrows
from support import settle

KL2013 = Path(__file__).resolve().parents[1] / "fixtures" / "kl2013.toml"
SIZE = (80, 24)


def kl2013_data() -> dict:
    """KL's 2013 package as config data, with the tests' count week (2026-W43)."""
    data = tomllib.loads(KL2013.read_text("utf-8"))
    data["taelleuge"] = [{"navn": "Uge 43", "fra": date(2026, 10, 19), "til": date(2026, 10, 25)}]
    return data


def screen_lines(app) -> list[str]:
    """What the active screen shows, as plain text lines."""
    return ["".join(segment.text for segment in strip if not segment.control)
            for strip in app.screen._compositor.render_strips()]


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


def dialog_text(app) -> str:
    return "\n".join(str(w.render()) for w in app.screen.query("Static"))


def rows(db_path, where: str = "1=1", params=()) -> list[dict]:
    """Live registrations, read through a connection of the test's own (either engine)."""
    return dbrows.live_rows(db_path, where, params)


async def press(app, pilot, *keys: str) -> None:
    await pilot.press(*keys)
    await settle(app, pilot)


async def paced(app, pilot, clock, *keys: str, seconds: float = 0.5) -> None:
    """Keys at a person's pace: ``seconds`` on the (injected) clock before each, past a dialog's
    first moment (tui.key_filter.DIALOG_SETTLE), so a dialog takes them."""
    for key in keys:
        clock.advance(seconds=seconds)
        await pilot.press(key)
        await settle(app, pilot)
