"""No value from the config, an import or the database becomes a formula (or an error literal) in
``eksport excel``, ``rapport.xlsx`` or ``tabel1.csv``: hostile unit, task and channel names,
kommune names, imported units, data sources, question headers and answers, read back with openpyxl."""

from __future__ import annotations

import csv

import pytest
from openpyxl import load_workbook

from landkort_fixtures import *  # noqa: F401,F403
from landkort_fixtures import Cli, config_text, import_text, register

pytestmark = pytest.mark.slow

HOSTILE_CONFIG = {
    'kommunenavn = "Eksempelby"': 'kommunenavn = "=1+2"',
    'navn = "Borgerservice, skranken"': 'navn = "=HYPERLINK(\\"http://example.invalid\\",\\"klik\\")"',
    '{ kle = "23.05.10", navn = "Flytning" },\n  { kle = "23.09.02"':
        '{ kle = "23.05.10", navn = "=2+2" },\n  { kle = "23.09.02"',
    'navn = "Pas" }': 'navn = "+SUM(1,1)" }',
    'navn = "Sundhedskort" }': 'navn = "-3+3" }',
    'navn = "Boligydelse" }': 'navn = "@SUM(A1)" }',
}
CHANNEL = '\n[[kanal]]\nkode = "PRSNLG"\nnavn = "#REF!"\n'
IMPORTED = ("Kommune;ID;Enhed;Opgave;Kanal;Type;Afslutning;Blanket;Dato;Datakilde;=SUM(1,2);#N/A;\r\n"
            "=cmd|' /C calc'!A0;999;=1+1;23.05.10;PRSNLG;OPRET;STRAKS;NEJ;20-10-2026 10:00:00;@SUM(1);=A1;#DIV/0!;\r\n"
            "+45;999;@x;23.09.02;PRSNLG;INFO;STRAKS;NEJ;21-10-2026 11:00:00;-1+1;#REF!;=B2;\r\n")
FORMULA_LIKE = {"=1+2", "=2+2", "+SUM(1,1)", "-3+3", "@SUM(A1)", "#REF!", "=1+1", "@SUM(1)", "=A1",
                "=SUM(1,2)", "#N/A", "#DIV/0!", "=B2", "=cmd|' /C calc'!A0", "-1+1", "@x"}


@pytest.fixture
def hostile(tmp_path, lk_db):
    from storage import config as cfgmod
    from storage.open import open_store

    path = tmp_path / "hostile.toml"
    path.write_text(config_text(**HOSTILE_CONFIG) + CHANNEL, "utf-8")
    config = cfgmod.load(path)
    with open_store(lk_db, station="test-station", operator="tester") as store:
        for opgave in ("23.05.10", "23.09.02", "29.03.04", "32.06.04"):
            register(store, config, "19-10-2026 09:00:00", opgave=opgave)
        register(store, config, "20-10-2026 09:00:00", opgave="23.05.10", kanal="TLFIND", type="STATUS")
        import_text(store, config, tmp_path / "hostile.csv", IMPORTED, encoding="utf-8")
    return Cli(path, lk_db, tmp_path)


def cells(workbook):
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            yield from row


def test_excel_export_holds_hostile_text_as_text(hostile, tmp_path):
    target = tmp_path / "uge.xlsx"
    done = hostile("eksport", "excel", "--uge", "2026-W43", "--ud", target)
    assert done.returncode == 0, done.stderr
    wb = load_workbook(target)
    everything = list(cells(wb))
    assert [c.coordinate for c in everything if c.data_type in ("f", "e")] == []
    texts = {c.value for c in everything if c.data_type == "s"}
    assert FORMULA_LIKE - {"+SUM(1,1)", "-3+3", "@SUM(A1)", "=SUM(1,2)"} <= texts  # kept, unchanged
    header = [c.value for c in wb["Registreringer"][1]]
    assert "=SUM(1,2)" in header and "#N/A" in header  # imported question headers, as text


def test_report_workbook_and_csv_hold_hostile_text_as_text(hostile, tmp_path):
    folder = tmp_path / "rapport"
    done = hostile("rapport", "--uge", "2026-W43", "--ud", folder)
    assert done.returncode == 0, done.stderr
    wb = load_workbook(folder / "rapport.xlsx")
    everything = list(cells(wb))
    assert [f"{c.parent.title}!{c.coordinate}" for c in everything if c.data_type in ("f", "e")] == []
    texts = {c.value for c in everything if isinstance(c.value, str)}
    assert {"=2+2", "+SUM(1,1)", "-3+3", "@SUM(A1)"} <= texts
    with open(folder / "tabel1.csv", encoding="utf-8-sig", newline="") as handle:
        table = list(csv.DictReader(handle, delimiter=";"))
    names = {row["Opgave"] for row in table}
    # A spreadsheet opening the CSV sees text: the formula leads are quoted with an apostrophe.
    assert {"'=2+2", "'+SUM(1,1)", "'-3+3", "'@SUM(A1)"} <= names
    assert not any(name.startswith(("=", "+", "-", "@")) for name in names)
