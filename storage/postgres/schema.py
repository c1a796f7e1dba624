"""The PostgreSQL schema: the SQLite engine's migrations (storage.sqlite.schema), one for one, by name.

Same tables, columns and rules: TEXT stays text (times are the same fixed-width ISO-8601 UTC text,
so comparing and ordering them is comparing text) and every text column uses the "C" collation,
so ordering and ranges are byte order, as in SQLite, whatever the database's locale. The flags
stay smallint 0/1 so a row reads back exactly as from SQLite. New here: ``seq``, an identity
column on registrations and voids that "latest" is ordered by.

Applied in order, recorded in ``taelleuge_migrations``, in one transaction under a
transaction-level advisory lock: ten logins starting at once migrate exactly once (the others
wait, then find nothing pending). Append a function for every change; never edit an applied one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import interface
from ..sqlite.schema import MIGRATION_NAMES as SQLITE_NAMES
from .translate import APPEND_ONLY, VOID_FACTS

VERSION_TABLE = "taelleuge_migrations"
LOCK_CLASS = 1414284615  # 'TLEG': the first key of every advisory lock Tælleuge takes
MIGRATION_LOCK = (LOCK_CLASS, 1)

T = 'text COLLATE "C"'  # byte order, as SQLite's BINARY collation


def _append_only(cur, table: str) -> None:
    """Refuse UPDATE and DELETE (per row) and TRUNCATE (per statement), for everyone."""
    cur.execute(
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION taelleuge_append_only()"
    )
    cur.execute(
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION taelleuge_append_only()"
    )
    cur.execute(
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION taelleuge_append_only()"
    )


def m001_registrations(cur) -> None:
    cur.execute(
        "CREATE FUNCTION taelleuge_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = '{APPEND_ONLY}'; "
        "END $$"
    )
    cur.execute(
        f"""
        CREATE TABLE registrations (
            seq           bigint GENERATED ALWAYS AS IDENTITY UNIQUE,  -- "latest", never ctid
            id            {T} PRIMARY KEY,             -- UUID; a retried write is a no-op
            kommune_nr    {T} NOT NULL,
            kommune_navn  {T} NOT NULL,
            enhed         {T} NOT NULL,                -- '' only on imported rows (WEB)
            opgave        {T} NOT NULL CHECK (opgave ~ '^[0-9][0-9][.][0-9][0-9][.][0-9][0-9]$'),
            kanal         {T} NOT NULL,
            type          {T},                         -- NULL where it does not apply
            afslutning    {T},
            blanket       {T},
            start_utc     {T},                         -- first key of the entry
            end_utc       {T} NOT NULL,                -- commit; the Landkort's Dato
            date_only     smallint NOT NULL DEFAULT 0 CHECK (date_only IN (0, 1)),
            datakilde     {T} NOT NULL,
            station       {T} NOT NULL,
            operator      {T} NOT NULL,                -- OS user, for the audit trail
            answers       {T} NOT NULL DEFAULT '{{}}',  -- local questions: JSON {{question: fixed answer}}
            trial         smallint NOT NULL DEFAULT 0 CHECK (trial IN (0, 1)),
            batch_id      {T},                         -- shared by the rows of one "N times" entry
            replaces      {T} REFERENCES registrations(id),  -- restore of a voided row
            created_utc   {T} NOT NULL
        )
        """
    )
    cur.execute(
        f"""
        CREATE TABLE voids (
            seq              bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
            id               {T} PRIMARY KEY,
            registration_id  {T} NOT NULL UNIQUE REFERENCES registrations(id),
            reason           {T} NOT NULL,            -- a code from VOID_REASONS, never free text
            station          {T} NOT NULL,
            operator         {T} NOT NULL,
            created_utc      {T} NOT NULL
        )
        """
    )
    cur.execute(
        "CREATE INDEX registrations_unit_time ON registrations (enhed, trial, end_utc, type, kanal)"
    )
    cur.execute("CREATE INDEX registrations_time ON registrations (end_utc, seq)")
    # "This station's / unit's latest": the index is in seq order within the key.
    cur.execute("CREATE INDEX registrations_station ON registrations (station, seq)")
    cur.execute("CREATE INDEX registrations_unit ON registrations (enhed, seq)")
    cur.execute(
        "CREATE INDEX registrations_batch ON registrations (batch_id) WHERE batch_id IS NOT NULL"
    )
    for table in ("registrations", "voids"):
        _append_only(cur, table)


def m002_imports(cur) -> None:
    cur.execute(
        f"""
        CREATE TABLE imports (
            id              {T} PRIMARY KEY,
            sha256          {T} NOT NULL UNIQUE,        -- of the file's bytes
            content_sha256  {T} NOT NULL UNIQUE,        -- of its decoded lines, without line ends
            file_name       {T} NOT NULL,               -- base name only
            layout          {T} NOT NULL CHECK (layout IN ('raadata', 'upload')),
            encoding        {T} NOT NULL,
            row_count       integer NOT NULL CHECK (row_count > 0),
            datakilde       {T} NOT NULL,
            station         {T} NOT NULL,
            operator        {T} NOT NULL,
            created_utc     {T} NOT NULL
        )
        """
    )
    cur.execute(f"ALTER TABLE registrations ADD COLUMN import_id {T} REFERENCES imports(id)")
    _append_only(cur, "imports")


def m003_void_facts(cur) -> None:
    """Copy the counted facts of a voided row onto its void (see the SQLite migration of the same
    name); a trigger refuses a void whose copy does not match."""
    for column, kind in (("enhed", T), ("trial", "smallint"), ("end_utc", T), ("type", T),
                         ("kanal", T)):
        cur.execute(f"ALTER TABLE voids ADD COLUMN {column} {kind}")
    cur.execute("ALTER TABLE voids DISABLE TRIGGER voids_no_update")
    cur.execute(
        "UPDATE voids SET (enhed, trial, end_utc, type, kanal) = (SELECT r.enhed, r.trial, "
        "r.end_utc, r.type, r.kanal FROM registrations r WHERE r.id = voids.registration_id)"
    )
    cur.execute("ALTER TABLE voids ENABLE TRIGGER voids_no_update")
    # search_path pinned, pg_temp last: a login's own TEMP table named "registrations" must not
    # stand in for the real one inside the check.
    schema = cur.execute("SELECT current_schema()").fetchone()[0]
    cur.execute(
        "CREATE FUNCTION taelleuge_void_facts_match() RETURNS trigger LANGUAGE plpgsql "
        f'SET search_path = "{schema}", pg_temp AS $$ '
        "BEGIN "
        "  IF NOT EXISTS (SELECT 1 FROM registrations r WHERE r.id = NEW.registration_id "
        "    AND r.enhed IS NOT DISTINCT FROM NEW.enhed AND r.trial IS NOT DISTINCT FROM NEW.trial "
        "    AND r.end_utc IS NOT DISTINCT FROM NEW.end_utc AND r.type IS NOT DISTINCT FROM NEW.type "
        "    AND r.kanal IS NOT DISTINCT FROM NEW.kanal) THEN "
        "    RAISE EXCEPTION 'a void must copy its registration''s counted facts' "
        f"      USING ERRCODE = '{VOID_FACTS}'; "
        "  END IF; "
        "  RETURN NEW; "
        "END $$"
    )
    cur.execute(
        "CREATE TRIGGER voids_facts_match BEFORE INSERT ON voids "
        "FOR EACH ROW EXECUTE FUNCTION taelleuge_void_facts_match()"
    )
    cur.execute("CREATE INDEX voids_unit_time ON voids (enhed, trial, end_utc, type, kanal)")
    # A row is restored at most once: a second restore racing the first fails here, as a Refusal.
    cur.execute(
        "CREATE UNIQUE INDEX registrations_replaces ON registrations (replaces) "
        "WHERE replaces IS NOT NULL"
    )


def m004_exports(cur) -> None:
    cur.execute(
        f"""
        CREATE TABLE exports (
            id           {T} PRIMARY KEY,
            kind         {T} NOT NULL CHECK (kind IN ('landkort-upload', 'landkort-raadata')),
            first_day    {T} NOT NULL,
            last_day     {T} NOT NULL,
            start_utc    {T} NOT NULL,
            end_utc      {T} NOT NULL,
            units        {T} NOT NULL DEFAULT '[]',
            sources      {T} NOT NULL DEFAULT '[]',
            row_count    integer NOT NULL CHECK (row_count >= 0),
            sha256       {T} NOT NULL,
            file_name    {T} NOT NULL,
            station      {T} NOT NULL,
            operator     {T} NOT NULL,
            created_utc  {T} NOT NULL
        )
        """
    )
    cur.execute("CREATE INDEX exports_range ON exports (start_utc, end_utc)")
    _append_only(cur, "exports")


def m005_seq(cur) -> None:
    """The SQLite engine's explicit sequence: PostgreSQL has had ``seq`` (an identity column,
    with its indexes) since m001, so nothing to do; kept so the two lists match one for one."""


def m006_imports_index(cur) -> None:
    """An import's rows found by ``import_id`` (undo_import, the import list); see the SQLite
    migration of the same name, also for why ``registrations_unit`` (enhed, seq) stays."""
    cur.execute(
        "CREATE INDEX registrations_import ON registrations (import_id) WHERE import_id IS NOT NULL"
    )


def m007_import_hash_not_unique(cur) -> None:
    """An undone import no longer blocks the same file (see the SQLite migration of the same
    name): the UNIQUE constraints go, plain indexes take their place."""
    for column in ("sha256", "content_sha256"):
        cur.execute(f"ALTER TABLE imports DROP CONSTRAINT imports_{column}_key")
        cur.execute(f"CREATE INDEX imports_{column} ON imports ({column})")


# A stored moment, exactly as storage.timeutil.STORED_FORMAT writes it.
STORED_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[.][0-9]{6}Z$"


def m008_row_formats(cur) -> None:
    """See the SQLite migration of the same name: a login with INSERT rights (staff) must not be
    able to add a row that breaks every later list, history and export of its week. NOT VALID:
    rows already stored were written by the program; new rows are checked."""
    from ..registration import VOID_REASONS

    def moment(col: str) -> str:
        return f"{col} ~ '{STORED_PATTERN}'"

    # A json cast that fails raises (the INSERT is refused all the same, with the parser's
    # message); jsonb_typeof catches valid JSON that is not an object.
    cur.execute(
        "ALTER TABLE registrations ADD CONSTRAINT registrations_formats CHECK ("
        f"{moment('end_utc')} AND {moment('created_utc')} AND "
        f"(start_utc IS NULL OR {moment('start_utc')}) AND "
        "jsonb_typeof(answers::jsonb) = 'object') NOT VALID"
    )
    reasons = ", ".join(f"'{r}'" for r in sorted(VOID_REASONS))
    cur.execute(
        "ALTER TABLE voids ADD CONSTRAINT voids_formats CHECK ("
        f"{moment('created_utc')} AND reason IN ({reasons})) NOT VALID"
    )


MIGRATIONS = [m001_registrations, m002_imports, m003_void_facts, m004_exports, m005_seq,
              m006_imports_index, m007_import_hash_not_unique, m008_row_formats]
MIGRATION_NAMES = [m.__name__ for m in MIGRATIONS]
assert MIGRATION_NAMES == SQLITE_NAMES, "the engines' migrations must match one for one"


@dataclass(frozen=True)
class SchemaStatus(interface.SchemaStatus):
    # Tables of someone else in a database without our version table.
    foreign_tables: list[str] = field(default_factory=list)


def status(conn) -> SchemaStatus:
    """Which migrations are applied, read without writing anything.

    Whether the version table exists and which other tables there are come from ONE statement
    (one snapshot): read in two, a login starting while another commits the first migration saw
    no version table, then that migration's tables, and refused the database as someone else's.
    A version table seen here is committed, so reading its rows afterwards sees at least as much."""
    tables = [name for (name,) in conn.execute(
        "SELECT c.relname FROM pg_class c WHERE c.relkind IN ('r', 'p', 'v') "
        "AND c.relnamespace = current_schema()::regnamespace ORDER BY 1")]
    has_table = VERSION_TABLE in tables
    applied = [name for (name,) in conn.execute(
        f"SELECT name FROM {VERSION_TABLE} ORDER BY applied_at, name")] if has_table else []
    foreign = [] if has_table else tables[:5]
    return SchemaStatus(applied, [n for n in MIGRATION_NAMES if n not in applied], foreign)


def apply(conn) -> list[str]:
    """Apply pending migrations in one transaction; returns the names applied now."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", MIGRATION_LOCK)
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} ("
            f"  name {T} PRIMARY KEY,"
            "  applied_at timestamptz NOT NULL DEFAULT clock_timestamp())"
        )
        done = {name for (name,) in conn.execute(f"SELECT name FROM {VERSION_TABLE}")}
        applied = []
        with conn.cursor() as cur:
            for migration in MIGRATIONS:
                if migration.__name__ in done:
                    continue
                migration(cur)
                cur.execute(f"INSERT INTO {VERSION_TABLE} (name) VALUES (%s)", (migration.__name__,))
                applied.append(migration.__name__)
    return applied
