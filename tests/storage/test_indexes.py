"""Which index the query planner takes for the reads m006 is about, on both engines (EXPLAIN).

m006 adds ``registrations_import`` for an import's rows, and keeps ``registrations_unit``
(enhed, seq): the unit's latest row walks it backwards. On PostgreSQL the plan is asked with
sequential scans disabled: a test database is tiny, and a table scan would win any contest there
(what matters is that the index is there and fits the query)."""

from __future__ import annotations

import sqlite3

from storage.open import is_server
from storage.registration import new_entry
from storage.sqlite.store import _NOT_VOIDED

# What SqliteStore/PgStore run (placeholders as "?"; PostgreSQL gets "%s").
UNDO_IMPORT = (f"SELECT r.id FROM registrations r WHERE r.import_id = ? AND {_NOT_VOIDED} "
               "ORDER BY r.seq")
IMPORT_LIVE = (f"SELECT r.import_id, count(*) FROM registrations r WHERE r.import_id IS NOT NULL "
               f"AND {_NOT_VOIDED} GROUP BY r.import_id")
UNIT_LATEST = (f"SELECT r.id FROM registrations r WHERE r.enhed = ? AND r.import_id IS NULL AND "
               f"{_NOT_VOIDED} ORDER BY r.seq DESC LIMIT 1")


def plan(location, sql: str, args: tuple = ()) -> str:
    if is_server(location):
        import psycopg

        with psycopg.connect(str(location), autocommit=True) as conn:
            conn.execute("ANALYZE registrations")
            conn.execute("SET enable_seqscan = off")
            rows = conn.execute("EXPLAIN " + sql.replace("?", "%s"), list(args)).fetchall()
        return "\n".join(r[0] for r in rows)
    conn = sqlite3.connect(location)
    try:
        return "\n".join(r[-1] for r in conn.execute("EXPLAIN QUERY PLAN " + sql, args))
    finally:
        conn.close()


def _fill(store, config) -> None:
    for unit in list(config.units)[:2]:
        code = config.units[unit].code
        entry = new_entry(config, enhed=code, opgave=config.units[unit].tasks()[0].kle,
                          kanal=config.units[unit].channels[0], type="INFO", afslutning="STRAKS",
                          blanket="NEJ", end=store.clock(), count=50)
        store.record(entry)


def test_an_imports_rows_are_found_by_the_import_index(store, config, db_path):
    _fill(store, config)
    assert "registrations_import" in plan(db_path, UNDO_IMPORT, ("x",))
    assert "registrations_import" in plan(db_path, IMPORT_LIVE)


def test_the_units_latest_row_walks_registrations_unit(store, config, db_path):
    """Why m006 keeps registrations_unit: nothing else answers this without a sort."""
    _fill(store, config)
    chosen = plan(db_path, UNIT_LATEST, (next(iter(config.units)),))
    assert "registrations_unit " in chosen + " " and "registrations_unit_time" not in chosen
