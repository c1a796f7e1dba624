"""The files as LibreOffice sees them: ``rapport.xlsx`` printed to PDF (one page header per page
with the municipality and the selection, headers above the data, never mixed into a data line)
and the export's streamed workbook read back as CSV. Skipped when LibreOffice is not installed
(it is large, so ``make test`` does not install it: ``apt-get install libreoffice-calc``)."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from exports.analysis import build_report
from exports.analysis_data import weeks_selection
from exports.report_files import write_report
from landkort_fixtures import *  # noqa: F401,F403
from landkort_fixtures import register
from report_fixtures import build, report_store

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed; "
                                               "apt-get install libreoffice-calc to run this"),
]


def convert(source: Path, target_format: str, out: Path) -> Path:
    """``soffice --headless --convert-to`` with a profile of its own in ``out`` (never the
    user's), so parallel runs do not share a lock."""
    out.mkdir(exist_ok=True)
    profile = (out / "profile").as_uri()
    done = subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--convert-to", target_format,
         "--outdir", str(out), str(source)],
        capture_output=True, text=True, timeout=180, env={**os.environ, "HOME": str(out)})
    assert done.returncode == 0, done.stderr
    produced = out / (source.stem + "." + target_format.split(":")[0])
    assert produced.exists(), (done.stdout, done.stderr)
    return produced


def test_report_workbook_prints_with_headers_clear_of_the_data(tmp_path, db_path):
    _, config, db = build(tmp_path, db_path)
    store = report_store(db)
    report = build_report(store, config, weeks_selection("2026-W43,2026-W44"))
    store.close()
    write_report(report, tmp_path / "ud")
    pdf = convert(tmp_path / "ud" / "rapport.xlsx", "pdf", tmp_path / "pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: the PDF is made but not read")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    pages = text.split("\f")
    pages = [p for p in pages if p.strip()]
    # the sheets in order, at least one page each, every page headed by municipality + selection
    assert len(pages) >= 14
    for page in pages:
        head = page.strip().splitlines()[0]
        assert "259 Testby" in head and "2026-W43+2026-W44" in head, head
        assert "Side " in page
    table1 = next(p for p in pages if "Tabel 1 · 259 Testby" in p)
    lines = table1.splitlines()
    data = [i for i, line in enumerate(lines) if line.lstrip().startswith("02.00.20")]
    headers = [i for i, line in enumerate(lines) if "Informationshenvendelser" in line]
    assert data and headers and headers[0] < data[0]
    # a header that ran into the data would put its words on a data line
    for i in data:
        assert "transaktioner" not in lines[i] and "Informations" not in lines[i], lines[i]
    assert "blandet" in lines[data[0]] and "78.00" in lines[data[0]].replace(",", ".")


def test_streamed_export_workbook_opens_in_libreoffice(cli, lk_store, lk_config, tmp_path):
    register(lk_store, lk_config, "19-10-2026 08:15:30", start="19-10-2026 08:14:05")
    register(lk_store, lk_config, "20-10-2026 10:00:00", enhed="999telefon", opgave="32.03.04",
             kanal="TLFIND", type="INFO", count=2)
    target = tmp_path / "uge43.xlsx"
    assert cli("eksport", "excel", "--uge", "2026-W43", "--ud", target).returncode == 0
    produced = convert(target, "csv:Text - txt - csv (StarCalc):59,34,76,1", tmp_path / "csv")
    rows = list(csv.reader(produced.read_text("utf-8").splitlines(), delimiter=";"))
    assert rows[0][:3] == ["Dato", "Start", "Varighed (sek.)"]
    assert rows[1][2:12] == ["85", "43", "mandag", "999", "Eksempelby", "999borgerservice",
                             "Borgerservice, skranken", "23.05.10", "Flytning", "PRSNLG"]
    assert rows[1][0] == "19-10-2026 08:15:30"
    assert len(rows) == 4 and rows[3][7] == "999telefon"
