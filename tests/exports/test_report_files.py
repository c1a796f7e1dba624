"""The report's files on disk: the workbook read back with openpyxl, the PNG decoded, and the
folder rules (all or nothing, never a silent overwrite)."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from openpyxl import load_workbook
from PIL import Image

from exports.analysis import TABLE1_COLUMNS, build_report
from exports.analysis_data import weeks_selection
from exports.definitions import DEFINITIONS
from exports.quadrant_plot import SIZE_PX, png_size, render_png
from exports.report_files import FILE_NAMES, table1_csv, write_report
from report_fixtures import EXPECTED_CSV, build, report_store
from storage.errors import Refusal


@pytest.fixture
def plain_report(tmp_path, db_path):
    _, config, db = build(tmp_path, db_path)
    store = report_store(db)
    try:
        yield build_report(store, config, weeks_selection("2026-W43,2026-W44"))
    finally:
        store.close()


def test_three_files_with_the_right_content(plain_report, tmp_path):
    out = tmp_path / "rapport"
    write_report(plain_report, out)
    assert sorted(p.name for p in out.iterdir()) == sorted(FILE_NAMES)
    assert (out / "tabel1.csv").read_bytes() == table1_csv(plain_report.table1)
    assert (out / "tabel1.csv").read_text("utf-8-sig").splitlines() == EXPECTED_CSV

    wb = load_workbook(out / "rapport.xlsx")
    assert wb.sheetnames == ["Kanalpolitik", "Tabel 1", "Enheder", "Tabel 1 pr. enhed",
                             "Kanalvalg", "Papir", "Information", "Behandlingstid",
                             "Straksafklaring", "Digital post", "Omkostninger", "Datakvalitet",
                             "Definitioner"]
    t1 = wb["Tabel 1"]
    rows = list(t1.iter_rows(values_only=True))
    # a title row with the selection, then KL's headers
    assert rows[0][0] == "Tabel 1 · 259 Testby · 2026-W43+2026-W44 (19-10-2026–01-11-2026)"
    assert list(rows[1]) == TABLE1_COLUMNS
    pas = next(r for r in rows if r[0] == "23.09.02")
    assert pas == ("23.09.02", "Pas", datetime(2026, 10, 22), datetime(2026, 10, 25), 2, 26, 15,
                   390, 1, 26, 1, 26, 6.3, "D")
    bbr = next(r for r in rows if r[0] == "02.00.20")
    assert bbr[5] == "blandet" and bbr[7] == 78
    no_tx = next(r for r in rows if r[0] == "23.01.00")
    assert no_tx[1] is None and no_tx[12] is None and no_tx[13] is None  # empty cells
    assert t1["C3"].number_format == "dd-mm-yyyy"
    assert t1["M3"].number_format == "0.0"
    assert t1["G3"].number_format == "#,##0" and t1["H3"].number_format == "#,##0.00"
    assert t1.freeze_panes == "C3" and t1.auto_filter.ref.startswith("A2:")

    for ws in wb.worksheets:  # every sheet prints landscape, one page wide, headers repeated
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.oddHeader.left.text == "259 Testby", ws.title
        assert ws.oddHeader.right.text == "2026-W43+2026-W44", ws.title
    assert t1.print_title_rows == "$2:$2" and wb["Papir"].print_title_rows == "$1:$1"

    headers = {name: [c.value for c in wb[name][1]] for name in wb.sheetnames}
    assert headers["Kanalvalg"] == ["KLE", "Opgave", "Type", "Måling", "Personligt fremmøde (ind)",
                                    "E-mail (ind)", "Papirbrev (ind)", "Selvbetjening (ind)",
                                    "I alt"]
    assert headers["Papir"] == ["KLE", "Opgave", "Transaktioner", "Informationshenvendelser",
                                "Antal i alt", "Faktor", "Årligt antal", "Pris transaktion (kr.)",
                                "Pris information (kr.)", "Årlig omkostning (kr.)"]
    assert headers["Information"] == ["KLE", "Opgave", "Kanal", "Kanalnavn", "VEJL",
                                      "VEJL årligt", "SLVBTJN", "SLVBTJN årligt", "I alt",
                                      "I alt årligt", "Andel af opgavens (%)"]
    assert headers["Omkostninger"] == ["Kanal", "Kanalnavn", "Kanalklasse", "Typeklasse", "Antal",
                                       "Årligt antal", "Pris (kr.)", "Årlig omkostning (kr.)"]
    assert headers["Definitioner"] == ["Begreb", "Forklaring"]
    costs = list(wb["Omkostninger"].iter_rows(values_only=True))
    assert costs[-1][0] == "I alt" and costs[-1][4:6] == (51, 1430) and costs[-1][7] == 76570
    assert costs[-1][1] == "ufuldstændig: 3 kontakter uden pris"
    choice = list(wb["Kanalvalg"].iter_rows(min_row=2, values_only=True))
    assert choice[0] == ("23.05.10", "Flytning", "OPRET", "Antal", 3, 0, 0, 4, 7)
    assert choice[1][7] == 57.14

    terms = [r[0] for r in wb["Definitioner"].iter_rows(min_row=2, values_only=True)]
    assert [t for t, _ in DEFINITIONS] == terms[:len(DEFINITIONS)]
    about = {r[0]: r[1] for r in wb["Definitioner"].iter_rows(values_only=True) if r[0]}
    assert about["Udvalg"].startswith("2026-W43+2026-W44 (19-10-2026–01-11-2026)")
    assert "volumen 260,00" in about["Tærskler"]
    assert about["Sammenligning"] == "-"
    # the units' factors, for the tasks whose factor is "blandet"
    assert about["Faktor 259borgerservice"].startswith("26,00 (52 / 2 tælleuger: Uge 43, Uge 44)")
    assert about["Faktor 259telefon"] == "52,00 (52 / 1 tælleuge: Uge 44)"
    policy = [r[1] for r in wb["Definitioner"].iter_rows(values_only=True) if r[0] == "Kanalpolitik"]
    assert policy[1].startswith("typeklasse transaktion: primær: SLVBTJN (Selvbetjening (ind))")
    assert policy[2].startswith("type STATUS: primær: SLVBTJN")

    data = (out / "kvadrant.png").read_bytes()
    assert png_size(data) == SIZE_PX == (1200, 800)
    with Image.open(io.BytesIO(data)) as image:
        image.verify()
        assert image.format == "PNG" and image.size == SIZE_PX


def test_comparison_sheet_when_asked(tmp_path, db_path):
    _, config, db = build(tmp_path, db_path)
    store = report_store(db)
    report = build_report(store, config, weeks_selection("2026-W44"),
                          compare=weeks_selection("2026-W43"))
    store.close()
    write_report(report, tmp_path / "ud")
    wb = load_workbook(tmp_path / "ud" / "rapport.xlsx")
    assert wb.sheetnames[-4:] == ["Kanalmiks", "Sammenligning", "Datakvalitet", "Definitioner"]
    head = [c.value for c in wb["Sammenligning"][1]]
    assert head[:5] == ["KLE", "Opgave", "Årlige analoge transaktioner (2026-W44)",
                        "Årlige analoge transaktioner (2026-W43)",
                        "Årlige analoge transaktioner, ændring"]
    assert head[-3:] == ["Kvadrant (2026-W44)", "Kvadrant (2026-W43)", "Kvadrant, ændring"]


def test_existing_files_are_never_overwritten_silently(plain_report, tmp_path):
    out = tmp_path / "ud"
    out.mkdir()
    (out / "tabel1.csv").write_text("mine", "utf-8")
    with pytest.raises(Refusal, match="tabel1.csv findes allerede.*--overskriv"):
        write_report(plain_report, out)
    assert sorted(p.name for p in out.iterdir()) == ["tabel1.csv"]  # nothing else written
    assert (out / "tabel1.csv").read_text("utf-8") == "mine"
    write_report(plain_report, out, overwrite=True)
    assert (out / "tabel1.csv").read_bytes() == table1_csv(plain_report.table1)
    assert sorted(p.name for p in out.iterdir()) == sorted(FILE_NAMES)  # no temporary files left


def test_bad_folders_are_refused(plain_report, tmp_path):
    with pytest.raises(Refusal, match="findes ikke"):
        write_report(plain_report, tmp_path / "mangler" / "ud")
    (tmp_path / "fil").write_text("x", "utf-8")
    with pytest.raises(Refusal, match="er en fil"):
        write_report(plain_report, tmp_path / "fil")
    assert not (tmp_path / "mangler").exists()


def test_a_failure_while_rendering_leaves_nothing(plain_report, tmp_path, monkeypatch):
    import exports.report_files as files

    def broken(report):
        raise RuntimeError("disk full")

    monkeypatch.setattr(files, "quadrant_png", broken)
    with pytest.raises(RuntimeError):
        write_report(plain_report, tmp_path / "ud")
    assert not (tmp_path / "ud").exists()


def test_plot_switches_to_log_scale_for_a_wide_spread_and_handles_no_tasks(plain_report):
    t1 = plain_report.table1.copy()
    t1.loc[t1["KLE"] == "23.09.02", "Årlige transaktioner"] = 1_000_000
    wide = render_png(t1, plain_report.thresholds, "bred")
    empty = render_png(t1.iloc[0:0], plain_report.thresholds, "tom")
    assert png_size(wide) == png_size(empty) == SIZE_PX


def test_plot_labels_never_overlap_and_the_title_names_the_filter():
    """40 tasks, five of them on the same spot: every number gets a box of its own."""
    import numpy as np
    import pandas as pd
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from exports.quadrant_plot import DPI, _label_points

    rng = np.random.default_rng(7)
    x = np.concatenate([rng.uniform(100, 5000, 35), [1000] * 5])
    y = np.concatenate([rng.uniform(0, 100, 35), [50] * 5])
    fig = Figure(figsize=(12, 8), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    ax.set_xlim(0, 5200)
    ax.set_ylim(-15, 115)
    boxes = _label_points(fig, ax, [str(i) for i in range(1, 41)], x, y)
    assert len(boxes) == 40
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)

    t1 = pd.DataFrame({"KLE": ["23.05.10"], "Opgave": ["Flytning"],
                       "Årlige transaktioner": [100.0], "Selvbetjeningsgrad": [50.0],
                       "Kvadrant": ["B"]})
    from exports.analysis import Thresholds

    png = render_png(t1, Thresholds(80, 100, True), "Kvadrant · 259 Testby · 2026-W43 · afdeling X")
    assert png_size(png) == SIZE_PX


def test_generated_is_shown_in_the_configs_zone_not_the_hosts(tmp_path, db_path, monkeypatch):
    """A host on UTC (or New York) still writes "Dannet" in the municipality's local time."""
    import time
    from datetime import timezone

    _, config, db = build(tmp_path, db_path)
    store = report_store(db)
    report = build_report(store, config, weeks_selection("2026-W43"))
    store.close()
    report.created = datetime(2026, 10, 21, 8, 30, tzinfo=timezone.utc)  # 10:30 in Copenhagen (CEST)
    with monkeypatch.context() as host:
        host.setenv("TZ", "America/New_York")
        time.tzset()
        try:
            write_report(report, tmp_path / "ud")
        finally:
            host.undo()
            time.tzset()
    about = {r[0]: r[1] for r in load_workbook(tmp_path / "ud" / "rapport.xlsx")["Definitioner"]
             .iter_rows(values_only=True) if r[0]}
    assert str(config.zone) == "Europe/Copenhagen"
    assert about["Dannet"] == "21-10-2026 10:30"
