"""Duplicates from re-imported extracts in one range of days, for the console's Overblik: the
report's own detection (``Store.report_facts`` via ``read_selections``) counted as the report's
data quality section counts them ("Dubletter: N fund, M rækker"; a finding is a unit's day)."""

from __future__ import annotations

from datetime import date

from storage.config import Config
from storage.interface import Store

from .analysis_data import Selection, read_selections


def week_duplicates(store: Store, config: Config, first: date, last: date) -> tuple[int, int]:
    """(findings, rows) of imported duplicates in [first, last]: as ``quality.data_quality``."""
    rows, _ = read_selections(store, config.zone, Selection(((first, last),), ""),
                              kommune_nr=config.kommune_nr)
    per_day: dict[tuple[str, str], int] = {}
    for found in rows.duplicates:
        per_day[(found.enhed, found.day)] = per_day.get((found.enhed, found.day), 0) + found.n
    return sum(1 for n in per_day.values() if n), sum(per_day.values())
