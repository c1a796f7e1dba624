"""Open the store for a location: a ``postgresql://`` / ``postgres://`` URL selects the PostgreSQL
engine, anything else is an SQLite file path.

The engines are imported here, inside the function, and only the one asked for: a kiosk on SQLite
never loads psycopg.
"""

from __future__ import annotations

from pathlib import Path

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


def require_sqlite(location: Path | str, what: str) -> None:
    """Refuse, before any work, a command not yet ported to PostgreSQL (issue 10, step A)."""
    if is_server(location):
        from .errors import NotInitialised

        raise NotInitialised(f"{what} virker endnu kun med en SQLite-database, ikke med PostgreSQL.")


def open_store(location: Path | str, *, station: str, operator: str, clock: Clock = system_clock,
               create: bool = False, migrate: bool = True):
    """The store for ``location``: ``PgStore`` for a server URL, else the SQLite ``Store``.

    ``create``: an empty database (or a missing SQLite file) may be set up; otherwise it must
    exist and hold Tælleuge's schema. ``migrate``: pending migrations may be applied."""
    if is_server(location):
        from .postgres.store import PgStore

        return PgStore(str(location), station=station, operator=operator, clock=clock,
                       migrate=migrate, create=create)
    from .sqlite.store import Store

    return Store(location, station=station, operator=operator, clock=clock, migrate=migrate,
                 create=create)


def init_server(location: str, *, station: str, operator: str) -> list[str]:
    """``taelleuge init`` for a server: migrate, create/grant the roles where this login may, and
    return the lines to print (the DBA's SQL when it may not)."""
    from .postgres.admin import init_lines

    with open_store(location, station=station, operator=operator, create=True) as store:
        return init_lines(store)


def export_covering(store, end_utc: str, enhed: str, datakilde: str):
    """``storage.sqlite.export_log.covering`` for either engine (until the store interface has it)."""
    if getattr(store, "engine", "sqlite") == "postgresql":
        return store.export_covering(end_utc, enhed, datakilde)
    from .sqlite import export_log

    return export_log.covering(store.conn, end_utc, enhed, datakilde)
