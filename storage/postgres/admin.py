"""``taelleuge init`` and ``taelleuge doctor`` on a PostgreSQL server.

init: apply the migrations (PgStore does), then create the two roles and grant them on the tables
when this login may; otherwise print the SQL for the DBA. doctor: server version, schema version,
row counts, the connection settings without the password, and which roles the login has.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from ..errors import TaelleugeError
from . import connect as pgconnect
from . import roles, schema
from .translate import translate


@dataclass(frozen=True)
class RoleSetup:
    roles_exist: bool
    granted: bool
    dba_sql: str  # what a DBA runs when this login could not do both

    @property
    def done(self) -> bool:
        return self.roles_exist and self.granted


def setup_roles(store) -> RoleSetup:
    """Create the roles (needs CREATEROLE) and grant them (needs the tables' owner), as far as
    this login may. Never fails for lack of rights: says what is left for the DBA."""

    def work(conn: psycopg.Connection) -> RoleSetup:
        try:
            with conn.transaction():
                conn.execute(roles.CREATE_ROLES)
        except psycopg.errors.InsufficientPrivilege:
            pass
        exist = roles.roles_exist(conn)
        granted = exist and roles.grants_in_place(conn)
        # Only when something is missing: the staff trigger's DROP/CREATE TRIGGER takes a lock on
        # registrations that would hold every desk's commit while a busy database is re-granted.
        if exist and not granted:
            try:
                with conn.transaction():
                    for grant in roles.GRANTS:
                        conn.execute(grant)
            except psycopg.errors.InsufficientPrivilege:
                pass
            granted = roles.grants_in_place(conn)
        dbname = conn.info.dbname
        return RoleSetup(exist, granted, roles.dba_sql(dbname))

    return store._call(work, retry=False)


def connection_line(url: str) -> str:
    secret = " (adgangskode i adressen: vises ikke; brug hellere ~/.pgpass)" \
        if pgconnect.has_password(url) else ""
    return pgconnect.describe(url) + secret


def server_facts(conn: psycopg.Connection) -> dict[str, str]:
    version = conn.execute("SHOW server_version").fetchone()[0]
    user, db = conn.execute("SELECT current_user, current_database()").fetchone()
    durable = conn.execute("SHOW synchronous_commit").fetchone()[0]
    return {"version": version, "user": user, "database": db, "synchronous_commit": durable}


def doctor_database(report, url: str) -> None:
    """The database part of ``taelleuge doctor`` (storage.doctor.Report) for a server URL."""
    from .store import PgStore

    report.add("Database", "PostgreSQL")
    try:
        report.add("Forbindelse", connection_line(url))
    except TaelleugeError as error:
        report.problems.append(str(error))
        return
    shown = pgconnect.describe(url)
    try:
        with pgconnect.connect(url) as conn:
            facts = server_facts(conn)
            status = schema.status(conn)
            has = roles.login_roles(conn)
            _, coordinator = roles.is_coordinator(conn)
            in_place = roles.roles_exist(conn) and not status.pending and not status.foreign_tables \
                and roles.grants_in_place(conn)
    except psycopg.Error as error:
        report.problems.append(str(translate(error, shown)))
        return
    report.add("Server", f"PostgreSQL {facts['version']} (synchronous_commit {facts['synchronous_commit']})")
    report.add("Login", f"{facts['user']}: {', '.join(has) or 'ingen Tælleuge-rolle'}")
    report.add("", "  tovholder i databasen: ja (eksport, import, rettelser)" if coordinator else
               "  tovholder i databasen: nej (personale: registrere og fortryde egne)")
    if not has:
        report.problems.append(
            f"Databasebrugeren {facts['user']} har hverken rollen {roles.STAFF} eller "
            f"{roles.COORDINATOR}. En DBA giver den med fx: GRANT {roles.STAFF} TO \"{facts['user']}\";"
        )
    if status.foreign_tables:
        report.problems.append(
            f"Databasen {facts['database']} har andre tabeller ({', '.join(status.foreign_tables)}) "
            "og ingen Tælleuge-skemaversion: brug en tom database til Tælleuge."
        )
        return
    report.add("Skema", f"version {status.version} ({', '.join(status.applied) or 'tomt'})")
    if status.pending:
        report.problems.append(f"Skemaet mangler {', '.join(status.pending)}. Kør: taelleuge init")
        return
    if not in_place:
        report.problems.append(
            f"Rollerne {roles.STAFF} og {roles.COORDINATOR} mangler, eller mangler deres rettigheder "
            "eller personalets grænse (kun egne registreringer kan annulleres). Kør taelleuge init "
            "som tabellernes ejer; init viser SQL'en til en DBA, hvis det login ikke må.")
    try:
        with PgStore(url, station="doctor", operator="doctor", migrate=False, create=False) as store:
            totals = store.totals()
            by_unit = store.totals_by_unit()
    except TaelleugeError as error:
        report.problems.append(str(error))
        return
    report.add("Rækker", ", ".join(f"{k} {v}" for k, v in totals.items()))
    for unit, n in by_unit.items():
        report.add("", f"  {unit or '(uden enhed)'}: {n}")


def init_lines(store) -> list[str]:
    """What ``taelleuge init`` prints for a server, after the store applied the migrations."""
    status = store.schema_status()
    facts = store._call(server_facts, retry=True)
    news = f"anvendt nu: {', '.join(store.migrated)}" if store.migrated else "var allerede opdateret"
    lines = [
        f"Database: PostgreSQL {connection_line(store.path)} "
        f"({'skema oprettet' if store.created else 'fandtes'})",
        f"Server: PostgreSQL {facts['version']}, login {facts['user']}",
        f"Skema: version {status.version} ({news})",
    ]
    return lines + role_lines(setup_roles(store))


def role_lines(setup: RoleSetup) -> list[str]:
    """The roles' part of the report of ``init`` (and ``flyt``, which sets them up too)."""
    if setup.done:
        return [f"Roller: {roles.STAFF} og {roles.COORDINATOR} findes og har deres rettigheder"]
    return ["Roller: dette login må ikke oprette roller eller give rettigheder. "
            "Bed en DBA køre følgende, og kør så taelleuge init igen:", setup.dba_sql]
