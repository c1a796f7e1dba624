"""The coordinator/staff split as database roles, on a real server: a staff login registers and
undoes but cannot read or write imports; a coordinator login can. ``init`` prints the SQL for
the DBA when its login may not create roles; ``doctor`` names the login's roles."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

import dbrows
from storage.errors import ReadOnlyDatabase
from storage.open import open_store
from storage.postgres import admin, roles
from storage.registration import new_entry

pytestmark = pytest.mark.postgresql

CPH = ZoneInfo("Europe/Copenhagen")
UNIT = "999borgerservice"


@pytest.fixture
def login(pg_server, pg_admin, pg_database):
    """``login(role)``: a URL for a new login that is a member of ``role`` (or of none)."""
    dbname = conninfo_to_dict(pg_database)["dbname"]

    def make(member_of: str | None) -> str:
        name = f"login_{uuid.uuid4().hex[:10]}"
        pg_admin.execute(f"CREATE ROLE {name} LOGIN" + (f" IN ROLE {member_of}" if member_of else ""))
        return pg_server.url(dbname, user=name)

    return make


def entry(config, **overrides):
    fields = dict(enhed=UNIT, opgave="23.05.10", kanal="PRSNLG", type="OPRET",
                  end=datetime(2026, 10, 21, 10, 30, tzinfo=CPH))
    fields.update(overrides)
    return new_entry(config, **fields)


def test_staff_registers_undoes_and_reads_the_screen(login, config, clock, pg_database):
    with open_store(login(roles.STAFF), station="kiosk1", operator="anna", clock=clock) as store:
        [a] = store.record(entry(config))
        [b] = store.record(entry(config))
        assert [r.id for r in store.undo_last(station="kiosk1")] == [b]
        store.void([a], "DUBLET")
        assert store.count_day(UNIT, date(2026, 10, 21), CPH) == 0
        assert [r.id for r in store.latest(station="kiosk1")] == [b, a]
        assert store.export_covering("2026-10-21T08:30:00.000000Z", UNIT, "Taelleuge") is None
    assert dbrows.count(pg_database, "voids") == 2


def test_staff_can_neither_read_nor_write_imports(login, config, clock, pg_database):
    with open_store(login(roles.STAFF), station="kiosk1", operator="anna", clock=clock) as store:
        with pytest.raises(ReadOnlyDatabase) as refused:
            store.find_import(sha256="x")
        assert roles.COORDINATOR in str(refused.value) and refused.value.code == "42501"
        assert refused.value.short == "databasebrugeren mangler rettigheder: kontakt IT"
        with store.import_batch() as batch:  # staging is the session's own TEMP table
            batch.add([("999", "X", UNIT, "23.05.10", "PRSNLG", "OPRET", "STRAKS", "NEJ", None,
                        "2026-10-21T08:30:00.000000Z", 0, "Import", "{}")])
            with pytest.raises(ReadOnlyDatabase):
                batch.commit(sha256="a", content_sha256="b", file_name="f.csv", layout="raadata",
                             encoding="utf-8", datakilde="Import", station="s", operator="anna")
        store.record(entry(config))  # the connection is still good after the refusals
    assert dbrows.count(pg_database, "imports") == 0
    assert dbrows.count(pg_database) == 1


def test_staff_cannot_change_rows_even_without_the_triggers(login):
    url = login(roles.STAFF)
    with psycopg.connect(url, autocommit=True) as conn, pytest.raises(psycopg.Error) as refused:
        conn.execute("UPDATE registrations SET station = 'x'")
    assert refused.value.sqlstate == "42501"  # no UPDATE privilege at all


def test_coordinator_imports_and_logs_exports(login, config, clock, pg_database):
    with open_store(login(roles.COORDINATOR), station="cli", operator="tove", clock=clock) as store:
        with store.import_batch() as batch:
            batch.add([("999", "X", UNIT, "23.05.10", "PRSNLG", "OPRET", "STRAKS", "NEJ", None,
                        "2026-10-21T08:30:00.000000Z", 0, "Import", "{}")])
            record = batch.commit(sha256="a", content_sha256="b", file_name="f.csv",
                                  layout="raadata", encoding="utf-8", datakilde="Import",
                                  station="cli", operator="tove")
        assert store.find_import(sha256="a").id == record.id
        store.record_export(kind="landkort-upload", first=date(2026, 10, 19), last=date(2026, 10, 25),
                            start_utc="2026-10-18T22:00:00.000000Z", end_utc="2026-10-25T23:00:00.000000Z",
                            units=(), sources=(), rows=1, sha256="h", file_name="u.csv",
                            now=clock())
    assert dbrows.count(pg_database, "exports") == 1


def test_a_login_without_a_role_reads_nothing(login):
    with pytest.raises(ReadOnlyDatabase):
        open_store(login(None), station="s", operator="o")


def test_doctor_names_the_logins_roles(login):
    with psycopg.connect(login(roles.STAFF)) as conn:
        assert roles.login_roles(conn) == [roles.STAFF]
    with psycopg.connect(login(roles.COORDINATOR)) as conn:
        assert roles.login_roles(conn) == [roles.COORDINATOR, roles.STAFF]
    with psycopg.connect(login(None)) as conn:
        assert roles.login_roles(conn) == []


def test_init_without_the_right_to_grant_prints_the_sql_for_the_dba(login, clock, pg_database):
    dbrows.execute(pg_database, f"REVOKE INSERT ON exports FROM {roles.COORDINATOR}")
    with open_store(login(roles.COORDINATOR), station="cli", operator="tove", clock=clock) as store:
        setup = admin.setup_roles(store)
        lines = admin.init_lines(store)
    assert setup.roles_exist and not setup.granted and not setup.done
    assert "CREATE ROLE taelleuge_staff NOLOGIN" in setup.dba_sql
    assert "GRANT INSERT ON registrations, voids TO taelleuge_staff" in setup.dba_sql
    assert any("Bed en DBA" in line for line in lines)
    assert lines[-1] == setup.dba_sql
    assert dbrows.query(pg_database, "SELECT has_table_privilege(?, 'exports', 'INSERT')",
                        (roles.COORDINATOR,)) == [(False,)]  # a non-owner's GRANT only warned


def test_init_as_superuser_creates_roles_and_grants(pg_empty_database, clock):
    with open_store(pg_empty_database, station="cli", operator="tove", clock=clock, create=True) as store:
        assert admin.setup_roles(store).done
    grants = dbrows.query(
        pg_empty_database,
        "SELECT privilege_type FROM information_schema.role_table_grants "
        "WHERE grantee = ? AND table_name = 'imports' ORDER BY 1", (roles.COORDINATOR,))
    assert grants == [("INSERT",), ("SELECT",)]
    assert dbrows.query(pg_empty_database, "SELECT has_table_privilege(?, 'imports', 'SELECT')",
                        (roles.STAFF,)) == [(False,)]


def test_a_staff_login_cannot_set_up_the_schema_and_is_told_who_can(pg_server, pg_admin, pg_empty_database):
    dbname = conninfo_to_dict(pg_empty_database)["dbname"]
    name = f"login_{uuid.uuid4().hex[:10]}"
    pg_admin.execute(f"CREATE ROLE {name} LOGIN IN ROLE {roles.STAFF}")
    with pytest.raises(ReadOnlyDatabase) as refused:
        open_store(pg_server.url(dbname, user=name), station="s", operator="o", create=True)
    assert f"Databasebrugeren {name} må ikke oprette" in str(refused.value)
    assert "kør taelleuge init som det login" in str(refused.value)
    assert dbrows.query(pg_empty_database, "SELECT to_regclass('taelleuge_migrations')") == [(None,)]


def test_commits_are_durable_whatever_the_role_default_says(login, pg_admin):
    url = login(roles.STAFF)
    user = conninfo_to_dict(url)["user"]
    pg_admin.execute(f"ALTER ROLE {user} SET synchronous_commit = off")
    with psycopg.connect(url) as plain:
        assert plain.execute("SHOW synchronous_commit").fetchone()[0] == "off"
    with open_store(url, station="s", operator="o") as store:
        setting = store._call(lambda conn: conn.execute("SHOW synchronous_commit").fetchone()[0],
                              retry=False)
    assert setting == "on"


def test_staff_void_and_restore_only_their_own_desks_rows(login, config, clock, pg_database):
    """The server holds staff to what the desk does (roles.STAFF_POLICY): a staff login, even at
    a psql prompt, cannot void or restore another station's or operator's row, nor write an
    imported one. The coordinator may."""
    with open_store(pg_database, station="kiosk9", operator="bo", clock=clock) as other:
        [theirs] = other.record(entry(config))
        [voided] = other.record(entry(config))
        other.void([voided], "DUBLET")
    url = login(roles.STAFF)
    for station, operator in (("kiosk1", "anna"), ("kiosk9", "anna"), ("kiosk1", "bo")):
        with open_store(url, station=station, operator=operator, clock=clock) as store:
            with pytest.raises(ReadOnlyDatabase) as refused:
                store.void([theirs], "DUBLET")
            assert refused.value.code == roles.STAFF_OWN_ROWS
            assert refused.value.short == "kun egne registreringer fra denne skærm; tovholderen retter resten"
            with pytest.raises(ReadOnlyDatabase):
                store.restore([voided])
    dbrows.execute(pg_database, "INSERT INTO imports VALUES ('imp', 'a', 'b', 'f.csv', 'raadata', "
                                "'utf-8', 1, 'Import', 's', 'tove', '2026-10-21T08:30:00.000000Z')")
    with psycopg.connect(url, autocommit=True) as conn, pytest.raises(psycopg.Error) as refused:
        conn.execute(
            "INSERT INTO registrations (id, kommune_nr, kommune_navn, enhed, opgave, kanal, end_utc, "
            "datakilde, station, operator, created_utc, import_id) SELECT 'x', kommune_nr, "
            "kommune_navn, enhed, opgave, kanal, end_utc, datakilde, station, operator, created_utc, "
            "'imp' FROM registrations WHERE id = %s", (theirs,))
    assert refused.value.sqlstate == roles.STAFF_OWN_ROWS
    assert dbrows.count(pg_database, "voids") == 1
    with open_store(url, station="kiosk9", operator="bo", clock=clock) as same_desk:
        same_desk.restore([voided])
        same_desk.void([theirs], "FORTRUDT")
    with open_store(login(roles.COORDINATOR), station="cli", operator="tove", clock=clock) as store:
        [mine] = store.record(entry(config))
    with open_store(login(roles.COORDINATOR), station="cli2", operator="tove", clock=clock) as store:
        store.void([mine], "DUBLET")  # the coordinator corrects any desk's row
    assert dbrows.count(pg_database, "voids") == 3


def test_who_is_the_coordinator_in_the_database(login, pg_server, pg_admin, pg_empty_database):
    for member_of, expected in ((roles.STAFF, False), (roles.COORDINATOR, True), (None, False)):
        with psycopg.connect(login(member_of)) as conn:
            assert roles.is_coordinator(conn)[1] is expected, member_of
    # Before init, the database's owner (who will own the tables) is; not after another made them.
    dbname = conninfo_to_dict(pg_empty_database)["dbname"]
    owner = f"login_{uuid.uuid4().hex[:10]}"
    pg_admin.execute(f"CREATE ROLE {owner} LOGIN")
    pg_admin.execute(f"ALTER DATABASE {dbname} OWNER TO {owner}")
    with psycopg.connect(pg_server.url(dbname, user=owner)) as conn:
        assert roles.is_coordinator(conn) == (owner, True)
    with psycopg.connect(pg_empty_database, autocommit=True) as conn:
        conn.execute("CREATE TABLE registrations (id text)")
    with psycopg.connect(pg_server.url(dbname, user=owner)) as conn:
        assert roles.is_coordinator(conn) == (owner, False)


def test_grants_are_not_in_place_without_the_staff_policy(pg_database):
    dbrows.execute(pg_database, "DROP TRIGGER voids_staff_own_rows ON voids")
    with psycopg.connect(pg_database) as conn:
        assert not roles.grants_in_place(conn)


def test_doctor_flags_a_database_without_the_staff_policy(pg_database, config, clock):
    from storage.doctor import doctor

    assert not [p for p in doctor(config, pg_database, date(2026, 10, 21)).problems if "grænse" in p]
    dbrows.execute(pg_database, "DROP TRIGGER registrations_staff_own_rows ON registrations")
    problems = doctor(config, pg_database, date(2026, 10, 21)).problems
    assert any("personalets grænse" in p and "taelleuge init" in p for p in problems), problems
