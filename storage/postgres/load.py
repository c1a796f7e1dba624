"""Rows from another Tælleuge database into this server: the target side of ``flyt``
(storage.move). A chunk is COPYed into a TEMP table, compared with any rows of the same ids
already here, and inserted with ``ON CONFLICT (id) DO NOTHING`` in one transaction: a chunk is
all in or not at all, and copying it again adds nothing (idempotent, resumable after a kill).
An id already here with other content refuses the chunk: nothing of it is written."""

from __future__ import annotations

import psycopg

from ..errors import Refusal
from ..model import Table


class MoveConflict(Refusal):
    """The target holds a row with one of the source's ids (or unique values) but other content."""


def _stage(table: Table) -> str:
    return f"flyt_{table.name}"


def copy_chunk(store, table: Table, rows: list[tuple], *, check_only: bool = False) -> int:
    """Copy ``rows`` (``table.written`` order) into ``table``; returns how many were new.
    ``check_only``: compare with what is there and write nothing; returns how many of ``rows``
    are there already (so the caller can tell whether the target holds rows of its own)."""
    cols = ", ".join(table.written)
    stage = _stage(table)
    compared = " OR ".join(f"s.{c} IS DISTINCT FROM t.{c}" for c in table.written)

    def work(conn: psycopg.Connection) -> int:
        with conn.transaction(force_rollback=check_only):
            conn.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS AS "
                f"SELECT {cols}, 0::bigint AS ord FROM {table.name} WITH NO DATA")
            conn.execute(f"TRUNCATE pg_temp.{stage}")  # a rolled-back check leaves none; be sure
            with conn.cursor() as cur, cur.copy(f"COPY pg_temp.{stage} ({cols}, ord) FROM STDIN") as copy:
                for n, row in enumerate(rows):
                    copy.write_row((*row, n))
            clash = conn.execute(
                f"SELECT s.id FROM pg_temp.{stage} s JOIN {table.name} t ON t.id = s.id "
                f"WHERE {compared} ORDER BY s.ord LIMIT 1").fetchone()
            if clash:
                raise MoveConflict(
                    f"Måldatabasen har allerede en række i {table.name} med id {clash[0]}, men med "
                    "et andet indhold. Intet af denne blok er kopieret. Er det den rigtige "
                    "database? Flyt til en tom Tælleuge-database eller den, en tidligere flytning "
                    "af samme fil skrev i.", "til")
            if check_only:
                return conn.execute(f"SELECT count(*) FROM pg_temp.{stage} s JOIN {table.name} t "
                                    "ON t.id = s.id").fetchone()[0]
            try:
                return conn.execute(
                    f"INSERT INTO {table.name} ({cols}) SELECT {cols} FROM pg_temp.{stage} "
                    "ORDER BY ord ON CONFLICT (id) DO NOTHING").rowcount
            except psycopg.errors.UniqueViolation as error:
                raise MoveConflict(
                    f"Måldatabasen har allerede en række i {table.name}, der støder sammen med "
                    f"kildens ({error.diag.constraint_name or 'en entydig værdi'}). Intet af denne "
                    "blok er kopieret.", "til") from None

    return store._call(work, retry=False)


def count(store, table: Table) -> int:
    return store._read(f"SELECT count(*) FROM {table.name}")[0][0]


def kommuner(store) -> set[str]:
    return {k for (k,) in store._read("SELECT DISTINCT kommune_nr FROM registrations")}
