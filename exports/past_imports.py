"""The imports made so far: a numbered list, and taking one back.

Shared by ``taelleuge import --liste`` / ``--fortryd N`` and any other front end (a coordinator's
console): the functions return records, the caller formats and asks. Imports are numbered 1..n in
the order they were written (``Store.imports``); the number is what a coordinator types.
Undoing writes void rows for every live row of the import (append-only stays); a second undo
finds nothing live and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timezone, tzinfo

from storage.errors import Refusal
from storage.interface import Store
from storage.model import ImportRecord
from storage.registration import VOID_REASONS
from storage.timeutil import from_stored

DEFAULT_REASON = "RETTELSE"


@dataclass(frozen=True)
class PastImport:
    number: int  # 1..n, oldest first
    record: ImportRecord
    live: int  # rows not voided now

    @property
    def undone(self) -> bool:
        return self.live == 0

    @property
    def state(self) -> str:
        if self.live == 0:
            return "fortrudt"
        if self.live < self.record.row_count:
            return f"{self.record.row_count - self.live} annulleret"
        return ""

    def when(self, zone: tzinfo | None) -> str:
        moment = from_stored(self.record.created_utc).astimezone(zone or timezone.utc)
        return f"{moment:%d-%m-%Y %H:%M}"


def listing(store: Store) -> list[PastImport]:
    return [PastImport(i, record, live) for i, (record, live) in enumerate(store.import_status(), 1)]


def find(store: Store, number: int) -> PastImport:
    """Import ``number`` (1..n), or a refusal naming the range."""
    found = listing(store)
    if not found:
        raise Refusal("Der er ingen importer i databasen.", "fortryd")
    if not 1 <= number <= len(found):
        raise Refusal(f"Der er ingen import nummer {number}; numrene går fra 1 til {len(found)} "
                      "(se taelleuge import --liste).", "fortryd")
    return found[number - 1]


def check_reason(reason: str) -> str:
    """The void reason: a code from a closed list, never free text (it could hold anything)."""
    code = reason.strip().upper()
    if code not in VOID_REASONS:
        raise Refusal(f'Ukendt årsag "{reason}". Tilladte: {", ".join(VOID_REASONS)}', "aarsag")
    return code


@dataclass(frozen=True)
class Undone:
    past: PastImport
    voided: int


def undo(store: Store, number: int, reason: str = DEFAULT_REASON) -> Undone:
    """Void every live row of import ``number``, in one transaction. Refuses an import with no
    live row ("allerede fortrudt"), writing nothing."""
    reason = check_reason(reason)
    past = find(store, number)
    if past.undone:
        raise Refusal(already_undone(past), "fortryd")
    result = store.undo_import(past.record.id, reason)
    if result.voided == 0:  # undone by someone else since the list was read
        raise Refusal(already_undone(past), "fortryd")
    return Undone(past, result.voided)


def already_undone(past: PastImport) -> str:
    return (f'Import {past.number} ("{past.record.file_name}") er allerede fortrudt: ingen af dens '
            f"{past.record.row_count} rækker tæller med. Intet er ændret.")
