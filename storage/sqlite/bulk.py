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
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timezone, tzinfo

from . import db as dbmod
from ..errors import Refusal
from .snapshot import find_import
from .store import Store
from ..timeutil import from_stored, to_stored

STATION = "import"  # the station of every imported row

# One staged row, in this order.
STAGING_COLUMNS = (
    "kommune_nr", "kommune_navn", "enhed", "opgave", "kanal", "type", "afslutning", "blanket",
    "start_utc", "end_utc", "date_only", "datakilde", "answers",
)

LAYOUTS = ("raadata", "upload")

# While the rows are copied: a bigger page cache keeps the indexes' hot pages in memory.
_IMPORT_CACHE_KIB = 65_536


@dataclass(frozen=True)
class ImportRecord:
    id: str
    sha256: str
    content_sha256: str
    file_name: str
    layout: str
    encoding: str
    row_count: int
    datakilde: str
    station: str
    operator: str
    created_utc: str


def duplicate_message(earlier: dict, zone: tzinfo | None = None) -> str:
    when = from_stored(earlier["created_utc"]).astimezone(zone or timezone.utc)
    return (
        f'Filen er allerede importeret (som "{earlier["file_name"]}", {earlier["row_count"]} rækker, '
        f"{when:%d-%m-%Y %H:%M}{'' if zone else ' UTC'} af {earlier['operator']}). "
        "Intet er importeret denne gang."
    )


class ImportBatch:
    """Rows of one file on their way in. Use as a context manager: unfinished work is dropped."""

    def __init__(self, store: Store):
        self.store = store
        self.conn = store.conn
        self.staged = 0
        self._open = True
        self.conn.execute("DROP TABLE IF EXISTS temp.import_staging")
        self.conn.execute(
            f"CREATE TEMP TABLE import_staging ({', '.join(STAGING_COLUMNS)})"
        )

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
    ) -> ImportRecord:
        """Write every staged row and the import record, all or nothing.

        Refuses (nothing written) when the same file, or the same lines in another encoding, was
        imported before: checked again inside the write lock, so two coordinators importing the
        same file at once cannot both succeed.
        """
        if layout not in LAYOUTS:
            raise ValueError(f"unknown layout {layout!r}")
        if self.staged == 0:
            raise Refusal("Filen har ingen rækker at importere. Intet er importeret.", "fil")
        record = ImportRecord(
            id=str(uuid.uuid4()), sha256=sha256, content_sha256=content_sha256,
            file_name=file_name, layout=layout, encoding=encoding, row_count=self.staged,
            datakilde=datakilde, station=station, operator=operator,
            created_utc=to_stored(self.store.clock()),
        )
        # Row ids: one random UUID prefix per import and a counter in its last 8 hex digits. Still
        # the UUID text form, unique, and in order, so the primary-key index grows at one end
        # instead of taking 1M random inserts.
        prefix = str(uuid.uuid4())[:28]
        with self.store._lock:
            cache = self.conn.execute("PRAGMA cache_size").fetchone()[0]
            self.conn.execute(f"PRAGMA cache_size = -{_IMPORT_CACHE_KIB}")
            try:
                with dbmod.write_txn(self.conn):
                    earlier = find_import(self.conn, sha256=sha256, content_sha256=content_sha256)
                    if earlier:
                        raise Refusal(duplicate_message(earlier, zone), "fil")
                    self.conn.execute(
                        "INSERT INTO imports (id, sha256, content_sha256, file_name, layout, "
                        "encoding, row_count, datakilde, station, operator, created_utc) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (record.id, record.sha256, record.content_sha256, record.file_name,
                         record.layout, record.encoding, record.row_count, record.datakilde,
                         record.station, record.operator, record.created_utc),
                    )
                    self.conn.execute(
                        "INSERT INTO registrations (id, kommune_nr, kommune_navn, enhed, opgave, "
                        "kanal, type, afslutning, blanket, start_utc, end_utc, date_only, "
                        "datakilde, station, operator, answers, trial, batch_id, replaces, "
                        "created_utc, import_id) "
                        "SELECT ? || printf('%08x', rowid), kommune_nr, kommune_navn, enhed, "
                        "opgave, kanal, type, afslutning, blanket, start_utc, end_utc, date_only, "
                        "datakilde, ?, ?, answers, 0, NULL, NULL, ?, ? "
                        "FROM temp.import_staging ORDER BY rowid",
                        (prefix, STATION, operator, record.created_utc, record.id),
                    )
            except sqlite3.IntegrityError:
                # The UNIQUE hashes: a concurrent import of the same file won. Asked of the data,
                # not of the error's text; any other constraint error goes on as it is.
                earlier = find_import(self.conn, sha256=sha256, content_sha256=content_sha256)
                if earlier:
                    raise Refusal(duplicate_message(earlier, zone), "fil") from None
                raise
            finally:
                self.conn.execute(f"PRAGMA cache_size = {cache}")
        self.discard()
        return record

    def discard(self) -> None:
        if self._open:
            self._open = False
            with self.store._lock:
                self.conn.execute("DROP TABLE IF EXISTS temp.import_staging")
