"""``taelleuge eksport excel``: sheets, typed cells, frozen header, autofilter, and the summary."""

from __future__ import annotations

from datetime import datetime

import pytest
from openpyxl import load_workbook

from landkort_fixtures import *  # noqa: F401,F403
from landkort_fixtures import QUESTION, import_text, register

pytestmark = pytest.mark.slow

HEADER = [
    "Dato", "Start", "Varighed (sek.)", "Uge", "Ugedag", "Kommunenr.", "Kommune", "Enhed", "Enhedsnavn",
    "KLE-nummer", "Opgave", "Kanal", "Kanalnavn", "Retning", "Kanalklasse", "Type", "Typenavn",
    "Typeklasse", "Afslutning", "Afslutningsnavn", "Blanket", "Datakilde", QUESTION,
]


def test_workbook(cli, lk_store, lk_config, tmp_path):
    register(lk_store, lk_config, "19-10-2026 08:15:30", start="19-10-2026 08:14:05", answers={QUESTION: "Ja"})
    register(lk_store, lk_config, "20-10-2026 10:00:00", enhed="999telefon", opgave="32.03.04", kanal="TLFIND",
             type="INFO", count=2)
    lk_store.void(register(lk_store, lk_config, "21-10-2026 09:00:00"), "DUBLET")
    import_text(lk_store, lk_config, tmp_path / "web.csv",
                "Kommune;ID;Enhed;Opgave;Kanal;Type;Afslutning;Blanket;Dato;Datakilde;\r\n"
                "Eksempelby;999;;23.05.10;WEB;;;;23-10-2026 00:00:00;DetDigitaleLandkort;\r\n")
    target = tmp_path / "uge43.xlsx"
    result = cli("eksport", "excel", "--uge", "2026-W43", "--ud", target)
    assert result.returncode == 0, result.stderr
    assert "Rækker: 4" in result.stdout and "Annullerede udeladt: 1" in result.stdout

    wb = load_workbook(target)
    assert wb.sheetnames == ["Registreringer", "Opsummering", "Om udtrækket"]
    ws = wb["Registreringer"]
    assert [c.value for c in ws[1]] == HEADER
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:W5"
    first = {h: c for h, c in zip(HEADER, ws[2])}
    assert first["Dato"].value == datetime(2026, 10, 19, 8, 15, 30)  # local time, typed
    assert first["Dato"].number_format == "dd-mm-yyyy hh:mm:ss"
    assert first["Start"].value == datetime(2026, 10, 19, 8, 14, 5)
    assert first["Varighed (sek.)"].value == 85
    assert (first["Uge"].value, first["Ugedag"].value, first["Kommunenr."].value) == (43, "mandag", 999)
    assert (first["Enhed"].value, first["Enhedsnavn"].value) == ("999borgerservice", "Borgerservice, skranken")
    assert (first["KLE-nummer"].value, first["Opgave"].value) == ("23.05.10", "Flytning")
    assert (first["Kanal"].value, first["Kanalnavn"].value, first["Retning"].value) == ("PRSNLG", "Personligt fremmøde", "Ind")
    assert (first["Type"].value, first["Typenavn"].value, first["Typeklasse"].value) == ("OPRET", "Ny sag", "transaktion")
    assert (first["Afslutning"].value, first["Afslutningsnavn"].value) == ("STRAKS", "Afsluttet straks")
    assert (first["Datakilde"].value, first[QUESTION].value) == ("Taelleuge", "Ja")
    batch = {h: c.value for h, c in zip(HEADER, ws[3])}
    assert batch["Start"] is None and batch["Varighed (sek.)"] is None
    web = {h: c.value for h, c in zip(HEADER, ws[5])}
    assert (web["Dato"], web["Enhed"], web["Type"], web["Kanalklasse"]) == (
        datetime(2026, 10, 23), None, None, "selvbetjening")

    summary = wb["Opsummering"]
    assert [c.value for c in summary[1]] == ["KLE-nummer", "Opgave", "Kanal", "Kanalnavn", "Type", "Typenavn", "Antal"]
    assert summary.freeze_panes == "A2"
    table = [[c.value for c in row] for row in summary.iter_rows(min_row=2)]
    assert table == [
        ["23.05.10", "Flytning", "PRSNLG", "Personligt fremmøde", "OPRET", "Ny sag", 1],
        ["23.05.10", "Flytning", "WEB", "Hjemmeside", None, None, 1],
        ["32.03.04", "Folkepension", "TLFIND", "Telefon", "INFO", "Info om sag", 2],
        ["I alt", None, None, None, None, None, 4],
    ]
    about = {row[0].value: row[1].value for row in wb["Om udtrækket"].iter_rows()}
    assert about["Registreringer"] == 4 and about["Annullerede rækker udeladt"] == 1

    again = cli("eksport", "excel", "--uge", "2026-W43", "--ud", target)
    assert again.returncode == 1 and "findes allerede" in again.stderr


def test_excel_needs_xlsx_name(cli, tmp_path):
    result = cli("eksport", "excel", "--uge", "2026-W43", "--ud", tmp_path / "uge.csv")
    assert result.returncode == 1 and ".xlsx" in result.stderr


@pytest.mark.parametrize("kind", ["excel", "landkort"])
def test_an_export_without_rows_is_refused_and_writes_nothing(cli, lk_store, lk_config, tmp_path, kind):
    register(lk_store, lk_config, "19-10-2026 08:15:30", trial=True)  # a trial row never counts
    target = tmp_path / ("uge.xlsx" if kind == "excel" else "uge.csv")
    result = cli("eksport", kind, "--uge", "2026-W43", "--ud", target)
    assert result.returncode == 1
    assert "Ingen registreringer i uge 2026-W43" in result.stderr
    assert "(1 prøverække, 0 annullerede)" in result.stderr and "Traceback" not in result.stderr
    assert not target.exists() and not target.with_name(target.name + ".kontrol.txt").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file
