"""An SQLite database's rows, table by table, in chunks: the source side of ``flyt``
(storage.move). Each chunk is one short keyed read, so kiosks still writing are never held up."""

from __future__ import annotations

from collections.abc import Iterator

from ..model import Table

# Registrations and voids in commit order (``seq``); the two small logs in the order written.
_KEY = {"registrations": "seq", "voids": "seq", "imports": "rowid", "exports": "rowid"}


def count(store, table: Table) -> int:
    return store._rows(f"SELECT count(*) FROM {table.name}")[0][0]


def chunks(store, table: Table, size: int) -> Iterator[list[tuple]]:
    """The table's written columns (``Table.written``, stored values), ``size`` rows at a time."""
    key = _KEY[table.name]
    sql = (f"SELECT {', '.join(table.written)}, {key} FROM {table.name} "
           f"WHERE {key} > ? ORDER BY {key} LIMIT ?")
    after = -1
    while True:
        rows = store._rows(sql, (after, size))
        if not rows:
            return
        after = rows[-1][-1]
        yield [row[:-1] for row in rows]


def kommuner(store) -> set[str]:
    return {k for (k,) in store._rows("SELECT DISTINCT kommune_nr FROM registrations")}
