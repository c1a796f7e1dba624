"""``taelleuge import`` of a file that is not an extract at all: a database, a workbook, a zip.
Named for what it is, with what to do instead; nothing imported."""

from __future__ import annotations

import zipfile

import pytest
from openpyxl import Workbook

import dbrows
from landkort_fixtures import *  # noqa: F401,F403
from landkort_fixtures import SAMPLE, count
from storage.open import open_store

ENGINES = dbrows.SQLITE_ONLY  # the file is refused before the store is written; one engine suffices


def refused(cli, lk_db, path, *fragments):
    for argv in (["import", path], ["import", path, "--kontroller"]):
        done = cli(*argv)
        assert done.returncode == 1, done.stdout + done.stderr
        assert done.stderr.startswith("taelleuge: ") and "Traceback" not in done.stderr
        for fragment in fragments:
            assert fragment in done.stderr
        assert "tegnsæt" not in done.stderr and "Linje" not in done.stderr
    assert count(lk_db) == 0 and count(lk_db, "imports") == 0


def test_an_sqlite_database_is_named_and_the_export_is_suggested(cli, lk_db, tmp_path):
    other = tmp_path / "anden.db"
    open_store(other, station="setup", operator="tester", create=True).close()
    refused(cli, lk_db, other, "Filen anden.db er en SQLite-database", "intet er importeret",
            f"taelleuge eksport landkort --format raadata --db {other}")


def test_an_xlsx_workbook_is_named_and_save_as_csv_is_suggested(cli, lk_db, tmp_path):
    book = tmp_path / "uge43.xlsx"
    wb = Workbook()
    wb.active.append(["Kommunenr", "Kanal"])
    wb.save(book)
    refused(cli, lk_db, book, "Filen uge43.xlsx er en Excel-projektmappe (.xlsx)",
            "gem som CSV (semikolon)")


@pytest.mark.parametrize("name", ["uge43.zip", "uge43.csv"])
def test_a_zip_file_is_named_whatever_it_is_called(cli, lk_db, tmp_path, name):
    packed = tmp_path / name
    with zipfile.ZipFile(packed, "w") as archive:
        archive.write(SAMPLE, "raadata.csv")
    refused(cli, lk_db, packed, f"Filen {name} er en zip-fil", "Pak den ud")
