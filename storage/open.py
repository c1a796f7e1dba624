"""Open the store for a location: a ``postgresql://`` / ``postgres://`` URL selects the PostgreSQL
engine, anything else is an SQLite file path.

The engines are imported here, inside the function, and only the one asked for: a kiosk on SQLite
never loads psycopg.
"""

from __future__ import annotations

from pathlib import Path

from .interface import Store
from .timeutil import Clock, system_clock

SERVER_SCHEMES = ("postgresql://", "postgres://")


def is_server(location: object) -> bool:
    """True for a PostgreSQL URL (kept as text: a URL is never a file path)."""
    return isinstance(location, str) and location.lower().startswith(SERVER_SCHEMES)


def location(value: str) -> Path | str:
    """A database setting as given by a flag, the environment or the config."""
    return value if is_server(value) else Path(value).expanduser()


def shown(location: Path | str) -> str:
    """The location for people and logs: a URL without its password."""
    if is_server(location):
        from .postgres.connect import describe

        return f"PostgreSQL {describe(str(location))}"
    return str(location)


def open_store(location: Path | str, *, station: str, operator: str, clock: Clock = system_clock,
               create: bool = False, migrate: bool = True, readonly: bool = False) -> Store:
    """The store for ``location``: ``PgStore`` for a server URL, else ``SqliteStore``.

    ``create``: an empty database (or a missing SQLite file) may be set up; otherwise it must
    exist and hold Tælleuge's schema. ``migrate``: pending migrations may be applied.
    ``readonly``: an SQLite file opened for reading only (a read-only mount)."""
    if is_server(location):
        from .postgres.store import PgStore

        return PgStore(str(location), station=station, operator=operator, clock=clock,
                       migrate=migrate, create=create)
    from .sqlite.store import SqliteStore

    return SqliteStore(location, station=station, operator=operator, clock=clock, migrate=migrate,
                       create=create, readonly=readonly)


def read_only_reason(location: Path | str) -> str | None:
    """Why a reading command must open the SQLite file read-only (Danish), or None when it may be
    written: a read-only mount, or a file this user may read but not write."""
    import os

    if is_server(location):
        return None
    path = Path(location)
    try:
        if not path.is_file():
            return None
        if os.statvfs(path.parent).f_flag & os.ST_RDONLY:
            return "ligger på et skrivebeskyttet filsystem"
        if os.access(path, os.R_OK) and not os.access(path, os.W_OK):
            return "kan ikke skrives af denne bruger"
    except OSError:
        return None
    return None


def init_database(location: Path | str, *, station: str, operator: str) -> list[str]:
    """``taelleuge init``: create or migrate the database and return the lines to print (for a
    server also the roles: created and granted where this login may, else the DBA's SQL)."""
    with open_store(location, station=station, operator=operator, create=True) as store:
        return store.init_lines()
