"""What the coordinator's list of registrations asks for (``Store.registrations``), and the SQL
both engines build from it.

Paging is by keyset on ``seq`` (newest first): a page is "the next ``limit`` rows below
``before_seq``", one index walk however deep the coordinator pages, never an OFFSET. A filter
without an index of its own (task, channel, type, data source) walks ``seq`` downwards and
tests each row; so that a rare value cannot turn one page into a walk over a million rows, such
a walk stops after :data:`SCAN_WINDOW` sequence numbers and the page says where to go on from
(``RegistrationPage.next_before``), the screen then offers "søg videre".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, tzinfo

from .model import Registration
from .timeutil import local_day_bounds

# How many sequence numbers one page walks at most when only unindexed filters narrow it
# (~50 ms at 1M rows on SQLite; bench/console.py).
SCAN_WINDOW = 100_000


@dataclass(frozen=True)
class RegistrationQuery:
    """Filters of the list; ``None`` = any. ``day`` is a local day in ``zone``."""

    enhed: str | None = None
    day: date | None = None
    opgave: str | None = None
    kanal: str | None = None
    type: str | None = None
    station: str | None = None
    datakilde: str | None = None
    include_voided: bool = False
    zone: tzinfo | None = None

    def __post_init__(self) -> None:
        if self.day is not None and self.zone is None:
            raise ValueError("a day filter needs the config's time zone")


@dataclass
class RegistrationPage:
    """One page, newest first. ``next_before``: pass as ``before_seq`` for the next page; None
    when nothing older matches. ``scanned_to``: the walk stopped at this ``seq`` before the page
    was full (more may match below it)."""

    rows: list[Registration] = field(default_factory=list)
    next_before: int | None = None
    scanned_to: int | None = None


def where(query: RegistrationQuery, before_seq: int | None, mark: str,
          not_voided: str | None) -> tuple[list[str], list, bool]:
    """The WHERE terms and their parameters (``mark``: the engine's placeholder), and whether
    the walk needs the scan window (no indexed filter narrows it)."""
    terms: list[str] = []
    args: list = []
    if before_seq is not None:
        terms.append(f"r.seq < {mark}")
        args.append(before_seq)
    if query.enhed is not None:
        terms.append(f"r.enhed = {mark}")
        args.append(query.enhed)
    if query.day is not None:
        start, end = local_day_bounds(query.day, query.zone)
        # trial IN (0, 1): lets the (enhed, trial, end_utc, ...) index take the day as a range.
        if query.enhed is not None:
            terms.append("r.trial IN (0, 1)")
        terms.append(f"r.end_utc >= {mark} AND r.end_utc < {mark}")
        args += [start, end]
    for column in ("opgave", "kanal", "type", "station"):
        value = getattr(query, column)
        if value is not None:
            terms.append(f"r.{column} = {mark}")
            args.append(value)
    if query.datakilde is not None:
        # Any case, as kanal and type (upper-cased by the callers): "tracetool" finds "Tracetool".
        # The column has no index of its own, so lower() costs no index use.
        terms.append(f"lower(r.datakilde) = lower({mark})")
        args.append(query.datakilde)
    if not query.include_voided and not_voided:
        terms.append(not_voided)
    indexed = query.enhed is not None or query.day is not None or query.station is not None
    windowed = not indexed and any(
        getattr(query, c) is not None for c in ("opgave", "kanal", "type", "datakilde"))
    return terms, args, windowed


def page_of(rows: list[Registration], limit: int, floor: int | None) -> RegistrationPage:
    """The page from up to ``limit`` rows read; ``floor``: the window's lowest ``seq`` (or None)."""
    if len(rows) >= limit:
        return RegistrationPage(rows, rows[-1].seq)
    if floor is not None and floor > 1:
        return RegistrationPage(rows, floor, scanned_to=floor)
    return RegistrationPage(rows, None)
