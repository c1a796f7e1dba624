"""Connections to a PostgreSQL server: settings from a ``postgresql://`` URL, never the password
on show.

A short ``connect_timeout`` and TCP keepalives/``tcp_user_timeout`` so a kiosk whose server or
network is gone says IKKE GEMT within seconds instead of hanging; a ``lock_timeout`` so a write
that waits on someone else's lock ends as "busy" (like SQLite's busy_timeout). The URL may set any
of these itself (``?connect_timeout=2``, ``?options=-c%20lock_timeout%3D5000``): its values win.
"""

from __future__ import annotations

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from ..errors import TaelleugeError

LOCK_TIMEOUT_MS = 10_000  # as SQLite's busy_timeout (storage.sqlite.db.BUSY_TIMEOUT_MS)
# A write with no answer at all this long (a hung or stopped server backend, which neither
# lock_timeout nor TCP keepalives notice) is given up as unreachable: well past lock_timeout,
# so a lock wait ends first, as "busy".
WRITE_DEADLINE_S = 20.0
READ_DEADLINE_S = 30.0  # a screen's or a report's read; imports and flyt have none
QUEUE_WAIT_S = 15.0  # waiting for this process's other call to the server, then "busy"

# libpq settings the URL does not give itself.
DEFAULTS = {
    "connect_timeout": "5",
    "application_name": "taelleuge",
    "keepalives": "1",
    "keepalives_idle": "30",
    "keepalives_interval": "5",
    "keepalives_count": "3",
    "tcp_user_timeout": "15000",  # ms an unacknowledged write may wait (network cut mid-commit)
}
SECRETS = ("password", "sslpassword")
# Shown by doctor and init, in this order; anything else the URL sets is shown after them.
SHOWN_FIRST = ("host", "hostaddr", "port", "dbname", "user", "sslmode", "options")


def settings(url: str) -> dict[str, str]:
    """The URL's libpq settings. A URL that does not parse is refused without echoing it (it
    may hold a password)."""
    try:
        return conninfo_to_dict(url)
    except psycopg.Error:
        raise TaelleugeError(
            "PostgreSQL-adressen (database / TAELLEUGE_DB / --db) kan ikke læses. Skriv den som "
            "postgresql://bruger@vært:5432/database; adgangskoden hører hjemme i ~/.pgpass."
        ) from None


def safe_settings(url: str) -> dict[str, str]:
    """The connection settings without any password: for ``doctor``, logs and messages."""
    values = {k: v for k, v in settings(url).items() if k not in SECRETS}
    ordered = {k: values.pop(k) for k in SHOWN_FIRST if k in values}
    return ordered | values


def has_password(url: str) -> bool:
    return bool(settings(url).get("password"))


def describe(url: str) -> str:
    """One line for people: ``host=… port=… dbname=… user=…``, no password."""
    shown = safe_settings(url)
    return " ".join(f"{k}={v}" for k, v in shown.items()) or "standardforbindelsen (PG-miljøvariabler)"


def conninfo(url: str) -> str:
    values = {**DEFAULTS, **settings(url)}
    options = values.get("options", "")
    if "lock_timeout" not in options:
        values["options"] = f"{options} -c lock_timeout={LOCK_TIMEOUT_MS}".strip()
    return make_conninfo(**values)


def connect(url: str) -> psycopg.Connection:
    """A new autocommit connection: every write opens its own ``conn.transaction()``."""
    conn = psycopg.connect(conninfo(url), autocommit=True)
    # Durability first: a commit returns only when the row is on disk, whatever a server or role
    # default says (SQLite's synchronous=FULL).
    conn.execute("SET synchronous_commit = on")
    return conn
