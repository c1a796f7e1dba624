"""Where ``taelleuge rapport --ud`` writes, checked before any work (no pandas here, so a refusal
is quick)."""

from __future__ import annotations

from pathlib import Path

from storage.errors import Refusal

CSV_NAME, XLSX_NAME, PNG_NAME = "tabel1.csv", "rapport.xlsx", "kvadrant.png"
FILE_NAMES = (CSV_NAME, XLSX_NAME, PNG_NAME)


def check_folder(folder: Path, *, overwrite: bool) -> list[Path]:
    """Refuse a file where the folder should be, a missing parent folder, or (without
    ``overwrite``) report files that already exist. Returns the three target paths."""
    folder = Path(folder).expanduser()
    if folder.exists() and not folder.is_dir():
        raise Refusal(f"{folder} er en fil, ikke en mappe. Angiv en mappe med --ud.", "ud")
    if not folder.exists() and not folder.parent.is_dir():
        raise Refusal(f"Mappen {folder.parent} findes ikke. Opret den først.", "ud")
    targets = [folder / name for name in FILE_NAMES]
    taken = [t.name for t in targets if t.exists()]
    if taken and not overwrite:
        raise Refusal(
            f"{', '.join(taken)} findes allerede i {folder} og er ikke ændret. Vælg en anden "
            "mappe, eller brug --overskriv for at erstatte filerne.",
            "ud",
        )
    return targets
