"""The coordinator/staff split as database roles.

``taelleuge_staff``: registers and undoes (INSERT on registrations and voids) and reads what the
registration screen and ``registrer`` need. ``taelleuge_coordinator``: member of staff, plus the
imports and the export log (import, eksport, restore of imported rows). Both are NOLOGIN group
roles; a DBA gives them to the logins (``GRANT taelleuge_staff TO kiosk1``).

The application's coordinator commands (storage.roles) ask the server the same question
(``is_coordinator``): a login is the coordinator when it may use ``taelleuge_coordinator``'s or the
tables' owner's rights, or is a superuser. Staff's INSERT on voids and registrations is further
held by a trigger (``STAFF_POLICY``) to what the desk does: void or restore a row of its own
station and operator that was not imported, never write an imported row. Someone with a staff
login and a psql prompt can still name another station's rows, since station and operator are
what the client says: a desk per login (not per person) is what the database can tell apart.

The roles are cluster-wide and need CREATEROLE (or a superuser); the grants need the tables'
owner (the login that ran ``taelleuge init``). ``init`` does both when it may and otherwise prints
the SQL for the DBA.
"""

from __future__ import annotations

STAFF = "taelleuge_staff"
COORDINATOR = "taelleuge_coordinator"
STAFF_OWN_ROWS = "TL003"  # SQLSTATE of STAFF_POLICY's refusal (storage.postgres.translate)

CREATE_ROLES = f"""\
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{STAFF}') THEN
    CREATE ROLE {STAFF} NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{COORDINATOR}') THEN
    CREATE ROLE {COORDINATOR} NOLOGIN;
  END IF;
END $$;
GRANT {STAFF} TO {COORDINATOR};"""

# What each role may do, table by table. Staff may not read imports: the screen never needs
# them, and an import's file names belong to the coordinator.
PRIVILEGES = [
    (STAFF, "SELECT", ("taelleuge_migrations", "registrations", "voids", "exports")),
    (STAFF, "INSERT", ("registrations", "voids")),
    (COORDINATOR, "SELECT", ("imports", "exports")),
    (COORDINATOR, "INSERT", ("imports", "exports")),
]

# Whether the current login may use the coordinator's rights: a superuser, a member (with
# inherited rights: 'USAGE', not just 'MEMBER', as the app uses the login's own rights without SET
# ROLE) of the coordinator role or of the tables' owner; before the tables exist, the database's
# owner (who will own them after init). Roles that do not exist yet count as not held.
_HAS = "CASE WHEN {role} IS NULL THEN false ELSE pg_has_role(current_user, {role}, 'USAGE') END"
_COORDINATOR_ROLE = f"(SELECT oid FROM pg_roles WHERE rolname = '{COORDINATOR}')"
_TABLE_OWNER = "(SELECT relowner FROM pg_class WHERE oid = to_regclass('registrations'))"
IS_COORDINATOR = (
    "SELECT r.rolsuper"
    f" OR {_HAS.format(role=_COORDINATOR_ROLE)}"
    f" OR {_HAS.format(role=_TABLE_OWNER)}"
    f" OR ({_TABLE_OWNER} IS NULL AND pg_has_role(current_user, d.datdba, 'USAGE'))"
    " FROM pg_roles r, pg_database d"
    " WHERE r.rolname = current_user AND d.datname = current_database()"
)


def is_coordinator(conn) -> tuple[str, bool]:
    """The login's name, and whether it is the coordinator on this database."""
    user = conn.execute("SELECT current_user").fetchone()[0]
    row = conn.execute(IS_COORDINATOR).fetchone()
    return user, bool(row and row[0])


def server_coordinator(url: str) -> tuple[str, bool]:
    """``is_coordinator`` on a connection of its own; psycopg errors leave as typed errors."""
    import psycopg

    from . import connect as pgconnect
    from .translate import translate

    try:
        with pgconnect.connect(url) as conn:
            return is_coordinator(conn)
    except psycopg.Error as error:
        raise translate(error, pgconnect.describe(url), pgconnect.settings(url).get("user", "")) from None


# The desk's limits for a login without the coordinator's rights, enforced by the server: a void
# or a restore only of a row of the same station and operator that was not imported; no row with
# an import_id. Once per statement over its new rows (a transition table), so a bulk import pays
# one check, and the coordinator test runs only when a row is not the desk's own. search_path is
# pinned (pg_temp last) so a login's TEMP table cannot stand in for the real one.
_POLICY_FUNCTION = "taelleuge_staff_own_rows"
_COORDINATOR_TEST = IS_COORDINATOR.replace("SELECT ", "SELECT (", 1).replace(
    " FROM pg_roles r", ") FROM pg_roles r", 1)
_OWN = ("EXISTS (SELECT 1 FROM registrations r WHERE r.id = n.{column} AND r.station = n.station "
        "AND r.operator = n.operator AND r.import_id IS NULL)")
STAFF_POLICY = [
    f"CREATE OR REPLACE FUNCTION {_POLICY_FUNCTION}() RETURNS trigger LANGUAGE plpgsql "
    "SET search_path = public, pg_temp AS $$ "
    "DECLARE foreign_rows boolean; "
    "BEGIN "
    "  IF TG_TABLE_NAME = 'voids' THEN "
    f"    foreign_rows := EXISTS (SELECT 1 FROM added n WHERE NOT {_OWN.format(column='registration_id')}); "
    "  ELSE "
    "    foreign_rows := EXISTS (SELECT 1 FROM added n WHERE n.import_id IS NOT NULL "
    f"      OR (n.replaces IS NOT NULL AND NOT {_OWN.format(column='replaces')})); "
    "  END IF; "
    "  IF foreign_rows THEN "
    f"    IF NOT coalesce(({_COORDINATOR_TEST}), false) THEN "
    "      RAISE EXCEPTION 'staff void or restore only their own station''s rows, never imported ones' "
    f"        USING ERRCODE = '{STAFF_OWN_ROWS}'; "
    "    END IF; "
    "  END IF; "
    "  RETURN NULL; "
    "END $$",
] + [
    statement
    for table in ("voids", "registrations")
    for statement in (
        f"DROP TRIGGER IF EXISTS {table}_staff_own_rows ON {table}",
        f"CREATE TRIGGER {table}_staff_own_rows AFTER INSERT ON {table} "
        f"REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION {_POLICY_FUNCTION}()",
    )
]

# Run by the tables' owner after every migration (idempotent).
GRANTS = [f"GRANT USAGE ON SCHEMA public TO {STAFF}"] + [
    f"GRANT {privilege} ON {', '.join(tables)} TO {role}" for role, privilege, tables in PRIVILEGES
] + STAFF_POLICY


def grants_in_place(conn) -> bool:
    """Whether every grant holds (a GRANT by a non-owner only warns, so check the result)."""
    checks = [("has_schema_privilege(%s, 'public', 'USAGE')", (STAFF,))] + [
        ("has_table_privilege(%s, %s, %s)", (role, table, privilege))
        for role, privilege, tables in PRIVILEGES for table in tables
    ]
    checks += [("(SELECT count(*) = 2 FROM pg_trigger WHERE tgenabled <> 'D' AND "
                "(tgrelid, tgname) IN ((to_regclass('voids'), 'voids_staff_own_rows'), "
                "(to_regclass('registrations'), 'registrations_staff_own_rows')))", ())]
    sql = "SELECT " + " AND ".join(check for check, _ in checks)
    return conn.execute(sql, [arg for _, args in checks for arg in args]).fetchone()[0]


def grants_sql() -> str:
    return ";\n".join(GRANTS) + ";"


def dba_sql(dbname: str) -> str:
    """What a DBA runs when ``init``'s login may not create roles or grant."""
    return (
        f"-- som superbruger (eller en bruger med CREATEROLE):\n{CREATE_ROLES}\n"
        f"-- som ejeren af tabellerne, i databasen {dbname}:\n{grants_sql()}\n"
        f"-- og for hver login, fx:\n"
        f"-- CREATE ROLE kiosk1 LOGIN IN ROLE {STAFF};\n"
        f"-- CREATE ROLE tovholder LOGIN IN ROLE {COORDINATOR};"
    )


def roles_exist(conn) -> bool:
    found = conn.execute(
        "SELECT count(*) FROM pg_roles WHERE rolname IN (%s, %s)", (STAFF, COORDINATOR)
    ).fetchone()[0]
    return found == 2


def login_roles(conn) -> list[str]:
    """Which of the two roles the current login has (through membership), plus owner/superuser."""
    member = "CASE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = %s) " \
             "THEN pg_has_role(current_user, %s, 'USAGE') ELSE false END"
    superuser, owner, staff, coordinator = conn.execute(
        "SELECT r.rolsuper, coalesce(pg_has_role(current_user, (SELECT relowner FROM pg_class "
        f"WHERE oid = to_regclass('registrations')), 'USAGE'), false), {member}, {member} "
        "FROM pg_roles r WHERE r.rolname = current_user",
        (STAFF, STAFF, COORDINATOR, COORDINATOR),
    ).fetchone()
    found = []
    if superuser:
        found.append("superbruger")
    if owner:
        found.append("ejer af tabellerne")
    if coordinator:
        found.append(COORDINATOR)
    if staff:
        found.append(STAFF)
    return found
