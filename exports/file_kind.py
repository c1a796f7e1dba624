"""Files people pick by mistake for ``taelleuge import``: recognised by their first bytes and
refused with what to do instead, before any encoding or layout check would say something odd."""

from __future__ import annotations

from pathlib import Path

from storage.errors import Refusal

_SQLITE = b"SQLite format 3\x00"
_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 (.xls), old Word files


def refuse_other_kinds(path: Path, head: bytes) -> None:
    """``head``: the file's first bytes (a few kB). Raises Refusal for a database, a workbook."""
    name = path.name
    if head.startswith(_SQLITE):
        raise Refusal(
            f"Filen {name} er en SQLite-database (fx en Tælleuge-database), ikke et udtræk, så "
            "intet er importeret. Import læser udtræk i Landkort-format (CSV med semikolon). "
            "Skal registreringerne fra den database med, så eksportér dem derfra: taelleuge "
            f"eksport landkort --format raadata --db {path} --uge ÅÅÅÅ-Wnn --ud udtraek.csv, "
            "og importér udtraek.csv.", "fil")
    if head.startswith(_ZIP) and (b"xl/" in head or b"[Content_Types].xml" in head):
        raise Refusal(
            f"Filen {name} er en Excel-projektmappe (.xlsx), ikke en CSV-fil, så intet er "
            "importeret. Åbn den i Excel, og gem som CSV (semikolon) (\"CSV (semikolonsepareret)\" "
            "under Gem som), og importér den gemte .csv-fil.", "fil")
    if head.startswith(_ZIP):
        raise Refusal(
            f"Filen {name} er en zip-fil, ikke en CSV-fil, så intet er importeret. Pak den ud, og "
            "importér udtrækket (.csv) i den.", "fil")
    if head.startswith(_OLE2):
        raise Refusal(
            f"Filen {name} er en gammel Excel-fil (.xls) eller et andet Office-dokument, ikke en "
            "CSV-fil, så intet er importeret. Åbn den i Excel, og gem som CSV (semikolon) "
            "(\"CSV (semikolonsepareret)\"), og importér den gemte .csv-fil.", "fil")
