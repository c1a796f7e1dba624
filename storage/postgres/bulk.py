"""Bulk import on PostgreSQL: ``storage.sqlite.bulk.ImportBatch`` with COPY into a TEMP staging table.

The TEMP table belongs to this session and takes no lock on the shared tables, so kiosks keep
registering while a large file is read. ``commit`` then copies the rows into ``registrations``
in one transaction, under an advisory lock that makes the duplicate check and the write one step:
two coordinators importing the same file at once cannot both succeed (the UNIQUE hashes on
``imports`` are the backstop). A connection lost between staging and commit loses the staged rows
with it: the commit refuses, and nothing is imported.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import timezone, tzinfo

import psycopg

from ..errors import DatabaseUnreachable, Refusal, StorageError
from ..imports import (IDENTITY, LAYOUTS, STATION, Match, NothingNew, duplicate_message,
                       import_number, match_staged, staged_keys)
from ..model import IMPORTS, REGISTRATIONS, STAGING_COLUMNS, ImportRecord
from ..timeutil import to_stored
from .schema import LOCK_CLASS

IMPORT_LOCK = (LOCK_CLASS, 3)
_STAGING_TYPES = {"date_only": "smallint"}
_INSERT_IMPORT = IMPORTS.insert("%s")
_SELECT_IMPORT = IMPORTS.select()

# Every registration column of an imported row: what the file brought (staged), or what the
# import sets. Parameters, in order: the id prefix, station, operator, created_utc, import_id.
_IMPORT_SETS = {
    "id": "%s || lpad(to_hex(s.n), 8, '0')",  # storage.imports.row_id
    "station": "%s", "operator": "%s", "created_utc": "%s", "import_id": "%s",
    "trial": "0", "batch_id": "NULL", "replaces": "NULL",
}
_COPY_STAGED = (
    f"INSERT INTO registrations ({', '.join(REGISTRATIONS.written)}) "
    f"SELECT {', '.join(_IMPORT_SETS.get(c, f's.{c}') for c in REGISTRATIONS.written)} "
    "FROM pg_temp.import_staging s WHERE {picked} ORDER BY s.n"
)
# Which staged rows go in (storage.imports.Picked): the listed ones, or all but the listed ones.
_PICKED = {True: "EXISTS (SELECT 1 FROM pg_temp.import_pick p WHERE p.n = s.n)",
           False: "NOT EXISTS (SELECT 1 FROM pg_temp.import_pick p WHERE p.n = s.n)"}
assert set(REGISTRATIONS.written) == set(STAGING_COLUMNS) | set(_IMPORT_SETS)

# The order imports were written in. Two in one clock tick (a test clock, a fast script) would be
# shuffled by their random ids; their rows' seq keeps them in order (SQLite uses rowid).
_IMPORT_ORDER = ("created_utc, (SELECT min(r.seq) FROM registrations r "
                 "WHERE r.import_id = imports.id), id")


def find_import(conn: psycopg.Connection, *, sha256: str = "", content_sha256: str = "") -> ImportRecord | None:
    row = conn.execute(
        f"SELECT {_SELECT_IMPORT} FROM imports WHERE (sha256 = %s OR content_sha256 = %s) "
        # Only an import that still counts: once undone (every row voided), the file may come in
        # again (its rows match no live row, so they all come back).
        "AND EXISTS (SELECT 1 FROM registrations r WHERE r.import_id = imports.id "
        "AND NOT EXISTS (SELECT 1 FROM voids v WHERE v.registration_id = r.id)) "
        f"ORDER BY {_IMPORT_ORDER} LIMIT 1",
        (sha256, content_sha256),
    ).fetchone()
    return IMPORTS.from_row(row) if row else None


def find_by_id(conn: psycopg.Connection, import_id: str) -> ImportRecord | None:
    row = conn.execute(f"SELECT {_SELECT_IMPORT} FROM imports WHERE id = %s", (import_id,)).fetchone()
    return IMPORTS.from_row(row) if row else None


def imports(conn: psycopg.Connection) -> list[ImportRecord]:
    return [IMPORTS.from_row(row) for row in conn.execute(
        f"SELECT {_SELECT_IMPORT} FROM imports ORDER BY {_IMPORT_ORDER}")]



def _already_imported(conn: psycopg.Connection, earlier: ImportRecord, zone: tzinfo | None) -> Refusal:
    return Refusal(duplicate_message(earlier, zone, import_number(imports(conn), earlier)), "fil")


class PgImportBatch:
    """Rows of one file on their way in. Use as a context manager: unfinished work is dropped."""

    def __init__(self, store):
        self.store = store
        self.staged = 0
        self.matched: Match | None = None
        self._match_args: tuple | None = None
        self._open = True
        columns = ", ".join(f'{c} {_STAGING_TYPES.get(c, "text")}' for c in STAGING_COLUMNS)

        def create(conn: psycopg.Connection) -> int:
            for table in ("import_staging", "import_pick"):
                conn.execute(f"DROP TABLE IF EXISTS pg_temp.{table}")
            conn.execute(
                f"CREATE TEMP TABLE import_staging (n bigint GENERATED ALWAYS AS IDENTITY, {columns})"
            )
            conn.execute("CREATE TEMP TABLE import_pick (n bigint PRIMARY KEY)")
            return store.generation

        self._generation = store._call(create, retry=True)

    def __enter__(self) -> PgImportBatch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()

    def _same_session(self) -> None:
        if self.store.generation != self._generation:
            raise DatabaseUnreachable(
                "Forbindelsen til databaseserveren blev afbrudt under importen, så de læste rækker "
                "er tabt. Intet er importeret; kør importen igen.",
                short="databaseserveren svarer ikke", code="connection-lost",
            )

    def add(self, rows: Iterable[tuple]) -> int:
        """Stage rows (an iterator is consumed lazily). Returns how many were staged."""
        before = self.staged

        def copy(conn: psycopg.Connection) -> int:
            self._same_session()
            with conn.cursor() as cur:
                with cur.copy(f"COPY pg_temp.import_staging ({', '.join(STAGING_COLUMNS)}) "
                              "FROM STDIN") as copying:
                    for row in rows:
                        copying.write_row(row)
                return cur.execute("SELECT count(*) FROM pg_temp.import_staging").fetchone()[0]

        self.staged = self.store._call(copy, retry=False)
        return self.staged - before

    def match(self, zone: tzinfo, fields: tuple[str, ...] = IDENTITY,
              keys: Sequence[int] | None = None) -> Match:
        """Which staged rows are already stored (storage.imports); ``commit`` matches again
        inside its transaction, under the import lock."""
        if keys is not None and len(keys) != self.staged:
            raise ValueError("match needs one identity key per staged row")
        self._match_args = (zone, fields, keys)

        def work(conn: psycopg.Connection) -> Match:
            self._same_session()
            with conn.transaction():
                return self._match(conn, zone, fields, keys)

        self.matched = self.store._call(work, retry=False)
        return self.matched

    def _match(self, conn: psycopg.Connection, zone: tzinfo, fields: tuple[str, ...],
               keys: Sequence[int] | None) -> Match:
        def read(sql: str, params: tuple) -> list[tuple]:
            return conn.execute(sql, params).fetchall()

        if keys is None:
            keys = staged_keys(read, fields, "n")
        picked = match_staged(read, keys, fields, zone, "%s", "n")
        conn.execute("TRUNCATE pg_temp.import_pick")
        with conn.cursor().copy("COPY pg_temp.import_pick (n) FROM STDIN") as copying:
            for n in picked.numbers:
                copying.write_row((n,))
        self._keep = picked.keep
        self.matched = picked.match
        return picked.match

    def commit(
        self,
        *,
        sha256: str,
        content_sha256: str,
        file_name: str,
        layout: str,
        encoding: str,
        datakilde: str,
        station: str,
        operator: str,
        zone: tzinfo | None = None,
    ) -> ImportRecord | None:
        """Write every new staged row and the import record, all or nothing (see storage.sqlite.bulk)."""
        if layout not in LAYOUTS:
            raise ValueError(f"unknown layout {layout!r}")
        if self.staged == 0:
            raise Refusal("Filen har ingen rækker at importere. Intet er importeret.", "fil")
        if self._match_args is None:  # not asked before: matched inside the transaction
            self._match_args = (zone or timezone.utc, IDENTITY, None)
        created_utc = to_stored(self.store.clock())
        prefix = str(uuid.uuid4())[:28]  # + 8 hex digits of the staging row number, as on SQLite

        def write(conn: psycopg.Connection) -> ImportRecord | None:
            self._same_session()
            try:
                with conn.transaction():
                    conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", IMPORT_LOCK)
                    earlier = find_import(conn, sha256=sha256, content_sha256=content_sha256)
                    if earlier:
                        raise _already_imported(conn, earlier, zone)
                    # Matched again under the lock: another import may have committed meanwhile
                    # (MVCC: the kiosks are not held up by this).
                    self.matched = self._match(conn, *self._match_args)
                    if self.matched.new == 0:
                        raise NothingNew(self.matched)
                    record = ImportRecord(
                        id=str(uuid.uuid4()), sha256=sha256, content_sha256=content_sha256,
                        file_name=file_name, layout=layout, encoding=encoding,
                        row_count=self.matched.new, datakilde=datakilde, station=station,
                        operator=operator, created_utc=created_utc,
                    )
                    conn.execute(_INSERT_IMPORT, IMPORTS.to_row(record))
                    conn.execute(_COPY_STAGED.format(picked=_PICKED[self._keep]), (prefix, STATION, operator, record.created_utc,
                                                record.id))
                return record
            except NothingNew:
                return None
            except psycopg.errors.UniqueViolation:
                # The UNIQUE hashes: a concurrent import won (the lock makes this a backstop).
                earlier = find_import(conn, sha256=sha256, content_sha256=content_sha256)
                if earlier:
                    raise _already_imported(conn, earlier, zone) from None
                raise

        record = self.store._call(write, retry=False)
        self.discard()
        return record

    def discard(self) -> None:
        if self._open:
            self._open = False
            if self.store.generation != self._generation:
                return  # the TEMP table died with its session
            try:
                self.store._call(
                    lambda conn: conn.execute("DROP TABLE IF EXISTS pg_temp.import_staging, "
                                              "pg_temp.import_pick"),
                    retry=False)
            except StorageError:  # leaving: a TEMP table dies with its session anyway
                pass
