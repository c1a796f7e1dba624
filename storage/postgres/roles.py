"""The coordinator/staff split as database roles.

``taelleuge_staff``: registers and undoes (INSERT on registrations and voids) and reads what the
registration screen and ``registrer`` need. ``taelleuge_coordinator``: member of staff, plus the
imports and the export log (import, eksport, restore of imported rows). Both are NOLOGIN group
roles; a DBA gives them to the logins (``GRANT taelleuge_staff TO kiosk1``).

The roles are cluster-wide and need CREATEROLE (or a superuser); the grants need the tables'
owner (the login that ran ``taelleuge init``). ``init`` does both when it may and otherwise prints
the SQL for the DBA.
"""

from __future__ import annotations

STAFF = "taelleuge_staff"
COORDINATOR = "taelleuge_coordinator"

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
# Run by the tables' owner after every migration (idempotent).
GRANTS = [f"GRANT USAGE ON SCHEMA public TO {STAFF}"] + [
    f"GRANT {privilege} ON {', '.join(tables)} TO {role}" for role, privilege, tables in PRIVILEGES
]


def grants_in_place(conn) -> bool:
    """Whether every grant holds (a GRANT by a non-owner only warns, so check the result)."""
    checks = [("has_schema_privilege(%s, 'public', 'USAGE')", (STAFF,))] + [
        ("has_table_privilege(%s, %s, %s)", (role, table, privilege))
        for role, privilege, tables in PRIVILEGES for table in tables
    ]
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
