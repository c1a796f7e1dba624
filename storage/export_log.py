"""The log of delivered Landkort files, engine-neutral: which exports cover a row, and which rows
of a selection changed after the export that delivered them.

``eksport landkort`` writes one record per file it publishes (never for ``--kontroller``).
``registrer`` and ``fortryd`` ask the store's ``export_covering`` whether a row lands in a range
already delivered; the next export's check lists what :func:`count_changes` finds. The engines
read the rows (``Snapshot.changes_since``); the rules are here, once.
"""

from __future__ import annotations

from collections.abc import Iterable

from .interface import Changes
from .model import ExportRecord
from .timeutil import from_stored

KINDS = ("landkort-upload", "landkort-raadata")


def check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown export kind {kind!r}")


def covering(overlapping: list[ExportRecord], end_utc: str, enhed: str,
             datakilde: str) -> ExportRecord | None:
    """The latest of ``overlapping`` (oldest first) whose file held a row at ``end_utc``."""
    found = [e for e in overlapping if e.covers(end_utc, enhed, datakilde)]
    return found[-1] if found else None


def point_range(end_utc: str) -> tuple[str, str]:
    """The [start, end) range that overlaps exactly the exports covering the moment ``end_utc``."""
    return end_utc, end_utc + "~"


def since(earlier: list[ExportRecord]) -> str:
    """Rows made or voided after this moment may have changed a delivered file."""
    return min(e.created_utc for e in earlier)


def count_changes(earlier: list[ExportRecord], registered: Iterable[tuple],
                  voided: Iterable[tuple], zone) -> Changes:
    """Match the candidate rows to the exports that covered them.

    ``registered``: ``(enhed, datakilde, end_utc, created_utc)`` of live rows of the selection made
    after :func:`since`; kept when every export covering the row is older than the row.
    ``voided``: ``(enhed, datakilde, end_utc, created_utc, voided_utc)`` of rows of the selection
    voided after :func:`since`; kept when the row was in a delivered file (registered before an
    export that covers it, voided after it) and no later export has left it out since.
    """
    changes = Changes(earlier)
    for enhed, kilde, end, created in registered:
        times = [e.created_utc for e in earlier if e.covers(end, enhed, kilde)]
        if times and max(times) < created:
            changes.registered[enhed, _day(end, zone)] += 1
    for enhed, kilde, end, created, when in voided:
        times = [e.created_utc for e in earlier if e.covers(end, enhed, kilde)]
        if any(created < t < when for t in times) and not any(t >= when for t in times):
            changes.voided[enhed, _day(end, zone)] += 1
    return changes


def _day(end_utc: str, zone) -> str:
    return f"{from_stored(end_utc).astimezone(zone):%d-%m-%Y}"
