"""The measures beyond KL's Table 1, each against the hand-computed fixture (report_fixtures):
annualisation per unit's count weeks with stray rows, inbound/alle rates, the channel policy,
handling time, straksafklaring, digital post, the channel mix, unit and department views and the
data quality section."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from exports.analysis import build_report
from exports.analysis_data import days_selection, weeks_selection
from exports.report_files import table1_csv
from storage.open import open_store
from report_fixtures import (
    EXPECTED_CSV, EXPECTED_POLICY, build, raw, report_store, run_cli, staff, write_config,
)
from storage import config as cfgmod
from storage.errors import Refusal
from tui.cli import main

WEEKS = "2026-W43,2026-W44"


@pytest.fixture
def fixture(tmp_path, db_path):
    return build(tmp_path, db_path)


def _report(fixture, selection=None, **options):
    _, config, db = fixture
    store = report_store(db)
    try:
        return build_report(store, config, selection or weeks_selection(WEEKS), **options)
    finally:
        store.close()


def _csv(report) -> list[str]:
    return table1_csv(report.table1).decode("utf-8-sig").splitlines()


def _plain(value):
    return None if isinstance(value, float) and math.isnan(value) else value


# -- annualisation ----------------------------------------------------------------------------

def test_stray_rows_after_the_count_weeks_change_no_factor(fixture):
    """Up to Monday 2 November: the seven W45 rows of 23.05.10 are catch-up rows outside every
    count week. The old rule (52 / ISO weeks with rows) made 23.05.10's factor 52/3; now Table 1
    is exactly the W43+W44 one and the rows are reported."""
    report = _report(fixture, days_selection("19-10-2026", "02-11-2026"))
    assert _csv(report)[1:] == EXPECTED_CSV[1:]
    outside = report.quality[report.quality["Kontrol"] == "Uden for tælleugerne"]
    got = [(u, d.date().isoformat(), n) for u, d, n in
           zip(outside["Enhed"], outside["Dag"], outside["Antal"])]
    assert got == [("(uden enhed)", "2026-11-02", 7), ("259telefon", "2026-10-21", 3),
                   ("259telefon", "2026-10-22", 1)]


def test_units_have_their_own_factor(fixture):
    report = _report(fixture)
    factors = report.unit_factors.set_index("Enhed")
    assert factors.loc["259borgerservice", "Tælleuger i udvalget"] == "Uge 43, Uge 44"
    assert factors.loc["259borgerservice", "Faktor"] == 26
    assert factors.loc["259telefon", "Tælleuger i udvalget"] == "Uge 44"
    assert factors.loc["259telefon", "Faktor"] == 52
    assert factors.loc["259borgerservice", "Ansvarlig"] == "Teamleder, Borgerservice"
    assert factors.loc["(uden enhed)", "Faktor"] == 26


def test_rows_outside_count_weeks_are_included_only_when_asked(fixture):
    """--medtag-udenfor: the phone unit's W43 rows (TLFIND OPRET 2, another municipality's
    TLFIND OPRET 1, a TraceTool WEB visit) count, and widen the unit's weeks: its count week Uge 44
    ∪ ISO week 43 of those rows = 2 weeks, factor 26 (not its own 52). The W45 catch-up rows of
    23.05.10 (no unit) widen that unit's Uge 43 + Uge 44 by W45: factor 52 / 3."""
    report = _report(fixture, days_selection("19-10-2026", "02-11-2026"), include_outside=True)
    rows = {line.split(";")[0]: line for line in _csv(report)[1:]}
    # BBR: analog borgerservice 1 + telefon 1 + 2 + 1 = 5, all factor 26 → 130; digital WEB 1 →
    # 26; info 3 → 78; rate 1/6 = 16.7. Yearly transactions per task: 99.01.02 3 × 52/3 = 52,
    # BBR 156, 29.03.04 26 + 9 × 52/3 = 182, 23.05.10 104 + 13 × 52/3 = 329.33, 23.09.02
    # 390 + 52/3 = 407.33: median 182; BBR 156 < 182 and a low rate → B
    assert rows["02.00.20"] == "02.00.20;BBR;20-10-2026;30-10-2026;4;26,00;5;130,00;1;26,00;3;78,00;16,7;B"
    # 23.05.10: digital 6 + 7 = 13 rows of no unit × 52/3 = 225.33; rate 13/17 = 76.5
    assert rows["23.05.10"].split(";")[8:10] == ["13", "225,33"]
    assert rows["99.01.02"].split(";")[5] == "17,33"
    factors = report.unit_factors.set_index("Enhed")
    assert factors.loc["259telefon", "Antal uger"] == 2 and factors.loc["259telefon", "Faktor"] == 26
    assert factors.loc["(uden enhed)", "Antal uger"] == 3
    assert factors.loc["259borgerservice", "Antal uger"] == 2
    assert any("talt med (--medtag-udenfor)" in n for n in report.notes)
    assert any("259telefon: rækker uden for tælleugerne i 1 ISO-uge er medtaget; faktoren er "
               "52 / 2 (1 tælleuge + 1 ISO-uge)" in n for n in report.notes)


def test_one_count_week_and_outside_rows_of_two_more_weeks_is_52_over_3(tmp_path, db_path):
    """The phone unit counts Uge 44 only; with a further row on Tuesday 3 November (ISO W45) and
    its W43 rows included, its rows span 3 weeks: factor 52/3, not 52 (which made its BBR 3× too
    big). BBR analog: borgerservice 1 × 26 + telefon (1 + 2 + 1 + 1) × 52/3 = 26 + 86.67."""
    fixture = build(tmp_path, db_path)
    _, config, db = fixture
    raw(db, opgave="02.00.20", kanal="TLFIND", type="OPRET", when="03-11-2026 09:00",
        enhed="259telefon")  # outside every count week: an imported row
    report = _report(fixture, days_selection("19-10-2026", "08-11-2026"), include_outside=True)
    factors = report.unit_factors.set_index("Enhed")
    assert factors.loc["259telefon", "Antal uger"] == 3
    assert factors.loc["259telefon", "Faktor"] == pytest.approx(52 / 3)
    bbr = next(line for line in _csv(report)[1:] if line.startswith("02.00.20;")).split(";")
    # factor blandet (26 and 52/3); analog 6 → 112.67; digital WEB 1 × 52/3; info 3 × 52/3 = 52
    assert bbr[5:12] == ["blandet", "6", "112,67", "1", "17,33", "3", "52,00"]
    plain = _report(fixture, days_selection("19-10-2026", "08-11-2026"))
    assert plain.unit_factors.set_index("Enhed").loc["259telefon", "Faktor"] == 52


def test_a_comparison_without_configured_weeks_uses_its_iso_weeks(fixture):
    report = _report(fixture, weeks_selection("2026-W44"), compare=weeks_selection("2026-W45"))
    assert any("Ingen konfigureret tælleuge ligger i 2026-W45" in n for n in report.notes)
    row = report.comparison.set_index("KLE").loc["23.05.10"]
    assert row["Årlige digitale transaktioner (2026-W45)"] == 7 * 52


def test_nothing_in_the_count_weeks_is_refused(fixture):
    with pytest.raises(Refusal, match="ligger i enhedernes tælleuger"):
        _report(fixture, weeks_selection("2026-W43", ("259telefon",)))


# -- direction --------------------------------------------------------------------------------

def test_rates_are_inbound_by_default_and_alle_on_request(fixture):
    inbound = _report(fixture).table1.set_index("KLE").loc["23.05.10"]
    assert inbound["Analoge transaktioner"] == 4 and inbound["Udgående transaktioner"] == 1
    assert inbound["Selvbetjeningsgrad"] == 60
    both = _report(fixture, direction="alle")
    row = both.table1.set_index("KLE").loc["23.05.10"]
    # TLFUD STATUS 1 joins the analog transactions: 6 / 11
    assert row["Analoge transaktioner"] == 5 and row["Udgående transaktioner"] == 0
    assert row["Selvbetjeningsgrad"] == pytest.approx(600 / 11)
    assert _csv(both)[3].split(";")[6:8] == ["5", "130,00"]
    status = both.channel_choice[(both.channel_choice["KLE"] == "23.05.10")
                                 & (both.channel_choice["Type"] == "STATUS")]
    assert status.iloc[0]["Telefon (ud)"] == 1 and status.iloc[1]["Telefon (ud)"] == 50


def test_channel_choice_for_chosen_tasks(fixture):
    report = _report(fixture, tasks=["29.03.04"])
    cc = report.channel_choice
    assert set(cc["KLE"]) == {"29.03.04"}
    counts = cc[cc["Måling"] == "Antal"].iloc[0]
    assert (counts["Personligt fremmøde (ind)"], counts["Selvbetjening (ind)"]) == (1, 9)
    cost = cc[cc["Måling"] == "Årlig omkostning (kr.)"].iloc[0]
    assert cost["I alt"] == 1 * 26 * 95 + 9 * 26 * 20


# -- the channel policy -----------------------------------------------------------------------

def test_channel_policy_per_task_and_unit(fixture):
    frame = _report(fixture).channel_policy
    got = [(k, e, h, u, y, _plain(c)) for k, e, h, u, y, c in zip(
        frame["KLE"], frame["Enhed"], frame["Henvendelser"], frame["Heraf på uønsket kanal"],
        frame["Årligt antal på uønsket kanal"], frame["Årlig omkostning på uønsket kanal (kr.)"])]
    assert got == EXPECTED_POLICY
    first = frame.iloc[0]
    assert first["Andel uønsket (%)"] == 60 and first["Uønskede kanaler"] == "PRSNLG 3"
    assert first["Afdeling"] == "Borgerservice" and first["Ansvarlig"] == "Teamleder, Borgerservice"
    assert frame.iloc[-1]["Andel uønsket (%)"] == pytest.approx(700 / 42)


def test_policy_cost_says_when_a_price_is_missing(fixture):
    config_path, config, db = fixture
    text = (config_path.read_text("utf-8")
            .replace('uoensket = ["PRSNLG", "PPRIND"]', 'uoensket = ["PRSNLG", "PPRIND", "EMLIND"]'))
    config_path.write_text(text, "utf-8")
    config = cfgmod.load(config_path)
    store = report_store(db)
    frame = build_report(store, config, weeks_selection(WEEKS)).channel_policy
    store.close()
    total = frame.iloc[-1]
    # EMLIND has no price: e-mail OPRET? none; EMLIND STATUS follows the STATUS rule (not listed)
    assert total["Heraf på uønsket kanal"] == 7 and total["Uønskede kanaler"] == ""
    text = text.replace('type = "STATUS"\nprimaer = ["SLVBTJN"]\nsekundaer = ["TLFIND", "PRSNLG"]\n'
                        'uoensket = ["PPRIND"]', 'type = "STATUS"\nprimaer = ["SLVBTJN"]\n'
                        'uoensket = ["PPRIND", "EMLIND"]')
    config_path.write_text(text, "utf-8")
    config = cfgmod.load(config_path)
    store = report_store(db)
    frame = build_report(store, config, weeks_selection(WEEKS)).channel_policy
    store.close()
    total = frame.iloc[-1]
    assert total["Heraf på uønsket kanal"] == 8
    assert total["Uønskede kanaler"] == "ufuldstændig: 1 kontakt uden pris (EMLIND)"
    assert total["Årlig omkostning på uønsket kanal (kr.)"] == 17030  # the priced part
    # 23.05.10 at the desk: PRSNLG OPRET 3 priced (7410 kr.), EMLIND STATUS 1 without a price:
    # the row's figure is the priced part only, and says so
    row = frame[(frame["KLE"] == "23.05.10") & (frame["Enhed"] == "259borgerservice")].iloc[0]
    assert row["Årlig omkostning på uønsket kanal (kr.)"] == 7410
    assert row["Uønskede kanaler"] == "PRSNLG 3, EMLIND 1; ufuldstændig: EMLIND uden pris"
    shown = run_cli(config_path, db, "--uge", WEEKS)
    assert shown.returncode == 0, shown.stderr
    assert "7410 ufuldst." in shown.stdout and "(EMLIND)" in shown.stdout
    assert max(len(line) for line in shown.stdout.splitlines()) <= 100
    # [[pris]] exists: the note names the channels without a price, not a missing [[pris]]
    assert "Ingen pris i konfigurationen" not in shown.stdout
    assert "Note: Ingen pris i [[pris]] for disse kanaler" in shown.stdout
    assert "EMLIND/transaktion" in shown.stdout


def test_no_policy_gives_an_empty_sheet_and_a_line(tmp_path, db_path):
    path = write_config(tmp_path)
    text = path.read_text("utf-8")
    path.write_text(text[:text.index("[[kanalpolitik]]")] + text[text.index("[[taelleuge]]"):],
                    "utf-8")
    config = cfgmod.load(path)
    db = db_path
    with open_store(db, station="s", operator="o", create=True) as store:
        staff(store, config, opgave="23.05.10", kanal="PRSNLG", type="OPRET", when="20-10-2026 10:00")
    store = report_store(db)
    report = build_report(store, config, weeks_selection("2026-W43"))
    store.close()
    assert report.channel_policy.empty and report.policy_text == []


# -- handling time, straksafklaring, digital post, channel mix --------------------------------

def test_handling_time_median_p90_and_rows_without_start(fixture):
    frame = _report(fixture).handling.set_index(["KLE", "Kanal", "Type"])
    pas = frame.loc[("23.09.02", "PRSNLG", "STATUS")]
    # 10 × 60 s and 3 × 300 s: the 7th of 13 is 60, the 12th (ceil 0.9 × 13) is 300
    assert (pas["Med tid (n)"], pas["Median (sek.)"], pas["90 %-fraktil (sek.)"],
            pas["Uden starttid"]) == (13, 60, 300, 0)
    moving = frame.loc[("23.05.10", "PRSNLG", "OPRET")]
    assert moving["Med tid (n)"] == 0 and moving["Uden starttid"] == 3
    assert math.isnan(moving["Median (sek.)"])


def test_straks_rate_per_unit_and_channel(fixture):
    frame = _report(fixture).straks.set_index(["Enhed", "Kanal"])
    phone = frame.loc[("259telefon", "TLFIND")]
    assert (phone["STRAKS"], phone["HOLD"], phone["Straksafklaringsgrad (%)"]) == (1, 3, 25)
    every = frame.loc[("I alt", "TLFIND")]  # the desk's 3 STRAKS too: 4 / 7
    assert (every["STRAKS"], every["HOLD"]) == (4, 3)
    assert every["Straksafklaringsgrad (%)"] == pytest.approx(400 / 7)
    self_service = frame.loc[("I alt", "SLVBTJN")]
    assert self_service["Uden afslutning"] == 19
    assert math.isnan(self_service["Straksafklaringsgrad (%)"])


def test_digital_share_of_outbound_post(tmp_path, db_path):
    path = write_config(tmp_path)
    path.write_text(path.read_text("utf-8").replace(
        'kanaler = ["PRSNLG", "TLFIND", "TLFUD", "EMLIND", "PPRIND", "DOCIND"]',
        'kanaler = ["PRSNLG", "TLFIND", "DOKUD", "MGRUD", "PPRUD", "FPRNT"]'), "utf-8")
    config = cfgmod.load(path)
    db = db_path
    with open_store(db, station="s", operator="o", create=True) as store:
        for kanal, n in (("DOKUD", 3), ("MGRUD", 1), ("PPRUD", 1)):
            staff(store, config, opgave="23.05.10", kanal=kanal, type="INFO",
                  when="20-10-2026 10:00", count=n)
        staff(store, config, opgave="02.00.20", kanal="TLFUD", type="INFO", when="27-10-2026 10:00",
              enhed="259telefon")
    store = report_store(db)
    frame = build_report(store, config, weeks_selection(WEEKS)).outbound_post.set_index("Enhed")
    store.close()
    assert list(frame.index) == ["259borgerservice", "I alt"]
    row = frame.loc["I alt"]
    assert (row["Digitalt"], row["Papir"], row["Digital andel (%)"]) == (4, 1, 80)
    assert row["DOKUD Digital Post (ud)"] == 3 and row["FPRNT Fjernprint (ud)"] == 0


def test_channel_mix_against_a_comparison(fixture):
    report = _report(fixture, weeks_selection("2026-W44"), compare=weeks_selection("2026-W43"))
    mix = report.channel_mix.set_index("Kanal")
    # W44 counted: PRSNLG 3 (VEJL 2, OPRET 1) of 13; W43: PRSNLG 17 (3 + 1 + 13) of 38 (the
    # phone unit's W43 rows are outside its count week)
    personal = mix.loc["PRSNLG"]
    assert (personal["Antal (2026-W44)"], personal["Antal (2026-W43)"]) == (3, 17)
    assert personal["Andel (2026-W44) (%)"] == pytest.approx(300 / 13)
    assert personal["Ændring af andel (procentpoint)"] == pytest.approx(300 / 13 - 1700 / 38)
    assert personal["Ændring af årligt antal (%)"] == pytest.approx((3 - 17) * 100 / 17)
    assert mix["Antal (2026-W44)"].sum() == 13 and mix["Antal (2026-W43)"].sum() == 38
    assert mix.loc["PRSNLG", "Kanalnavn"] == "Personligt fremmøde (ind)"


# -- units and departments --------------------------------------------------------------------

def test_unit_and_department_views(fixture):
    report = _report(fixture)
    units = report.units
    rows = [(a, e, _plain(f), an, d, i, _plain(g)) for a, e, f, an, d, i, g in zip(
        units["Afdeling"], units["Enhed"], units["Faktor"], units["Analoge transaktioner"],
        units["Digitale transaktioner"], units["Informationshenvendelser"],
        units["Selvbetjeningsgrad"])]
    assert rows == [
        ("Borgerservice", "259borgerservice", 26.0, 21, 0, 6, 0.0),
        ("Borgerservice", "259telefon", 52.0, 1, 0, 3, 0.0),
        ("Borgerservice", "I alt", None, 22, 0, 9, 0.0),
        ("", "(uden enhed)", 26.0, 0, 19, 0, 100.0),
    ]
    per_unit = report.table1_units.set_index(["Enhed", "KLE"])
    assert per_unit.loc[("259telefon", "02.00.20"), "Årlige informationshenvendelser"] == 156
    assert per_unit.loc[("259borgerservice", "02.00.20"), "Årlige analoge transaktioner"] == 26
    assert per_unit.loc[("259borgerservice", "02.00.20"), "Afdeling"] == "Borgerservice"


def test_department_filter_on_the_command_line(fixture, monkeypatch, capsys, tmp_path):
    config_path, _, db = fixture
    monkeypatch.setenv("TAELLEUGE_CONFIG", str(config_path))
    monkeypatch.setenv("TAELLEUGE_DB", str(db))
    assert main(["rapport", "--uge", WEEKS, "--afdeling", "Borgerservice"]) == 0
    out = capsys.readouterr().out
    assert "afdeling Borgerservice" in out.splitlines()[0]
    assert "(uden enhed)" not in out  # imported self-service rows belong to no department
    from exports.report_files import plot_title

    report = _report(fixture, weeks_selection(WEEKS, ("259borgerservice", "259telefon")),
                     filter_label="afdeling Borgerservice")
    assert plot_title(report) == "Kvadrant · 259 Testby · 2026-W43+2026-W44 · afdeling Borgerservice"
    assert main(["rapport", "--uge", WEEKS, "--afdeling", "Ukendt"]) == 1
    assert 'Afdelingen "Ukendt" er ukendt. Kendte afdelinger: Borgerservice' in capsys.readouterr().err
    assert main(["rapport", "--uge", WEEKS, "--opgaver", "23.5"]) == 1
    assert "har forkert form" in capsys.readouterr().err


# -- data quality -----------------------------------------------------------------------------

def test_data_quality_findings(fixture):
    quality = _report(fixture).quality
    got = [(k, e, None if pd.isna(d) else d.date().isoformat(), c, n)
           for k, e, d, c, n in zip(quality["Kontrol"], quality["Enhed"], quality["Dag"],
                                    quality["Kanal"], quality["Antal"])]
    assert got == [
        ("Dubletter", "(uden enhed)", "2026-10-19", "", 1),  # 99.01.02 from a second import
        ("Uden for tælleugerne", "259telefon", "2026-10-21", "", 3),
        ("Uden for tælleugerne", "259telefon", "2026-10-22", "", 1),
        # weekdays of the count weeks without a row (the desk's median weekday is 1.5)
        ("Dag uden registreringer", "259borgerservice", "2026-10-21", "", 0),
        ("Dag uden registreringer", "259borgerservice", "2026-10-23", "", 0),
        ("Dag uden registreringer", "259borgerservice", "2026-10-26", "", 0),
        ("Dag uden registreringer", "259telefon", "2026-10-26", "", 0),
        ("Dag uden registreringer", "259telefon", "2026-10-27", "", 0),
        ("Dag uden registreringer", "259telefon", "2026-10-28", "", 0),
        ("Dag uden registreringer", "259telefon", "2026-10-29", "", 0),
        ("Skriftlig kanal registreret STRAKS", "259borgerservice", None, "EMLIND", 1),
        ("Skriftlig kanal registreret STRAKS", "259borgerservice", None, "PPRIND", 3),
        ("Selvbetjeningskanal registreret af personale", "259telefon", None, "WEB", 1),
        ("Anden kommunes rækker", "259telefon", None, "", 1),
    ]


def test_a_thin_day_is_named(tmp_path, db_path):
    config = cfgmod.load(write_config(tmp_path))
    db = db_path
    with open_store(db, station="s", operator="o", create=True) as store:
        for day, n in (("19", 20), ("20", 20), ("21", 20), ("22", 4), ("23", 20)):
            staff(store, config, opgave="23.05.10", kanal="PRSNLG", type="OPRET",
                  when=f"{day}-10-2026 10:00", count=n)
    store = report_store(db)
    quality = build_report(store, config, weeks_selection("2026-W43")).quality
    store.close()
    thin = quality[quality["Kontrol"] == "Dag med få registreringer"]
    assert [(e, d.date().isoformat(), n) for e, d, n in
            zip(thin["Enhed"], thin["Dag"], thin["Antal"])] == [("259borgerservice", "2026-10-22", 4)]
