"""A unit's own count weeks (``[[enhed]] taelleuger``) decide whether its rows count: outside
them the desk registers trial (PRØVE) rows, as outside every week, and ``new_entry`` (the desk's,
``registrer``'s and the console's check) refuses a counted row there. Both engines."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timezone

import pytest

import dbrows
from desk_support import press
from storage.config import CountWeek
from storage.errors import Refusal
from storage.registration import new_entry
from support import screen_text, settle
from tui.app import make_app

SIZE = (80, 24)
LATER = CountWeek("Uge 45", date(2026, 11, 2), date(2026, 11, 8))


def own_weeks(config, unit: str = "999borgerservice", weeks=("Uge 45",)):
    """The demo config (its count week: the clock's, 2026-W43) with a later week that ``unit``
    alone counts in."""
    units = dict(config.units)
    units[unit] = replace(units[unit], count_weeks=weeks)
    return replace(config, demo=False, weeks=(*config.weeks, LATER), units=units)


def test_a_counted_row_outside_the_units_own_weeks_is_refused(config, clock):
    config = own_weeks(config)
    with pytest.raises(Refusal) as refused:
        new_entry(config, enhed="999borgerservice", opgave="23.05.10", kanal="PRSNLG",
                  type="OPRET", end=clock())
    message = str(refused.value)
    assert "ligger uden for 999borgerservices tælleuger (Uge 45 (02-11-2026–08-11-2026))" in message
    assert "--proeve" in message
    trial = new_entry(config, enhed="999borgerservice", opgave="23.05.10", kanal="PRSNLG",
                      type="OPRET", end=clock(), trial=True)
    assert trial.trial
    other = new_entry(config, enhed="999ydelse", opgave="32.06.04", kanal="DOCIND", type="OPRET",
                      end=clock())  # a unit without its own weeks counts in all of them
    assert not other.trial
    assert config.unit_week_of("999borgerservice", date(2026, 11, 3)) == LATER
    assert config.unit_week_of("999borgerservice", clock().date()) is None
    assert config.unit_week_of("999ydelse", clock().date()) == config.weeks[0]


async def test_the_desk_outside_its_units_weeks_saves_trial_rows(config, store, clock):
    config = own_weeks(config)
    app = make_app(config, store, clock=clock, enhed="999borgerservice")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert "PRØVE" in screen_text(app, "#header")
        await press(app, pilot, "1", "o")
        assert "PRØVE" in screen_text(app, "#message")
    assert [r["trial"] for r in dbrows.live_rows(store.path, "1=1", ())] == [1]


async def test_the_desk_inside_its_units_weeks_counts(config, store, clock):
    config = own_weeks(config, weeks=(config.weeks[0].name,))
    app = make_app(config, store, clock=clock, enhed="999borgerservice")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert "PRØVE" not in screen_text(app, "#header")
        await press(app, pilot, "1", "o")
    assert [r["trial"] for r in dbrows.live_rows(store.path, "1=1", ())] == [0]
