"""The schema, as an ordered list of migrations.

The functions only call ``db.execute``, so they run on a ``sqlite_utils.Database`` (what
``storage.migrations`` hands them) and the names below can be checked from the kiosk without
importing sqlite-utils. Append a new function for every change; never edit an applied one.
"""

from __future__ import annotations

MIGRATION_SET = "taelleuge"


def m001_registrations(db) -> None:
    db.execute(
        """
        CREATE TABLE registrations (
            id            TEXT PRIMARY KEY NOT NULL,   -- UUID; a retried write is a no-op
            kommune_nr    TEXT NOT NULL,
            kommune_navn  TEXT NOT NULL,
            enhed         TEXT NOT NULL,               -- '' only on imported rows (WEB)
            opgave        TEXT NOT NULL CHECK (opgave GLOB '[0-9][0-9].[0-9][0-9].[0-9][0-9]'),
            kanal         TEXT NOT NULL,
            type          TEXT,                        -- NULL where it does not apply
            afslutning    TEXT,
            blanket       TEXT,
            start_utc     TEXT,                        -- first key of the entry
            end_utc       TEXT NOT NULL,               -- commit; the Landkort's Dato
            date_only     INTEGER NOT NULL DEFAULT 0 CHECK (date_only IN (0, 1)),
            datakilde     TEXT NOT NULL,
            station       TEXT NOT NULL,
            operator      TEXT NOT NULL,               -- OS user, for the audit trail
            answers       TEXT NOT NULL DEFAULT '{}',  -- local questions: JSON {question: fixed answer}
            trial         INTEGER NOT NULL DEFAULT 0 CHECK (trial IN (0, 1)),
            batch_id      TEXT,                        -- shared by the rows of one "N times" entry
            replaces      TEXT REFERENCES registrations(id),  -- correction/restore of a voided row
            created_utc   TEXT NOT NULL
        ) STRICT
        """
    )
    db.execute(
        """
        CREATE TABLE voids (
            id               TEXT PRIMARY KEY NOT NULL,
            registration_id  TEXT NOT NULL UNIQUE REFERENCES registrations(id),
            reason           TEXT NOT NULL,            -- a code from VOID_REASONS, never free text
            station          TEXT NOT NULL,
            operator         TEXT NOT NULL,
            created_utc      TEXT NOT NULL
        ) STRICT
        """
    )
    # Today's count, this week's type x channel matrix: a range scan on a covering index.
    db.execute(
        "CREATE INDEX registrations_unit_time "
        "ON registrations (enhed, trial, end_utc, type, kanal)"
    )
    db.execute("CREATE INDEX registrations_time ON registrations (end_utc)")
    # "This station's / unit's latest": rowid order inside the index.
    db.execute("CREATE INDEX registrations_station ON registrations (station)")
    db.execute("CREATE INDEX registrations_unit ON registrations (enhed)")
    db.execute(
        "CREATE INDEX registrations_batch ON registrations (batch_id) WHERE batch_id IS NOT NULL"
    )
    for table in ("registrations", "voids"):
        for verb in ("UPDATE", "DELETE"):
            db.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )


MIGRATIONS = [m001_registrations]
MIGRATION_NAMES = [m.__name__ for m in MIGRATIONS]
