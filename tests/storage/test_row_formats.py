"""Rows the program could not have written are refused by the database itself (m008), on both
engines: a login that may INSERT (the group on SQLite, the staff role on PostgreSQL) must not be
able to add a row that breaks every later list, history and export of its week."""

from __future__ import annotations

import pytest

import dbrows
from dbrows import insert, refused, registration


@pytest.fixture
def db(store, db_path):
    return db_path


def test_a_row_as_the_program_writes_it_is_taken(db):
    insert(db, "registrations", [registration(id="ok-1", start_utc="2026-10-21T08:29:00.000000Z",
                                              answers='{"Alder": "Under 65"}')])
    assert dbrows.count(db) == 1


@pytest.mark.parametrize("fields", [
    {"end_utc": "2026-10-20T08:00:00Z"},            # no microseconds: from_stored would fail
    {"end_utc": "20-10-2026 08:00"},
    {"created_utc": "yesterday"},
    {"start_utc": "2026-10-20 08:00:00.000000"},
    {"answers": "{broken"},                          # not JSON: the raw-data export would fail
    {"answers": "[1, 2]"},                           # JSON, not an object
])
def test_a_row_in_another_format_is_refused(db, fields):
    with refused("format|json|invalid input syntax|violates check constraint"):
        insert(db, "registrations", [registration(id="bad-1", **fields)])
    assert dbrows.count(db) == 0


def test_a_void_with_a_reason_outside_the_closed_list_is_refused(db):
    insert(db, "registrations", [registration(id="r-1")])
    row = dbrows.dict_rows(db)[0]
    void = {"id": "v-1", "registration_id": "r-1", "reason": "fordi jeg kan",
            "station": "s", "operator": "o", "created_utc": "2026-10-21T09:00:00.000000Z",
            "enhed": row["enhed"], "trial": row["trial"], "end_utc": row["end_utc"],
            "type": row["type"], "kanal": row["kanal"]}
    with refused("format|violates check constraint"):
        insert(db, "voids", [void])
    insert(db, "voids", [{**void, "reason": "DUBLET"}])
    assert dbrows.count(db, "voids") == 1
