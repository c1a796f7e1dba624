"""The corrections log, engine-neutral: every void and every restore, for ``taelleuge historik``.

Nothing is ever updated or deleted (``storage.interface``): a void row says who voided which
registration, when and why (a closed reason code); a restore is a new registration whose
``replaces`` names the voided one. The engines run the two queries built here (only the
parameter mark differs) and hand the rows to :func:`events`.
"""

from __future__ import annotations

from datetime import date, tzinfo

from .interface import HistoryEvent
from .model import REGISTRATIONS
from .timeutil import local_day_bounds

VOIDED = "annulleret"
RESTORED = "genskabt"
_REG = REGISTRATIONS.select("r")


def bounds(day: date | None, zone: tzinfo | None) -> tuple[str, str] | None:
    if day is None:
        return None
    if zone is None:
        raise ValueError("history by day needs the config's time zone")
    return local_day_bounds(day, zone)


def queries(mark: str, enhed: str | None, day: tuple[str, str] | None) -> list[tuple[str, list]]:
    """(SQL, parameters) for the voids, then the restores, of one unit and/or one local day of
    the change (by when it was made, not when the row was registered)."""
    out = []
    for table, alias, head in (
        ("voids", "v", f"SELECT v.reason, v.station, v.operator, v.created_utc, v.seq, {_REG} "
                       "FROM voids v JOIN registrations r ON r.id = v.registration_id"),
        ("registrations", "r", f"SELECT NULL, r.station, r.operator, r.created_utc, r.seq, {_REG} "
                               "FROM registrations r"),
    ):
        where, params = ([] if table == "voids" else ["r.replaces IS NOT NULL"]), []
        if enhed is not None:
            where.append(f"{alias}.enhed = {mark}")
            params.append(enhed)
        if day is not None:
            where.append(f"{alias}.created_utc >= {mark} AND {alias}.created_utc < {mark}")
            params.extend(day)
        sql = head + (" WHERE " + " AND ".join(where) if where else "")
        out.append((sql, params))
    return out


def events(voids: list[tuple], restores: list[tuple]) -> list[HistoryEvent]:
    """The rows of :func:`queries` as events, oldest first (a void before the restore that
    follows it in the same instant)."""
    found = [
        HistoryEvent(kind=kind, at_utc=row[3], station=row[1], operator=row[2], reason=row[0],
                     row=REGISTRATIONS.from_row(row[5:], voided=kind == VOIDED), seq=row[4])
        for kind, rows in ((VOIDED, voids), (RESTORED, restores)) for row in rows
    ]
    return sorted(found, key=lambda e: (e.at_utc, e.kind != VOIDED, e.seq))
