"""The coordinator's list of registrations (Store.registrations) and one cell's detail
(Store.day_detail), on both engines."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from storage import new_entry
from storage import query as query_module
from storage.query import RegistrationQuery

CPH = ZoneInfo("Europe/Copenhagen")


def local(d, hh=10, mm=0):
    return datetime(2026, 10, d, hh, mm, tzinfo=CPH)


def add(store, config, **fields):
    values = dict(enhed="999borgerservice", opgave="23.05.10", kanal="PRSNLG", type="OPRET",
                  end=local(21))
    values.update(fields)
    return store.record(new_entry(config, **values))


@pytest.fixture
def filled(store, config):
    ids = {}
    ids["a"] = add(store, config, end=local(20, 9))
    ids["b"] = add(store, config, enhed="999telefon", kanal="TLFIND", end=local(20, 11))
    ids["c"] = add(store, config, opgave="15.20.00", end=local(21, 8))
    ids["d"] = add(store, config, type="STATUS", end=local(21, 23, 30))  # 21:30 UTC, still the 21st here
    ids["e"] = add(store, config, end=local(22, 0, 30))  # 22:30 UTC on the 21st: the 22nd here
    store.void(ids["c"], "RETTELSE")
    return ids


def ids_of(page):
    return [r.id for r in page.rows]


def test_newest_first_voided_left_out_unless_asked(store, filled):
    page = store.registrations(RegistrationQuery())
    assert ids_of(page) == filled["e"] + filled["d"] + filled["b"] + filled["a"]
    assert page.next_before is None
    every = store.registrations(RegistrationQuery(include_voided=True))
    assert [r.voided for r in every.rows] == [False, False, True, False, False]
    assert [r.seq for r in every.rows] == sorted((r.seq for r in every.rows), reverse=True)


def test_keyset_pages_meet_without_gap_or_overlap(store, filled):
    query = RegistrationQuery(include_voided=True)
    first = store.registrations(query, limit=2)
    assert len(first.rows) == 2 and first.next_before == first.rows[-1].seq
    second = store.registrations(query, before_seq=first.next_before, limit=2)
    third = store.registrations(query, before_seq=second.next_before, limit=2)
    seen = ids_of(first) + ids_of(second) + ids_of(third)
    assert seen == ids_of(store.registrations(query))
    assert len(third.rows) == 1 and third.next_before is None


def test_each_filter(store, config, filled):
    def found(**kw):
        return ids_of(store.registrations(RegistrationQuery(**kw)))

    assert found(enhed="999telefon") == filled["b"]
    assert found(kanal="TLFIND") == filled["b"]
    assert found(type="STATUS") == filled["d"]
    assert found(opgave="15.20.00", include_voided=True) == filled["c"]
    assert found(opgave="15.20.00") == []
    assert found(station="test-station", enhed="999borgerservice") == filled["e"] + filled["d"] + filled["a"]
    assert found(datakilde="Taelleuge", type="OPRET") == filled["e"] + filled["b"] + filled["a"]
    # Any case, as the channel (the CLI upper-cases --kanal; --datakilde was exact).
    assert found(datakilde="taelleuge", type="OPRET") == filled["e"] + filled["b"] + filled["a"]
    assert found(station="andet") == []
    # A local day, across the UTC date line.
    assert found(day=date(2026, 10, 21), zone=config.zone) == filled["d"]
    assert found(day=date(2026, 10, 22), zone=config.zone) == filled["e"]
    assert found(day=date(2026, 10, 20), zone=config.zone, enhed="999borgerservice") == filled["a"]


def test_unindexed_filter_walks_a_window_and_says_where_to_go_on(store, config, monkeypatch):
    monkeypatch.setattr(query_module, "SCAN_WINDOW", 2)
    from storage.postgres import store as pg  # noqa: F401  (both engines read it at call time)
    import storage.sqlite.store as sq

    monkeypatch.setattr(sq, "SCAN_WINDOW", 2)
    monkeypatch.setattr(pg, "SCAN_WINDOW", 2)
    target = add(store, config, kanal="TLFIND", enhed="999telefon")
    for _ in range(4):
        add(store, config)
    page = store.registrations(RegistrationQuery(kanal="TLFIND"))
    assert page.rows == [] and page.scanned_to is not None
    rows = []
    while page.next_before is not None:
        page = store.registrations(RegistrationQuery(kanal="TLFIND"), before_seq=page.next_before)
        rows += page.rows
    assert [r.id for r in rows] == target


def test_day_without_zone_is_a_programming_error():
    with pytest.raises(ValueError):
        RegistrationQuery(day=date(2026, 10, 21))


def test_day_detail_counts_live_non_trial_rows_by_hour_station_operator(store, config, filled):
    add(store, config, end=local(21, 23, 45), trial=True)
    detail = store.day_detail("999borgerservice", date(2026, 10, 21), config.zone)
    # c (08:00 local) is voided; d is 23:30 local = 21 UTC.
    assert detail == [("2026-10-21T21", "test-station", "tester", 1)]


def test_day_pages_skip_voided_rows_and_meet(store, config):
    ids = [add(store, config, end=local(21, 9, m))[0] for m in range(6)]
    store.void([ids[4], ids[2]], "DUBLET")
    query = RegistrationQuery(day=date(2026, 10, 21), zone=config.zone)
    first = store.registrations(query, limit=2)
    second = store.registrations(query, before_seq=first.next_before, limit=2)
    assert ids_of(first) == [ids[5], ids[3]] and ids_of(second) == [ids[1], ids[0]]
    assert store.registrations(query, before_seq=second.next_before, limit=2).rows == []
    every = store.registrations(RegistrationQuery(day=date(2026, 10, 21), zone=config.zone,
                                                  include_voided=True), limit=10)
    assert ids_of(every) == ids[::-1] and every.next_before is None
