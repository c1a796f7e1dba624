"""The data quality section (the playbook's step 1: look at the data before the figures).

From all live rows of the selection (also those outside the count weeks): duplicates from
re-imported extracts, rows outside their unit's count weeks, units × days with no or far fewer rows
than the unit's median day, written channels registered as settled at once (STRAKS), self-service
channels registered by staff, and rows of another municipality. One frame, one row per finding;
``summary`` counts them per check.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from storage.config import Config

from .analysis_data import Selection
from .annualise import NO_UNIT, Annualisation
from .check import STAFF_SOURCES
from .definitions import STRAKS, THIN_DAY_SHARE, WRITTEN_CHANNELS

QUALITY_COLUMNS = ["Kontrol", "Enhed", "Dag", "Kanal", "Antal", "Forklaring"]
DUPLICATES = "Dubletter"
OUTSIDE = "Uden for tælleugerne"
EMPTY_DAY = "Dag uden registreringer"
THIN_DAY = "Dag med få registreringer"
WRITTEN_STRAKS = "Skriftlig kanal registreret STRAKS"
STAFF_SELF_SERVICE = "Selvbetjeningskanal registreret af personale"
OTHER_KOMMUNE = "Anden kommunes rækker"
CHECKS = [DUPLICATES, OUTSIDE, EMPTY_DAY, THIN_DAY, WRITTEN_STRAKS, STAFF_SELF_SERVICE,
          OTHER_KOMMUNE]


def _unit(code: str) -> str:
    return code or NO_UNIT


def _finding(check: str, unit: str = "", day=None, channel: str = "", n: int = 0,
             why: str = "") -> dict:
    return {"Kontrol": check, "Enhed": _unit(unit) if unit is not None else "",
            "Dag": pd.Timestamp(day) if day is not None else pd.NaT, "Kanal": channel,
            "Antal": int(n), "Forklaring": why}


def data_quality(facts: pd.DataFrame, duplicates: pd.DataFrame, annual: Annualisation,
                 config: Config, selection: Selection) -> pd.DataFrame:
    """``facts``: every live row of the selection, per unit and day (``facts_frame``)."""
    found: list[dict] = []
    for unit, day, n in duplicates.groupby(["enhed", "day"])["n"].sum().reset_index().itertuples(
            index=False):
        if n:
            found.append(_finding(DUPLICATES, unit, day, n=n, why=(
                "samme indhold (til sekundet) fra to importer: et udtræk, der er hentet eller "
                "gemt igen; rækkerne tæller med, til importen fortrydes")))
    how = ("talt med (--medtag-udenfor)" if annual.include_outside
           else "ikke talt med i de årlige tal")
    for unit, day, n in annual.outside.itertuples(index=False):
        weeks = ", ".join(annual.unit_weeks.get(unit, ())) or "ingen i udvalget"
        found.append(_finding(OUTSIDE, unit, day, n=n,
                              why=f"uden for enhedens tælleuger ({weeks}); {how}"))
    found += _quiet_days(facts, annual, config, selection)
    written = facts[facts["kanal"].isin(WRITTEN_CHANNELS) & (facts["afslutning"] == STRAKS)]
    for (unit, channel), n in written.groupby(["enhed", "kanal"])["n"].sum().items():
        found.append(_finding(WRITTEN_STRAKS, unit, channel=channel, n=n, why=(
            "et brev, en e-mail eller en SMS er sjældent afsluttet straks; er HOLD glemt?")))
    self_service = [c for c, ch in config.codebook.channels.items() if ch.klass == "selvbetjening"]
    staff = facts[facts["kanal"].isin(self_service) & facts["datakilde"].isin(STAFF_SOURCES)]
    for (unit, channel), n in staff.groupby(["enhed", "kanal"])["n"].sum().items():
        found.append(_finding(STAFF_SELF_SERVICE, unit, channel=channel, n=n, why=(
            "KL tæller selvbetjening centralt; rækken tælles måske to gange")))
    other = facts[facts["other_kommune"]]
    for unit, n in other.groupby("enhed")["n"].sum().items():
        found.append(_finding(OTHER_KOMMUNE, unit, n=n, why=(
            f"kommunenummer er ikke {config.kommune_nr}; rækkerne tæller med")))
    out = pd.DataFrame(found, columns=QUALITY_COLUMNS)
    order = {c: i for i, c in enumerate(CHECKS)}
    out["_o"] = out["Kontrol"].map(order)
    return (out.sort_values(["_o", "Enhed", "Dag", "Kanal"], na_position="first")
            .drop(columns="_o").reset_index(drop=True))


def _quiet_days(facts: pd.DataFrame, annual: Annualisation, config: Config,
                selection: Selection) -> list[dict]:
    """Weekdays (Monday-Friday) of a configured unit's count weeks in the selection with no rows,
    or with fewer than ``THIN_DAY_SHARE`` of the unit's median weekday."""
    units = [u for u in config.units if not selection.units or u in selection.units]
    per_day = facts.groupby(["enhed", "day"])["n"].sum()
    chosen = {a + timedelta(days=i) for a, b in selection.ranges
              for i in range((b - a).days + 1)}
    found = []
    for unit in units:
        days = sorted({d for w in annual.weeks_for(config, unit) for d in _days(w.first, w.last)
                       if d in chosen and d.weekday() < 5})
        if not days:
            continue
        counts = np.array([int(per_day.get((unit, pd.Timestamp(d)), 0)) for d in days])
        median = float(np.median(counts))
        for day, n in zip(days, counts):
            if n == 0:
                found.append(_finding(EMPTY_DAY, unit, day, n=0, why=(
                    "hverdag i enhedens tælleuge uden en eneste registrering")))
            elif n < THIN_DAY_SHARE * median:
                found.append(_finding(THIN_DAY, unit, day, n=n, why=(
                    f"under {THIN_DAY_SHARE:.0%} af enhedens mediandag "
                    f"({median:g})".replace(".", ","))))
    return found


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def summary(quality: pd.DataFrame) -> list[tuple[str, int, int]]:
    """Per check: (name, findings, rows concerned)."""
    out = []
    for check in CHECKS:
        rows = quality[quality["Kontrol"] == check]
        out.append((check, len(rows), int(rows["Antal"].sum())))
    return out
