"""Properties of the analyses on random registrations written to a real SQLite file.

For any mix of tasks, channels (staff, self-service, unknown to the codebook), types (with and
without one), local moments across the October clock change, trial rows and voided rows:
totals are preserved, rates stay within 0-100, factors follow the ISO weeks in which each task was
counted, and days, start and end dates follow the local calendar.
"""

from __future__ import annotations

import math
import shutil
import sqlite3
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
from exports.analysis_data import days_selection, open_readonly
from report_fixtures import ZONE, write_config
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
        data.append((f"r{i}", task, channel, typ, stored, int(state == "trial"), stored))
        if state == "voided":
            voided.append(f"r{i}")
        # the municipality's calendar day: the stored UTC moment, seen in the configured zone
        out.append((task, channel, typ, from_stored(stored).astimezone(ZONE).date(), state))
    conn = sqlite3.connect(db)
    with conn:
        conn.executemany(
            "INSERT INTO registrations (id, kommune_nr, kommune_navn, enhed, opgave, kanal, type, "
            "end_utc, datakilde, station, operator, trial, created_utc) "
            "VALUES (?, '259', 'Testby', '', ?, ?, ?, ?, 'Import', 's', 'o', ?, ?)", data)
    conn.close()
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
        conn = open_readonly(db)
        try:
            if not live:
                with pytest.raises(Refusal, match="Ingen registreringer"):
                    build_report(conn, config, days_selection(first.isoformat(), last.isoformat()))
                return
            report = build_report(conn, config, days_selection(first.isoformat(), last.isoformat()))
        finally:
            conn.close()

    t1 = report.table1.set_index("KLE")
    counts = t1[["Analoge transaktioner", "Digitale transaktioner", "Informationshenvendelser"]]
    # Totals are preserved: every live row in the selection is counted exactly once.
    assert int(counts.to_numpy().sum()) == len(live)
    assert int(report.costs.loc[report.costs["Kanal"] == "I alt", "Antal"].iloc[0]) == len(live)
    by_task: dict[str, list] = defaultdict(list)
    for task, _, _, day in live:
        by_task[task].append(day)
    assert sorted(t1.index) == sorted(by_task)
    for task, days in by_task.items():
        weeks = {d.isocalendar()[:2] for d in days}
        row_ = t1.loc[task]
        # Factors follow the ISO weeks in which the task was counted; days follow the calendar.
        assert row_["Antal uger"] == len(weeks)
        assert row_["Faktor"] == pytest.approx(52 / len(weeks))
        assert row_["Antal dage"] == len(set(days))
        assert row_["Startdato"].date() == min(days) and row_["Slutdato"].date() == max(days)
        assert int(counts.loc[task].sum()) == len(days)
        for col, yearly in (("Analoge transaktioner", "Årlige analoge transaktioner"),
                            ("Digitale transaktioner", "Årlige digitale transaktioner"),
                            ("Informationshenvendelser", "Årlige informationshenvendelser")):
            assert row_[yearly] == pytest.approx(row_[col] * 52 / len(weeks))
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
                                             "Årlige informationshenvendelser"]].to_numpy().sum())
    assert np.isfinite(report.costs["Årligt antal"]).all()


@given(num=st.integers(0, 10**9), den=st.integers(1, 10**6), places=st.sampled_from([1, 2]))
def test_round_ratio_is_exact_half_up(num, den, places):
    exact = Fraction(num, den) * 10**places
    assert round_ratio([num], [den], places)[0] == math.floor(exact + Fraction(1, 2)) / 10**places
