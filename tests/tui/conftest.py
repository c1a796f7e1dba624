"""Fixtures for driving the kiosk with Pilot: a real store in tmp_path, a frozen clock."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from storage.config import parse
from tui.app import make_app


@pytest.fixture(autouse=True)
def no_cursor_blink(monkeypatch):
    # A blinking cursor makes snapshots depend on timing.
    monkeypatch.setattr(Input, "cursor_blink", False, raising=False)


@pytest.fixture
def kiosk(config, store, clock):
    """Build the app for a unit; the same factory the CLI uses."""

    def build(enhed: str | None = "999borgerservice", *, console: bool = False, cfg=None):
        return make_app(cfg or config, store, clock=clock, enhed=enhed, console=console)

    return build



@pytest.fixture
def kl2013():
    """KL's 2013 package (tests/fixtures/kl2013.toml) with the test's count week."""
    from desk_support import KL2013, kl2013_data

    return parse(kl2013_data(), str(KL2013))
