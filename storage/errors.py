"""Errors that carry a message meant for a person, not a traceback."""

from __future__ import annotations

import errno


class TaelleugeError(Exception):
    """Base class: ``str(error)`` is the whole message to show."""


class ConfigError(TaelleugeError):
    """A config file is wrong. Names the file, the key and the problem."""

    def __init__(self, source: str, key: str, problem: str):
        self.source, self.key, self.problem = source, key, problem
        where = f"{source}: {key}" if key else source
        super().__init__(f"Fejl i konfigurationen {where}: {problem}")


class Refusal(TaelleugeError):
    """A registration or correction was refused; nothing was written."""

    def __init__(self, message: str, field: str = ""):
        self.field = field
        super().__init__(message)


class InputError(TaelleugeError, ValueError):
    """A date, week or time typed in a form the app does not read (message says the right form)."""


class NotInitialised(TaelleugeError):
    """The database file is missing or has pending migrations and may not be changed here."""


class StorageError(TaelleugeError):
    """The database file or what surrounds it (disk, permissions, locks), never the data typed in.

    ``str(error)`` is the complete Danish message for a coordinator or IT: what happened, which
    file, that nothing was saved, and the fix. ``short`` is the reason a kiosk shows on one line
    (it is followed by a full stop). ``code`` is SQLite's error name when SQLite raised it.
    Raised by the storage layer only (``storage.sqlite.db.translate``), never matched on message text.
    """

    short = "databasen kan ikke bruges lige nu"

    def __init__(self, message: str, *, short: str | None = None, code: str = ""):
        super().__init__(message)
        if short is not None:
            self.short = short
        self.code = code


class DatabaseBusy(StorageError):
    """Another process held the database (or the write queue) past the timeout. Retrying helps."""

    short = "databasen er optaget af en anden lige nu"


class DiskFull(StorageError):
    """The disk holding the database (or an output file) has no room left."""

    short = "disken er fuld"


class ReadOnlyDatabase(StorageError):
    """The database, its journal or its folder cannot be written: permissions or a read-only mount."""

    short = "databasen kan ikke skrives (rettigheder): kontakt IT"


class NotTaelleugeDatabase(StorageError, NotInitialised):
    """The file is not SQLite at all, or another program's SQLite database. Never changed."""

    short = "filen er ikke en Tælleuge-database: kontakt tovholderen"


class CorruptDatabase(StorageError):
    """SQLite found damaged pages. The only fault whose message may point to a backup."""

    short = "databasefilen er beskadiget: kontakt tovholderen"


class DatabaseUnreachable(StorageError):
    """The file vanished, was replaced, or the disk under it fails (I/O errors)."""

    short = "databasefilen er væk eller kan ikke læses: kontakt IT"


class ConnectionRefused(StorageError):
    """The database server answered and refused this connection: the login (user, password,
    pg_hba.conf), the database name, or SSL. Trying again does not help; fixing the setup does."""

    short = "databaseserveren afviser forbindelsen: kontakt IT"


class OutcomeUnknown(DatabaseUnreachable):
    """The COMMIT was sent but its answer never came, and the server could not be asked
    afterwards: the write may or may not be stored. The message says how to check; a retry
    with the same ids (a kiosk's) is safe, a new registration typed again is not."""

    short = "uvist om det blev gemt: databaseserveren svarer ikke"


class UnsafeFile(StorageError):
    """A file next to the database (write lock, journal) is a symlink or not a regular file."""

    short = "en fil ved databasen er ikke en almindelig fil: kontakt IT"


class UnsafeJournalMode(StorageError):
    """A WAL-mode file met an SQLite library that carries the WAL-reset race (before 3.51.3)."""

    short = "databasen er i WAL-tilstand, som denne SQLite ikke må bruge: kontakt IT"


class OutputError(TaelleugeError):
    """A file the coordinator asked for could not be written; nothing was left behind."""


_OS_REASONS = {
    errno.ENOSPC: "disken er fuld",
    errno.EDQUOT: "brugerens diskkvote er brugt op",
    errno.EFBIG: "filen bliver større end tilladt (grænse for filstørrelse)",
    errno.EACCES: "adgang nægtet (rettigheder)",
    errno.EPERM: "handlingen er ikke tilladt (rettigheder)",
    errno.EROFS: "filsystemet er skrivebeskyttet",
    errno.ENAMETOOLONG: "navnet er for langt (højst 255 tegn pr. navn)",
    errno.ENOENT: "findes ikke",
    errno.ENOTDIR: "en del af stien er ikke en mappe",
    errno.EISDIR: "er en mappe",
    errno.EIO: "I/O-fejl på disken",
    errno.ELOOP: "for mange symbolske links (eller et symbolsk link, der ikke må følges)",
    errno.ETXTBSY: "filen er i brug",
    errno.EEXIST: "findes allerede",
}


def os_reason(error: OSError) -> str:
    """An OSError's reason in Danish (by errno, never by message text)."""
    reason = _OS_REASONS.get(error.errno or 0)
    if reason is None:
        name = errno.errorcode.get(error.errno or 0, "ukendt")
        reason = f"systemfejl {name}"
    return reason


def os_error_message(error: OSError, action: str = "Filen kunne ikke bruges") -> str:
    """``action: file: reason.`` for a person; the file named where the OS says which it was."""
    where = f"{error.filename}: " if error.filename else ""
    return f"{action}: {where}{os_reason(error)}."
