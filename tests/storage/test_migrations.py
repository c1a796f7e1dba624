"""Schema, migrations, journal mode, pragmas and the append-only triggers, on real SQLite files.

SQLite only: this is the SQLite engine's own schema and sqlite-utils migrations (the PostgreSQL
schema has tests/storage/test_postgres_schema.py).
"""

from __future__ import annotations

import multiprocessing
import sqlite3
from datetime import datetime, timezone

import pytest
import sqlite_utils
from sqlite_utils.migrations import Migrations

import dbrows

from storage.sqlite import db as dbmod
from storage import settings
from storage.errors import NotInitialised
from storage.registration import new_entry
from storage.sqlite.schema import MIGRATION_NAMES, MIGRATION_SET, MIGRATIONS
from storage.sqlite.store import SqliteStore as Store, schema_status

# SQLite only: the SQLite engine's schema and sqlite-utils migrations (PostgreSQL:
# test_postgres_schema.py).
ENGINES = dbrows.SQLITE_ONLY

EXPECTED_COLUMNS = {
    # name: (type, notnull, pk)
    "id": ("TEXT", 1, 1),
    "kommune_nr": ("TEXT", 1, 0),
    "kommune_navn": ("TEXT", 1, 0),
    "enhed": ("TEXT", 1, 0),
    "opgave": ("TEXT", 1, 0),
    "kanal": ("TEXT", 1, 0),
    "type": ("TEXT", 0, 0),
    "afslutning": ("TEXT", 0, 0),
    "blanket": ("TEXT", 0, 0),
    "start_utc": ("TEXT", 0, 0),
    "end_utc": ("TEXT", 1, 0),
    "date_only": ("INTEGER", 1, 0),
    "datakilde": ("TEXT", 1, 0),
    "station": ("TEXT", 1, 0),
    "operator": ("TEXT", 1, 0),
    "answers": ("TEXT", 1, 0),
    "trial": ("INTEGER", 1, 0),
    "batch_id": ("TEXT", 0, 0),
    "replaces": ("TEXT", 0, 0),
    "created_utc": ("TEXT", 1, 0),
}

EXPECTED_VOID_COLUMNS = {
    "id": ("TEXT", 1, 1),
    "registration_id": ("TEXT", 1, 0),
    "reason": ("TEXT", 1, 0),
    "station": ("TEXT", 1, 0),
    "operator": ("TEXT", 1, 0),
    "created_utc": ("TEXT", 1, 0),
    # m003: the voided row's counted facts, copied so totals are index counts
    "enhed": ("TEXT", 0, 0),
    "trial": ("INTEGER", 0, 0),
    "end_utc": ("TEXT", 0, 0),
    "type": ("TEXT", 0, 0),
    "kanal": ("TEXT", 0, 0),
    # m005: the explicit sequence
    "seq": ("INTEGER", 0, 0),
}


def table_info(conn, table):
    return {name: (kind, notnull, pk) for _, name, kind, notnull, _, pk in conn.execute(f"PRAGMA table_info({table})")}


@pytest.fixture
def migrated(db_path):
    with Store(db_path, station="s", operator="o") as store:
        assert store.migrated == MIGRATION_NAMES
    return db_path


def test_migrate_blank_file_creates_tables(db_path):
    assert not db_path.exists()
    with Store(db_path, station="s", operator="o") as store:
        assert store.migrated == MIGRATION_NAMES
        assert MIGRATION_NAMES[0] == "m001_registrations"
    assert db_path.exists()
    db = sqlite_utils.Database(db_path)
    try:
        assert {"registrations", "voids", "_sqlite_migrations"} <= set(db.table_names())
        columns = db["registrations"].columns_dict
        # m001's columns in order; later migrations may only append.
        assert list(columns)[: len(EXPECTED_COLUMNS)] == list(EXPECTED_COLUMNS)
        assert {name: columns[name] for name in EXPECTED_COLUMNS} == {
            name: (int if kind == "INTEGER" else str) for name, (kind, _, _) in EXPECTED_COLUMNS.items()
        }
    finally:
        db.close()


def test_columns_types_and_constraints(migrated):
    conn = sqlite3.connect(migrated)
    try:
        info = table_info(conn, "registrations")
        assert {name: info[name] for name in EXPECTED_COLUMNS} == EXPECTED_COLUMNS
        assert all(notnull == 0 for name, (_, notnull, _) in info.items() if name not in EXPECTED_COLUMNS)
        assert table_info(conn, "voids") == EXPECTED_VOID_COLUMNS
        fks = {(row[2], row[3], row[4]) for row in conn.execute("PRAGMA foreign_key_list(registrations)")}
        assert ("registrations", "replaces", "id") in fks
        fks = {(row[2], row[3], row[4]) for row in conn.execute("PRAGMA foreign_key_list(voids)")}
        assert fks == {("registrations", "registration_id", "id")}
        # One void per registration at most.
        unique = [row for row in conn.execute("PRAGMA index_list(voids)") if row[2] == 1]
        cols = {conn.execute(f"PRAGMA index_info('{row[1]}')").fetchall()[0][2] for row in unique}
        assert "registration_id" in cols
    finally:
        conn.close()


def test_indexes(migrated):
    conn = sqlite3.connect(migrated)
    try:
        indexes = {
            name: [c[2] for c in conn.execute(f"PRAGMA index_info('{name}')")]
            for _, name, *_ in conn.execute("PRAGMA index_list(registrations)")
            if not name.startswith("sqlite_autoindex")
        }
        expected = {
            # m005: seq where rowid was implicit (latest, export paging, the snapshot's mark)
            "registrations_unit_time": ["enhed", "trial", "end_utc", "type", "kanal", "seq"],
            "registrations_time": ["end_utc", "seq"],
            "registrations_station": ["station", "seq"],
            "registrations_unit": ["enhed", "seq"],
            "registrations_batch": ["batch_id"],
            "registrations_seq": ["seq"],
        }
        assert {name: indexes.get(name) for name in expected} == expected
        partial = conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'registrations_batch'"
        ).fetchone()[0]
        assert "WHERE batch_id IS NOT NULL" in partial
        # Today's count is answered from the covering index.
        plan = " ".join(
            row[3] for row in conn.execute(
                "EXPLAIN QUERY PLAN SELECT count(*) FROM registrations WHERE enhed = ? AND trial = 0 "
                "AND end_utc >= ? AND end_utc < ?", ("x", "a", "b"),
            )
        )
        assert "registrations_unit_time" in plan
    finally:
        conn.close()


def test_tables_are_strict(migrated):
    conn = sqlite3.connect(migrated)
    try:
        strict = {name: flag for schema, name, kind, _, _, flag in conn.execute("PRAGMA table_list")
                  if schema == "main" and kind == "table" and not name.startswith(("sqlite_", "_"))}
        assert strict["registrations"] == 1 and strict["voids"] == 1
        assert set(strict.values()) == {1}, strict  # every table of ours, later ones too
        # STRICT in practice: an integer where TEXT is declared is refused, not coerced silently.
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(
                "INSERT INTO registrations (id, kommune_nr, kommune_navn, enhed, opgave, kanal, end_utc, "
                "datakilde, station, operator, trial, created_utc) "
                "VALUES ('x', '999', 'k', 'e', '23.05.10', 'PRSNLG', 'e', 'd', 's', 'o', 'ja', 'c')"
            )
        with pytest.raises(sqlite3.IntegrityError):  # CHECK on the KLE form
            conn.execute(
                "INSERT INTO registrations (id, kommune_nr, kommune_navn, enhed, opgave, kanal, end_utc, "
                "datakilde, station, operator, created_utc) "
                "VALUES ('y', '999', 'k', 'e', '23.5', 'PRSNLG', 'e', 'd', 's', 'o', 'c')"
            )
        assert conn.execute("SELECT count(*) FROM registrations").fetchone()[0] == 0
    finally:
        conn.close()


def test_applying_twice_is_a_no_op(migrated):
    with Store(migrated, station="s", operator="o") as store:
        assert store.migrated == []
        status = schema_status(store.conn)
    assert status.version == len(MIGRATION_NAMES) >= 1
    assert status.applied == MIGRATION_NAMES
    assert status.pending == []
    conn = sqlite3.connect(migrated)
    try:
        rows = conn.execute("SELECT migration_set, name FROM _sqlite_migrations").fetchall()
    finally:
        conn.close()
    assert rows == [(MIGRATION_SET, name) for name in MIGRATION_NAMES]


def test_schema_status_of_a_blank_connection(tmp_path):
    conn = sqlite3.connect(tmp_path / "blank.db")
    try:
        status = schema_status(conn)
    finally:
        conn.close()
    assert status.version == 0 and status.applied == [] and status.pending == MIGRATION_NAMES


def test_a_foreign_sqlite_file_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE something_else (a)")
    conn.commit()
    conn.close()
    with pytest.raises(NotInitialised) as raised:
        Store(path, station="s", operator="o")
    assert str(path) in str(raised.value) and "anden SQLite-database" in str(raised.value)
    conn = sqlite3.connect(path)
    try:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        conn.close()
    assert names == {"something_else"}  # nothing was migrated behind our back


def test_missing_file_with_migrate_false(tmp_path):
    path = tmp_path / "sub" / "missing.db"
    with pytest.raises(NotInitialised) as raised:
        Store(path, station="s", operator="o", migrate=False)
    assert str(path) in str(raised.value)
    assert not path.exists()
    assert not path.parent.exists()


def test_migrated_file_opens_with_migrate_false(migrated):
    with Store(migrated, station="s", operator="o", migrate=False) as store:
        assert store.migrated == []
        assert store.totals()["registreringer"] == 0


def _apply_only(path, migrations):
    """Bring a file to an older schema: only the given migrations, as sqlite-utils records them."""
    from sqlite_utils.migrations import Migrations

    partial = Migrations(MIGRATION_SET)
    for fn in migrations:
        partial()(fn)
    db = sqlite_utils.Database(path)
    try:
        partial.apply(db)
    finally:
        db.close()


def test_behind_file_refused_without_migrate_then_upgraded_with_data_kept(tmp_path):
    path = tmp_path / "behind.db"
    _apply_only(path, MIGRATIONS[:-1] or [])
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE IF NOT EXISTS keep_me (a)")
    if MIGRATIONS[:-1]:
        conn.execute(
            "INSERT INTO registrations (id, kommune_nr, kommune_navn, enhed, opgave, kanal, end_utc, "
            "datakilde, station, operator, created_utc, seq) VALUES "
            "('old', '999', 'k', 'e', '23.05.10', 'PRSNLG', '2026-10-21T08:30:00.000000Z', 'd', 's', "
            "'o', 'c', 1)"
        )
    conn.commit()
    conn.close()
    with pytest.raises(NotInitialised) as raised:
        Store(path, station="s", operator="o", migrate=False)
    assert "taelleuge init" in str(raised.value)
    with Store(path, station="s", operator="o") as store:
        assert store.migrated == MIGRATION_NAMES[-1:]
        assert schema_status(store.conn).pending == []
        if MIGRATIONS[:-1]:
            assert store.get("old").opgave == "23.05.10"


def test_every_table_is_append_only(migrated):
    conn = sqlite3.connect(migrated)
    try:
        tables = {r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT LIKE '\\_%' ESCAPE '\\'"
        )}
        triggers = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    finally:
        conn.close()
    assert {"registrations", "voids"} <= tables
    for table in tables:
        assert {f"{table}_no_update", f"{table}_no_delete"} <= triggers, table


# --------------------------------------------------------------------------------------------
# Concurrent first start


def _open_at_once(path, barrier, results):
    barrier.wait(timeout=60)
    with Store(path, station="s", operator="o") as store:
        results.put(store.migrated)


def test_concurrent_first_start_migrates_once(tmp_path):
    path = tmp_path / "fresh.db"
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(4)
    results = ctx.Queue()
    procs = [ctx.Process(target=_open_at_once, args=(path, barrier, results)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=90)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    migrated = sorted(results.get(timeout=5) for _ in procs)
    assert migrated == [[], [], [], MIGRATION_NAMES]
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0] == len(MIGRATION_NAMES)
        assert conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'registrations'"
        ).fetchone()[0] == 1
    finally:
        conn.close()


# --------------------------------------------------------------------------------------------
# Journal mode and pragmas


@pytest.mark.parametrize(
    "version, mode",
    [((3, 40, 1), "truncate"), ((3, 51, 2), "truncate"), ((3, 51, 3), "wal"), ((3, 52, 0), "wal"), ((4, 0, 0), "wal")],
)
def test_journal_choice(version, mode):
    choice = dbmod.journal_choice(version)
    assert choice.mode == mode
    assert ".".join(map(str, version)) in choice.reason


def test_journal_mode_in_force_is_the_choice(tmp_path):
    conn = dbmod.connect(tmp_path / "j.db")
    try:
        assert dbmod.journal_mode(conn) == dbmod.journal_choice().mode
        assert dbmod.journal_choice().mode == dbmod.journal_choice(sqlite3.sqlite_version_info).mode
    finally:
        conn.close()


def test_file_left_in_the_other_mode_is_switched(tmp_path):
    """A file in another rollback-journal mode is switched to the library's choice. A WAL file
    and an old library: refused untouched instead (tests/storage/test_faults.py)."""
    path = tmp_path / "old.db"
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA journal_mode = delete").fetchone()[0] == "delete"
    raw.execute("CREATE TABLE t (a)")
    raw.commit()
    raw.close()
    conn = dbmod.connect(path)
    try:
        assert dbmod.journal_mode(conn) == dbmod.journal_choice().mode
    finally:
        conn.close()


def test_connection_pragmas(tmp_path):
    conn = dbmod.connect(tmp_path / "p.db")
    try:
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] > 0
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.isolation_level is None
    finally:
        conn.close()


def test_readonly_connection_cannot_write(migrated):
    conn = dbmod.connect(migrated, readonly=True)
    try:
        assert conn.execute("SELECT count(*) FROM registrations").fetchone()[0] == 0
        with pytest.raises(sqlite3.OperationalError):
            conn.execute("CREATE TABLE t (a)")
    finally:
        conn.close()


def test_write_txn_rolls_back_on_error(migrated):
    conn = dbmod.connect(migrated)
    try:
        with pytest.raises(RuntimeError):
            with dbmod.write_txn(conn):
                conn.execute("CREATE TABLE t (a)")
                raise RuntimeError("boom")
        assert not conn.in_transaction
        assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 't'").fetchone()[0] == 0
    finally:
        conn.close()


# --------------------------------------------------------------------------------------------
# Append-only


@pytest.fixture
def one_row(migrated):
    config = settings.demo_config(datetime(2026, 10, 21).date())
    entry = new_entry(config, enhed="999borgerservice", opgave="23.05.10", kanal="PRSNLG", type="OPRET",
                      end=datetime(2026, 10, 21, 8, 30, tzinfo=timezone.utc))
    with Store(migrated, station="s", operator="o") as store:
        [rid] = store.record(entry)
        entry2 = new_entry(config, enhed="999borgerservice", opgave="23.09.02", kanal="PRSNLG", type="OPRET",
                           end=datetime(2026, 10, 21, 8, 31, tzinfo=timezone.utc))
        [rid2] = store.record(entry2)
        store.void([rid2], "DUBLET")
    return migrated, rid, rid2


def _snapshot(path):
    conn = sqlite3.connect(path)
    try:
        return (conn.execute("SELECT * FROM registrations ORDER BY rowid").fetchall(),
                conn.execute("SELECT * FROM voids ORDER BY rowid").fetchall())
    finally:
        conn.close()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE registrations SET opgave = '23.09.04'",
        "UPDATE registrations SET trial = 1 WHERE id = ?",
        "DELETE FROM registrations WHERE id = ?",
        "DELETE FROM registrations",
        "UPDATE voids SET reason = 'RETTELSE'",
        "DELETE FROM voids",
    ],
)
def test_append_only_triggers(one_row, sql):
    path, rid, _ = one_row
    before = _snapshot(path)
    conn = sqlite3.connect(path)  # a plain connection: the triggers live in the schema
    try:
        with pytest.raises(sqlite3.DatabaseError) as raised:
            conn.execute(sql, (rid,) if "?" in sql else ())
        assert isinstance(raised.value, sqlite3.IntegrityError)
        assert "append-only" in str(raised.value)
        conn.commit()
    finally:
        conn.close()
    assert _snapshot(path) == before
    assert len(before[0]) == 2 and len(before[1]) == 1


def test_insert_or_replace_cannot_rewrite_a_row(one_row):
    path, rid, _ = one_row
    before = _snapshot(path)
    conn = dbmod.connect(path)
    try:
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(
                "INSERT OR REPLACE INTO registrations (id, kommune_nr, kommune_navn, enhed, opgave, "
                "kanal, type, afslutning, blanket, start_utc, end_utc, date_only, datakilde, station, "
                "operator, answers, trial, batch_id, replaces, created_utc) SELECT id, kommune_nr, "
                "kommune_navn, enhed, '99.99.99', kanal, type, afslutning, blanket, start_utc, end_utc, "
                "date_only, datakilde, station, operator, answers, trial, batch_id, replaces, created_utc "
                "FROM registrations WHERE id = ?", (rid,),
            )
    finally:
        conn.close()
    assert _snapshot(path) == before


def test_a_void_must_copy_the_facts_of_its_registration(store, config, clock):
    """The totals subtract voids by their copied facts; a void that lies about them is refused."""
    from storage.registration import new_entry

    [rid] = store.record(new_entry(config, enhed="999borgerservice", opgave="23.05.10",
                                   kanal="PRSNLG", type="OPRET", end=clock()))
    with pytest.raises(sqlite3.IntegrityError, match="counted facts"):
        store.conn.execute(
            "INSERT INTO voids (id, registration_id, reason, station, operator, created_utc, "
            "enhed, trial, end_utc, type, kanal, seq) VALUES ('v', ?, 'FORTRUDT', 's', 'o', "
            "'2026-10-21T09:00:00.000000Z', '999telefon', 0, 'x', 'OPRET', 'PRSNLG', 1)", (rid,))
    store.undo_last(station="test-station")
    row = store.conn.execute("SELECT enhed, trial, type, kanal FROM voids").fetchone()
    assert row == ("999borgerservice", 0, "OPRET", "PRSNLG")


def test_m003_fills_the_facts_of_voids_made_before_it(db_path, config, clock):
    """A file voided under m001/m002 gets its voids' facts copied when it is migrated."""
    import sqlite_utils
    from sqlite_utils.migrations import Migrations

    from storage.sqlite import db as dbmod
    from storage.registration import new_entry
    from storage.sqlite.schema import MIGRATIONS, MIGRATION_SET

    conn = dbmod.connect(db_path)
    old = Migrations(MIGRATION_SET)
    for fn in MIGRATIONS[:2]:
        old()(fn)
    old.apply(sqlite_utils.Database(conn))
    entry = new_entry(config, enhed="999telefon", opgave="23.05.10", kanal="TLFIND", type="VEJL",
                      end=clock())
    conn.execute(
        "INSERT INTO registrations (id, kommune_nr, kommune_navn, enhed, opgave, kanal, type, "
        "afslutning, blanket, end_utc, datakilde, station, operator, created_utc) "
        "VALUES (?, '999', 'x', 'unit', '23.05.10', 'TLFIND', 'VEJL', 'STRAKS', 'NEJ', "
        "'2026-10-21T08:30:00.000000Z', 'Taelleuge', 's', 'o', 'c')", (entry.ids[0],))
    conn.execute("INSERT INTO voids (id, registration_id, reason, station, operator, created_utc) "
                 "VALUES ('v1', ?, 'FORTRUDT', 's', 'o', 'c')", (entry.ids[0],))
    conn.close()
    with Store(db_path, station="s", operator="o", clock=clock) as store:
        assert store.migrated == MIGRATION_NAMES[2:]
        facts = store.conn.execute("SELECT enhed, trial, end_utc, type, kanal FROM voids").fetchone()
        assert facts == ("unit", 0, "2026-10-21T08:30:00.000000Z", "VEJL", "TLFIND")
        assert store.count_day("unit", clock().date(), config.zone) == 0


def _at_m004(db_path) -> None:
    """A file migrated up to m004 only, as a Tælleuge from before the explicit sequence left it."""
    conn = dbmod.connect(db_path)
    old = Migrations(MIGRATION_SET)
    for fn in MIGRATIONS[:4]:
        old()(fn)
    old.apply(sqlite_utils.Database(conn))
    conn.close()


def test_m005_numbers_the_rows_in_commit_order(db_path, config, clock):
    """seq is backfilled from rowid, the order the rows were committed in, and is UNIQUE; new rows
    continue after it, and a row without seq (a program from before m005) is refused."""
    _at_m004(db_path)
    raw = sqlite3.connect(db_path)
    with raw:
        for n in range(3):
            raw.execute(
                "INSERT INTO registrations (id, kommune_nr, kommune_navn, enhed, opgave, kanal, "
                "type, afslutning, blanket, end_utc, datakilde, station, operator, created_utc) "
                f"VALUES ('old{n}', '999', 'x', '999borgerservice', '23.05.10', 'PRSNLG', 'OPRET', "
                "'STRAKS', 'NEJ', '2026-10-21T08:30:00.000000Z', 'Taelleuge', 'st', 'o', 'c')")
        raw.execute("INSERT INTO voids (id, registration_id, reason, station, operator, created_utc, "
                    "enhed, trial, end_utc, type, kanal) SELECT 'v1', id, 'FORTRUDT', 's', 'o', 'c', "
                    "enhed, trial, end_utc, type, kanal FROM registrations WHERE id = 'old1'")
    raw.close()
    with Store(db_path, station="st", operator="o", clock=clock) as store:
        assert store.migrated == ["m005_seq", *MIGRATION_NAMES[5:]]
        [new] = store.record(new_entry(config, enhed="999borgerservice", opgave="23.05.10",
                                       kanal="PRSNLG", type="OPRET", end=clock()))
        assert [r.id for r in store.latest(station="st")] == [new, "old2", "old1", "old0"]
    assert dbrows.query(db_path, "SELECT id, seq FROM registrations ORDER BY seq") == [
        ("old0", 1), ("old1", 2), ("old2", 3), (new, 4)]
    assert dbrows.query(db_path, "SELECT id, seq FROM voids") == [("v1", 1)]
    raw = sqlite3.connect(db_path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="seq must be set"):
            raw.execute(
                "INSERT INTO registrations (id, kommune_nr, kommune_navn, enhed, opgave, kanal, "
                "end_utc, datakilde, station, operator, created_utc) VALUES ('late', '999', 'x', "
                "'u', '23.05.10', 'PRSNLG', '2026-10-21T09:00:00.000000Z', 'Taelleuge', 's', 'o', '2026-10-21T09:00:00.000000Z')")
        with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
            raw.execute(
                "INSERT INTO registrations (id, kommune_nr, kommune_navn, enhed, opgave, kanal, "
                "end_utc, datakilde, station, operator, created_utc, seq) VALUES ('twin', '999', "
                "'x', 'u', '23.05.10', 'PRSNLG', '2026-10-21T09:00:00.000000Z', 'Taelleuge', 's', 'o', '2026-10-21T09:00:00.000000Z', 4)")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            raw.execute("UPDATE registrations SET seq = 9 WHERE id = 'old0'")
    finally:
        raw.close()


def test_latest_follows_seq_not_rowid(store, config, clock, db_path):
    """A row whose rowid is lower than an older row's (as after a VACUUM renumbered the rowids)
    is still the latest: "latest" is seq, never rowid."""
    [first] = store.record(new_entry(config, enhed="999borgerservice", opgave="23.05.10",
                                     kanal="PRSNLG", type="OPRET", end=clock()))
    row = dbrows.registration(id="low-rowid", station="test-station", operator="tester")
    names = list(row)
    raw = sqlite3.connect(db_path)
    with raw:  # rowid 0: below the recorded row's; seq: the next one
        raw.execute(f"INSERT INTO registrations (rowid, {', '.join(names)}, seq) VALUES "
                    f"(0, {', '.join('?' * len(names))}, (SELECT max(seq) + 1 FROM registrations))",
                    [row[n] for n in names])
    raw.close()
    assert [r.id for r in store.latest(station="test-station")] == ["low-rowid", first]
    assert store.latest_live(station="test-station").id == "low-rowid"
    assert [r.id for r, _ in store.recent_entries(station="test-station", operator="tester")] == [
        "low-rowid", first]
    [voided] = store.undo_last(station="test-station")
    assert voided.id == "low-rowid"


def test_an_import_puts_the_seq_check_back(store, db_path):
    """The import lifts m005's per-row check for its own transaction only: afterwards, and after
    a refused import, a row without seq is refused again; the imported rows are numbered on."""
    row = ("999", "Eksempelby", "999skranke", "23.05.10", "PRSNLG", "OPRET", "STRAKS", "NEJ", None,
           "2026-10-20T08:00:00.000000Z", 0, "Tracetool", "{}")
    meta = dict(sha256="a", content_sha256="b", file_name="x.csv", layout="raadata",
                encoding="utf-8", datakilde="Import", station="s", operator="o")
    for attempt in range(2):
        with store.import_batch() as batch:
            batch.add([row, row])
            if attempt == 0:
                batch.commit(**meta)
            else:
                with pytest.raises(Exception, match="allerede importeret"):
                    batch.commit(**meta)
        assert dbrows.query(db_path, "SELECT seq FROM registrations ORDER BY seq") == [(1,), (2,)]
        with dbrows.refused("seq must be set"):
            dbrows.execute(db_path, "INSERT INTO registrations (id, kommune_nr, kommune_navn, enhed, "
                           "opgave, kanal, end_utc, datakilde, station, operator, created_utc) "
                           "VALUES ('late', '999', 'x', 'u', '23.05.10', 'PRSNLG', 'e', 'T', 's', "
                           "'o', 'c')")
