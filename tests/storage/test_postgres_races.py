"""Races on PostgreSQL, with real concurrent sessions: two coordinators voiding or restoring the
same row at once give one void or one restored row and a Danish Refusal for the other; four
undos by unit at once void four different rows."""

from __future__ import annotations

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

import dbrows
from storage.errors import Refusal
from storage.open import open_store
from storage.registration import new_entry

pytestmark = pytest.mark.postgresql
ENGINES = dbrows.POSTGRESQL_ONLY  # the ``store`` fixture is a PgStore on ``db_path``

CPH = ZoneInfo("Europe/Copenhagen")
UNIT = "999borgerservice"


def at_once(url, clock, n, action):
    """Run ``action(store)`` in ``n`` threads, each with its own session, released together."""
    stores = [open_store(url, station=f"s{i}", operator=f"o{i}", clock=clock) for i in range(n)]
    barrier = threading.Barrier(n)
    outcomes: list = [None] * n

    def run(i):
        barrier.wait(timeout=30)
        try:
            outcomes[i] = action(stores[i])
        except Refusal as refusal:
            outcomes[i] = refusal

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for store in stores:
        store.close()
    return outcomes


def entry(config):
    return new_entry(config, enhed=UNIT, opgave="23.05.10", kanal="PRSNLG", type="OPRET",
                     end=datetime(2026, 10, 21, 10, 30, tzinfo=CPH))


def test_two_voids_of_one_row_at_once(store, config, clock, db_path):
    [rid] = store.record(entry(config))
    outcomes = at_once(db_path, clock, 2, lambda s: s.void([rid], "DUBLET"))
    refusals = [o for o in outcomes if isinstance(o, Refusal)]
    assert len(refusals) == 1 and "allerede annulleret" in str(refusals[0])
    assert dbrows.count(db_path, "voids") == 1


def test_two_restores_of_one_row_at_once(store, config, clock, db_path):
    [rid] = store.record(entry(config))
    store.void([rid], "FEJLTASTNING")
    outcomes = at_once(db_path, clock, 2, lambda s: s.restore([rid]))
    refusals = [o for o in outcomes if isinstance(o, Refusal)]
    assert len(refusals) == 1 and "allerede genskabt" in str(refusals[0])
    assert dbrows.count(db_path, where="replaces = ?", args=(rid,)) == 1


def test_four_undos_by_unit_at_once_void_four_rows(store, config, clock, db_path):
    ids = [store.record(entry(config))[0] for _ in range(5)]
    outcomes = at_once(db_path, clock, 4, lambda s: s.undo_last(enhed=UNIT))
    undone = [row.id for rows in outcomes for row in rows]
    assert sorted(undone) == sorted(ids[1:])  # the four newest, each once
    assert dbrows.count(db_path, "voids") == 4
