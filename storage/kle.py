"""KLE task numbers and the municipality's own KLE-Emneplan XML.

KL does not license KLE titles for redistribution, so none ship here: titles come from the XML file
the municipality obtains itself (config key ``kle_fil``).
"""

from __future__ import annotations

import os
import re
import stat
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .errors import ConfigError, Refusal, TaelleugeError, os_reason
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


# KL's whole KLE-Emneplan XML is a few MB; a file many times that size is a mistake or an attack
# (300 MB took registrer 7.5 s and 610 MB of memory).
MAX_KLE_BYTES = 50 << 20
_NUMBER = re.compile(r"[0-9]{2}(?:\.[0-9]{2}){0,2}")  # a main group, group or subject number


class KleFileError(ConfigError):
    """The municipality's KLE file (``kle_fil``) cannot be used: names that file, not the config."""

    def __init__(self, path: Path, problem: str):
        self.source, self.key, self.problem = str(path), "", problem
        TaelleugeError.__init__(self, f"KLE-filen {path} (kle_fil i konfigurationen) {problem}")


def _read(path: Path) -> bytes:
    """The file's bytes, only when it is a regular file of sane size. O_NONBLOCK: a FIFO named
    as the KLE file must not hang doctor, registrer or the desk waiting for a writer."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        raise KleFileError(path, f"kan ikke læses: {os_reason(error)}.") from None
    info = os.fstat(fd)
    problem = None
    if stat.S_ISDIR(info.st_mode):
        problem = "er en mappe, ikke en fil. Angiv selve XML-filen."
    elif not stat.S_ISREG(info.st_mode):
        problem = "er ikke en almindelig fil (men en FIFO, en enhed eller en sokkel)."
    elif info.st_size > MAX_KLE_BYTES:
        problem = (f"er {info.st_size >> 20} MB; KL's KLE-Emneplan fylder nogle få MB (højst "
                   f"{MAX_KLE_BYTES >> 20} MB). Er det den rigtige fil?")
    if problem:
        os.close(fd)
        raise KleFileError(path, problem)
    with os.fdopen(fd, "rb") as handle:
        try:
            data = handle.read(MAX_KLE_BYTES + 1)
        except OSError as error:
            raise KleFileError(path, f"kan ikke læses: {os_reason(error)}.") from None
    if len(data) > MAX_KLE_BYTES:
        raise KleFileError(path, f"er over {MAX_KLE_BYTES >> 20} MB. Er det den rigtige fil?")
    return data


def load_catalogue(path: str | Path) -> KleCatalogue:
    path = Path(path)
    data = _read(path)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:
        line, column = getattr(error, "position", (0, 0))
        raise KleFileError(path, f"kan ikke læses: den er ikke gyldig XML (linje {line}, kolonne "
                                 f"{column}).") from None
    if root.tag != "KLE-Emneplan":
        raise KleFileError(path, f"er ikke en KLE-Emneplan (roden hedder {_plain(root.tag)[:40]})")
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
            if _NUMBER.fullmatch(number):  # anything else is not a KLE number (and never printed)
                entries[number] = KleEntry(number, title, _parse_date(retired, path))
            if depth + 1 < len(levels):
                walk(child, depth + 1)

    walk(root, 0)
    return KleCatalogue(entries, _plain(root.findtext("UdgivelsesDato") or "")[:40])


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
        raise KleFileError(path, f'har en ugyldig dato i UdgaaetDato: "{_plain(text)[:40]}" (skal være fx '
                                 "2024-06-30)") from None
