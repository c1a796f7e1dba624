"""Errors that carry a message meant for a person, not a traceback."""

from __future__ import annotations


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
    short = "databasen kan ikke bruges lige nu"
    def __init__(self, message: str, *, short: str | None = None, code: str = ""):
        super().__init__(message)
        if short is not None:
            self.short = short
        self.code = code

class DatabaseBusy(StorageError):
    short = "databasen er optaget af en anden lige nu"

class DiskFull(StorageError):
    short = "disken er fuld"

class ReadOnlyDatabase(StorageError):
    short = "databasen kan ikke skrives (rettigheder): kontakt IT"

class NotTaelleugeDatabase(StorageError, NotInitialised):
    short = "filen er ikke en Tælleuge-database: kontakt tovholderen"

class CorruptDatabase(StorageError):
    short = "databasefilen er beskadiget: kontakt tovholderen"

class DatabaseUnreachable(StorageError):
    short = "databasefilen er væk eller kan ikke læses: kontakt IT"
