"""No value from the config, an import or the database becomes a formula (or an error literal) in
``eksport excel``, ``rapport.xlsx`` or ``tabel1.csv``: hostile channel names, KLE titles (the
municipality's own copy of an outside file), kommune names, units, data sources, question headers
and answers, read back with openpyxl.

The config and the import refuse a value that leads with = + - @ (tests/storage/test_config_hostile.py,
tests/exports/test_import_hostile.py), so such values reach the database here the only way left:
rows written before that guard existed, planted with SQL. The writers must hold them as text."""

from __future__ import annotations

import csv

import pytest
from openpyxl import load_workbook

from landkort_fixtures import *  # noqa: F401,F403
from landkort_fixtures import Cli, config_text, import_text, register

pytestmark = pytest.mark.slow

CHANNEL = '\n[[kanal]]\nkode = "PRSNLG"\nnavn = "#REF!"\n'
# KLE titles for tasks outside the packages: the report names them from the KLE file.
KLE_TITLES = {"02.00.20": "=2+2", "02.00.21": "+SUM(1,1)", "02.00.22": "-3+3", "02.00.23": "@SUM(A1)"}
KLE_XML = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<KLE-Emneplan><UdgivelsesDato>2026-08-01</UdgivelsesDato>"
           "<Hovedgruppe><HovedgruppeNr>02</HovedgruppeNr><HovedgruppeTitel>Byggeri</HovedgruppeTitel>"
           "<Gruppe><GruppeNr>02.00</GruppeNr><GruppeTitel>Byggeri i alm.</GruppeTitel>"
           + "".join(f"<Emne><EmneNr>{nr}</EmneNr><EmneTitel>{title}</EmneTitel></Emne>"
                     for nr, title in KLE_TITLES.items())
           + "</Gruppe></Hovedgruppe></KLE-Emneplan>\n")
# Rows from before the entry guard: (kommune_navn, enhed, datakilde, answers).
PLANTED = [
    ("=1+2", "999borgerservice", "Taelleuge", {}),
    ("=cmd|' /C calc'!A0", "=1+1", "@SUM(1)", {"=SUM(1,2)": "=A1", "#N/A": "#DIV/0!"}),
    ("+45", "@x", "-1+1", {"=SUM(1,2)": "#REF!", "#N/A": "=B2"}),
]
FORMULA_LIKE = {"=1+2", "#REF!", "=1+1", "@SUM(1)", "=A1", "=SUM(1,2)", "#N/A", "#DIV/0!", "=B2",
                "=cmd|' /C calc'!A0", "-1+1", "@x"}


def plant(db, template_id: str, kommune_navn: str, enhed: str, datakilde: str, answers: dict) -> None:
    """A copy of a registration with hostile text, written with SQL (INSERT is all the schema allows)."""
    import json
    import uuid

    import dbrows
    from storage.model import REGISTRATIONS

    [row] = dbrows.dict_rows(db, where="id = ?", args=(template_id,))
    row = {c: row[c] for c in REGISTRATIONS.written}
    row.update(id=str(uuid.uuid4()), kommune_navn=kommune_navn, enhed=enhed, datakilde=datakilde,
               answers=json.dumps(answers, ensure_ascii=False))
    dbrows.insert(db, "registrations", [row])


@pytest.fixture
def hostile(tmp_path, lk_db):
    from storage import config as cfgmod
    from storage.open import open_store

    kle_file = tmp_path / "kle.xml"
    kle_file.write_text(KLE_XML, "utf-8")
    path = tmp_path / "hostile.toml"
    path.write_text(f'kle_fil = "{kle_file}"\n' + config_text() + CHANNEL, "utf-8")
    config = cfgmod.load(path)
    with open_store(lk_db, station="test-station", operator="tester") as store:
        for opgave in ("23.05.10", "23.09.02", "29.03.04", "32.06.04", *KLE_TITLES):
            register(store, config, "19-10-2026 09:00:00", opgave=opgave)
        [template] = register(store, config, "20-10-2026 09:00:00", opgave="23.05.10", kanal="TLFIND",
                              type="STATUS")
    for values in PLANTED:
        plant(lk_db, template, *values)
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
    assert FORMULA_LIKE - {"=SUM(1,2)"} <= texts  # kept, unchanged
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
