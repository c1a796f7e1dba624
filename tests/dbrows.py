"""Raw reads and writes for tests, through a fresh connection of their own (never the store's), on
either engine: an SQLite file path or a ``postgresql://`` URL. SQL uses ``?`` placeholders; they
become ``%s`` for PostgreSQL. Both engines have ``seq``, the order rows were committed in.

:func:`insert` writes rows no command could have written (a code outside the codebook, an
imported row by hand) with the model's column list and the engine's ``seq`` rule.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from storage.open import is_server

# The engines a ``store``/``db_path`` test runs on (tests/conftest.py). Both by default in
# tests/storage, tests/exports and tests/tui; a module that is about one engine sets
# ``ENGINES = SQLITE_ONLY`` (with a comment saying why) or ``ENGINES = POSTGRESQL_ONLY``.
ENGINES_BOTH = ("sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql))
SQLITE_ONLY = ("sqlite",)
POSTGRESQL_ONLY = (pytest.param("postgresql", marks=pytest.mark.postgresql),)


def _pg_sql(sql: str) -> str:
    """``?`` placeholders as psycopg's ``%s`` (a literal ``%`` doubled)."""
    return sql.replace("%", "%%").replace("?", "%s")


def _pg(location: str):
    import psycopg

    return psycopg.connect(location, autocommit=True)


def query(location: Path | str, sql: str, args: tuple | list = ()) -> list[tuple]:
    if is_server(location):
        with _pg(str(location)) as conn:
            return conn.execute(_pg_sql(sql), list(args)).fetchall()
    conn = sqlite3.connect(location)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def execute(location: Path | str, sql: str, args: tuple | list = ()) -> None:
    if is_server(location):
        with _pg(str(location)) as conn:
            conn.execute(_pg_sql(sql), list(args))
        return
    conn = sqlite3.connect(location)
    try:
        with conn:
            conn.execute(sql, args)
    finally:
        conn.close()


def order_column(location: Path | str) -> str:
    return "seq"


def dict_rows(location: Path | str, table: str = "registrations", where: str = "1=1",
              args: tuple | list = ()) -> list[dict]:
    """Whole rows as dicts, oldest first."""
    sql = f"SELECT * FROM {table} WHERE {where} ORDER BY {order_column(location)}"
    if is_server(location):
        import psycopg.rows

        with _pg(str(location)) as conn:
            conn.row_factory = psycopg.rows.dict_row
            found = conn.execute(_pg_sql(sql), list(args)).fetchall()
        return [dict(row) for row in found]
    conn = sqlite3.connect(location)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, args)]
    finally:
        conn.close()


def live_rows(location: Path | str, where: str = "1=1", args: tuple | list = ()) -> list[dict]:
    """Whole registrations that are not voided, as dicts, oldest first."""
    return dict_rows(location, "registrations r", f"({where}) AND NOT EXISTS "
                     "(SELECT 1 FROM voids v WHERE v.registration_id = r.id)", args)


def count(location: Path | str, table: str = "registrations", where: str = "1=1",
          args: tuple | list = ()) -> int:
    return query(location, f"SELECT count(*) FROM {table} WHERE {where}", args)[0][0]


def columns(location: Path | str, table: str) -> list[str]:
    if is_server(location):
        return [name for (name,) in query(
            location, "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
            "AND table_schema = current_schema() ORDER BY ordinal_position", (table,))]
    return [row[1] for row in query(location, f"PRAGMA table_info({table})")]


# Defaults for the NOT NULL columns a hand-made registration leaves out.
REGISTRATION_DEFAULTS = {
    "kommune_nr": "999", "kommune_navn": "Eksempelby", "enhed": "999borgerservice",
    "opgave": "23.05.10", "kanal": "PRSNLG", "type": "OPRET", "afslutning": "STRAKS",
    "blanket": "NEJ", "start_utc": None, "end_utc": "2026-10-21T08:30:00.000000Z",
    "date_only": 0, "datakilde": "Taelleuge", "station": "s", "operator": "o", "answers": "{}",
    "trial": 0, "batch_id": None, "replaces": None, "created_utc": "2026-10-21T08:30:00.000000Z",
    "import_id": None,
}


def registration(**fields) -> dict:
    """A registrations row as stored (0/1 flags, answers as JSON text): defaults plus ``fields``."""
    from storage.model import REGISTRATIONS

    unknown = set(fields) - set(REGISTRATIONS.written)
    assert not unknown, f"not registration columns: {unknown}"
    return {c: fields.get(c, REGISTRATION_DEFAULTS.get(c)) for c in REGISTRATIONS.written}


def insert(location: Path | str, table: str, rows: list[dict], *, wait: bool = True) -> None:
    """Insert stored rows (dicts of column → stored value; all rows with the same keys) in one
    transaction. ``seq`` as the engine gives it: SQLite's next number, PostgreSQL's identity.
    ``wait=False``: fail at once instead of waiting for a lock someone else holds."""
    if not rows:
        return
    names = list(rows[0])
    values = [[row[n] for n in names] for row in rows]
    sequenced = table in ("registrations", "voids") and "seq" not in names
    if is_server(location):
        sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(['%s'] * len(names))})"
        with _pg(str(location)) as conn, conn.transaction(), conn.cursor() as cur:
            if not wait:
                cur.execute("SET LOCAL lock_timeout = 1")
            cur.executemany(sql, values)
        return
    from storage.sqlite.store import next_seq

    extra = [("seq", next_seq(table))] if sequenced else []
    sql = (f"INSERT INTO {table} ({', '.join([*names, *(c for c, _ in extra)])}) "
           f"VALUES ({', '.join(['?'] * len(names) + [e for _, e in extra])})")
    conn = sqlite3.connect(location, timeout=5 if wait else 0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(sql, values)
        conn.execute("COMMIT")
    finally:
        conn.close()


@contextmanager
def refused(match: str) -> Iterator[None]:
    """The block's raw statement must be refused by the database itself (a trigger, a constraint),
    with ``match`` in the driver's message, on either engine."""
    errors: tuple[type[BaseException], ...] = (sqlite3.DatabaseError,)
    try:
        import psycopg

        errors += (psycopg.DatabaseError,)
    except ImportError:
        pass
    with pytest.raises(errors, match=match):
        yield
