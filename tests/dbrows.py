"""Raw reads for assertions, through a fresh connection of their own (never the store's), on
either engine: an SQLite file path or a ``postgresql://`` URL. SQL uses ``?`` placeholders; they
become ``%s`` for PostgreSQL. ``ORDER BY`` the insertion order: rowid on SQLite, seq on PostgreSQL.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storage.open import is_server

# A test module that sets ``ENGINES = ENGINES_BOTH`` runs its ``store``/``db_path`` tests on both.
ENGINES_BOTH = ("sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql))

# Columns only the PostgreSQL schema has so far (the SQLite engine gets ``seq`` in step A of
# issue 10); left out of whole-row reads so the same assertions hold on both engines.
PG_ONLY_COLUMNS = {"seq"}


def _pg(location: str):
    import psycopg

    return psycopg.connect(location, autocommit=True)


def query(location: Path | str, sql: str, args: tuple | list = ()) -> list[tuple]:
    if is_server(location):
        with _pg(str(location)) as conn:
            return conn.execute(sql.replace("?", "%s"), list(args)).fetchall()
    conn = sqlite3.connect(location)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def execute(location: Path | str, sql: str, args: tuple | list = ()) -> None:
    if is_server(location):
        with _pg(str(location)) as conn:
            conn.execute(sql.replace("?", "%s"), list(args))
        return
    conn = sqlite3.connect(location)
    try:
        with conn:
            conn.execute(sql, args)
    finally:
        conn.close()


def order_column(location: Path | str) -> str:
    return "seq" if is_server(location) else "rowid"


def dict_rows(location: Path | str, table: str = "registrations", where: str = "1=1",
              args: tuple | list = ()) -> list[dict]:
    """Whole rows as dicts, oldest first."""
    sql = f"SELECT * FROM {table} WHERE {where} ORDER BY {order_column(location)}"
    if is_server(location):
        import psycopg.rows

        with _pg(str(location)) as conn:
            conn.row_factory = psycopg.rows.dict_row
            found = conn.execute(sql.replace("?", "%s"), list(args)).fetchall()
        return [{k: v for k, v in row.items() if k not in PG_ONLY_COLUMNS} for row in found]
    conn = sqlite3.connect(location)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, args)]
    finally:
        conn.close()


def count(location: Path | str, table: str = "registrations", where: str = "1=1",
          args: tuple | list = ()) -> int:
    return query(location, f"SELECT count(*) FROM {table} WHERE {where}", args)[0][0]


def columns(location: Path | str, table: str) -> list[str]:
    if is_server(location):
        return [name for (name,) in query(
            location, "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
            "AND table_schema = current_schema() ORDER BY ordinal_position", (table,))]
    return [row[1] for row in query(location, f"PRAGMA table_info({table})")]
