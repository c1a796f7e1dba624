"""Imports, engine-neutral: the station every imported row carries, the layouts, and the refusal
of a file imported before. The staging and the one-transaction write are each engine's
``import_batch`` (storage.interface.ImportBatch)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo

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


# -- content-based re-import dedupe ---------------------------------------------------------------
#
# A registration's identity: municipality number, unit, task, channel, type, afslutning, blanket,
# the end time to the minute in local time, data source and answers. A file re-saved by Excel
# (HH:MM, lower-case codes, another column order) or a subset/superset of an earlier one reads
# back to the same identities. Multiplicity counts: the n-th copy of an identity in the file
# matches the n-th live copy already stored, so identical rows (legitimate: two citizens, one
# minute) are neither lost nor doubled. Matched against every live, non-trial row, whoever wrote
# it: a re-import of our own export adds nothing. Voided rows are not there any more.
#
# The matching is SQL on both engines: the stored side grouped to (identity, count) inside the
# file's time range, the staged side numbered with row_number() per identity; a staged row is
# already there when its number is at most the stored count.

IDENTITY = ("kommune_nr", "enhed", "opgave", "kanal", "type", "afslutning", "blanket", "minute",
            "datakilde", "answers")
_NULLABLE = {"type", "afslutning", "blanket"}
# Fields a file may not carry (upload layout: no Datakilde, no local questions). A file without
# them cannot tell, so they are left out of the identity for that file.
OPTIONAL_IDENTITY = ("datakilde", "answers")


class NothingNew(Exception):
    """Inside an import's transaction: every staged row is already stored (rolls it back)."""


@dataclass(frozen=True)
class Match:
    """What a staged file brings: ``new`` rows to write, ``existing`` ones already stored."""

    new: int
    existing: int

    def sentence(self, *, written: bool) -> str:
        verb = "importeret" if written else "ville blive importeret"
        return f"{self.new} nye rækker {verb}, {self.existing} fandtes allerede"


def identity_fields(*, has_source: bool, has_answers: bool) -> tuple[str, ...]:
    left_out = {"datakilde"} if not has_source else set()
    if not has_answers:
        left_out.add("answers")
    return tuple(f for f in IDENTITY if f not in left_out)


def repeated_hours(zone: tzinfo, first_utc: str, last_utc: str) -> dict[str, str]:
    """Stored-hour prefixes (``YYYY-MM-DDTHH``) inside the autumn hour that happens twice, mapped
    to the first occurrence's prefix: a file says "02:30" for both, and the reader takes the first
    (exports.localtime), so a row registered in the second one must match it."""
    start = datetime.strptime(first_utc[:13], "%Y-%m-%dT%H").replace(tzinfo=timezone.utc)
    end = datetime.strptime(last_utc[:13], "%Y-%m-%dT%H").replace(tzinfo=timezone.utc)
    found: dict[str, str] = {}
    if end < start or (end - start) > timedelta(days=800):
        return found
    # Transitions are rare: step a day at a time, and look hour by hour only around an offset change.
    day = start - timedelta(hours=start.hour)
    while day <= end + timedelta(days=1):
        nxt = day + timedelta(days=1)
        if day.astimezone(zone).utcoffset() != nxt.astimezone(zone).utcoffset():
            hour = day
            while hour < nxt:
                local = hour.astimezone(zone)
                if local.fold:
                    first = local.replace(fold=0).astimezone(timezone.utc)
                    found[f"{hour:%Y-%m-%dT%H}"] = f"{first:%Y-%m-%dT%H}"
                hour += timedelta(hours=1)
        day = nxt
    return found


def identity_columns(alias: str, fields: tuple[str, ...], folds: dict[str, str]) -> list[str]:
    """SQL expressions (both engines) for the identity of rows of ``alias``, named k0, k1, …"""
    out = []
    for i, name in enumerate(fields):
        if name == "minute":
            if folds:
                cases = " ".join(f"WHEN '{k}' THEN '{v}' || substr({alias}.end_utc, 14, 3)"
                                 for k, v in sorted(folds.items()))
                expr = (f"CASE substr({alias}.end_utc, 1, 13) {cases} "
                        f"ELSE substr({alias}.end_utc, 1, 16) END")
            else:
                expr = f"substr({alias}.end_utc, 1, 16)"
        elif name in _NULLABLE:
            expr = f"coalesce({alias}.{name}, '')"
        else:
            expr = f"{alias}.{name}"
        out.append(f"{expr} AS k{i}")
    return out


def match_statements(*, staging: str, ident: str, fields: tuple[str, ...], folds: dict[str, str],
                     mark: str) -> tuple[str, str]:
    """Two statements filling ``import_stored`` (stored live rows in the range, counted per
    identity; parameters: the range's start and end) and ``import_dups`` (the staged rows'
    ``ident`` values that are already there). The TEMP tables are made by the engine."""
    n = len(fields)
    keys = ", ".join(f"k{i}" for i in range(n))
    stored = (
        f"INSERT INTO import_stored SELECT {', '.join(identity_columns('r', fields, folds))}, count(*) "
        f"FROM registrations r WHERE r.end_utc >= {mark} AND r.end_utc < {mark} AND r.trial = 0 "
        "AND NOT EXISTS (SELECT 1 FROM voids v WHERE v.registration_id = r.id) "
        f"GROUP BY {', '.join(str(i + 1) for i in range(n))}"
    )
    on = " AND ".join(f"x.k{i} = s.k{i}" for i in range(n))
    dups = (
        f"INSERT INTO import_dups SELECT s.id FROM (SELECT id, {keys}, "
        f"row_number() OVER (PARTITION BY {keys} ORDER BY id) AS rn FROM (SELECT {ident} AS id, "
        f"{', '.join(identity_columns('t', fields, folds))} FROM {staging} t) k) s "
        f"JOIN import_stored x ON {on} WHERE s.rn <= x.n"
    )
    return stored, dups


def match_range(first_end: str, last_end: str) -> tuple[str, str]:
    """The stored rows that can match staged rows ending in [first_end, last_end]: the same
    minutes, and an hour either side for the autumn hour that happens twice."""
    first = datetime.strptime(first_end[:16], "%Y-%m-%dT%H:%M") - timedelta(hours=1)
    last = datetime.strptime(last_end[:16], "%Y-%m-%dT%H:%M") + timedelta(hours=1, minutes=1)
    return f"{first:%Y-%m-%dT%H:%M}", f"{last:%Y-%m-%dT%H:%M}"
