"""Store.history: every void and restore with who, when and why, on both engines."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from storage import new_entry

CPH = ZoneInfo("Europe/Copenhagen")


def entry(config, **overrides):
    fields = dict(enhed="999borgerservice", opgave="23.05.10", kanal="PRSNLG", type="OPRET",
                  end=datetime(2026, 10, 21, 10, 30, tzinfo=CPH))
    fields.update(overrides)
    return new_entry(config, **fields)


def test_history_lists_voids_and_restores_with_who_when_and_why(store, config, clock):
    [first] = store.record(entry(config))
    [phone] = store.record(entry(config, enhed="999telefon", kanal="TLFIND", opgave="29.03.04",
                                 answers={"Taler borgeren dansk?": "Ja"}))
    assert store.history() == []
    clock.advance(minutes=5)
    store.void([first], "FEJLTASTNING")
    clock.advance(minutes=1)
    [restored] = store.restore([first])
    clock.advance(minutes=1)
    store.void([phone], "DUBLET")

    events = store.history()
    assert [(e.kind, e.reason, e.row.id) for e in events] == [
        ("annulleret", "FEJLTASTNING", first),
        ("genskabt", None, restored),
        ("annulleret", "DUBLET", phone),
    ]
    void = events[0]
    assert (void.station, void.operator) == ("test-station", "tester")
    assert void.at_utc == "2026-10-21T08:35:00.000000Z"
    assert (void.row.enhed, void.row.opgave, void.row.kanal, void.row.type) == \
        ("999borgerservice", "23.05.10", "PRSNLG", "OPRET")
    assert events[1].row.replaces == first and events[1].at_utc == "2026-10-21T08:36:00.000000Z"

    by_unit = store.history(enhed="999telefon")
    assert [(e.kind, e.row.id) for e in by_unit] == [("annulleret", phone)]
    assert [e.kind for e in store.history(enhed="999borgerservice")] == ["annulleret", "genskabt"]


def test_history_by_local_day_of_the_change(store, config, clock):
    [rid] = store.record(entry(config))
    clock.advance(days=1)  # 22-10-2026, 10:30 local
    store.void([rid], "RETTELSE")
    assert store.history(day=date(2026, 10, 21), zone=CPH) == []
    [event] = store.history(day=date(2026, 10, 22), zone=CPH)
    assert event.reason == "RETTELSE" and event.row.id == rid
    assert store.history(enhed="999telefon", day=date(2026, 10, 22), zone=CPH) == []
    with pytest.raises(ValueError):
        store.history(day=date(2026, 10, 22))
