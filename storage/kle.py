"""KLE task numbers and the municipality's own KLE-Emneplan XML.

KL does not license KLE titles for redistribution, so none ship here: titles come from the XML file
the municipality obtains itself (config key ``kle_fil``).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .errors import ConfigError, Refusal
from .hostile import UNSAFE

_KLE = re.compile(r"^([0-9]{2})\.([0-9]{2})(?:\.([0-9]{2}))?$")  # not \d: no full-width digits


def normalise(number: str) -> str:
    """``NN.NN.NN`` as is; group level ``NN.NN`` is read as ``NN.NN.00``; anything else refused."""
    match = _KLE.match(number.strip()) if isinstance(number, str) else None
    if not match:
        raise Refusal(
            f'KLE-nummeret "{number}" har forkert form. Skriv NN.NN.NN (fx 23.05.10) eller NN.NN.',
            "opgave",
        )
    main, group, subject = match.groups()
    return f"{main}.{group}.{subject or '00'}"


def is_valid(number: str) -> bool:
    return isinstance(number, str) and _KLE.match(number) is not None


@dataclass(frozen=True)
class KleEntry:
    number: str
    title: str
    retired: date | None  # UdgaaetDato, when KL has retired the number


class KleCatalogue:
    """Titles and retirement dates from a KLE-Emneplan XML file."""

    def __init__(self, entries: dict[str, KleEntry], published: str = ""):
        self.entries = entries
        self.published = published

    def __len__(self) -> int:
        return len(self.entries)

    def title(self, number: str) -> str | None:
        entry = self.entries.get(number)
        return entry.title if entry else None

    def warning(self, number: str, on: date | None = None) -> str | None:
        """A Danish warning when the number is unknown to the catalogue or retired, else None."""
        entry = self.entries.get(number)
        if entry is None:
            return f"KLE-nummeret {number} findes ikke i KLE-filen (udgivet {self.published or 'ukendt'})."
        if entry.retired and entry.retired <= (on or date.today()):
            return f"KLE-nummeret {number} ({entry.title}) er udgået {entry.retired:%d-%m-%Y}."
        return None

    def search(self, text: str, limit: int = 20) -> list[KleEntry]:
        """Entries whose number starts with, or whose title contains, ``text``."""
        needle = text.strip().casefold()
        if not needle:
            return []
        hits = [
            e for e in self.entries.values()
            if e.number.startswith(needle) or needle in e.title.casefold()
        ]
        return sorted(hits, key=lambda e: e.number)[:limit]


def load_catalogue(path: str | Path) -> KleCatalogue:
    path = Path(path)
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as error:
        raise ConfigError(str(path), "", f"KLE-filen kan ikke læses: {error}") from None
    if root.tag != "KLE-Emneplan":
        raise ConfigError(str(path), "", f"er ikke en KLE-Emneplan (roden hedder {root.tag})")
    entries: dict[str, KleEntry] = {}
    levels = (("Hovedgruppe", "HovedgruppeNr", "HovedgruppeTitel"),
              ("Gruppe", "GruppeNr", "GruppeTitel"),
              ("Emne", "EmneNr", "EmneTitel"))

    def walk(node: ET.Element, depth: int) -> None:
        tag, nr_tag, title_tag = levels[depth]
        # findall always returns a list: a group with a single subject needs no special case.
        for child in node.findall(tag):
            number = (child.findtext(nr_tag) or "").strip()
            title = _plain(child.findtext(title_tag) or "")
            retired = child.findtext(f"{tag}AdministrativInfo/Historisk/UdgaaetDato")
            if number:
                entries[number] = KleEntry(number, title, _parse_date(retired, path))
            if depth + 1 < len(levels):
                walk(child, depth + 1)

    walk(root, 0)
    return KleCatalogue(entries, (root.findtext("UdgivelsesDato") or "").strip())


def _plain(title: str) -> str:
    """KL's title as one line of plain text: line breaks and tabs become spaces, and control,
    bidi and invisible characters (soft hyphens included) are dropped. The file is the
    municipality's copy of an outside file; its titles reach the screen, the CLI and Excel."""
    return UNSAFE.sub("", " ".join(title.split()))


def _parse_date(text: str | None, path: Path) -> date | None:
    if not text or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise ConfigError(str(path), "UdgaaetDato", f"ugyldig dato {text!r}") from None
