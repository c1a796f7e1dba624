"""Imports, engine-neutral: the station every imported row carries, the layouts, and the refusal
of a file imported before. The staging and the one-transaction write are each engine's
``import_batch`` (storage.interface.ImportBatch)."""

from __future__ import annotations

from datetime import timezone, tzinfo

from .model import ImportRecord
from .timeutil import from_stored

STATION = "import"  # the station of every imported row

LAYOUTS = ("raadata", "upload")


def duplicate_message(earlier: ImportRecord, zone: tzinfo | None = None) -> str:
    when = from_stored(earlier.created_utc).astimezone(zone or timezone.utc)
    return (
        f'Filen er allerede importeret (som "{earlier.file_name}", {earlier.row_count} rækker, '
        f"{when:%d-%m-%Y %H:%M}{'' if zone else ' UTC'} af {earlier.operator}). "
        "Intet er importeret denne gang."
    )


def row_id(prefix: str, number: int) -> str:
    """An imported row's id: one random UUID prefix per import (28 characters) and the staging
    row's number in the last 8 hex digits. Still the UUID text form, unique, and in order, so the
    primary-key index grows at one end instead of taking 1M random inserts."""
    return f"{prefix}{number:08x}"
