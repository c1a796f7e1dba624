"""Bulk import of checked rows: staged first, then written in one transaction.

The reader (``exports.reader``) checks every line of a file and hands the rows here as tuples of
``STAGING_COLUMNS``. They go into a TEMP table of this connection, which takes no lock on the shared
database file, so kiosks keep registering while a large file is read. Only when the whole file has
passed does :meth:`ImportBatch.commit` copy the rows into ``registrations`` in one ``BEGIN
IMMEDIATE`` transaction, together with the ``imports`` row that makes a second import of the same
file a refusal. Any problem before or during that transaction leaves the database as it was.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import timezone, tzinfo

from ..errors import Refusal, StorageError
from ..imports import (IDENTITY, LAYOUTS, STATION, Match, NothingNew, Picked, duplicate_message,
                       import_number, match_staged, staged_keys)
from ..model import IMPORTS, REGISTRATIONS, STAGING_COLUMNS, ImportRecord
from ..timeutil import to_stored
from . import db as dbmod
from .schema import seq_required

# While the rows are copied: a bigger page cache keeps the indexes' hot pages in memory.
_IMPORT_CACHE_KIB = 65_536

_INSERT_IMPORT = IMPORTS.insert("?")
_SELECT_IMPORT = IMPORTS.select()

# Every registration column of an imported row: what the file brought (staged), or what the
# import sets. Parameters, in order: the id prefix, station, operator, created_utc, import_id,
# then the seq base (the newest seq before the import).
_IMPORT_SETS = {
    "id": "? || printf('%08x', s.rowid)",  # storage.imports.row_id
    "station": "?", "operator": "?", "created_utc": "?", "import_id": "?",
    "trial": "0", "batch_id": "NULL", "replaces": "NULL",
}
_COPY_STAGED = (
    f"INSERT INTO registrations ({', '.join(REGISTRATIONS.written)}, seq) "
    f"SELECT {', '.join(_IMPORT_SETS.get(c, f's.{c}') for c in REGISTRATIONS.written)}, ? + s.rowid "
    "FROM temp.import_staging s WHERE {picked} ORDER BY s.rowid"
)
# Which staged rows go in (storage.imports.Picked): the listed ones, or all but the listed ones.
_PICKED = {True: "s.rowid IN (SELECT n FROM temp.import_pick)",
           False: "s.rowid NOT IN (SELECT n FROM temp.import_pick)"}
assert [c for c in REGISTRATIONS.written if c in _IMPORT_SETS and _IMPORT_SETS[c] == "?"] == \
    ["station", "operator", "created_utc", "import_id"]
assert set(REGISTRATIONS.written) == set(STAGING_COLUMNS) | set(_IMPORT_SETS)


@contextmanager
def seq_given(conn: sqlite3.Connection, table: str = "registrations") -> Iterator[None]:
    """For a block inside a write transaction that gives every row its ``seq`` itself: the
    per-row check (m005's trigger: 1.5 s of a million-row import, bench/export_import.py) is
    dropped and put back in the same transaction. No other process can write meanwhile
    (BEGIN IMMEDIATE holds the write lock), and a failure rolls the drop back with the rest."""
    conn.execute(f"DROP TRIGGER {table}_seq_required")
    yield
    conn.execute(seq_required(table))


def find_import(conn: sqlite3.Connection, *, sha256: str = "", content_sha256: str = "") -> ImportRecord | None:
    """The earlier import of the same file (same bytes, or same lines in another encoding)
    that still has live rows."""
    row = conn.execute(
        f"SELECT {_SELECT_IMPORT} FROM imports WHERE (sha256 = ? OR content_sha256 = ?) "
        # Only an import that still counts: once undone (every row voided), the file may come in
        # again (its rows match no live row, so they all come back).
        "AND EXISTS (SELECT 1 FROM registrations r WHERE r.import_id = imports.id "
        "AND NOT EXISTS (SELECT 1 FROM voids v WHERE v.registration_id = r.id)) "
        "ORDER BY rowid LIMIT 1",
        (sha256, content_sha256),
    ).fetchone()
    return IMPORTS.from_row(row) if row else None


def find_by_id(conn: sqlite3.Connection, import_id: str) -> ImportRecord | None:
    row = conn.execute(f"SELECT {_SELECT_IMPORT} FROM imports WHERE id = ?", (import_id,)).fetchone()
    return IMPORTS.from_row(row) if row else None


def imports(conn: sqlite3.Connection) -> list[ImportRecord]:
    return [IMPORTS.from_row(row) for row in conn.execute(
        f"SELECT {_SELECT_IMPORT} FROM imports ORDER BY created_utc, rowid")]



def _already_imported(conn: sqlite3.Connection, earlier: ImportRecord, zone: tzinfo | None) -> Refusal:
    return Refusal(duplicate_message(earlier, zone, import_number(imports(conn), earlier)), "fil")


class ImportBatch:
    """Rows of one file on their way in. Use as a context manager: unfinished work is dropped."""

    def __init__(self, store):
        self.store = store
        self.conn = store.conn
        self.staged = 0
        self.matched: Match | None = None
        self._match_args: tuple | None = None
        self._seen: tuple | None = None  # (max seq of registrations, of voids) when matched
        self._open = True
        with store._lock, dbmod.translated(store.path):
            for table in ("import_staging", "import_pick"):
                self.conn.execute(f"DROP TABLE IF EXISTS temp.{table}")
            self.conn.execute(f"CREATE TEMP TABLE import_staging ({', '.join(STAGING_COLUMNS)})")
            self.conn.execute("CREATE TEMP TABLE import_pick (n INTEGER PRIMARY KEY)")

    def __enter__(self) -> ImportBatch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()

    def add(self, rows: Iterable[tuple]) -> int:
        """Stage rows (an iterator is consumed lazily). Returns how many were staged."""
        marks = ", ".join("?" * len(STAGING_COLUMNS))
        before = self.staged
        with self.store._lock, dbmod.translated(self.store.path):
            # A transaction on the TEMP schema only: no lock on the shared file.
            self.conn.execute("BEGIN")
            try:
                self.conn.executemany(f"INSERT INTO temp.import_staging VALUES ({marks})", rows)
                self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
            self.staged = self.conn.execute("SELECT count(*) FROM temp.import_staging").fetchone()[0]
        return self.staged - before

    def match(self, zone: tzinfo, fields: tuple[str, ...] = IDENTITY,
              keys: Sequence[int] | None = None) -> Match:
        """Which staged rows are already stored (storage.imports: identity with multiplicity).
        ``keys``: the staged rows' identity hashes in staging order (exports.reader). Reads only;
        ``commit`` matches again inside its transaction if anything was written meanwhile."""
        if keys is not None and len(keys) != self.staged:
            raise ValueError("match needs one identity key per staged row")
        self._match_args = (zone, fields, keys)
        with self.store._lock, dbmod.translated(self.store.path):
            # No transaction around it: each read is short (storage.imports.match_staged), so the
            # desks' commits are never held up for the whole file.
            self._match(zone, fields, keys)
        return self.matched

    def _seqs(self) -> tuple:
        return self.conn.execute(
            "SELECT (SELECT max(seq) FROM registrations), (SELECT max(seq) FROM voids)").fetchone()

    def _match(self, zone: tzinfo, fields: tuple[str, ...], keys: Sequence[int] | None) -> None:
        conn = self.conn
        self._seen = self._seqs()
        def read(sql: str, params: tuple) -> list[tuple]:
            return conn.execute(sql, params).fetchall()

        if keys is None:
            keys = staged_keys(read, fields, "rowid")
        picked: Picked = match_staged(read, keys, fields, zone, "?", "rowid")
        outside = not conn.in_transaction  # only the TEMP schema is written: no shared lock
        if outside:
            conn.execute("BEGIN")
        try:
            conn.execute("DELETE FROM temp.import_pick")
            conn.executemany("INSERT INTO temp.import_pick VALUES (?)", ((n,) for n in picked.numbers))
            if outside:
                conn.execute("COMMIT")
        except BaseException:
            if outside and conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        self._keep = picked.keep
        self.matched = picked.match

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
        """Write every new staged row (``match``) and the import record, all or nothing; None
        (nothing written) when every row was already there.

        Refuses (nothing written) when the same file, or the same lines in another encoding, was
        imported before: checked again inside the write lock, so two coordinators importing the
        same file at once cannot both succeed.
        """
        if layout not in LAYOUTS:
            raise ValueError(f"unknown layout {layout!r}")
        if self.staged == 0:
            raise Refusal("Filen har ingen rækker at importere. Intet er importeret.", "fil")
        if self._match_args is None:  # not asked before: matched inside the transaction
            self._match_args = (zone or timezone.utc, IDENTITY, None)
        created_utc = to_stored(self.store.clock())
        prefix = str(uuid.uuid4())[:28]  # row ids: storage.imports.row_id
        with self.store._lock, dbmod.translated(self.store.path):
            cache = self.conn.execute("PRAGMA cache_size").fetchone()[0]
            self.conn.execute(f"PRAGMA cache_size = -{_IMPORT_CACHE_KIB}")
            try:
                with dbmod.write_txn(self.conn):
                    earlier = find_import(self.conn, sha256=sha256, content_sha256=content_sha256)
                    if earlier:
                        raise _already_imported(self.conn, earlier, zone)
                    if self._seqs() != self._seen:  # written meanwhile: match again, in the lock
                        self._match(*self._match_args)
                    if self.matched.new == 0:
                        raise NothingNew(self.matched)
                    record = ImportRecord(
                        id=str(uuid.uuid4()), sha256=sha256, content_sha256=content_sha256,
                        file_name=file_name, layout=layout, encoding=encoding,
                        row_count=self.matched.new, datakilde=datakilde, station=station,
                        operator=operator, created_utc=created_utc,
                    )
                    self.conn.execute(_INSERT_IMPORT, IMPORTS.to_row(record))
                    base = self.conn.execute("SELECT coalesce(max(seq), 0) FROM registrations").fetchone()[0]
                    with seq_given(self.conn):
                        self.conn.execute(_COPY_STAGED.format(picked=_PICKED[self._keep]),
                                          (prefix, STATION, operator, record.created_utc,
                                           record.id, base))
            except NothingNew:
                return None
            except StorageError as error:
                # The UNIQUE hashes: a concurrent import of the same file won. Asked of the data,
                # not of the error's text; any other error goes on as it is.
                if not isinstance(error.__cause__, sqlite3.IntegrityError):
                    raise
                earlier = find_import(self.conn, sha256=sha256, content_sha256=content_sha256)
                if earlier:
                    raise _already_imported(self.conn, earlier, zone) from None
                raise
            finally:
                self.conn.execute(f"PRAGMA cache_size = {cache}")
        self.discard()
        return record

    def discard(self) -> None:
        if self._open:
            self._open = False
            with self.store._lock, dbmod.translated(self.store.path):
                for table in ("import_staging", "import_pick"):
                    self.conn.execute(f"DROP TABLE IF EXISTS temp.{table}")
