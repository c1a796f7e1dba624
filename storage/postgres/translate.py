"""PostgreSQL errors → the typed storage errors, by SQLSTATE and exception class, never by message.

``str(error)`` of the result is the full Danish message (what happened, that nothing was saved,
what to do); ``short`` the one-line reason a kiosk shows; ``code`` the SQLSTATE (or the psycopg
class name when the failure came before the server said anything, e.g. no connection).
"""

from __future__ import annotations

import psycopg

from ..errors import (ConnectionRefused, CorruptDatabase, DatabaseBusy, DatabaseUnreachable,
                      DiskFull, NotTaelleugeDatabase, ReadOnlyDatabase, StorageError)
from .roles import COORDINATOR, STAFF, STAFF_OWN_ROWS

# Raised by the schema's own triggers (storage.postgres.schema).
APPEND_ONLY = "TL001"
VOID_FACTS = "TL002"

# Server going away, or refusing new sessions while it starts or stops.
_GONE = {"57P01", "57P02", "57P03"}
# A lock not granted in time (lock_timeout), a serialisation or deadlock loser, a cancelled wait,
# or no free connection slot: trying again later helps.
_BUSY = {"55P03", "40001", "40P01", "57014", "53300"}
_NOT_OURS = {"42P01", "42703", "3F000", "42883"}
_CORRUPT = {"XX001", "XX002"}
_LOGIN = {"28P01", "28000"}  # invalid password / authorisation (pg_hba.conf, no such role)
_NO_DATABASE = "3D000"

# A failed connection attempt carries no SQLSTATE in psycopg (3.3: libpq keeps the server's
# ErrorResponse only as text), so the refusals a person must fix are told apart by libpq's and
# the server's (English, the default) wording. Anything not recognised stays "cannot be reached".
_LOGIN_TEXT = ("password authentication failed", "authentication failed", "no pg_hba.conf entry",
               "no password supplied")
_CONNECTING = ("connection failed:", "connection is bad:")  # psycopg's, for a failed attempt


def _refused_at_connect(error: psycopg.Error, state: str) -> str:
    """"login", "database", "ssl" or "" for a connection attempt the server refused (never for
    a session that broke later: an "SSL SYSCALL error" mid-session is a network cut)."""
    if state in _LOGIN:
        return "login"
    if state == _NO_DATABASE:
        return "database"
    text = str(error).lower()
    if state or not isinstance(error, psycopg.OperationalError) or not text.startswith(_CONNECTING):
        return ""
    if any(t in text for t in _LOGIN_TEXT) or ('role "' in text and "does not exist" in text):
        return "login"
    if 'database "' in text and "does not exist" in text:
        return "database"
    if "ssl" in text or "certificate" in text:
        return "ssl"
    return ""


def first_line(error: psycopg.Error) -> str:
    """libpq's or the server's first line (never holds a password), for IT."""
    primary = getattr(error.diag, "message_primary", None) if hasattr(error, "diag") else None
    text = primary or str(error)
    return (text.strip().splitlines() or ["ukendt fejl"])[0][:300]


def translate(error: psycopg.Error, where: str, user: str = "") -> StorageError:
    """The typed error for ``error`` on the server described by ``where`` (no password)."""
    state = getattr(error, "sqlstate", None) or ""
    code = state or type(error).__name__
    refused = _refused_at_connect(error, state)
    if refused == "login":
        return ConnectionRefused(
            f"Databaseserveren afviste login for brugeren {user or '(standard)'} ({where}): "
            f"{first_line(error)}. Tjek brugernavnet og adgangskoden (i ~/.pgpass; ikke i "
            "adressen), og at serverens pg_hba.conf tillader dette login. Intet er gemt.",
            short="databaseserveren afviser login: kontakt IT", code=state or "login")
    if refused == "database":
        return ConnectionRefused(
            f"Databasen findes ikke på serveren ({where}): {first_line(error)}. Tjek "
            "databasenavnet i adressen (database / TAELLEUGE_DB), eller bed IT oprette den og kør "
            "taelleuge init. Intet er gemt.",
            short="databasen findes ikke på serveren: kontakt IT", code=state or "database")
    if refused == "ssl":
        return ConnectionRefused(
            f"Forbindelsen til databaseserveren blev afvist på grund af SSL ({where}): "
            f"{first_line(error)}. Adressens sslmode og serverens SSL-opsætning passer ikke "
            "sammen (fx sslmode=require mod en server uden SSL, eller et certifikat, der ikke "
            "kan godkendes). Intet er gemt.",
            short="SSL-forbindelsen til databaseserveren afvises: kontakt IT", code="ssl")
    if isinstance(error, psycopg.InterfaceError) or (
        isinstance(error, psycopg.OperationalError) and (not state or state.startswith("08") or state in _GONE)
    ):
        return DatabaseUnreachable(
            f"Databaseserveren kan ikke nås ({where}): {first_line(error)}. Intet er gemt. Tjek, at "
            "serveren kører, og at netværket virker; Tælleuge forbinder selv igen ved næste forsøg.",
            short="databaseserveren svarer ikke", code=code,
        )
    if state in _BUSY:
        return DatabaseBusy(
            f"Databaseserveren er optaget ({where}): {first_line(error)}. Intet er gemt; prøv igen "
            "om lidt.",
            short="databaseserveren er optaget lige nu", code=code,
        )
    if state == "53100":
        return DiskFull(
            f"Databaseserverens disk er fuld ({where}). Intet er gemt. Kontakt IT, før der "
            "registreres videre.",
            short="databaseserverens disk er fuld: kontakt IT", code=code,
        )
    if state == STAFF_OWN_ROWS:
        return ReadOnlyDatabase(
            f"Databasebrugeren {user or 'denne bruger'} er personale: den kan kun annullere og "
            "genskabe sine egne registreringer fra samme station, og aldrig importerede rækker. "
            "Intet er gemt. Tovholderen retter resten.",
            short="kun egne registreringer fra denne skærm; tovholderen retter resten", code=code,
        )
    if state == "42501":
        login = user or "denne bruger"
        return ReadOnlyDatabase(
            f"Databasebrugeren {login} har ikke rettighed til dette ({first_line(error)}). Intet er "
            f"gemt. En DBA giver personalets login rollen {STAFF}: "
            f'GRANT {STAFF} TO "{login}"; (kun tovholderens login får {COORDINATOR}). Mangler '
            "rettighederne for alle, så kør taelleuge init som tabellernes ejer.",
            short="databasebrugeren mangler rettigheder: kontakt IT", code=code,
        )
    if state == "25006":
        return ReadOnlyDatabase(
            f"Databaseserveren tager kun imod læsning ({where}; en standby-server?). Intet er "
            "gemt. Brug den primære server.",
            short="databaseserveren er skrivebeskyttet: kontakt IT", code=code,
        )
    if state in _NOT_OURS:
        return NotTaelleugeDatabase(
            f"Databasen ({where}) har ikke Tælleuges tabeller, eller en ældre udgave af dem "
            f"({first_line(error)}). Intet er ændret. Kør: taelleuge init",
            short="databasen er ikke en Tælleuge-database: kontakt tovholderen", code=code,
        )
    if state in _CORRUPT:
        return CorruptDatabase(
            f"Databaseserveren melder beskadigede data ({where}): {first_line(error)}. Kontakt IT.",
            short="databaseserveren melder beskadigede data: kontakt IT", code=code,
        )
    if state == APPEND_ONLY:
        return StorageError(
            "Tælleuges rækker kan ikke ændres eller slettes, kun tilføjes (en annullering er en ny "
            "række). Intet er ændret.",
            short="rækker kan kun tilføjes", code=code,
        )
    if state == "53200" or state.startswith("53"):
        return StorageError(
            f"Databaseserveren mangler ressourcer ({where}): {first_line(error)}. Intet er gemt; "
            "kontakt IT.",
            short="databaseserveren mangler ressourcer: kontakt IT", code=code,
        )
    return StorageError(
        f"Databaseserveren afviste handlingen (SQLSTATE {code}: {first_line(error)}). Intet er gemt.",
        code=code,
    )
