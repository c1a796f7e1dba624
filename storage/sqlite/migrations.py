"""Apply the schema with sqlite-utils' built-in migrations.

Imported only by ``taelleuge init`` and when a file is new or behind: ``import sqlite_utils``
loads pandas and numpy when installed, which the registration path must not pay for.
"""

from __future__ import annotations

import sqlite3

import sqlite_utils
from sqlite_utils.migrations import Migrations

from .db import write_txn
from .schema import MIGRATION_SET, MIGRATIONS


def _migration_set() -> Migrations:
    migrations = Migrations(MIGRATION_SET)
    for fn in MIGRATIONS:
        migrations()(fn)
    return migrations


def apply(conn: sqlite3.Connection) -> list[str]:
    """Apply pending migrations; returns the names applied (empty when up to date).

    The whole run sits in one ``BEGIN IMMEDIATE`` transaction, so ten logins starting at once
    migrate exactly once: the others wait for the lock, then find nothing pending. sqlite-utils
    sees the open transaction and uses savepoints inside it.
    """
    db = sqlite_utils.Database(conn)
    migrations = _migration_set()
    with write_txn(conn):
        pending = [m.name for m in migrations.pending(db)]
        migrations.apply(db)
    return pending
