"""The analyses on the hand-computed fixture: every Table 1 cell, the quadrant, the deep dives,
the costs and the comparison, read from a real SQLite file."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from exports.analysis import (
    TABLE1_COLUMNS, build_report, comparison, quadrant_lists, round_ratio,
)
from exports.analysis_data import days_selection, weeks_selection
from exports.report_files import table1_csv
from storage.open import open_store
from report_fixtures import (
    EXPECTED_COSTS, EXPECTED_CSV, EXPECTED_TOTAL, EXPECTED_UNPRICED, UNIT, build, raw,
    report_store, staff, write_config,
)
from storage import config as cfgmod
from storage.errors import NotInitialised, Refusal

WEEKS = "2026-W43,2026-W44"


@pytest.fixture
def fixture(tmp_path, db_path):
    return build(tmp_path, db_path)


@pytest.fixture
def report(fixture):
    _, config, db = fixture
    store = report_store(db)
    try:
        yield build_report(store, config, weeks_selection(WEEKS))
    finally:
        store.close()


def test_every_table1_cell_matches_the_hand_computation(report):
    data = table1_csv(report.table1)
    assert data.startswith("\ufeff".encode("utf-8"))
    assert b"\r" not in data
    assert data.decode("utf-8-sig").split("\n") == [*EXPECTED_CSV, ""]


def test_table1_frame_keeps_exact_values_and_types(report):
    t1 = report.table1
    assert list(t1.columns[:13]) == TABLE1_COLUMNS[:13] and t1.columns[-1] == "Kvadrant"
    row = t1.set_index("KLE").loc["23.09.02"]
    assert row["Selvbetjeningsgrad"] == 6.25  # rounded only when shown
    assert row["Antal uger"] == 2 and row["Faktor"] == 26
    assert row["Startdato"] == pd.Timestamp("2026-10-22")
    assert math.isnan(t1.set_index("KLE").loc["23.01.00", "Selvbetjeningsgrad"])
    # 02.00.20's units have factors 26 and 52: no single factor ("blandet" in the files)
    assert math.isnan(t1.set_index("KLE").loc["02.00.20", "Faktor"])
    assert t1.set_index("KLE").loc["02.00.20", "Årlige analoge transaktioner"] == 78


def test_thresholds_default_to_kl_target_and_the_median(report):
    assert report.thresholds.rate == 80
    assert report.thresholds.volume == 260  # median of 78, 78, 260, 260, 416 (not the 0 task)
    assert report.thresholds.volume_is_median


def test_quadrant_lists_order_by_volume(report):
    lists = quadrant_lists(report.table1)
    assert {q: list(f["KLE"]) for q, f in lists.items()} == {
        "A": ["99.01.02"], "B": ["02.00.20"], "C": ["29.03.04"], "D": ["23.09.02", "23.05.10"],
    }
    assert lists["D"]["Selvbetjeningsgrad"].tolist() == [6.3, 60.0]


def test_thresholds_are_configurable(fixture):
    _, config, db = fixture
    store = report_store(db)
    t1 = build_report(store, config, weeks_selection(WEEKS), rate_threshold=50,
                      volume_threshold=200).table1
    store.close()
    assert dict(zip(t1["KLE"], t1["Kvadrant"])) == {
        "02.00.20": "B", "23.01.00": "", "23.05.10": "C", "23.09.02": "D", "29.03.04": "C",
        "99.01.02": "A",
    }


CHANNEL_HEADS = ["Personligt fremmøde (ind)", "E-mail (ind)", "Papirbrev (ind)",
                 "Selvbetjening (ind)"]


def _rows(frame, cols):
    return [tuple(None if isinstance(v, float) and math.isnan(v) else v for v in row)
            for row in frame[cols].round(2).itertuples(index=False, name=None)]


def test_channel_choice_is_a_task_by_channel_pivot_for_the_d_tasks(report):
    cc = report.channel_choice
    assert list(cc.columns) == ["KLE", "Opgave", "Type", "Måling", *CHANNEL_HEADS, "I alt"]
    assert _rows(cc, ["KLE", "Type", "Måling", *CHANNEL_HEADS, "I alt"]) == [
        ("23.05.10", "OPRET", "Antal", 3, 0, 0, 4, 7),
        ("23.05.10", "OPRET", "Andel (%)", 42.86, 0.0, 0.0, 57.14, 100.0),
        # count × factor × price: 3 × 26 × 95, 4 × 26 × 20; e-mail has no price but no contacts
        ("23.05.10", "OPRET", "Årlig omkostning (kr.)", 7410.0, None, 0.0, 2080.0, 9490.0),
        # the outbound TLFUD STATUS is not an inbound channel: not here by default
        ("23.05.10", "STATUS", "Antal", 0, 1, 0, 0, 1),
        ("23.05.10", "STATUS", "Andel (%)", 0.0, 100.0, 0.0, 0.0, 100.0),
        ("23.05.10", "STATUS", "Årlig omkostning (kr.)", 0.0, None, 0.0, 0.0, None),
        ("23.09.02", "OPRET", "Antal", 0, 0, 2, 1, 3),
        ("23.09.02", "OPRET", "Andel (%)", 0.0, 0.0, 66.67, 33.33, 100.0),
        ("23.09.02", "OPRET", "Årlig omkostning (kr.)", 0.0, None, 4680.0, 520.0, 5200.0),
        ("23.09.02", "STATUS", "Antal", 13, 0, 0, 0, 13),
        ("23.09.02", "STATUS", "Andel (%)", 100.0, 0.0, 0.0, 0.0, 100.0),
        ("23.09.02", "STATUS", "Årlig omkostning (kr.)", 32110.0, None, 0.0, 0.0, 32110.0),
    ]


def test_paper_per_task_with_cost_empty_when_a_price_is_missing(report):
    paper = report.paper
    assert paper["KLE"].tolist() == ["23.09.02"]
    row = paper.iloc[0]
    assert (row["Transaktioner"], row["Informationshenvendelser"], row["Antal i alt"]) == (2, 1, 3)
    assert row["Årligt antal"] == 78 and row["Pris transaktion (kr.)"] == 90
    assert math.isnan(row["Pris information (kr.)"]) and math.isnan(row["Årlig omkostning (kr.)"])
    assert any("PPRIND/information" in note for note in report.notes)


def test_information_per_task_and_inbound_channel(report):
    cols = ["KLE", "Kanal", "VEJL", "VEJL årligt", "SLVBTJN", "SLVBTJN årligt",
            "Andel af opgavens (%)"]
    got = list(report.information[cols].round(2).itertuples(index=False, name=None))
    assert got == [
        ("23.01.00", "TLFIND", 2, 52.0, 0, 0.0, 100.0),
        ("23.05.10", "PRSNLG", 2, 52.0, 0, 0.0, 66.67),
        ("23.05.10", "TLFIND", 0, 0.0, 1, 26.0, 33.33),
    ]


def test_costs_per_channel_and_class_with_total(report):
    costs = report.costs
    body = costs[costs["Kanal"] != "I alt"]
    got = {
        (k, c): (n, y, None if math.isnan(cost) else cost)
        for k, c, n, y, cost in zip(body["Kanal"], body["Typeklasse"], body["Antal"],
                                    body["Årligt antal"], body["Årlig omkostning (kr.)"])
    }
    assert got == EXPECTED_COSTS
    total = costs[costs["Kanal"] == "I alt"].iloc[0]
    assert (total["Antal"], total["Årligt antal"], total["Årlig omkostning (kr.)"]) == EXPECTED_TOTAL
    # A total built partly from missing prices says so.
    assert total["Kanalnavn"] == f"ufuldstændig: {EXPECTED_UNPRICED} kontakter uden pris"
    t1 = report.table1
    assert total["Årligt antal"] == pytest.approx(
        t1[["Årlige analoge transaktioner", "Årlige digitale transaktioner",
            "Årlige informationshenvendelser", "Årlige udgående transaktioner"]].to_numpy().sum())


def test_comparison_side_by_side_with_change(fixture):
    _, config, db = fixture
    store = report_store(db)
    report = build_report(store, config, weeks_selection("2026-W44"),
                          compare=weeks_selection("2026-W43"))
    store.close()
    cmp = report.comparison.set_index("KLE")
    # 23.05.10 in W44: PRSNLG VEJL 2, TLFIND SLVBTJN 1 (information), SLVBTJN untyped 2 (digital):
    # factor 52, rate 100, yearly transactions 104. In W43: analog 4, digital 4: 416, rate 50.
    row = cmp.loc["23.05.10"]
    assert row["Årlige transaktioner (2026-W44)"] == 104
    assert row["Årlige transaktioner (2026-W43)"] == 416
    assert row["Årlige transaktioner, ændring"] == -312
    assert row["Selvbetjeningsgrad (2026-W44)"] == 100
    assert row["Selvbetjeningsgrad (2026-W43)"] == 50
    assert row["Selvbetjeningsgrad, ændring (procentpoint)"] == 50
    # 02.00.20 in W43: the desk's PRSNLG OPRET 1 (× 52); the phone unit's W43 rows are outside
    # its count week and do not count.
    assert cmp.loc["02.00.20", "Årlige transaktioner (2026-W43)"] == 52
    assert cmp.loc["02.00.20", "Selvbetjeningsgrad (2026-W43)"] == 0
    assert report.compare_selection.label == "2026-W43"
    # Both sides use the W44 thresholds (median 52: tasks at 104, 52, 52), so a move is real:
    # 99.01.02 had 156 yearly transactions at 100 % in W43 (C) and none in W44.
    assert report.thresholds.volume == 52
    assert cmp.loc["99.01.02", "Kvadrant (2026-W43)"] == "C"
    assert cmp.loc["99.01.02", "Kvadrant, ændring"] == "C → -"


def test_units_filter(fixture):
    _, config, db = fixture
    store = report_store(db)
    report = build_report(store, config, weeks_selection(WEEKS, ("259telefon",)))
    store.close()
    assert report.table1["KLE"].tolist() == ["02.00.20"]
    assert "enheder 259telefon" in report.selection.describe()


def test_days_selection_and_a_factor_with_decimals(tmp_path, db_path):
    """Three count weeks: one registration in each of them gives factor 52/3 = 17,33 and a
    yearly figure of exactly 52,00. A task counted in one of them only has the unit's factor
    too (the old rule, 52 / the task's own weeks, made it 52)."""
    path = write_config(tmp_path)
    text = path.read_text("utf-8").replace(
        "til = 2026-11-01", 'til = 2026-11-01\n\n[[taelleuge]]\nnavn = "Uge 45"\n'
                            "fra = 2026-11-02\ntil = 2026-11-08")
    path.write_text(text, "utf-8")
    config = cfgmod.load(path)
    db = db_path
    with open_store(db, station="s", operator="o", create=True) as store:
        for when in ("20-10-2026 10:00", "27-10-2026 10:00", "03-11-2026 10:00"):
            staff(store, config, opgave="23.05.10", kanal="PRSNLG", type="OPRET", when=when)
        staff(store, config, opgave="23.09.02", kanal="PRSNLG", type="OPRET", when="03-11-2026 11:00",
              count=2)
    store = report_store(db)
    report = build_report(store, config, days_selection("19-10-2026", "2026-11-08"))
    store.close()
    lines = table1_csv(report.table1).decode("utf-8-sig").splitlines()
    # median of 52 and 34.67 = 43.33
    assert lines[1] == "23.05.10;Flytning;20-10-2026;03-11-2026;3;17,33;3;52,00;0;0,00;0;0,00;0,0;D"
    assert lines[2] == "23.09.02;Pas;03-11-2026;03-11-2026;1;17,33;2;34,67;0;0,00;0;0,00;0,0;B"
    assert report.selection.label == "19-10-2026–08-11-2026"


def test_round_ratio_is_half_up_and_exact():
    got = round_ratio([100, 1000, 52 * 2, 5, 0], [16, 160, 3, 0, 7], 1)
    assert got[:3].tolist() == [6.3, 6.3, 34.7] and math.isnan(got[3]) and got[4] == 0
    assert round_ratio([52 * 1000], [32], 2).tolist() == [1625.0]
    assert round_ratio([52], [32], 2).tolist() == [1.63]  # 1.625: float rounding would say 1.62


def test_empty_selection_is_refused(fixture):
    _, config, db = fixture
    store = report_store(db)
    with pytest.raises(Refusal, match="Ingen registreringer i 2026-W40"):
        build_report(store, config, weeks_selection("2026-W40"))
    with pytest.raises(Refusal, match="Ingen registreringer i 2026-W40"):
        build_report(store, config, weeks_selection(WEEKS), compare=weeks_selection("2026-W40"))
    store.close()


@pytest.mark.parametrize("text, message", [
    ("2026-43", "ÅÅÅÅ-Wuu"), ("2026-W54", "findes ikke: 2026 har uge 1-53"), (",", "mindst én uge"),
])
def test_bad_weeks_are_refused(text, message):
    with pytest.raises(Refusal, match=message):
        weeks_selection(text)


def test_bad_days_are_refused():
    with pytest.raises(Refusal, match="dd-mm-åååå"):
        days_selection("19/10/2026", "25-10-2026")
    with pytest.raises(Refusal, match="ligger før"):
        days_selection("25-10-2026", "19-10-2026")


def test_weeks_are_merged_and_deduplicated():
    sel = weeks_selection("2026-W44, 2026-w43,2026-W44")
    assert sel.label == "2026-W43+2026-W44"
    assert len(sel.ranges) == 1 and sel.first.isoformat() == "2026-10-19"


def test_missing_database_is_not_created(tmp_path):
    with pytest.raises(NotInitialised, match="findes ikke"):
        report_store(tmp_path / "nope.db")
    assert not (tmp_path / "nope.db").exists()


def test_comparison_of_identical_tables_has_zero_change(report):
    cmp = comparison(report.table1, report.table1, "a", "b")
    assert (cmp["Årlige transaktioner, ændring"] == 0).all()
    assert (cmp["Kvadrant, ændring"] == "").all()


def test_untyped_rows_elsewhere_count_as_information(fixture, tmp_path):
    _, config, db = fixture
    raw(db, opgave="23.01.00", kanal="TLFIND", type=None, when="30-10-2026 12:00", count=2,
        enhed=UNIT)
    store = report_store(db)
    report = build_report(store, config, weeks_selection(WEEKS))
    store.close()
    row = report.table1.set_index("KLE").loc["23.01.00"]
    assert row["Informationshenvendelser"] == 4 and math.isnan(row["Selvbetjeningsgrad"])
    assert any("2 henvendelser uden type på andre kanaler" in n for n in report.notes)


def test_information_only_gives_no_quadrant_but_every_file(tmp_path, db_path):
    config = cfgmod.load(write_config(tmp_path))
    db = db_path
    with open_store(db, station="s", operator="o", create=True) as store:
        staff(store, config, opgave="23.05.10", kanal="PRSNLG", type="VEJL", when="20-10-2026 10:00")
    store = report_store(db)
    report = build_report(store, config, weeks_selection("2026-W43"))
    store.close()
    assert report.thresholds.volume is None and report.table1["Kvadrant"].tolist() == [""]
    assert report.channel_choice.empty and report.paper.empty
    assert table1_csv(report.table1).decode("utf-8-sig").splitlines()[1] == (
        "23.05.10;Flytning;20-10-2026;20-10-2026;1;52,00;0;0,00;0;0,00;1;52,00;;")
    from exports.report_files import write_report

    write_report(report, tmp_path / "ud")
    assert len(list((tmp_path / "ud").iterdir())) == 3
