"""The schema, as an ordered list of migrations.

The functions only call ``db.execute``, so they run on a ``sqlite_utils.Database`` (what
``storage.sqlite.migrations`` hands them) and the names below can be checked from the kiosk without
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


def m002_imports(db) -> None:
    """Imports of earlier extracts: one row per imported file, and each imported row points to it.

    ``sha256`` is the file's bytes, ``content_sha256`` its decoded lines (the same file saved again
    as UTF-8 or with other line endings): both UNIQUE, so the same file never comes in twice.
    """
    db.execute(
        """
        CREATE TABLE imports (
            id              TEXT PRIMARY KEY NOT NULL,   -- UUID
            sha256          TEXT NOT NULL UNIQUE,        -- of the file's bytes
            content_sha256  TEXT NOT NULL UNIQUE,        -- of its decoded lines, without line ends
            file_name       TEXT NOT NULL,               -- base name only
            layout          TEXT NOT NULL CHECK (layout IN ('raadata', 'upload')),
            encoding        TEXT NOT NULL,
            row_count       INTEGER NOT NULL CHECK (row_count > 0),
            datakilde       TEXT NOT NULL,               -- given for rows that carry none
            station         TEXT NOT NULL,
            operator        TEXT NOT NULL,
            created_utc     TEXT NOT NULL
        ) STRICT
        """
    )
    db.execute("ALTER TABLE registrations ADD COLUMN import_id TEXT REFERENCES imports(id)")
    for verb in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER imports_no_{verb.lower()} BEFORE {verb} ON imports "
            f"BEGIN SELECT RAISE(ABORT, 'imports is append-only'); END"
        )


def m003_void_facts(db) -> None:
    """Copy the counted facts of a voided row onto its void, so a total is one index range count
    minus another instead of a per-row "is it voided?" probe: at 1M rows a unit's week total went
    from ~40 ms to ~3 ms (bench/totals.py). A trigger refuses a void whose copy does not match."""
    db.execute("DROP TRIGGER voids_no_update")
    for column, kind in (("enhed", "TEXT"), ("trial", "INTEGER"), ("end_utc", "TEXT"),
                         ("type", "TEXT"), ("kanal", "TEXT")):
        db.execute(f"ALTER TABLE voids ADD COLUMN {column} {kind}")
    db.execute(
        "UPDATE voids SET (enhed, trial, end_utc, type, kanal) = (SELECT r.enhed, r.trial, "
        "r.end_utc, r.type, r.kanal FROM registrations r WHERE r.id = voids.registration_id)"
    )
    db.execute(
        "CREATE TRIGGER voids_no_update BEFORE UPDATE ON voids "
        "BEGIN SELECT RAISE(ABORT, 'voids is append-only'); END"
    )
    db.execute(
        """
        CREATE TRIGGER voids_facts_match BEFORE INSERT ON voids
        WHEN NOT EXISTS (
            SELECT 1 FROM registrations r WHERE r.id = NEW.registration_id
            AND r.enhed IS NEW.enhed AND r.trial IS NEW.trial AND r.end_utc IS NEW.end_utc
            AND r.type IS NEW.type AND r.kanal IS NEW.kanal)
        BEGIN SELECT RAISE(ABORT, 'a void must copy its registration''s counted facts'); END
        """
    )
    db.execute("CREATE INDEX voids_unit_time ON voids (enhed, trial, end_utc, type, kanal)")
    # Store.restore refuses a second restore of the same row: find it without a table scan.
    db.execute(
        "CREATE INDEX registrations_replaces ON registrations (replaces) WHERE replaces IS NOT NULL"
    )


def m004_exports(db) -> None:
    """A log of the files delivered to Det Digitale Landkort (``eksport landkort``, not
    ``--kontroller``): which days, units and data sources, how many rows, the file's SHA-256, who
    and when. A registration or void made later in an exported range is then named: ``registrer``
    warns, and the next export's check lists it. Append-only like the rest."""
    db.execute(
        """
        CREATE TABLE exports (
            id           TEXT PRIMARY KEY NOT NULL,   -- UUID
            kind         TEXT NOT NULL CHECK (kind IN ('landkort-upload', 'landkort-raadata')),
            first_day    TEXT NOT NULL,               -- local day YYYY-MM-DD, included
            last_day     TEXT NOT NULL,               -- local day YYYY-MM-DD, included
            start_utc    TEXT NOT NULL,               -- first_day 00:00 local, as stored UTC
            end_utc      TEXT NOT NULL,               -- the day after last_day 00:00 local (excluded)
            units        TEXT NOT NULL DEFAULT '[]',  -- JSON list of unit codes; [] = all units
            sources      TEXT NOT NULL DEFAULT '[]',  -- JSON list of Datakilde values; [] = all
            row_count    INTEGER NOT NULL CHECK (row_count >= 0),
            sha256       TEXT NOT NULL,               -- of the file as written
            file_name    TEXT NOT NULL,               -- base name only
            station      TEXT NOT NULL,
            operator     TEXT NOT NULL,
            created_utc  TEXT NOT NULL
        ) STRICT
        """
    )
    db.execute("CREATE INDEX exports_range ON exports (start_utc, end_utc)")
    for verb in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER exports_no_{verb.lower()} BEFORE {verb} ON exports "
            f"BEGIN SELECT RAISE(ABORT, 'exports is append-only'); END"
        )


def seq_required(table: str) -> str:
    """The trigger that refuses a row without ``seq`` (m005; storage.sqlite.bulk lifts it for
    the length of one import's transaction)."""
    return (f"CREATE TRIGGER {table}_seq_required BEFORE INSERT ON {table} WHEN NEW.seq IS NULL "
            f"BEGIN SELECT RAISE(ABORT, '{table}.seq must be set (an older Tælleuge?)'); END")


def m005_seq(db) -> None:
    """An explicit sequence, ``seq``, on registrations and voids: "latest" and the moment an
    export snapshot describes are ``seq``, never rowid (VACUUM may renumber the rowids of a table
    without an INTEGER PRIMARY KEY). Backfilled from rowid, the order rows were committed in. A new
    row gets ``max(seq) + 1`` inside its ``BEGIN IMMEDIATE`` transaction (the UNIQUE index answers
    max() at once), so ``seq`` is commit order; a trigger refuses a row without one (a program
    from before this migration), so no row is ever left out of a snapshot."""
    for table in ("registrations", "voids"):
        db.execute(f"DROP TRIGGER {table}_no_update")
        db.execute(f"ALTER TABLE {table} ADD COLUMN seq INTEGER")
        db.execute(f"UPDATE {table} SET seq = rowid")
        db.execute(
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
        )
        db.execute(f"CREATE UNIQUE INDEX {table}_seq ON {table} (seq)")
        db.execute(seq_required(table))
    # The indexes that held rowid order implicitly now hold seq: a station's or unit's latest is
    # a walk back along (station, seq) or (enhed, seq); an export streams (end_utc, seq); the
    # counts an export checks itself against read seq from the covering index, not the table.
    for name, columns in (("registrations_station", "station, seq"),
                          ("registrations_unit", "enhed, seq"),
                          ("registrations_time", "end_utc, seq"),
                          ("registrations_unit_time", "enhed, trial, end_utc, type, kanal, seq")):
        db.execute(f"DROP INDEX {name}")
        db.execute(f"CREATE INDEX {name} ON registrations ({columns})")


def m006_imports_index(db) -> None:
    """An import's rows found by ``import_id``: ``import --fortryd`` (undo_import) and
    ``import --liste`` (live rows per import) read them without a table scan. Partial: desk rows
    (the great majority) have none.

    ``registrations_unit`` stays: since m005 it is (enhed, seq), and "the unit's latest live
    row" (undo_last, latest) walks it backwards; ``registrations_unit_time`` starts with enhed
    too but is not in seq order within a unit, so it would mean sorting all of a unit's rows.
    tests/storage/test_indexes.py shows the planner's choice on both engines."""
    db.execute(
        "CREATE INDEX registrations_import ON registrations (import_id) WHERE import_id IS NOT NULL"
    )


_IMPORT_COLUMNS = ("id", "sha256", "content_sha256", "file_name", "layout", "encoding",
                  "row_count", "datakilde", "station", "operator", "created_utc")


def m007_import_hash_not_unique(db) -> None:
    """An undone import (every row voided) no longer blocks the same file: m002's UNIQUE hashes
    go, plain indexes stay, and "already imported" is asked of imports with live rows
    (storage.sqlite.bulk.find_import).

    SQLite cannot drop a UNIQUE constraint, so the table is rebuilt, rowids (the list's order)
    kept. The migration runs inside one transaction, where ``PRAGMA foreign_keys`` cannot be
    switched off; the rows referencing ``imports`` are left dangling for a moment instead, under
    ``defer_foreign_keys`` (reset at commit): the copy put back into the new table satisfies them
    again before the transaction ends."""
    columns = ", ".join(_IMPORT_COLUMNS)
    db.execute("PRAGMA defer_foreign_keys = ON")
    # The copy is a TEMP table: nothing of it is left in the file (a fresh database stays without
    # free pages; tests/deploy/test_kiosk_faults.py sizes a full database from its page count).
    db.execute(f"CREATE TEMP TABLE imports_m007 AS SELECT rowid AS old_rowid, {columns} "
               "FROM imports")
    db.execute("DROP TABLE imports")  # its triggers go with it; no trigger fires on a DROP
    db.execute(
        """
        CREATE TABLE imports (
            id              TEXT PRIMARY KEY NOT NULL,   -- UUID
            sha256          TEXT NOT NULL,               -- of the file's bytes
            content_sha256  TEXT NOT NULL,               -- of its decoded lines, without line ends
            file_name       TEXT NOT NULL,               -- base name only
            layout          TEXT NOT NULL CHECK (layout IN ('raadata', 'upload')),
            encoding        TEXT NOT NULL,
            row_count       INTEGER NOT NULL CHECK (row_count > 0),
            datakilde       TEXT NOT NULL,               -- given for rows that carry none
            station         TEXT NOT NULL,
            operator        TEXT NOT NULL,
            created_utc     TEXT NOT NULL
        ) STRICT
        """
    )
    db.execute(f"INSERT INTO imports (rowid, {columns}) "
               f"SELECT old_rowid, {columns} FROM imports_m007 ORDER BY old_rowid")
    db.execute("DROP TABLE temp.imports_m007")
    db.execute("CREATE INDEX imports_sha256 ON imports (sha256)")
    db.execute("CREATE INDEX imports_content_sha256 ON imports (content_sha256)")
    for verb in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER imports_no_{verb.lower()} BEFORE {verb} ON imports "
            f"BEGIN SELECT RAISE(ABORT, 'imports is append-only'); END"
        )


# A stored moment, exactly as storage.timeutil.STORED_FORMAT writes it.
STORED_GLOB = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]." + "[0-9]" * 6 + "Z"


def m008_row_formats(db) -> None:
    """Rows the program could not have written are refused by the database: a moment not in the
    stored format, answers that are not a JSON object, a void reason outside the closed list.
    Anyone who can write the file (the group) could otherwise add a row that makes every later
    list, history and export of its week fail, and append-only means nobody could remove it."""
    from ..registration import VOID_REASONS

    moment = "{col} GLOB '" + STORED_GLOB + "'"
    registration_ok = " AND ".join([
        moment.format(col="NEW.end_utc"), moment.format(col="NEW.created_utc"),
        "(NEW.start_utc IS NULL OR " + moment.format(col="NEW.start_utc") + ")",
        "json_valid(NEW.answers) AND json_type(NEW.answers) = 'object'",
    ])
    reasons = ", ".join(f"'{r}'" for r in sorted(VOID_REASONS))
    void_ok = f"{moment.format(col='NEW.created_utc')} AND NEW.reason IN ({reasons})"
    for table, ok in (("registrations", registration_ok), ("voids", void_ok)):
        db.execute(
            f"CREATE TRIGGER {table}_formats BEFORE INSERT ON {table} WHEN NOT ({ok}) "
            f"BEGIN SELECT RAISE(ABORT, '{table}: a value is not in the stored format'); END"
        )


MIGRATIONS = [m001_registrations, m002_imports, m003_void_facts, m004_exports, m005_seq,
              m006_imports_index, m007_import_hash_not_unique, m008_row_formats]
MIGRATION_NAMES = [m.__name__ for m in MIGRATIONS]
