"""The PostgreSQL schema: migrations once under concurrency, append-only triggers, the void facts
check, and refusing databases that are not ours. A real server (tests/pg_server.py)."""

from __future__ import annotations

import multiprocessing

import psycopg
import pytest

import dbrows
from storage.sqlite import schema as sqlite_schema
from storage.errors import NotInitialised, NotTaelleugeDatabase, StorageError
from storage.open import open_store
from storage.postgres import schema
from storage.postgres.store import PgStore
from storage.postgres.translate import APPEND_ONLY, VOID_FACTS

pytestmark = pytest.mark.postgresql


def test_the_engines_have_the_same_migrations():
    assert schema.MIGRATION_NAMES == sqlite_schema.MIGRATION_NAMES


def _open(url, barrier, results):
    try:
        barrier.wait(timeout=60)
        with PgStore(url, station="s", operator="o", create=True) as store:
            results.put(("ok", store.migrated))
    except BaseException as error:  # reported to the parent, which asserts on it
        results.put(("error", repr(error)))


@pytest.mark.slow
def test_ten_logins_at_once_migrate_exactly_once(pg_empty_database):
    ctx = multiprocessing.get_context("spawn")  # no inherited sockets from the test process
    barrier = ctx.Barrier(6)
    results = ctx.Queue()
    procs = [ctx.Process(target=_open, args=(pg_empty_database, barrier, results)) for _ in range(6)]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert [kind for kind, _ in outcomes] == ["ok"] * 6, outcomes
    applied = [names for _, names in outcomes if names]
    assert applied == [schema.MIGRATION_NAMES]  # one process applied all four, the rest none
    rows = dbrows.query(pg_empty_database, "SELECT name FROM taelleuge_migrations ORDER BY name")
    assert [name for (name,) in rows] == schema.MIGRATION_NAMES


class _MigratedByAnotherLoginMeanwhile:
    """A connection whose first statement is followed, before the second, by another login
    migrating the same database and committing: the window that made the test above flaky."""

    def __init__(self, conn, url):
        self.conn, self.url, self.statements = conn, url, 0

    def execute(self, *args):
        result = self.conn.execute(*args)
        self.statements += 1
        if self.statements == 1:
            with PgStore(self.url, station="other", operator="o", create=True) as other:
                assert other.migrated == schema.MIGRATION_NAMES
        return result


def test_a_migration_committed_while_reading_the_status_is_not_someone_elses_tables(pg_empty_database):
    """Deterministic form of the race: the status must come from one snapshot. Read in two
    statements, it saw no version table, then the other login's fresh tables, and refused the
    database as "not Tælleuge's" (listing taelleuge_migrations among the foreign tables)."""
    with psycopg.connect(pg_empty_database, autocommit=True) as conn:
        found = schema.status(_MigratedByAnotherLoginMeanwhile(conn, pg_empty_database))
    assert found.foreign_tables == []
    # Either before the other login (nothing applied, all pending) or after it (all applied).
    assert [found.applied, found.pending] in ([[], schema.MIGRATION_NAMES], [schema.MIGRATION_NAMES, []])
    with PgStore(pg_empty_database, station="s", operator="o", create=True) as store:
        assert store.migrated == []


def test_an_empty_database_needs_init(pg_empty_database):
    with pytest.raises(NotInitialised) as refused:
        open_store(pg_empty_database, station="s", operator="o")
    assert "Kør: taelleuge init" in str(refused.value)
    assert dbrows.query(pg_empty_database, "SELECT to_regclass('registrations')") == [(None,)]
    with open_store(pg_empty_database, station="s", operator="o", create=True) as store:
        assert store.created and store.migrated == schema.MIGRATION_NAMES
    with open_store(pg_empty_database, station="s", operator="o") as store:
        assert not store.created and store.migrated == []


def test_a_database_of_someone_else_is_refused_untouched(pg_empty_database):
    dbrows.execute(pg_empty_database, "CREATE TABLE customers (name text)")
    with pytest.raises(NotTaelleugeDatabase) as refused:
        open_store(pg_empty_database, station="s", operator="o", create=True)
    assert "customers" in str(refused.value)
    assert dbrows.query(pg_empty_database, "SELECT to_regclass('taelleuge_migrations')") == [(None,)]


def test_migrate_false_refuses_a_database_behind(pg_empty_database):
    with PgStore(pg_empty_database, station="s", operator="o", create=True):
        pass
    dbrows.execute(pg_empty_database, "DELETE FROM taelleuge_migrations WHERE name = 'm004_exports'")
    with pytest.raises(NotInitialised) as refused:
        open_store(pg_empty_database, station="s", operator="o", migrate=False)
    assert "mangler 1 opdatering" in str(refused.value)


def _registered(url) -> str:
    dbrows.execute(
        url,
        "INSERT INTO registrations (id, kommune_nr, kommune_navn, enhed, opgave, kanal, end_utc, "
        "datakilde, station, operator, created_utc) VALUES ('r1', '999', 'X', 'u', '23.05.10', "
        "'PRSNLG', '2026-10-21T08:30:00.000000Z', 'Taelleuge', 's', 'o', '2026-10-21T09:00:00.000000Z')",
    )
    dbrows.execute(
        url,
        "INSERT INTO voids (id, registration_id, reason, station, operator, created_utc, enhed, "
        "trial, end_utc, type, kanal) VALUES ('v1', 'r1', 'DUBLET', 's', 'o', '2026-10-21T09:00:00.000000Z', 'u', 0, "
        "'2026-10-21T08:30:00.000000Z', NULL, 'PRSNLG')",
    )
    dbrows.execute(
        url,
        "INSERT INTO imports (id, sha256, content_sha256, file_name, layout, encoding, row_count, "
        "datakilde, station, operator, created_utc) VALUES ('i1', 'a', 'b', 'f.csv', 'raadata', "
        "'utf-8', 1, 'Import', 's', 'o', 'c')",
    )
    dbrows.execute(
        url,
        "INSERT INTO exports (id, kind, first_day, last_day, start_utc, end_utc, row_count, sha256, "
        "file_name, station, operator, created_utc) VALUES ('e1', 'landkort-upload', '2026-10-19', "
        "'2026-10-25', 'a', 'b', 1, 'h', 'f.csv', 's', 'o', 'c')",
    )
    return url


@pytest.mark.parametrize("table, column", [("registrations", "station"), ("voids", "reason"),
                                           ("imports", "file_name"), ("exports", "file_name")])
@pytest.mark.parametrize("statement", ["UPDATE {table} SET {column} = 'x'", "DELETE FROM {table}",
                                       "TRUNCATE {table} CASCADE"])
def test_append_only_tables_refuse_update_delete_and_truncate(pg_database, table, column, statement):
    """Even for the superuser: the rule is in the database, not only in the app."""
    url = _registered(pg_database)
    before = dbrows.query(url, f"SELECT * FROM {table}")
    with pytest.raises(psycopg.Error) as refused:
        dbrows.execute(url, statement.format(table=table, column=column))
    assert refused.value.sqlstate == APPEND_ONLY
    assert dbrows.query(url, f"SELECT * FROM {table}") == before


def test_a_void_must_copy_its_registrations_counted_facts(pg_database):
    url = _registered(pg_database)
    dbrows.execute(
        url,
        "INSERT INTO registrations (id, kommune_nr, kommune_navn, enhed, opgave, kanal, end_utc, "
        "datakilde, station, operator, created_utc) VALUES ('r2', '999', 'X', 'u', '23.05.10', "
        "'PRSNLG', '2026-10-21T08:30:00.000000Z', 'Taelleuge', 's', 'o', '2026-10-21T09:00:00.000000Z')",
    )
    with pytest.raises(psycopg.Error) as refused:
        dbrows.execute(
            url,
            "INSERT INTO voids (id, registration_id, reason, station, operator, created_utc, enhed, "
            "trial, end_utc, type, kanal) VALUES ('v2', 'r2', 'DUBLET', 's', 'o', '2026-10-21T09:00:00.000000Z', 'other-unit', "
            "0, '2026-10-21T08:30:00.000000Z', NULL, 'PRSNLG')",
        )
    assert refused.value.sqlstate == VOID_FACTS
    assert dbrows.count(url, "voids") == 1


def test_a_temp_table_cannot_stand_in_for_registrations_in_the_facts_check(pg_database):
    """The check's search_path is pinned: a session's own TEMP "registrations" is not consulted."""
    url = _registered(pg_database)
    dbrows.execute(
        url,
        "INSERT INTO registrations (id, kommune_nr, kommune_navn, enhed, opgave, kanal, end_utc, "
        "datakilde, station, operator, created_utc) VALUES ('r2', '999', 'X', 'u', '23.05.10', "
        "'PRSNLG', '2026-10-21T08:30:00.000000Z', 'Taelleuge', 's', 'o', '2026-10-21T09:00:00.000000Z')",
    )
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TEMP TABLE registrations AS SELECT * FROM public.registrations")
        conn.execute("UPDATE pg_temp.registrations SET enhed = 'fake' WHERE id = 'r2'")
        with pytest.raises(psycopg.Error) as refused:
            conn.execute(
                "INSERT INTO public.voids (id, registration_id, reason, station, operator, "
                "created_utc, enhed, trial, end_utc, type, kanal) VALUES ('v2', 'r2', 'DUBLET', "
                "'s', 'o', '2026-10-21T09:00:00.000000Z', 'fake', 0, '2026-10-21T08:30:00.000000Z', NULL, 'PRSNLG')")
    assert refused.value.sqlstate == VOID_FACTS
    assert dbrows.count(url, "voids") == 1


def test_the_store_turns_an_append_only_refusal_into_a_typed_error(pg_database, store_on):
    url = _registered(pg_database)
    with store_on(url) as store, pytest.raises(StorageError) as refused:
        store._call(lambda conn: conn.execute("DELETE FROM registrations"), retry=False)
    assert refused.value.code == APPEND_ONLY
    assert "kun tilføjes" in str(refused.value)


def test_seq_orders_latest_and_cannot_be_set(pg_database, store_on, config):
    from storage.registration import new_entry
    from datetime import datetime, timezone

    with store_on(pg_database) as store:
        ids = [store.record(new_entry(config, enhed="999borgerservice", opgave="23.05.10",
                                      kanal="PRSNLG", type="OPRET",
                                      end=datetime(2026, 10, 21, 8, m, tzinfo=timezone.utc)))[0]
               for m in (30, 10, 20)]  # end times out of order: latest is by seq, not by time
        assert [r.id for r in store.latest(station="test")] == ids[::-1]
    with pytest.raises(psycopg.Error):
        dbrows.execute(pg_database, "INSERT INTO voids (seq, id, registration_id, reason, station, "
                       "operator, created_utc) VALUES (1, 'x', 'y', 'DUBLET', 's', 'o', 'c')")


@pytest.fixture
def store_on(clock):
    def make(url, **kwargs):
        return PgStore(url, station="test", operator="tester", clock=clock, **kwargs)
    return make
