"""Faults with a PostgreSQL server, for real: stopped, restarted, a lock held too long, a table
missing. Each ends as a typed error with a Danish message (never the password), nothing half
written, and the store connects again by itself: an entry kept on screen is saved on retry with
its UUIDs, exactly once.

The stop/restart tests use a server of their own, so the session's server stays up."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from zoneinfo import ZoneInfo

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

import dbrows
import pg_server as pgs
from storage.errors import (ConnectionRefused, DatabaseBusy, DatabaseUnreachable, DiskFull,
                            NotTaelleugeDatabase, OutcomeUnknown, ReadOnlyDatabase, Refusal,
                            StorageError, TaelleugeError)
from storage.open import open_store
from storage.postgres import connect as pgconnect
from storage.postgres.schema import LOCK_CLASS
from storage.postgres.translate import translate
from storage.registration import new_entry

pytestmark = pytest.mark.postgresql

CPH = ZoneInfo("Europe/Copenhagen")
UNIT = "999borgerservice"
_names = itertools.count(1)


def entry(config, **overrides):
    fields = dict(enhed=UNIT, opgave="23.05.10", kanal="PRSNLG", type="OPRET",
                  end=datetime(2026, 10, 21, 10, 30, tzinfo=CPH))
    fields.update(overrides)
    return new_entry(config, **fields)


@pytest.fixture(scope="module")
def own_server(pg_server):
    """A second cluster to stop and restart (pg_server first: the same skip/fail rule applies)."""
    server = pgs.start_server("taelleuge-pgfault")
    try:
        yield server
    finally:
        server.destroy()


@pytest.fixture
def fault_url(own_server, clock):
    """A migrated database on the own server, reached over TCP with a password in the URL."""
    if not own_server.running:
        own_server.start()
    name = f"k{next(_names)}"
    with psycopg.connect(own_server.url(), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    url = own_server.tcp_url(name)
    open_store(url, station="setup", operator="setup", create=True).close()
    yield url
    if not own_server.running:
        own_server.start()


def test_server_stopped_is_unreachable_in_danish_without_the_password(own_server, fault_url, config, clock):
    with open_store(fault_url, station="kiosk1", operator="anna", clock=clock) as store:
        store.record(entry(config))
        own_server.stop()
        with pytest.raises(DatabaseUnreachable) as refused:
            store.record(entry(config))
    message = str(refused.value)
    assert "Databaseserveren kan ikke nås" in message and "Intet er gemt" in message
    assert f"port={own_server.port}" in message
    assert pgs.SUPERUSER_PASSWORD not in message
    assert refused.value.short == "databaseserveren svarer ikke"
    assert refused.value.code
    with pytest.raises(DatabaseUnreachable) as at_start:
        open_store(fault_url, station="kiosk1", operator="anna")
    assert pgs.SUPERUSER_PASSWORD not in str(at_start.value)


def test_after_a_restart_the_next_call_reconnects(own_server, fault_url, config, clock):
    with open_store(fault_url, station="kiosk1", operator="anna", clock=clock) as store:
        [a] = store.record(entry(config))
        own_server.restart()
        [b] = store.record(entry(config))  # the dead idle connection is replaced, silently
        assert store.generation == 2  # a second connection, opened by the store itself
        own_server.restart()
        assert [r.id for r in store.latest(station="kiosk1")] == [b, a]
        assert store.count_day(UNIT, date(2026, 10, 21), CPH) == 2


def test_an_entry_kept_while_the_server_was_down_is_saved_once_on_retry(own_server, fault_url, config, clock):
    kept = entry(config, count=3)
    with open_store(fault_url, station="kiosk1", operator="anna", clock=clock) as store:
        own_server.stop()
        with pytest.raises(DatabaseUnreachable):
            store.record(kept)  # the kiosk shows IKKE GEMT and keeps the entry
        own_server.start()
        assert store.record(kept) == list(kept.ids)
        assert store.record(kept) == list(kept.ids)  # a second retry: still the same rows
    assert dbrows.count(fault_url) == 3
    assert sorted(rid for (rid,) in dbrows.query(fault_url, "SELECT id FROM registrations")) == sorted(kept.ids)


def test_an_undo_is_never_repeated_behind_the_callers_back(own_server, fault_url, config, clock):
    with open_store(fault_url, station="kiosk1", operator="anna", clock=clock) as store:
        [a] = store.record(entry(config))
        [b] = store.record(entry(config))
        own_server.restart()
        with pytest.raises(DatabaseUnreachable):
            store.undo_last(station="kiosk1")  # may or may not have reached the server: say so
        assert [r.id for r in store.undo_last(station="kiosk1")] == [b]
    assert [rid for (rid,) in dbrows.query(fault_url, "SELECT registration_id FROM voids")] == [b]


def test_a_table_lock_held_too_long_is_busy(pg_database, config, clock):
    url = pg_database + "&options=" + "-c%20lock_timeout%3D100"
    with open_store(url, station="kiosk1", operator="anna", clock=clock) as store, \
            psycopg.connect(pg_database) as holder:
        holder.execute("LOCK TABLE registrations IN ACCESS EXCLUSIVE MODE")  # open transaction
        with pytest.raises(DatabaseBusy) as refused:
            store.record(entry(config))
        assert refused.value.short == "databaseserveren er optaget lige nu"
        assert refused.value.code == "55P03"
        assert "Intet er gemt" in str(refused.value)
        holder.rollback()
        store.record(entry(config))
    assert dbrows.count(pg_database) == 1


def test_an_undo_waiting_for_another_undo_too_long_is_busy(pg_database, config, clock):
    url = pg_database + "&options=" + "-c%20lock_timeout%3D100"
    with open_store(url, station="kiosk1", operator="anna", clock=clock) as store, \
            psycopg.connect(pg_database, autocommit=True) as holder:
        store.record(entry(config))
        holder.execute("SELECT pg_advisory_lock(%s, 2)", (LOCK_CLASS,))
        with pytest.raises(DatabaseBusy):
            store.undo_last(station="kiosk1")
        holder.execute("SELECT pg_advisory_unlock(%s, 2)", (LOCK_CLASS,))
        assert len(store.undo_last(station="kiosk1")) == 1


def test_a_missing_table_is_not_ours(pg_database, config, clock):
    with open_store(pg_database, station="kiosk1", operator="anna", clock=clock) as store:
        dbrows.execute(pg_database, "DROP TABLE voids CASCADE")
        with pytest.raises(NotTaelleugeDatabase) as refused:
            store.count_day(UNIT, date(2026, 10, 21), CPH)
    assert "Kør: taelleuge init" in str(refused.value)
    assert refused.value.code == "42P01"


def test_a_url_that_does_not_parse_is_refused_without_echoing_it():
    with pytest.raises(TaelleugeError) as refused:
        open_store("postgresql://anna:topsecret@[::1/taelleuge", station="s", operator="o")
    assert "topsecret" not in str(refused.value)
    assert "postgresql://bruger@vært:5432/database" in str(refused.value)


@pytest.mark.parametrize("error, kind, code", [
    (psycopg.errors.DiskFull, DiskFull, "53100"),
    (psycopg.errors.SerializationFailure, DatabaseBusy, "40001"),
    (psycopg.errors.DeadlockDetected, DatabaseBusy, "40P01"),
    (psycopg.errors.AdminShutdown, DatabaseUnreachable, "57P01"),
    (psycopg.errors.InsufficientPrivilege, ReadOnlyDatabase, "42501"),
    (psycopg.errors.ReadOnlySqlTransaction, ReadOnlyDatabase, "25006"),
    (psycopg.errors.UndefinedTable, NotTaelleugeDatabase, "42P01"),
    (psycopg.errors.DataCorrupted, StorageError, "XX001"),
    (psycopg.OperationalError, DatabaseUnreachable, "OperationalError"),
])
def test_errors_are_typed_by_class_never_by_message(error, kind, code):
    """The message text is deliberately misleading: only the class / SQLSTATE counts."""
    typed = translate(error("database is locked"), "host=h dbname=d", "anna")
    assert type(typed) is kind or (kind is StorageError and isinstance(typed, StorageError))
    assert typed.code == code
    assert str(typed) and typed.short


def test_corrupt_data_is_corrupt_database():
    from storage.errors import CorruptDatabase

    assert isinstance(translate(psycopg.errors.DataCorrupted("x"), "h"), CorruptDatabase)


def test_pg_database_url_is_the_sessions_server(pg_database, pg_server):
    """Sanity for the fixtures the other tests rely on: a socket URL on the session's server."""
    settings = conninfo_to_dict(pg_database)
    assert settings["host"] == str(pg_server.socket_dir) and settings["port"] == str(pg_server.port)


# -- a connection cut at the worst moments -----------------------------------------------------

def _backend_pid(store) -> int:
    return store._call(lambda conn: conn.info.backend_pid, retry=False)


def test_a_backend_killed_between_commits_is_replaced_silently(pg_database, pg_admin, config, clock):
    with open_store(pg_database, station="kiosk1", operator="anna", clock=clock) as store:
        [a] = store.record(entry(config))
        killed = _backend_pid(store)
        assert pg_admin.execute("SELECT pg_terminate_backend(%s)", (killed,)).fetchone() == (True,)
        [b] = store.record(entry(config))
        assert _backend_pid(store) != killed and store.generation == 2
    assert sorted(rid for (rid,) in dbrows.query(pg_database, "SELECT id FROM registrations")) == sorted([a, b])


def _wait_for(predicate, what: str, timeout: float = 30):
    import time

    deadline = time.monotonic() + timeout
    while not (found := predicate()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)
    return found


def test_a_backend_killed_during_a_commit_saves_the_entry_once(pg_database, pg_admin, config, clock):
    """The store's INSERT waits on a lock; its backend is terminated mid-transaction (nothing
    committed); the store's own retry on a new connection saves the entry, once."""
    import threading

    kept = entry(config, count=2)
    waiting = ("SELECT pid FROM pg_stat_activity WHERE datname = %s AND application_name = "
               "'taelleuge' AND wait_event_type = 'Lock'")
    dbname = conninfo_to_dict(pg_database)["dbname"]
    with open_store(pg_database, station="kiosk1", operator="anna", clock=clock) as store, \
            psycopg.connect(pg_database) as holder:
        holder.execute("LOCK TABLE registrations IN SHARE MODE")  # held until rollback
        outcome: dict = {}

        def write():
            try:
                outcome["ids"] = store.record(kept)
            except Exception as error:  # asserted on below
                outcome["error"] = error

        writer = threading.Thread(target=write)
        writer.start()
        [(first,)] = _wait_for(lambda: pg_admin.execute(waiting, (dbname,)).fetchall(), "the INSERT to wait")
        pg_admin.execute("SELECT pg_terminate_backend(%s)", (first,))
        # The store reconnects by itself and tries again: a new backend waits on the lock.
        _wait_for(lambda: [pid for (pid,) in pg_admin.execute(waiting, (dbname,)) if pid != first],
                  "the retry to wait on a new connection")
        holder.rollback()
        writer.join(timeout=60)
    assert outcome == {"ids": list(kept.ids)}
    assert sorted(rid for (rid,) in dbrows.query(pg_database, "SELECT id FROM registrations")) == sorted(kept.ids)


@pytest.fixture
def cutting_proxy(pg_server):
    from cutting_proxy import CuttingProxy

    proxy = CuttingProxy(pg_server.port)
    yield proxy
    proxy.close()


def test_a_commit_whose_answer_is_lost_is_retried_without_a_second_row(pg_database, cutting_proxy, config, clock):
    """The server commits, the connection dies before the answer arrives: the store's retry on a
    new connection finds the rows (ON CONFLICT (id) DO NOTHING, then checks they are this entry's)
    and reports them saved; there is one row per id, not two."""
    url = _proxied(cutting_proxy, pg_database)
    kept = entry(config, count=3)
    with open_store(url, station="kiosk1", operator="anna", clock=clock) as store:
        cutting_proxy.arm(1)
        assert store.record(kept) == list(kept.ids)
        assert cutting_proxy.cuts == 1 and store.generation == 2
    assert dbrows.count(pg_database) == 3


def _proxied(proxy, database: str) -> str:
    return proxy.url(conninfo_to_dict(database)["dbname"], pgs.SUPERUSER, pgs.SUPERUSER_PASSWORD)


def test_a_lost_answer_twice_is_found_stored_by_asking_once_more(pg_database, cutting_proxy, config, clock):
    """The first COMMIT's answer is lost; the store asks on a new connection (a read: no second
    COMMIT to lose) and finds the entry stored: saved, once."""
    kept = entry(config, count=2)
    with open_store(_proxied(cutting_proxy, pg_database), station="kiosk1", operator="anna",
                    clock=clock) as store:
        cutting_proxy.arm(2)
        assert store.record(kept) == list(kept.ids)
        assert cutting_proxy.cuts == 1
    assert dbrows.query(pg_database, "SELECT count(*), count(DISTINCT id) FROM registrations") == [(2, 2)]


def test_a_lost_answer_with_the_server_gone_is_unknown_never_nothing_saved(pg_database, cutting_proxy, config, clock):
    """The answer is lost and the server cannot be asked: OutcomeUnknown (a DatabaseUnreachable,
    so a kiosk keeps the entry and retries with its ids), saying how to check; never
    "Intet er gemt", since the row is in fact there. The retry saves nothing twice."""
    kept = entry(config, count=2)
    with open_store(_proxied(cutting_proxy, pg_database), station="kiosk1", operator="anna",
                    clock=clock) as store:
        cutting_proxy.arm(1, refuse_after=True)
        with pytest.raises(OutcomeUnknown) as unknown:
            store.record(kept)
        message = str(unknown.value)
        assert "Intet er gemt" not in message and "uvist" in message
        assert f"taelleuge registreringer --enhed {UNIT}" in message and kept.ids[0] in message
        assert pgs.SUPERUSER_PASSWORD not in message
        assert isinstance(unknown.value, DatabaseUnreachable)
        assert dbrows.count(pg_database) == 2  # it did land
        cutting_proxy.allow()
        assert store.has_registrations(kept.ids)
        assert store.record(kept) == list(kept.ids)
    assert dbrows.count(pg_database) == 2


def test_a_void_whose_answer_is_lost_is_found_by_its_own_rows(pg_database, cutting_proxy, config, clock):
    """``void`` and ``undo_last`` with the COMMIT answer lost report the rows they voided, and
    exactly those: never "the latest" again."""
    with open_store(_proxied(cutting_proxy, pg_database), station="kiosk1", operator="anna",
                    clock=clock) as store:
        [a] = store.record(entry(config))
        [b] = store.record(entry(config))
        [c] = store.record(entry(config))
        cutting_proxy.arm(1)
        assert [r.id for r in store.void([c], "FORTRUDT")] == [c]
        cutting_proxy.arm(1)
        assert [r.id for r in store.undo_last(station="kiosk1")] == [b]
        assert cutting_proxy.cuts == 2
    voided = sorted(rid for (rid,) in dbrows.query(pg_database, "SELECT registration_id FROM voids"))
    assert voided == sorted([b, c])
    assert a not in voided


def test_a_void_whose_answer_is_lost_with_the_server_gone_is_unknown(pg_database, cutting_proxy, config, clock):
    with open_store(_proxied(cutting_proxy, pg_database), station="kiosk1", operator="anna",
                    clock=clock) as store:
        [a] = store.record(entry(config))
        cutting_proxy.arm(1, refuse_after=True)
        with pytest.raises(OutcomeUnknown) as unknown:
            store.void([a], "FORTRUDT")
    message = str(unknown.value)
    assert "Intet er gemt" not in message and "uvist" in message and "taelleuge historik" in message
    assert dbrows.query(pg_database, "SELECT registration_id FROM voids") == [(a,)]


def test_a_commit_whose_answer_never_comes_is_given_up_and_then_found(pg_database, cutting_proxy, config, clock, monkeypatch):
    """A hung server (the answer swallowed, the connection left open): the write gives up after
    connect.WRITE_DEADLINE_S instead of waiting for ever, and the check finds the row stored."""
    monkeypatch.setattr(pgconnect, "WRITE_DEADLINE_S", 0.5)
    kept = entry(config)
    with open_store(_proxied(cutting_proxy, pg_database), station="kiosk1", operator="anna",
                    clock=clock) as store:
        import threading

        cutting_proxy.arm(1, stall=True)
        outcome: dict = {}
        writer = threading.Thread(target=lambda: outcome.update(ids=store.record(kept)), daemon=True)
        writer.start()
        writer.join(timeout=120)  # a bound against hanging the suite, not a speed check
        assert outcome == {"ids": list(kept.ids)}
        assert cutting_proxy.cuts == 1
    assert dbrows.count(pg_database) == 1


def test_a_read_on_a_stopped_backend_is_given_up_and_read_on_a_new_connection(pg_database, config, clock, monkeypatch):
    """A screen's read gets no answer (SIGSTOP): it is given up after connect.READ_DEADLINE_S and
    read again on a new connection, instead of holding the store (and the kiosk's next write)
    for ever."""
    import os
    import signal
    import threading

    if os.geteuid() != 0:
        pytest.skip("signalling the server's backend needs root (the server runs as postgres)")
    monkeypatch.setattr(pgconnect, "READ_DEADLINE_S", 0.5)
    with open_store(pg_database, station="kiosk1", operator="anna", clock=clock) as store:
        [rid] = store.record(entry(config))
        stopped = _backend_pid(store)
        os.kill(stopped, signal.SIGSTOP)
        outcome: dict = {}
        try:
            reader = threading.Thread(target=lambda: outcome.update(ids=[r.id for r in store.latest(station="kiosk1")]),
                                      daemon=True)
            reader.start()
            reader.join(timeout=120)  # a bound against hanging the suite, not a speed check
        finally:
            os.kill(stopped, signal.SIGCONT)
        assert outcome == {"ids": [rid]}
        assert _backend_pid(store) != stopped


def test_a_stopped_backend_is_given_up_and_the_entry_saved_on_a_new_connection(pg_database, pg_admin, config, clock, monkeypatch):
    """The server process serving the store is stopped (SIGSTOP): no answer, no error, the TCP
    connection alive. The write gives up on it and saves on a new connection."""
    import os
    import signal
    import threading

    if os.geteuid() != 0:
        pytest.skip("signalling the server's backend needs root (the server runs as postgres)")
    monkeypatch.setattr(pgconnect, "WRITE_DEADLINE_S", 0.5)
    kept = entry(config)
    with open_store(pg_database, station="kiosk1", operator="anna", clock=clock) as store:
        stopped = _backend_pid(store)
        os.kill(stopped, signal.SIGSTOP)
        outcome: dict = {}
        try:
            writer = threading.Thread(target=lambda: outcome.update(ids=store.record(kept)), daemon=True)
            writer.start()
            writer.join(timeout=120)  # a bound against hanging the suite, not a speed check
        finally:
            os.kill(stopped, signal.SIGCONT)
        assert outcome == {"ids": list(kept.ids)}
    assert dbrows.count(pg_database) == 1


def test_a_stored_row_with_the_same_id_but_other_content_refuses_the_whole_entry(pg_database, config, clock):
    """ON CONFLICT DO NOTHING alone would report a stranger's row as ours: the check refuses."""
    kept = entry(config, count=2)
    with open_store(pg_database, station="kiosk1", operator="anna", clock=clock) as store:
        store.record(_same_ids(entry(config, opgave="23.01.05"), kept.ids[:1]))
        with pytest.raises(Refusal) as refused:
            store.record(kept)
    assert "allerede brugt af en anden registrering" in str(refused.value)
    assert dbrows.count(pg_database) == 1  # the entry's other row was not written either


def _same_ids(made, ids):
    from dataclasses import replace

    return replace(made, ids=tuple(ids))


# -- a connection the server refuses: each its own message, never "check the network" ----------

def _refused(url: str) -> ConnectionRefused:
    with pytest.raises(ConnectionRefused) as refused:
        open_store(url, station="kiosk1", operator="anna")
    message = str(refused.value)
    assert "Tjek, at serveren kører" not in message and "netværket" not in message
    return refused.value


def test_a_wrong_password_is_a_login_refusal_without_the_password(pg_server, pg_database):
    dbname = conninfo_to_dict(pg_database)["dbname"]
    refused = _refused(pg_server.tcp_url(dbname, password="forkert-kodeord-17"))
    assert "afviste login for brugeren postgres" in str(refused) and "~/.pgpass" in str(refused)
    assert "forkert-kodeord-17" not in str(refused) and pgs.SUPERUSER_PASSWORD not in str(refused)
    assert refused.short == "databaseserveren afviser login: kontakt IT"


def test_an_unknown_login_is_a_login_refusal(pg_server, pg_database):
    refused = _refused(pg_server.url(conninfo_to_dict(pg_database)["dbname"], user="ingen_saadan"))
    assert "afviste login for brugeren ingen_saadan" in str(refused)


def test_a_database_that_does_not_exist_says_so(pg_server):
    refused = _refused(pg_server.tcp_url("findes_ikke"))
    assert "Databasen findes ikke på serveren" in str(refused) and "dbname=findes_ikke" in str(refused)
    assert pgs.SUPERUSER_PASSWORD not in str(refused)
    assert refused.short == "databasen findes ikke på serveren: kontakt IT"


def test_ssl_refused_says_ssl(pg_server, pg_database):
    url = pg_server.tcp_url(conninfo_to_dict(pg_database)["dbname"]) + "?sslmode=require"
    refused = _refused(url)
    assert "afvist på grund af SSL" in str(refused) and "sslmode" in str(refused)
    assert pgs.SUPERUSER_PASSWORD not in str(refused)


def test_a_server_that_is_not_listening_is_still_unreachable():
    with pytest.raises(DatabaseUnreachable) as refused:
        open_store("postgresql://anna:kodeord-9@127.0.0.1:1/x", station="kiosk1", operator="anna")
    assert "kan ikke nås" in str(refused.value) and "kodeord-9" not in str(refused.value)


@pytest.mark.parametrize("error, expected", [
    (psycopg.errors.InvalidPassword, "afviste login"),
    (psycopg.errors.InvalidAuthorizationSpecification, "afviste login"),
    (psycopg.errors.InvalidCatalogName, "Databasen findes ikke"),
])
def test_refusals_with_a_sqlstate_are_typed_by_it(error, expected):
    typed = translate(error("x"), "host=h dbname=d", "anna")
    assert isinstance(typed, ConnectionRefused) and expected in str(typed)


def test_the_permission_advice_gives_staff_the_staff_role(pg_database):
    from storage.postgres.roles import COORDINATOR, STAFF

    typed = translate(psycopg.errors.InsufficientPrivilege("permission denied"), "h", "kiosk1")
    assert f'GRANT {STAFF} TO "kiosk1"' in str(typed)
    assert f'GRANT {COORDINATOR} TO "kiosk1"' not in str(typed)
