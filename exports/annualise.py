"""Annualisation that follows each unit's count weeks ("KOMHEN i spil": volume × 52 / weeks).

A registration counts for its unit only on a day inside one of that unit's count weeks (its
``taelleuger``, default all ``[[taelleuge]]``); rows outside are reported and left out unless the
coordinator includes them. A unit's factor is 52 / the number of its count weeks in the selection,
so catch-up rows on the Monday after, or a unit that counted another week, no longer change
anybody's factor.

Exact figures: with ``L`` the least common multiple of the units' week counts, each counted row
carries the integer ``ynum = n × 52 × L / weeks``, and a yearly figure is ``Σ ynum / L``: shown
figures are rounded half up from integers (see ``analysis.round_ratio``), never from floats.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from storage.config import Config, CountWeek

from .analysis_data import Selection
from .count_weeks import days_of, effective_weeks, partly_covered, unit_weeks
from .definitions import WEEKS_PER_YEAR
from storage.wording import plural, registrations

NO_UNIT = "(uden enhed)"


@dataclass
class Annualisation:
    """The units' count weeks in a selection, and the facts split into counted and outside."""

    counted: pd.DataFrame  # facts inside their unit's count weeks (or all, when included)
    outside: pd.DataFrame  # enhed, day, n: rows outside their unit's count weeks
    unit_weeks: dict[str, tuple[str, ...]]  # unit → names of its count weeks in the selection
    weeks_of: dict[str, int]  # unit → number of count weeks used for its factor
    lcm: int
    include_outside: bool
    weeks: tuple[CountWeek, ...] = ()  # the count weeks in use (see effective_weeks)
    fallback: bool = False  # True: the selection's ISO weeks stand in for count weeks
    notes: list[str] = field(default_factory=list)

    def weeks_for(self, config: Config, unit: str) -> tuple[CountWeek, ...]:
        return unit_weeks(config, unit, self.weeks, self.fallback)

    def factor(self, unit: str) -> float:
        return WEEKS_PER_YEAR / self.weeks_of[unit]

    def unit_table(self, config: Config) -> pd.DataFrame:
        """Per unit with rows: its count weeks in the selection and its factor."""
        rows = []
        for unit in sorted(self.weeks_of, key=lambda u: (u == "", u)):
            weeks = self.weeks_of[unit]
            rows.append({"Enhed": unit or NO_UNIT,
                         "Tælleuger i udvalget": ", ".join(self.unit_weeks.get(unit, ())) or "-",
                         "Antal uger": weeks, "Faktor": WEEKS_PER_YEAR / weeks,
                         "Ansvarlig": _responsible(config, unit)})
        return pd.DataFrame(rows, columns=["Enhed", "Tælleuger i udvalget", "Antal uger", "Faktor",
                                           "Ansvarlig"])


def _responsible(config: Config, unit: str) -> str:
    found = config.units.get(unit)
    return (found.responsible or "") if found else ""


def _iso_weeks(days: pd.Series) -> set[tuple[int, int]]:
    iso = days.dt.isocalendar()
    return {(int(y), int(w)) for y, w in zip(iso["year"], iso["week"])}


def annualise(facts: pd.DataFrame, config: Config, selection: Selection, *,
              include_outside: bool = False) -> Annualisation:
    """Split ``facts`` (needs ``enhed``, ``day``, ``n``) by the units' count weeks and add
    ``factor`` (52 / the unit's weeks) and ``ynum`` (exact yearly numerator over ``lcm``)."""
    weeks, fallback = effective_weeks(config, selection)
    notes: list[str] = []
    if fallback and config.weeks:
        notes.append(f"Ingen konfigureret tælleuge ligger i {selection.label}: udvalgets ISO-uger "
                     "er brugt som tælleuger for alle enheder.")
    for week in weeks:
        if not fallback and partly_covered(week, selection):
            notes.append(f'Tælleugen "{week.name}" ({week.first:%d-%m-%Y}–{week.last:%d-%m-%Y}) er '
                         "kun delvist med i udvalget, men tæller som en hel uge i faktoren.")
    units = list(dict.fromkeys(facts["enhed"].tolist()))
    unit_weeks: dict[str, tuple[CountWeek, ...]] = {}
    probe = Annualisation(facts, facts, {}, {}, 1, include_outside, weeks, fallback)
    for unit in units:
        unit_weeks[unit] = probe.weeks_for(config, unit)
    # Which (unit, day) pairs lie in the unit's count weeks: a handful of units × days.
    day_values = facts["day"].dt.date
    inside = np.zeros(len(facts), dtype=bool)
    for unit, own in unit_weeks.items():
        if not own:
            continue
        mask = (facts["enhed"] == unit).to_numpy()
        if not mask.any():
            continue
        days = {d for w in own for d in days_of(w)}
        inside[mask] = day_values[mask].isin(days).to_numpy()
    outside_rows = facts.loc[~inside]
    outside = (outside_rows.groupby(["enhed", "day"], as_index=False)["n"].sum()
               .sort_values(["enhed", "day"]).reset_index(drop=True))
    counted = facts if include_outside else facts.loc[inside]
    weeks_of: dict[str, int] = {}
    for unit in dict.fromkeys(counted["enhed"].tolist()):
        own = unit_weeks.get(unit, ())
        n_weeks = len(own)
        if include_outside:
            # The included outside rows widen the unit's period: its count weeks ∪ the ISO weeks
            # of those rows (an ISO week a count week already touches is not counted twice).
            # Else 1 count week and rows from 3 weeks would be annualised 52× instead of 52/3×.
            extra = _iso_weeks(outside_rows.loc[outside_rows["enhed"] == unit, "day"]) \
                - {d.isocalendar()[:2] for w in own for d in days_of(w)}
            n_weeks += len(extra)
            if extra and own:
                notes.append(f"Enheden {unit or NO_UNIT}: rækker uden for tælleugerne i "
                             f"{plural(len(extra), 'ISO-uge', 'ISO-uger')} er medtaget; faktoren "
                             f"er 52 / {n_weeks} ({plural(len(own), 'tælleuge', 'tælleuger')} "
                             f"+ {plural(len(extra), 'ISO-uge', 'ISO-uger')}).")
        if n_weeks == 0:  # included rows of a unit that has no count week in the selection
            n_weeks = len(_iso_weeks(counted.loc[counted["enhed"] == unit, "day"]))
        if not own:
            notes.append(f"Enheden {unit or NO_UNIT} har ingen tælleuge i udvalget; dens rækker er "
                         f"medtaget med faktor 52 / {n_weeks} (de ISO-uger, rækkerne ligger i).")
        weeks_of[unit] = n_weeks
    lcm = math.lcm(*weeks_of.values()) if weeks_of else 1
    counted = counted.copy()
    per_unit = counted["enhed"].map(weeks_of)
    counted["factor"] = WEEKS_PER_YEAR / per_unit
    counted["ynum"] = counted["n"] * (WEEKS_PER_YEAR * lcm // per_unit).astype("int64")
    if len(outside):
        total = int(outside["n"].sum())
        how = "talt med (--medtag-udenfor)" if include_outside else "ikke talt med i tallene"
        notes.append(f"{registrations(total)} ligger uden for deres enheds tælleuger og er {how}; "
                     "se Datakvalitet.")
    return Annualisation(counted, outside, {u: tuple(w.name for w in ws) for u, ws in
                                            unit_weeks.items()},
                         weeks_of, lcm, include_outside, weeks, fallback, notes)
