"""m007: an import's file hashes stop being UNIQUE (an undone import no longer blocks the same
file), on a database left at m006 with an import, its rows and a void in it. Both engines."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
import sqlite_utils
from sqlite_utils.migrations import Migrations

from storage.postgres import schema as pg_schema
from storage.postgres.store import PgStore
from storage.sqlite import db as dbmod
from storage.sqlite.schema import MIGRATION_NAMES, MIGRATION_SET, MIGRATIONS
from storage.sqlite.store import SqliteStore

_IMPORT = ("INSERT INTO imports (id, sha256, content_sha256, file_name, layout, encoding, "
           "row_count, datakilde, station, operator, created_utc) VALUES "
           "('{id}', 'bytes', 'lines', '{name}', 'raadata', 'utf-8', 2, 'Web', 'import', 'o', "
           "'2026-10-21T09:00:00.000000Z')")
_ROW = ("INSERT INTO registrations (id, kommune_nr, kommune_navn, enhed, opgave, kanal, end_utc, "
        "datakilde, station, operator, created_utc, import_id{seq_col}) VALUES ('{id}', '999', 'k', "
        "'', '23.05.10', 'PRSNLG', '2026-10-21T08:30:00.000000Z', 'Web', 'import', 'o', "
        "'2026-10-21T09:00:00.000000Z', '{imp}'{seq})")
_VOID = ("INSERT INTO voids (id, registration_id, reason, station, operator, created_utc, enhed, "
         "trial, end_utc, type, kanal{seq_col}) SELECT 'v1', id, 'FORTRUDT', 's', 'o', 'c', enhed, "
         "trial, end_utc, type, kanal{seq} FROM registrations WHERE id = 'r1'")


def _fill(execute, seq: bool) -> None:
    execute(_IMPORT.format(id="imp1", name="a.csv"))
    for n in (1, 2):
        execute(_ROW.format(id=f"r{n}", imp="imp1", seq_col=", seq" if seq else "",
                            seq=f", {n}" if seq else ""))
    execute(_VOID.format(seq_col=", seq" if seq else "", seq=", 1" if seq else ""))


def test_sqlite_m007_keeps_the_imports_and_drops_only_the_unique_hashes(tmp_path):
    path = tmp_path / "v6.db"
    conn = dbmod.connect(path)
    old = Migrations(MIGRATION_SET)
    for fn in MIGRATIONS[:6]:
        old()(fn)
    old.apply(sqlite_utils.Database(conn))
    _fill(conn.execute, seq=True)
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):  # what m007 takes away
        conn.execute(_IMPORT.format(id="imp0", name="again.csv"))
    conn.close()

    with SqliteStore(path, station="s", operator="o") as store:
        assert store.migrated == ["m007_import_hash_not_unique", *MIGRATION_NAMES[7:]]
        assert [(r.id, r.file_name) for r in store.imports()] == [("imp1", "a.csv")]
        assert [(r.id, live) for r, live in store.import_status()] == [("imp1", 1)]
    raw = sqlite3.connect(path)
    try:
        raw.execute("PRAGMA foreign_keys = ON")
        assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        with raw:
            raw.execute(_IMPORT.format(id="imp2", name="again.csv"))  # same hashes: allowed now
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            raw.execute("UPDATE imports SET file_name = 'x'")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            raw.execute("DELETE FROM imports")
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            raw.execute(_ROW.format(id="r9", imp="nowhere", seq_col=", seq", seq=", 9"))
        names = {n for (n,) in raw.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'imports'")}
        assert {"imports_sha256", "imports_content_sha256"} <= names
        assert "imports_m007" not in {n for (n,) in raw.execute("SELECT name FROM sqlite_master")}
    finally:
        raw.close()


@pytest.mark.postgresql
def test_postgres_m007_keeps_the_imports_and_drops_only_the_unique_hashes(pg_empty_database):
    with psycopg.connect(pg_empty_database) as conn:
        with conn.transaction(), conn.cursor() as cur:
            cur.execute(f"CREATE TABLE {pg_schema.VERSION_TABLE} (name text COLLATE \"C\" "
                        "PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT clock_timestamp())")
            for migration in pg_schema.MIGRATIONS[:6]:
                migration(cur)
                cur.execute(f"INSERT INTO {pg_schema.VERSION_TABLE} (name) VALUES (%s)",
                            (migration.__name__,))
            _fill(cur.execute, seq=False)
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute(_IMPORT.format(id="imp0", name="again.csv"))
        conn.rollback()

    with PgStore(pg_empty_database, station="s", operator="o") as store:
        assert store.migrated == ["m007_import_hash_not_unique", *pg_schema.MIGRATION_NAMES[7:]]
        assert [(r.id, live) for r, live in store.import_status()] == [("imp1", 1)]
    with psycopg.connect(pg_empty_database, autocommit=True) as conn:
        conn.execute(_IMPORT.format(id="imp2", name="again.csv"))  # same hashes: allowed now
        with pytest.raises(psycopg.Error, match="append-only"):
            conn.execute("UPDATE imports SET file_name = 'x'")
        indexes = {n for (n,) in conn.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'imports'")}
        assert {"imports_sha256", "imports_content_sha256"} <= indexes
        assert not indexes & {"imports_sha256_key", "imports_content_sha256_key"}
