"""The PostgreSQL snapshot, import batch and export log against the SQLite engine's: the same
registrations (the same Entry objects, the same clock, the same imported file) give the same
Landkort files byte for byte, the same counts and the same "changed since the last export"."""

from __future__ import annotations

import time

from datetime import date

import pytest

import dbrows
from exports import landkort
from exports.reader import Reader, scan
from storage.errors import Refusal
from storage.interface import Selection
from storage.open import open_store
from storage.timeutil import local_range_bounds

from landkort_fixtures import QUESTION, SAMPLE, lk_config, lk_config_path, local  # noqa: F401

pytestmark = pytest.mark.postgresql

WEEK = (date(2026, 10, 19), date(2026, 10, 25))


@pytest.fixture
def both(tmp_path, pg_database, clock):
    """(SQLite store, PostgreSQL store), both empty and migrated, the same clock."""
    with open_store(tmp_path / "uge.db", station="s", operator="o", clock=clock, create=True) as lite, \
            open_store(pg_database, station="s", operator="o", clock=clock) as pg:
        yield lite, pg


def _entries(config):
    from storage.registration import new_entry

    def e(when, **kw):
        fields = dict(enhed="999borgerservice", opgave="23.05.10", kanal="PRSNLG", type="OPRET")
        fields.update(kw)
        return new_entry(config, end=local(config, when), **fields)

    return [
        e("21-10-2026 10:30", answers={QUESTION: "Ja"}),
        e("21-10-2026 10:30", kanal="TLFIND", type="STATUS", afslutning="HOLD", blanket="JA"),
        e("25-10-2026 02:30"),  # the repeated hour
        e("19-10-2026 00:00", enhed="999skranke", opgave="23.09.04", count=3),
        e("22-10-2026 09:00", enhed="999telefon", opgave="32.03.04", kanal="TLFIND", type="VEJL",
          start=local(config, "22-10-2026 08:55")),
        e("23-10-2026 12:00", trial=True),
        e("24-10-2026 23:59", answers={QUESTION: "Nej"}),
        e("26-10-2026 00:00", trial=True),  # outside the week
    ]


def _import_sample(store, config, *, pg: bool):
    facts = scan(SAMPLE)
    reader = Reader(facts, config, datakilde=None)
    batch = store.import_batch()
    with batch:
        batch.add(reader.rows())
        assert not reader.parsed.errors, reader.parsed.errors
        return batch.commit(
            sha256=facts.sha256, content_sha256=reader.parsed.content_sha256,
            file_name=facts.path.name, layout=reader.parsed.layout,
            encoding=facts.encoding_label.lower(), datakilde=reader.default_source,
            station=store.station, operator=store.operator, zone=config.zone,
        )


def _fill(lite, pg, config):
    entries = _entries(config)
    for entry in entries:
        lite.record(entry)
        pg.record(entry)
    for store in (lite, pg):
        store.undo_last(station="s")  # the trial row outside the week
        store.void([entries[0].ids[0], entries[3].ids[1]], "DUBLET")  # two counted rows
    _import_sample(lite, config, pg=False)
    _import_sample(pg, config, pg=True)


def _export(snap, config, layout):
    chunks: list[bytes] = []
    written = landkort.write(snap, config, layout, "iso-8859-1", chunks.append, reset=chunks.clear)
    return b"".join(chunks), written


@pytest.mark.parametrize("units, sources", [((), ()), (("999borgerservice",), ()),
                                            ((), ("Taelleuge",))])
def test_landkort_files_are_byte_for_byte_the_same(both, lk_config, units, sources):
    lite, pg = both
    _fill(lite, pg, lk_config)
    start, end = local_range_bounds(*WEEK, lk_config.zone)
    selection = Selection(start, end, units, sources)
    with lite.snapshot(selection) as a, pg.snapshot(selection) as b:
        assert a.left_out() == b.left_out()
        assert a.left_out().live > 0
        if not units and not sources:
            assert (a.left_out().voided, a.left_out().trial) == (2, 1)
        assert sorted(a.answer_sets()) == sorted(b.answer_sets())
        assert sorted(a.units_seen()) == sorted(b.units_seen())
        for layout in ("raadata", "upload"):
            (bytes_a, written_a), (bytes_b, written_b) = _export(a, lk_config, layout), _export(b, lk_config, layout)
            assert bytes_a == bytes_b and len(bytes_a) > 200
            assert written_a.sha256 == written_b.sha256 and written_a.tally == written_b.tally


def test_row_ids_follow_the_export_order(both, lk_config):
    lite, pg = both
    for entry in _entries(lk_config):
        lite.record(entry)
        pg.record(entry)
    start, end = local_range_bounds(*WEEK, lk_config.zone)
    with lite.snapshot(Selection(start, end)) as a, pg.snapshot(Selection(start, end)) as b:
        n = a.left_out().live
        assert [a.row_id(i) for i in range(n + 1)] == [b.row_id(i) for i in range(n + 1)]
    assert b.row_id(n) is None


def test_rows_stream_on_a_second_connection_in_the_same_snapshot(pg_database, lk_config, clock):
    """Rows come over a second connection that imported the snapshot: a row committed after the
    snapshot began is not among them, and the snapshot's own connection answers in between."""
    from storage.registration import new_entry

    def entry(count=1):
        return new_entry(lk_config, enhed="999borgerservice", opgave="23.05.10", kanal="PRSNLG",
                         type="OPRET", end=local(lk_config, "21-10-2026 10:30"), count=count)

    start, end = local_range_bounds(*WEEK, lk_config.zone)
    with open_store(pg_database, station="s", operator="o", clock=clock) as pg, \
            open_store(pg_database, station="k", operator="o", clock=clock) as kiosk:
        ids = pg.record(entry(count=25))
        with pg.snapshot(Selection(start, end)) as snap:
            live = snap.left_out().live
            kiosk.record(entry())  # after the snapshot: in neither the count nor the rows
            rows = snap.rows(fields=("seq",))
            first = next(rows)
            assert snap.row_id(0) in ids  # the snapshot's connection is free mid-stream
            assert len([first, *rows]) == live == 25
            abandoned = snap.rows()
            next(abandoned)
            abandoned.close()  # its connection closes; the snapshot goes on
            assert snap.left_out().live == 25
    assert dbrows.count(pg_database) == 26
    # No reader connection left behind. A closed connection's server process leaves
    # pg_stat_activity a moment after the client hangs up: wait for it (bounded), don't race it.
    deadline = time.monotonic() + 20
    while True:
        others = dbrows.query(pg_database, "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                              "current_database() AND pid <> pg_backend_pid()")
        if others == [(0,)] or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert others == [(0,)]


def test_a_snapshot_never_blocks_a_writer_and_never_sees_it(pg_database, lk_config, clock):
    from storage.registration import new_entry

    def entry():
        return new_entry(lk_config, enhed="999borgerservice", opgave="23.05.10", kanal="PRSNLG",
                         type="OPRET", end=local(lk_config, "21-10-2026 10:30"))

    start, end = local_range_bounds(*WEEK, lk_config.zone)
    with open_store(pg_database, station="export", operator="o", clock=clock) as exporter, \
            open_store(pg_database, station="kiosk", operator="o", clock=clock) as kiosk:
        kiosk.record(entry())
        with exporter.snapshot(Selection(start, end)) as snap:
            before = snap.left_out()
            kiosk.record(entry())  # commits while the export's transaction is open
            kiosk.undo_last(station="kiosk")
            kiosk.record(entry())
            assert snap.left_out() == before
            assert len(list(snap.rows())) == before.live == 1
        with exporter.snapshot(Selection(start, end)) as snap:
            assert snap.left_out().live == 2


def test_the_same_file_is_imported_once(pg_database, lk_config, clock):
    with open_store(pg_database, station="cli", operator="tove", clock=clock) as pg:
        first = _import_sample(pg, lk_config, pg=True)
        imported = dbrows.count(pg_database)
        assert imported == first.row_count > 0
        assert pg.find_import(sha256=first.sha256).id == first.id
        assert pg.find_import(content_sha256=first.content_sha256).file_name == SAMPLE.name
        with pytest.raises(Refusal) as refused:
            _import_sample(pg, lk_config, pg=True)
        assert "allerede importeret" in str(refused.value)
        assert pg.own_rows_between("2026-01-01", "2027-01-01") == 0
    assert dbrows.count(pg_database) == imported
    assert dbrows.count(pg_database, "imports") == 1
    ids = [rid for (rid,) in dbrows.query(pg_database, "SELECT id FROM registrations ORDER BY seq")]
    assert ids == sorted(ids) and ids[0].endswith("00000001")  # one prefix, a counter at the end


def test_a_failing_reader_leaves_nothing_staged_or_imported(pg_database, lk_config, clock):
    def rows():
        yield ("999", "X", "999borgerservice", "23.05.10", "PRSNLG", "OPRET", "STRAKS", "NEJ",
               None, "2026-10-21T08:30:00.000000Z", 0, "Import", "{}")
        raise Refusal("linje 3: forkert", "fil")

    with open_store(pg_database, station="cli", operator="tove", clock=clock) as pg:
        with pg.import_batch() as batch:
            with pytest.raises(Refusal):
                batch.add(rows())
            assert batch.staged == 0
            with pytest.raises(Refusal):
                batch.commit(sha256="a", content_sha256="b", file_name="f.csv", layout="raadata",
                             encoding="utf-8", datakilde="Import", station="cli", operator="tove")
        pg.record(_entries(lk_config)[0])  # the connection is fine afterwards
    assert dbrows.count(pg_database, "imports") == 0 and dbrows.count(pg_database) == 1


def test_export_log_and_changes_since_agree_with_sqlite(both, lk_config, clock):
    lite, pg = both
    entries = _entries(lk_config)
    for entry in entries[:4]:
        lite.record(entry)
        pg.record(entry)
    start, end = local_range_bounds(*WEEK, lk_config.zone)
    clock.advance(minutes=5)  # the export comes after the rows it holds
    log = dict(kind="landkort-upload", first=WEEK[0], last=WEEK[1], start_utc=start, end_utc=end,
               units=(), sources=(), rows=6, sha256="h", file_name="u.csv", now=clock())
    lite.record_export(**log)
    pg.record_export(**log)
    clock.advance(hours=1)
    for store in (lite, pg):
        store.record(entries[4])
        store.void([entries[0].ids[0]], "RETTELSE")
    covering_lite = lite.export_covering("2026-10-21T08:30:00.000000Z", "999borgerservice",
                                         "Taelleuge")
    covering_pg = pg.export_covering("2026-10-21T08:30:00.000000Z", "999borgerservice", "Taelleuge")
    assert covering_pg is not None and covering_lite.file_name == covering_pg.file_name
    assert covering_lite.start_utc == covering_pg.start_utc and covering_pg.units == ()
    selection = Selection(start, end)
    with lite.snapshot(selection) as a:
        changes_lite = a.changes_since(lk_config.zone)
    with pg.snapshot(selection) as b:
        changes_pg = b.changes_since(lk_config.zone)
    assert changes_pg.registered == changes_lite.registered == {("999telefon", "22-10-2026"): 1}
    assert changes_pg.voided == changes_lite.voided == {("999borgerservice", "21-10-2026"): 1}
    assert [e.sha256 for e in pg.exports_overlapping(start, end)] == ["h"]
