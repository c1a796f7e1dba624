"""Properties of the analyses on random registrations written to a real SQLite file.

SQLite only: the arithmetic after the read is engine-independent, and a database per example
costs a file copy here (the engines' fact reads are compared in the report tests, which run on
both).

For any mix of tasks, channels (staff, self-service, unknown to the codebook), types (with and
without one), local moments across the October clock change, trial rows and voided rows:
totals are preserved (every live row is counted once or reported outside the count weeks), rates
stay within 0-100, factors follow the count weeks in the selection (W43 and W44 in the config; the
selection's ISO weeks when it holds neither), and days, start and end dates follow the local
calendar.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from collections import defaultdict
from datetime import date, datetime, timedelta
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exports.analysis import build_report, round_ratio, rounded_table1
import dbrows
from exports.analysis_data import days_selection
from report_fixtures import ZONE, report_store, write_config
from storage import config as cfgmod
from storage.errors import Refusal
from storage.sqlite.store import SqliteStore as Store
from storage.timeutil import from_stored, to_stored

FIRST = date(2026, 10, 12)  # Monday of W42; the clocks go back on Sunday 25 October (W43)
DAYS = 28
TASKS = ["23.05.10", "23.09.02", "29.03.04", "02.00.20"]
CHANNELS = ["PRSNLG", "TLFIND", "EMLIND", "PPRIND", "SLVBTJN", "WEB", "NYKANAL"]
TYPES = ["OPRET", "STATUS", "INFO", "VEJL", "SLVBTJN", "FEJL", None, "NYTYPE"]

row = st.tuples(
    st.sampled_from(TASKS), st.sampled_from(CHANNELS), st.sampled_from(TYPES),
    st.integers(0, DAYS - 1), st.integers(0, 24 * 60 - 1),
    st.sampled_from(["live"] * 8 + ["trial", "voided"]),
)
# A sub-range of the days, so rows outside the selection are there too.
span = st.tuples(st.integers(0, DAYS - 1), st.integers(0, DAYS - 1)).map(sorted)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report-properties")
    config = cfgmod.load(write_config(folder))
    db = folder / "template.db"
    Store(db, station="s", operator="o").close()  # migrated once, copied per example
    return config, db


def _insert(db: Path, rows) -> list[tuple[str, str, str | None, date, str]]:
    """Write the rows (voids through the Store, as the app makes them); return them with the
    local day of their stored moment."""
    data, voided, out = [], [], []
    for i, (task, channel, typ, day, minute, state) in enumerate(rows):
        moment = datetime.combine(FIRST + timedelta(days=day), datetime.min.time(), ZONE) \
            + timedelta(minutes=minute)
        stored = to_stored(moment)
        data.append(dbrows.registration(
            id=f"r{i}", kommune_nr="259", kommune_navn="Testby", enhed="", opgave=task,
            kanal=channel, type=typ, afslutning=None, blanket=None, end_utc=stored,
            datakilde="Import", trial=int(state == "trial"), created_utc=stored))
        if state == "voided":
            voided.append(f"r{i}")
        # the municipality's calendar day: the stored UTC moment, seen in the configured zone
        out.append((task, channel, typ, from_stored(stored).astimezone(ZONE).date(), state))
    dbrows.insert(db, "registrations", data)
    if voided:
        with Store(db, station="s", operator="o", migrate=False) as store:
            store.void(voided, "DUBLET")
    return out


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=st.lists(row, min_size=1, max_size=60), chosen=span)
def test_totals_rates_and_factors(template, rows, chosen):
    config, template_db = template
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "p.db"
        shutil.copy(template_db, db)
        written = _insert(db, rows)
        first, last = FIRST + timedelta(days=chosen[0]), FIRST + timedelta(days=chosen[1])
        live = [(t, k, ty, day) for t, k, ty, day, state in written
                if state == "live" and first <= day <= last]
        # The count weeks: the configured W43 and W44 that the selection touches, else the
        # selection's own ISO weeks (then every live row counts).
        chosen_days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        weeks = {d.isocalendar()[:2] for d in chosen_days} & {(2026, 43), (2026, 44)}
        counted = [r for r in live if r[3].isocalendar()[:2] in weeks] if weeks else live
        n_weeks = len(weeks) if weeks else len({d.isocalendar()[:2] for d in chosen_days})
        store = report_store(db)
        try:
            if not counted:
                with pytest.raises(Refusal, match="Ingen registreringer"):
                    build_report(store, config, days_selection(first.isoformat(), last.isoformat()))
                return
            report = build_report(store, config, days_selection(first.isoformat(), last.isoformat()))
        finally:
            store.close()

    t1 = report.table1.set_index("KLE")
    counts = t1[["Analoge transaktioner", "Digitale transaktioner", "Informationshenvendelser",
                 "Udgående transaktioner"]]
    # Totals are preserved: every counted row once; the rest reported outside the count weeks.
    assert int(counts.to_numpy().sum()) == len(counted)
    assert int(report.costs.loc[report.costs["Kanal"] == "I alt", "Antal"].iloc[0]) == len(counted)
    outside = report.quality[report.quality["Kontrol"] == "Uden for tælleugerne"]
    assert int(outside["Antal"].sum()) == len(live) - len(counted)
    by_task: dict[str, list] = defaultdict(list)
    for task, _, _, day in counted:
        by_task[task].append(day)
    assert sorted(t1.index) == sorted(by_task)
    for task, days in by_task.items():
        row_ = t1.loc[task]
        # Factors follow the count weeks in the selection; days follow the calendar.
        assert row_["Antal uger"] == n_weeks
        assert row_["Faktor"] == pytest.approx(52 / n_weeks)
        assert row_["Antal dage"] == len(set(days))
        assert row_["Startdato"].date() == min(days) and row_["Slutdato"].date() == max(days)
        assert int(counts.loc[task].sum()) == len(days)
        for col, yearly in (("Analoge transaktioner", "Årlige analoge transaktioner"),
                            ("Digitale transaktioner", "Årlige digitale transaktioner"),
                            ("Informationshenvendelser", "Årlige informationshenvendelser")):
            assert row_[yearly] == pytest.approx(row_[col] * 52 / n_weeks)
    # Rates stay within 0-100, empty exactly when a task has no transactions.
    rate = t1["Selvbetjeningsgrad"]
    tx = t1["Analoge transaktioner"] + t1["Digitale transaktioner"]
    assert ((rate >= 0) & (rate <= 100) | rate.isna()).all()
    assert (rate.isna() == (tx == 0)).all()
    shown = rounded_table1(report.table1)["Selvbetjeningsgrad"]
    assert ((shown >= 0) & (shown <= 100) | shown.isna()).all()
    # Every task with transactions sits in exactly one quadrant; the others in none.
    assert ((t1["Kvadrant"] != "") == (tx > 0)).all()
    # The yearly figures add up the same way in the costs sheet.
    total_yearly = report.costs.loc[report.costs["Kanal"] == "I alt", "Årligt antal"].iloc[0]
    assert total_yearly == pytest.approx(t1[["Årlige analoge transaktioner",
                                             "Årlige digitale transaktioner",
                                             "Årlige informationshenvendelser",
                                             "Årlige udgående transaktioner"]].to_numpy().sum())
    assert np.isfinite(report.costs["Årligt antal"]).all()


@given(num=st.integers(0, 10**9), den=st.integers(1, 10**6), places=st.sampled_from([1, 2]))
def test_round_ratio_is_exact_half_up(num, den, places):
    exact = Fraction(num, den) * 10**places
    assert round_ratio([num], [den], places)[0] == math.floor(exact + Fraction(1, 2)) / 10**places


UNITS = ["", "259borgerservice", "259telefon"]  # 259telefon counts "Uge 44" only (the fixture)
unit_row = st.tuples(st.sampled_from(TASKS), st.sampled_from(UNITS), st.integers(0, DAYS - 1),
                     st.integers(0, 24 * 60 - 1))


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=st.lists(unit_row, min_size=1, max_size=40), chosen=span)
def test_yearly_figures_follow_each_units_count_weeks(template, rows, chosen):
    """Yearly = Σ over units of the unit's count in its count weeks × 52 / its count weeks in
    the selection; every other live row is reported outside, never counted."""
    config, template_db = template
    first, last = FIRST + timedelta(days=chosen[0]), FIRST + timedelta(days=chosen[1])
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    selected_weeks = {d.isocalendar()[:2] for d in days}
    configured = selected_weeks & {(2026, 43), (2026, 44)}
    own = {"": configured, "259borgerservice": configured, "259telefon": configured & {(2026, 44)}}
    if not configured:  # no configured count week in the selection: its ISO weeks, for all
        own = {u: selected_weeks for u in UNITS}
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "p.db"
        shutil.copy(template_db, db)
        data, expected, live = [], defaultdict(Fraction), 0
        for i, (task, unit, day, minute) in enumerate(rows):
            moment = datetime.combine(FIRST + timedelta(days=day), datetime.min.time(), ZONE) \
                + timedelta(minutes=minute)
            stored = to_stored(moment)
            data.append(dbrows.registration(
                id=f"r{i}", kommune_nr="259", kommune_navn="Testby", enhed=unit, opgave=task,
                kanal="PRSNLG", type="INFO", afslutning=None, blanket=None, end_utc=stored,
                datakilde="Import", created_utc=stored))
            local_day = from_stored(stored).astimezone(ZONE).date()
            if first <= local_day <= last:
                live += 1
                if local_day.isocalendar()[:2] in own[unit]:
                    expected[task] += Fraction(52, len(own[unit]))
        dbrows.insert(db, "registrations", data)
        store = report_store(db)
        try:
            if not expected:
                with pytest.raises(Refusal, match="Ingen registreringer"):
                    build_report(store, config, days_selection(first.isoformat(), last.isoformat()))
                return
            report = build_report(store, config, days_selection(first.isoformat(), last.isoformat()))
        finally:
            store.close()
    t1 = report.table1.set_index("KLE")
    assert sorted(t1.index) == sorted(expected)
    for task, yearly in expected.items():
        assert t1.loc[task, "Årlige informationshenvendelser"] == pytest.approx(float(yearly))
        shown = rounded_table1(report.table1).set_index("KLE").loc[task,
                                                                    "Årlige informationshenvendelser"]
        assert shown == math.floor(yearly * 100 + Fraction(1, 2)) / 100  # half up, exactly
    outside = report.quality[report.quality["Kontrol"] == "Uden for tælleugerne"]
    counted = int(t1["Informationshenvendelser"].sum())
    assert counted + int(outside["Antal"].sum()) == live
