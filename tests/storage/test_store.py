"""The append-only registration store: record, refusals, counts, undo/void/restore, concurrency."""

from __future__ import annotations

import json
import multiprocessing
import uuid
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

import dbrows
from storage import DATAKILDE, VOID_REASONS, Refusal, new_entry
from storage.open import open_store
from storage.registration import MAX_BATCH


CPH = ZoneInfo("Europe/Copenhagen")
UNIT = "999borgerservice"
QUESTION = "Taler borgeren dansk?"  # asked by the demo's phone desk
PHONE = dict(enhed="999telefon", kanal="TLFIND")


def local(y, m, d, hh=10, mm=30, fold=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=CPH, fold=fold)


def make(config, **overrides):
    fields = dict(enhed=UNIT, opgave="23.05.10", kanal="PRSNLG", type="OPRET", end=local(2026, 10, 21))
    fields.update(overrides)
    return new_entry(config, **fields)


def rows(path, table="registrations", where="1=1", args=()):
    return dbrows.dict_rows(path, table, where, args)


def Store(location, **kwargs):  # noqa: N802 - reads like the class it stands for
    return open_store(location, create=True, **kwargs)


# --------------------------------------------------------------------------------------------
# record


def test_record_writes_every_field(store, config, db_path):
    entry = make(
        config, enhed="999telefon", opgave="15.20", kanal="TLFIND", type="STATUS", afslutning="HOLD",
        blanket="JA", start=local(2026, 10, 21, 10, 25), end=local(2026, 10, 21, 10, 30),
        answers={QUESTION: "Nej"},
    )
    ids = store.record(entry)
    assert ids == list(entry.ids) and len(ids) == 1
    [row] = rows(db_path)
    expected = {
        "id": ids[0],
        "kommune_nr": "999",
        "kommune_navn": "Eksempelby (demo)",
        "enhed": "999telefon",
        "opgave": "15.20.00",
        "kanal": "TLFIND",
        "type": "STATUS",
        "afslutning": "HOLD",
        "blanket": "JA",
        "start_utc": "2026-10-21T08:25:00.000000Z",  # CEST = UTC+2
        "end_utc": "2026-10-21T08:30:00.000000Z",
        "date_only": 0,
        "datakilde": "Taelleuge",
        "station": "test-station",
        "operator": "tester",
        "answers": json.dumps({QUESTION: "Nej"}, ensure_ascii=False),
        "trial": 0,
        "batch_id": None,
        "replaces": None,
        "created_utc": "2026-10-21T08:30:00.000000Z",  # the frozen clock
    }
    assert {k: row.get(k, "missing") for k in expected} == expected
    # Columns added by later migrations (e.g. an import reference) stay empty on a staff registration.
    assert all(row[k] is None for k in set(row) - set(expected) - {"seq"})
    assert isinstance(row["seq"], int)
    assert DATAKILDE == "Taelleuge"
    assert json.loads(row["answers"]) == {QUESTION: "Nej"}
    uuid.UUID(row["id"])  # a real UUID


def test_record_defaults(store, config, db_path):
    store.record(make(config))
    [row] = rows(db_path)
    assert (row["afslutning"], row["blanket"], row["start_utc"], row["answers"]) == ("STRAKS", "NEJ", None, "{}")


@pytest.mark.parametrize(
    "end, stored",
    [
        (local(2026, 10, 25, 2, 30, fold=0), "2026-10-25T00:30:00.000000Z"),  # first 02:30, still CEST
        (local(2026, 10, 25, 2, 30, fold=1), "2026-10-25T01:30:00.000000Z"),  # after the clocks go back
        (local(2026, 10, 25, 3, 30), "2026-10-25T02:30:00.000000Z"),  # CET = UTC+1
        (local(2026, 10, 24, 23, 59), "2026-10-24T21:59:00.000000Z"),
        (datetime(2026, 10, 21, 8, 30, tzinfo=timezone.utc), "2026-10-21T08:30:00.000000Z"),
    ],
    ids=["dst-before", "dst-after", "cet", "cest", "utc-given"],
)
def test_end_stored_as_utc_across_dst(store, config, db_path, end, stored):
    store.record(make(config, end=end))
    assert [r["end_utc"] for r in rows(db_path)] == [stored]


def test_ambiguous_hour_rows_are_an_hour_apart_and_sort_in_time_order(store, config, db_path):
    store.record(make(config, end=local(2026, 10, 25, 2, 30, fold=1)))
    store.record(make(config, end=local(2026, 10, 25, 2, 30, fold=0)))
    ends = [r["end_utc"] for r in rows(db_path)]
    assert sorted(ends) == ["2026-10-25T00:30:00.000000Z", "2026-10-25T01:30:00.000000Z"]
    assert store.count_day(UNIT, date(2026, 10, 25), CPH) == 2


def test_batch_writes_rows_sharing_one_batch_id(store, config, db_path):
    entry = make(config, count=3)
    ids = store.record(entry)
    assert len(ids) == len(set(ids)) == 3
    written = rows(db_path)
    assert [r["id"] for r in written] == ids
    assert {r["batch_id"] for r in written} == {entry.batch_id}
    assert entry.batch_id is not None
    single = make(config)
    assert single.batch_id is None


def test_retrying_the_same_entry_is_a_no_op(store, config, db_path, count_rows):
    entry = make(config, count=2)
    first = store.record(entry)
    second = store.record(entry)
    assert first == second
    assert count_rows(db_path) == 2


def test_two_entries_with_the_same_fields_are_two_rows(store, config, db_path, count_rows):
    store.record(make(config))
    store.record(make(config))
    assert count_rows(db_path) == 2


def test_trial_flag_stored(store, config, db_path):
    store.record(make(config, trial=True, end=local(2026, 11, 3)))
    [row] = rows(db_path)
    assert row["trial"] == 1
    assert row["end_utc"] == "2026-11-03T09:30:00.000000Z"


# --------------------------------------------------------------------------------------------
# Refusals: nothing is written

REFUSALS = {
    "unknown unit": (dict(enhed="999skranke"), ["999skranke", "999borgerservice", "999telefon"], "enhed"),
    "malformed KLE": (dict(opgave="23.5"), ['"23.5"', "NN.NN.NN"], "opgave"),
    "unknown channel": (dict(kanal="FAXIND"), ['"FAXIND"', "er ukendt", "PRSNLG", "PPRUD"], "kanal"),
    "import-only channel": (dict(kanal="SLVBTJN"), ['"SLVBTJN"', "import", "PRSNLG"], "kanal"),
    "channel not offered by the unit": (dict(kanal="SMSIND"), ['"SMSIND"', f"bruges ikke i {UNIT}", "PRSNLG"], "kanal"),
    "unknown type": (dict(type="OPRETTE"), ['"OPRETTE"', "OPRET", "STATUS", "FEJL"], "type"),
    "bad afslutning": (dict(afslutning="SENERE"), ['"SENERE"', "STRAKS", "HOLD"], "afslutning"),
    "bad blanket": (dict(blanket="MÅSKE"), ['"MÅSKE"', "JA", "NEJ"], "blanket"),
    "count 0": (dict(count=0), ["ikke 0", "1 til 10000"], "antal"),
    "count 10001": (dict(count=MAX_BATCH + 1), ["ikke 10001", "1 til 10000"], "antal"),
    "unknown local question": (dict(PHONE, answers={"Over 65?": "Ja"}), ['"Over 65?"', QUESTION], "svar"),
    "answer not allowed": (dict(PHONE, answers={QUESTION: "Måske"}), ['"Måske"', "Ja, Nej"], "svar"),
    "start after end": (dict(start=local(2026, 10, 21, 10, 31)), ["Starttidspunktet", "efter"], "start"),
    "outside every count week": (dict(end=local(2026, 10, 26, 9, 0)), ["26-10-2026", "19-10-2026", "25-10-2026"], "tid"),
    "outside the week by the local day": (
        dict(end=datetime(2026, 10, 25, 23, 30, tzinfo=timezone.utc)), ["26-10-2026", "uden for"], "tid"),
}


@pytest.mark.parametrize("overrides, fragments, field", list(REFUSALS.values()), ids=list(REFUSALS))
def test_refusals_name_the_bad_value_and_write_nothing(store, config, db_path, count_rows, overrides, fragments, field):
    store.record(make(config))  # one good row, so "nothing written" is a real comparison
    with pytest.raises(Refusal) as refused:
        entry = make(config, **overrides)
        store.record(entry)
    message = str(refused.value)
    for fragment in fragments:
        assert fragment in message
    assert refused.value.field == field
    assert count_rows(db_path) == 1


def test_max_batch_is_accepted(config):
    assert make(config, count=MAX_BATCH).count == MAX_BATCH


def test_trial_outside_the_week_is_accepted(store, config, db_path):
    ids = store.record(make(config, end=local(2026, 12, 1), trial=True))
    [row] = rows(db_path)
    assert row["id"] == ids[0] and row["trial"] == 1
    assert store.count_day(UNIT, date(2026, 12, 1), CPH) == 0
    assert store.count_day(UNIT, date(2026, 12, 1), CPH, trial=True) == 1


def test_week_edges_are_inclusive_in_local_time(config):
    assert make(config, end=local(2026, 10, 19, 0, 0)).end == local(2026, 10, 19, 0, 0)
    assert make(config, end=local(2026, 10, 25, 23, 59)).kanal == "PRSNLG"
    with pytest.raises(Refusal):
        make(config, end=local(2026, 10, 18, 23, 59))


def test_non_ascii_digits_are_refused_before_the_write(store, config, db_path, count_rows):
    with pytest.raises(Refusal):
        store.record(make(config, opgave="２３.０５.１０"))
    assert count_rows(db_path) == 0


# --------------------------------------------------------------------------------------------
# Counts


def test_counts_exclude_voided_and_trial_rows(store, config):
    day = date(2026, 10, 21)
    store.record(make(config, type="OPRET"))
    store.record(make(config, type="OPRET", kanal="TLFIND"))
    store.record(make(config, type="VEJL", count=3))
    voided = store.record(make(config, type="STATUS"))
    store.void(voided, "DUBLET")
    store.record(make(config, type="INFO", trial=True))
    store.record(make(config, type="INFO", trial=True, kanal="TLFIND"))
    store.record(make(config, enhed="999telefon", kanal="TLFIND"))  # other unit

    assert store.count_day(UNIT, day, CPH) == 5
    assert store.count_day(UNIT, day, CPH, trial=True) == 2
    assert store.count_day("999telefon", day, CPH) == 1
    assert store.count_day(UNIT, date(2026, 10, 22), CPH) == 0
    assert store.count_range(UNIT, date(2026, 10, 19), date(2026, 10, 25), CPH) == 5
    assert store.count_range(UNIT, date(2026, 10, 19), date(2026, 10, 25), CPH, trial=True) == 2
    assert store.count_range(UNIT, date(2026, 10, 22), date(2026, 10, 25), CPH) == 0
    assert store.matrix(UNIT, date(2026, 10, 19), date(2026, 10, 25), CPH) == {
        ("OPRET", "PRSNLG"): 1, ("OPRET", "TLFIND"): 1, ("VEJL", "PRSNLG"): 3,
    }
    assert store.matrix(UNIT, date(2026, 10, 19), date(2026, 10, 25), CPH, trial=True) == {
        ("INFO", "PRSNLG"): 1, ("INFO", "TLFIND"): 1,
    }
    assert store.totals() == {"registreringer": 6, "prøve": 2, "annullerede": 1, "annulleringer": 1}
    assert store.totals_by_unit() == {UNIT: 5, "999telefon": 1}


def test_last_by_unit_is_the_newest_live_row_by_time_desk_or_imported(store, config):
    """"Senest" per unit: the newest live, non-trial row by time, whether typed or imported, and
    however many trial or voided rows came after it (it looked at the unit's last 20 rows only)."""
    assert store.last_by_unit() == {}
    store.record(make(config, end=local(2026, 10, 21, 9, 0)))
    store.record(make(config, end=local(2026, 10, 21, 11, 15)))
    for _ in range(25):
        store.record(make(config, end=local(2026, 10, 21, 12, 0), trial=True))
    store.void(store.record(make(config, end=local(2026, 10, 21, 13, 0))), "DUBLET")
    store.record(make(config, **PHONE, end=local(2026, 10, 20, 8, 0)))
    with store.import_batch() as batch:
        batch.add([("999", "Eksempelby", "999telefon", "23.05.10", "TLFIND", "OPRET", "STRAKS",
                    "NEJ", None, "2026-10-20T09:00:00.000000Z", 0, "Tracetool", "{}"),
                   ("336", "Andetby", "336ydelse", "23.05.10", "PRSNLG", "OPRET", "STRAKS",
                    "NEJ", None, "2026-10-19T09:00:00.000000Z", 0, "Tracetool", "{}")])
        batch.commit(sha256="a" * 64, content_sha256="b" * 64, file_name="x.csv",
                     layout="raadata", encoding="iso-8859-1", datakilde="Import", station="s",
                     operator="o")
    assert store.last_by_unit() == {
        UNIT: ("2026-10-21T09:15:00.000000Z", False),
        "999telefon": ("2026-10-20T09:00:00.000000Z", True),
        "336ydelse": ("2026-10-19T09:00:00.000000Z", True),
    }
    assert store.imported_by_unit() == {"336ydelse": 1, "999telefon": 1}


def test_recent_entries_keep_to_the_unit_asked_for(store, config):
    """The desk repeats and lists only the unit on screen (attacker #7: Enter Enter in one unit
    saved the other unit's last task)."""
    store.record(make(config, opgave="23.05.10"))
    store.record(make(config, type="VEJL", count=3))
    store.record(make(config, **PHONE))
    mine = dict(station=store.station, operator=store.operator)
    assert [(r.enhed, n) for r, n in store.recent_entries(**mine)] == [
        ("999telefon", 1), (UNIT, 3), (UNIT, 1)]
    assert [(r.enhed, n) for r, n in store.recent_entries(**mine, enhed=UNIT)] == [(UNIT, 3), (UNIT, 1)]
    assert [(r.enhed, n) for r, n in store.recent_entries(**mine, enhed=UNIT, limit=1)] == [(UNIT, 3)]
    assert store.recent_entries(**mine, enhed="999ydelse") == []


def test_counts_use_local_day_bounds(store, config, db_path):
    late = local(2026, 10, 21, 23, 30)  # 21:30Z, same UTC day
    early_next = local(2026, 10, 22, 0, 30)  # 22:30Z on the 21st in UTC
    store.record(make(config, end=late))
    store.record(make(config, end=early_next))
    ends = [r["end_utc"] for r in rows(db_path)]
    assert ends == ["2026-10-21T21:30:00.000000Z", "2026-10-21T22:30:00.000000Z"]
    assert store.count_day(UNIT, date(2026, 10, 21), CPH) == 1
    assert store.count_day(UNIT, date(2026, 10, 22), CPH) == 1
    assert store.count_range(UNIT, date(2026, 10, 21), date(2026, 10, 21), CPH) == 1
    assert store.count_range(UNIT, date(2026, 10, 22), date(2026, 10, 22), CPH) == 1
    assert store.matrix(UNIT, date(2026, 10, 22), date(2026, 10, 22), CPH) == {("OPRET", "PRSNLG"): 1}
    # In UTC both would be the 21st: the zone matters.
    assert store.count_day(UNIT, date(2026, 10, 21), timezone.utc) == 2


def test_the_25_hour_day(store, config):
    # 25 October 2026 has 25 hours in Copenhagen: 00:30 CEST and 23:30 CET both belong to it.
    store.record(make(config, end=local(2026, 10, 25, 0, 30)))  # 24th 22:30Z
    store.record(make(config, end=local(2026, 10, 25, 23, 30)))  # 25th 22:30Z
    store.record(make(config, end=local(2026, 10, 24, 23, 59)))
    assert store.count_day(UNIT, date(2026, 10, 25), CPH) == 2
    assert store.count_day(UNIT, date(2026, 10, 24), CPH) == 1


# --------------------------------------------------------------------------------------------
# Undo, void, restore


def test_undo_last_writes_a_void_and_keeps_the_row(store, config, db_path, clock):
    [older] = store.record(make(config, opgave="23.09.02"))
    [newer] = store.record(make(config))
    before = rows(db_path)
    clock.advance(minutes=2)
    undone = store.undo_last(station="test-station")
    assert [r.id for r in undone] == [newer]
    assert undone[0].opgave == "23.05.10"
    assert rows(db_path) == before  # the registration itself is untouched
    [void] = rows(db_path, "voids")
    assert void["registration_id"] == newer
    assert void["reason"] == "FORTRUDT"
    assert (void["station"], void["operator"]) == ("test-station", "tester")
    assert void["created_utc"] == "2026-10-21T08:32:00.000000Z"
    assert store.get(newer).voided and not store.get(older).voided

    again = store.undo_last(station="test-station")
    assert [r.id for r in again] == [older]
    assert store.undo_last(station="test-station") == []
    assert len(rows(db_path, "voids")) == 2
    assert store.count_day(UNIT, date(2026, 10, 21), CPH) == 0


def test_undo_last_voids_a_batch_as_a_whole(store, config, db_path):
    [single] = store.record(make(config))
    batch = store.record(make(config, count=4))
    undone = store.undo_last(station="test-station")
    assert sorted(r.id for r in undone) == sorted(batch)
    assert {r["registration_id"] for r in rows(db_path, "voids")} == set(batch)
    assert [r.id for r in store.undo_last(station="test-station")] == [single]


def test_undo_last_only_touches_its_own_station(store, config, db_path, clock):
    [mine] = store.record(make(config))
    with Store(db_path, station="other-station", operator="other", clock=clock) as other:
        [theirs] = other.record(make(config))
        assert [r.id for r in store.undo_last(station="test-station")] == [mine]
        assert store.undo_last(station="test-station") == []
        assert not other.get(theirs).voided


def test_undo_last_by_unit(store, config, clock, db_path):
    [a] = store.record(make(config))
    [t] = store.record(make(config, enhed="999telefon", kanal="TLFIND"))
    with Store(db_path, station="other-station", operator="other", clock=clock) as other:
        [b] = other.record(make(config))
    assert [r.id for r in store.undo_last(enhed=UNIT)] == [b]
    assert [r.id for r in store.undo_last(enhed=UNIT)] == [a]
    assert store.undo_last(enhed=UNIT) == []
    assert not store.get(t).voided


def test_undo_with_nothing_to_undo(store):
    assert store.undo_last(station="test-station") == []
    assert store.undo_last(enhed=UNIT) == []


def test_undo_needs_exactly_one_of_station_and_unit(store):
    with pytest.raises(ValueError):
        store.undo_last()
    with pytest.raises(ValueError):
        store.undo_last(station="a", enhed="b")


def test_undo_with_unknown_reason_writes_nothing(store, config, db_path, count_rows):
    [rid] = store.record(make(config))
    with pytest.raises(Refusal) as refused:
        store.undo_last(station="test-station", reason="BORGEREN ÆRGEDE SIG")
    assert "BORGEREN ÆRGEDE SIG" in str(refused.value)
    assert all(code in str(refused.value) for code in VOID_REASONS)
    assert count_rows(db_path, "voids") == 0
    assert not store.get(rid).voided
    assert not _in_transaction(store)


def _in_transaction(store) -> bool:
    if getattr(store, "engine", "sqlite") == "postgresql":
        from psycopg.pq import TransactionStatus

        return store._conn.info.transaction_status != TransactionStatus.IDLE
    return store.conn.in_transaction


def test_void_by_ids(store, config, db_path):
    a = store.record(make(config, count=2))
    [b] = store.record(make(config))
    voided = store.void(a, "RETTELSE")
    assert [r.id for r in voided] == a
    assert {r["registration_id"]: r["reason"] for r in rows(db_path, "voids")} == {a[0]: "RETTELSE", a[1]: "RETTELSE"}
    assert not store.get(b).voided


def test_void_refuses_unknown_ids_and_writes_nothing(store, config, db_path, count_rows):
    [a] = store.record(make(config))
    with pytest.raises(Refusal) as refused:
        store.void([a, "no-such-id"], "DUBLET")
    assert "no-such-id" in str(refused.value) and "findes ikke" in str(refused.value)
    assert count_rows(db_path, "voids") == 0


def test_void_refuses_already_voided_and_writes_nothing(store, config, db_path, count_rows):
    [a] = store.record(make(config))
    [b] = store.record(make(config))
    store.void([a], "DUBLET")
    with pytest.raises(Refusal) as refused:
        store.void([b, a], "DUBLET")
    assert a in str(refused.value) and "allerede annulleret" in str(refused.value)
    assert count_rows(db_path, "voids") == 1
    assert not store.get(b).voided


def test_void_refuses_a_free_text_reason(store, config, db_path, count_rows):
    [a] = store.record(make(config))
    with pytest.raises(Refusal):
        store.void([a], "borgeren hedder Hansen")
    assert count_rows(db_path, "voids") == 0


def test_void_with_a_repeated_id_is_refused_cleanly(store, config, db_path, count_rows):
    [a] = store.record(make(config))
    try:
        store.void([a, a], "DUBLET")
    except Refusal:
        pass
    assert count_rows(db_path, "voids") <= 1


def test_restore_brings_the_count_back(store, config, db_path, clock):
    day = date(2026, 10, 21)
    batch = store.record(make(config, count=2, type="VEJL"))
    store.undo_last(station="test-station")
    assert store.count_day(UNIT, day, CPH) == 0
    clock.advance(hours=1)
    with Store(db_path, station="coordinator", operator="tovholder", clock=clock) as coordinator:
        new_ids = coordinator.restore(batch)
    assert len(new_ids) == 2 and not set(new_ids) & set(batch)
    assert store.count_day(UNIT, day, CPH) == 2
    assert store.matrix(UNIT, day, day, CPH) == {("VEJL", "PRSNLG"): 2}
    restored = {r["id"]: r for r in rows(db_path) if r["replaces"]}
    assert set(restored) == set(new_ids)
    originals = {r["id"]: r for r in rows(db_path) if not r["replaces"]}
    for new in restored.values():
        old = originals[new["replaces"]]
        same = ("kommune_nr", "enhed", "opgave", "kanal", "type", "afslutning", "blanket", "end_utc",
                "datakilde", "answers", "trial")
        assert {k: new[k] for k in same} == {k: old[k] for k in same}
        assert (new["station"], new["operator"]) == ("coordinator", "tovholder")
        assert new["created_utc"] == "2026-10-21T09:30:00.000000Z"
    assert len({r["batch_id"] for r in restored.values()}) == 1
    # The audit trail keeps both: the voids stay.
    assert len(rows(db_path, "voids")) == 2
    assert all(store.get(rid).voided for rid in batch)


def test_restore_of_a_live_row_is_refused(store, config, db_path, count_rows):
    [a] = store.record(make(config))
    with pytest.raises(Refusal) as refused:
        store.restore([a])
    assert a in str(refused.value) and "ikke annulleret" in str(refused.value)
    with pytest.raises(Refusal):
        store.restore(["no-such-id"])
    assert count_rows(db_path) == 1


def test_restore_all_or_nothing(store, config, db_path, count_rows):
    [a] = store.record(make(config))
    [b] = store.record(make(config))
    store.void([a], "DUBLET")
    with pytest.raises(Refusal):
        store.restore([a, b])
    assert count_rows(db_path) == 2


def test_restoring_twice_does_not_double_count(store, config, db_path):
    [a] = store.record(make(config))
    store.void([a], "FEJLTASTNING")
    store.restore([a])
    try:
        store.restore([a])
    except Refusal:
        pass
    assert store.count_day(UNIT, date(2026, 10, 21), CPH) == 1


def test_latest_newest_first_with_voided_marked(store, config, db_path):
    [a] = store.record(make(config, opgave="23.09.02"))
    [b] = store.record(make(config, opgave="23.09.04"))
    [c] = store.record(make(config))
    store.void([b], "DUBLET")
    latest = store.latest(station="test-station")
    assert [r.id for r in latest] == [c, b, a]
    assert [r.voided for r in latest] == [False, True, False]
    assert [r.opgave for r in latest] == ["23.05.10", "23.09.04", "23.09.02"]
    assert latest[0].answers == {} and latest[0].trial is False and latest[0].date_only is False
    assert [r.id for r in store.latest(enhed=UNIT, limit=2)] == [c, b]
    assert store.latest(station="elsewhere") == []


def test_get_unknown_id(store):
    assert store.get("no-such-id") is None


# --------------------------------------------------------------------------------------------
# Concurrent writers

WRITES = 200
UNDO_EVERY = 20


def _writer(path, station, barrier, errors):
    from storage import settings

    try:
        config = settings.demo_config(date(2026, 10, 21))
        with Store(path, station=station, operator=station) as store:
            barrier.wait(timeout=60)
            for i in range(1, WRITES + 1):
                store.record(new_entry(config, enhed=UNIT, opgave="23.05.10", kanal="PRSNLG", type="OPRET",
                                       end=local(2026, 10, 21, 10, 30)))
                if i % UNDO_EVERY == 0:
                    [undone] = store.undo_last(station=station)
                    assert undone.station == station
    except BaseException as error:
        errors.put(f"{station}: {error!r}")
        raise


@pytest.mark.slow
def test_concurrent_writers(db_path, config):
    with Store(db_path, station="setup", operator="setup"):
        pass
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(4)
    errors = ctx.Queue()
    stations = [f"kiosk{n}" for n in range(4)]
    procs = [ctx.Process(target=_writer, args=(db_path, s, barrier, errors)) for s in stations]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    for p in procs:
        if p.is_alive():
            p.kill()
    problems = []
    while not errors.empty():
        problems.append(errors.get())
    assert [p.exitcode for p in procs] == [0, 0, 0, 0], problems
    per_station = dict(dbrows.query(db_path, "SELECT station, count(*) FROM registrations GROUP BY station"))
    voids = dict(dbrows.query(
        db_path,
        "SELECT v.station, count(*) FROM voids v JOIN registrations r ON r.id = v.registration_id "
        "WHERE r.station = v.station GROUP BY v.station"
    ))
    total_voids = dbrows.count(db_path, "voids")
    if not dbrows.is_server(db_path):
        assert dbrows.query(db_path, "PRAGMA integrity_check")[0][0] == "ok"
    assert per_station == {s: WRITES for s in stations}
    assert voids == {s: WRITES // UNDO_EVERY for s in stations}
    assert total_voids == 4 * WRITES // UNDO_EVERY
    with Store(db_path, station="check", operator="check") as store:
        assert store.count_day(UNIT, date(2026, 10, 21), CPH) == 4 * (WRITES - WRITES // UNDO_EVERY)


# --------------------------------------------------------------------------------------------
# Privacy


def test_registrations_have_no_free_text_column_for_citizens(store, db_path):
    columns = dbrows.columns(db_path, "registrations")
    # Every column is a code, a number, a time, an id or the fixed-answer JSON. A new column must be
    # reviewed for privacy and added here.
    assert set(columns) <= {
        "id", "kommune_nr", "kommune_navn", "enhed", "opgave", "kanal", "type", "afslutning", "blanket",
        "start_utc", "end_utc", "date_only", "datakilde", "station", "operator", "answers", "trial",
        "batch_id", "replaces", "created_utc",
        "import_id",  # m002: reference to the imported file
        "seq",  # the explicit insertion sequence (PostgreSQL; SQLite in step A of issue 10)
    }
    void_columns = dbrows.columns(db_path, "voids")
    assert set(void_columns) - {"seq"} == {"id", "registration_id", "reason", "station", "operator", "created_utc",
                                 # m003: copies of the voided row's codes and time, for fast totals
                                 "enhed", "trial", "end_utc", "type", "kanal"}
    for name in columns + void_columns:
        assert not any(word in name for word in ("cpr", "cvr", "note", "tekst", "comment", "kommentar", "borger"))


def test_void_reasons_are_a_closed_list():
    assert set(VOID_REASONS) == {"FORTRUDT", "RETTELSE", "DUBLET", "FEJLTASTNING"}
    assert all(code.isupper() and code.isalpha() for code in VOID_REASONS)
    assert all(VOID_REASONS.values())


def test_answers_only_hold_fixed_choices(store, config, db_path):
    store.record(make(config, **PHONE, answers={QUESTION: "Ja"}))
    with pytest.raises(Refusal):
        make(config, **PHONE, answers={QUESTION: "Hun hedder Jensen og bor på Strandvejen"})
    assert [json.loads(r["answers"]) for r in rows(db_path)] == [{QUESTION: "Ja"}]


def test_restore_keeps_the_link_to_an_imported_file(store, config, clock, db_path):
    """A restored imported row still says where it came from (import_id is copied)."""
    [rid] = store.record(new_entry(config, enhed="999borgerservice", opgave="23.05.10", kanal="PRSNLG",
                                   type="OPRET", end=clock()))
    dbrows.execute(db_path, 
        "INSERT INTO imports (id, sha256, content_sha256, file_name, layout, encoding, row_count, "
        "datakilde, station, operator, created_utc) VALUES ('imp1', 'a', 'b', 'f.csv', 'raadata', "
        "'iso-8859-1', 1, 'Import', 's', 'o', 'c')")
    [original] = rows(db_path, where="id = ?", args=(rid,))
    dbrows.insert(db_path, "registrations", [dbrows.registration(
        **{k: original[k] for k in ("kommune_nr", "kommune_navn", "enhed", "opgave", "kanal", "type",
                                    "end_utc", "created_utc")},
        id="imported-1", datakilde="DetDigitaleLandkort", station="import", operator="o",
        afslutning=None, blanket=None, import_id="imp1")])
    store.void(["imported-1"], "DUBLET")
    [new_id] = store.restore(["imported-1"])
    row = dbrows.query(db_path, "SELECT import_id, datakilde, replaces FROM registrations WHERE id = ?",
                       (new_id,))[0]
    assert row == ("imp1", "DetDigitaleLandkort", "imported-1")


# --------------------------------------------------------------------------------------------
# The store interface (storage.interface): the same shape and answers on both engines


def test_the_store_has_the_interfaces_shape(store):
    from storage.interface import Store as StoreProtocol

    assert isinstance(store, StoreProtocol)
    assert store.engine in ("sqlite", "postgresql")
    missing = [name for name in dir(StoreProtocol) if not name.startswith("_")
               and not hasattr(store, name)]
    assert missing == []


def test_grid_counts_live_rows_per_unit_and_local_day(store, config):
    store.record(make(config, end=local(2026, 10, 20, 9), count=3))
    [voided] = store.record(make(config, end=local(2026, 10, 20, 10)))
    store.void([voided], "DUBLET")
    store.record(make(config, end=local(2026, 10, 22, 0, 30)))  # the 21st in UTC
    store.record(make(config, **PHONE, end=local(2026, 10, 21, 23, 59)))
    store.record(make(config, end=local(2026, 10, 21, 12), trial=True))
    week = (date(2026, 10, 19), date(2026, 10, 25))
    assert store.grid([UNIT, "999telefon"], *week, CPH) == {
        (UNIT, date(2026, 10, 20)): 3, (UNIT, date(2026, 10, 22)): 1,
        ("999telefon", date(2026, 10, 21)): 1}
    assert store.grid([], *week, CPH) == store.grid([UNIT, "999telefon"], *week, CPH)  # all units
    assert store.grid(["999telefon"], *week, CPH) == {("999telefon", date(2026, 10, 21)): 1}
    assert store.grid([UNIT], *week, CPH, trial=True) == {(UNIT, date(2026, 10, 21)): 1}
    assert store.grid([UNIT], date(2026, 10, 21), date(2026, 10, 21), CPH) == {}


ROW = ("999", "Eksempelby", UNIT, "23.05.10", "PRSNLG", "OPRET", "STRAKS", "NEJ", None,
       "2026-10-20T08:00:00.000000Z", 0, "Tracetool", "{}")


def _import(store, rows, sha="a"):
    from storage.imports import staging_key

    with store.import_batch() as batch:
        batch.add(rows)
        batch.match(CPH, keys=[staging_key(row) for row in rows])
        return batch.commit(sha256=sha, content_sha256=sha + "-lines", file_name=f"{sha}.csv",
                            layout="raadata", encoding="utf-8", datakilde="Import",
                            station=store.station, operator=store.operator)


def test_imports_are_listed_and_an_import_is_undone_row_by_row(store, config, db_path):
    first = _import(store, [ROW] * 3)
    assert _import(store, [ROW] * 3, sha="again") is None  # the same registrations: nothing new
    later = ROW[:9] + ("2026-10-20T08:01:00.000000Z",) + ROW[10:]
    second = _import(store, [ROW] * 4 + [later], sha="b")  # a 4th copy of ROW, and a new row
    assert second.row_count == 2
    [own] = store.record(make(config, end=local(2026, 10, 20, 10)))
    assert [i.id for i in store.imports()] == [first.id, second.id]
    assert store.imports()[0] == first and first.row_count == 3
    assert store.find_import(sha256="a") == first
    assert store.find_import(content_sha256="b-lines") == second
    assert store.find_import(sha256="none") is None
    one = dbrows.query(db_path, "SELECT id FROM registrations WHERE import_id = ? ORDER BY seq",
                       (first.id,))[0][0]
    store.void([one], "DUBLET")  # already voided: stays as it is
    undone = store.undo_import(first.id, "RETTELSE")
    assert undone.record == first and undone.voided == 2
    assert dbrows.count(db_path, "voids", "reason = ?", ("RETTELSE",)) == 2
    assert store.count_day(UNIT, date(2026, 10, 20), CPH) == 3  # the other import and our own row
    assert store.import_status() == [(first, 0), (second, 2)]
    assert store.undo_import(first.id, "RETTELSE").voided == 0  # nothing left to void
    with pytest.raises(Refusal, match="findes ikke"):
        store.undo_import("no-such-import", "RETTELSE")
    with pytest.raises(Refusal, match="Ukendt årsag"):
        store.undo_import(second.id, "fordi")
    assert store.get(own).voided is False


def test_rows_by_field_name_are_the_export_rows_projected(store, config):
    from storage.interface import Selection
    from storage.timeutil import local_range_bounds

    for minute in (10, 11, 12):
        store.record(make(config, end=local(2026, 10, 20, 9, minute), answers={}))
    selection = Selection(*local_range_bounds(date(2026, 10, 19), date(2026, 10, 25), CPH))
    with store.snapshot(selection) as snap:
        whole = list(snap.rows())
        picked = list(snap.rows(fields=("enhed", "end_utc")))
        with pytest.raises(ValueError, match="not export fields"):
            list(snap.rows(fields=("station",)))
    assert [(r.enhed, r.end_utc) for r in whole] == picked
    assert [r.seq for r in whole] == sorted(r.seq for r in whole)


def test_undo_candidates_are_what_undo_last_would_void(store, config):
    """Shown, confirmed, then exactly those ids voided (tui.cli_store.cmd_undo)."""
    assert store.undo_candidates(enhed=UNIT) == []
    [single] = store.record(make(config, end=local(2026, 10, 20, 9)))
    batch = store.record(make(config, end=local(2026, 10, 20, 10), count=3))
    _import(store, [ROW])  # later, but an import is never a unit's latest registration
    shown = store.undo_candidates(enhed=UNIT)
    assert sorted(r.id for r in shown) == sorted(batch)
    assert store.undo_candidates(station=store.station) == shown
    store.void([r.id for r in shown], "FORTRUDT")
    assert [r.id for r in store.undo_candidates(enhed=UNIT)] == [single]
    assert [r.id for r in store.undo_last(enhed=UNIT)] == [single]
    with pytest.raises(ValueError):
        store.undo_candidates()


def test_imports_in_one_clock_tick_keep_the_order_they_were_written_in(store):
    """The frozen clock gives every import the same created_utc; ids are random UUIDs. The list
    (and so the numbers ``import --liste`` shows) must still be the order of writing."""
    made = []
    for n in range(6):
        row = ROW[:9] + (f"2026-10-20T08:{n:02d}:00.000000Z",) + ROW[10:]
        made.append(_import(store, [row], sha=f"tick{n}"))
    assert len({r.created_utc for r in made}) == 1
    assert [r.id for r in store.imports()] == [r.id for r in made]
    assert [r.id for r, _ in store.import_status()] == [r.id for r in made]


def test_a_batch_committed_without_asking_first_is_matched_too(store):
    """A caller that stages rows of its own need not hash them: commit reads the keys back."""
    rows = [ROW, ROW, ROW[:9] + ("2026-10-20T08:07:00.000000Z",) + ROW[10:]]
    with store.import_batch() as batch:
        batch.add(rows)
        first = batch.commit(sha256="x1", content_sha256="x1-lines", file_name="x1.csv",
                             layout="raadata", encoding="utf-8", datakilde="Import",
                             station=store.station, operator=store.operator)
    assert first.row_count == 3
    with store.import_batch() as batch:
        batch.add(rows + [ROW])
        again = batch.commit(sha256="x2", content_sha256="x2-lines", file_name="x2.csv",
                             layout="raadata", encoding="utf-8", datakilde="Import",
                             station=store.station, operator=store.operator)
        assert (batch.matched.new, batch.matched.existing) == (1, 3)
    assert again.row_count == 1


def test_has_registrations_is_true_only_when_every_id_is_stored(store, config):
    """The desk asks this before an entry shown IKKE GEMT is given up (it may have been stored
    although the answer was lost): all ids, voided or not, or False."""
    kept = make(config, count=3)
    store.record(kept)
    assert store.has_registrations(kept.ids)
    assert store.has_registrations(list(kept.ids) + [kept.ids[0]])
    assert not store.has_registrations([kept.ids[0], str(uuid.uuid4())])
    assert not store.has_registrations([str(uuid.uuid4())])
    store.void([kept.ids[0]], "FORTRUDT")
    assert store.has_registrations(kept.ids[:1])
