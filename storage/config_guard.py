"""Reading the config file safely, and the checks every value of it passes before it is used.

The config is typed by a person and may be pasted from anywhere: it is read only when it is a
regular file of sane size, its TOML errors are explained in Danish with line and column, and no
key or value may carry a terminal control, bidi or zero-width character (``storage.hostile``) or
look like a CPR number (``storage.privacy``). Small functions, called from ``storage.config``.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from pathlib import Path
from typing import Any

from . import hostile
from .errors import ConfigError, os_reason
from .privacy import looks_like_cpr

MAX_CONFIG_BYTES = 1 << 20  # a municipality's config is a few kB; 1 MB is a mistake or an attack

# tomllib's messages (Python 3.11-3.13) and what they mean for the person editing the file.
_TOML_MESSAGES = (
    (r"Invalid value", "ugyldig værdi (tekst skal stå i anførselstegn, fx navn = \"Pas\")"),
    (r"Invalid statement", "linjen er hverken nøgle = værdi eller [tabel]"),
    (r"Expected '=' after a key in a key/value pair", "der mangler = efter nøglen"),
    (r"Expected '\]' at the end of a table declaration", "der mangler ] efter tabellens navn"),
    (r"Expected '\]\]' at the end of an array declaration", "der mangler ]] efter tabellens navn"),
    (r"Cannot overwrite a value", "værdien er sat før (en nøgle må kun stå én gang)"),
    (r"Cannot declare .* twice", "tabellen står to gange"),
    (r"Cannot (mutate immutable|redefine) namespace .*", "tabellen er allerede sat og kan ikke udvides her"),
    (r"Duplicate inline table key .*", "en nøgle står to gange i tabellen"),
    (r"Invalid initial character for a key part", "ugyldigt tegn, hvor en nøgle skulle starte"),
    (r"Unclosed array", "listen mangler sin afsluttende ]"),
    (r"Unclosed inline table", "tabellen mangler sin afsluttende }"),
    (r"Unterminated string", "teksten mangler sit afsluttende anførselstegn"),
    (r"Unescaped '\\\\' in a string", "\\ i en tekst skal skrives \\\\"),
    (r"Invalid hex value|Escaped character is not a Unicode scalar value", "ugyldig \\u-kode i en tekst"),
    (r"Invalid date or datetime", "ugyldig dato eller tid (skriv fx 2026-10-19)"),
    (r"Illegal character '\\n'", "teksten mangler sit afsluttende anførselstegn på samme linje"),
    (r"(Illegal|Found invalid) character (.*)", "ulovligt tegn {2}"),
    (r"Expected newline or end of document after a statement",
     "efter en værdi skal linjen slutte (én nøgle = værdi pr. linje)"),
    (r"Expected (.*)", "forventede {1}"),
)
_TOML_WHERE = re.compile(r"^(?P<msg>.*) \(at (?:line (?P<line>\d+), column (?P<col>\d+)|end of document)\)$",
                         re.DOTALL)


def read_text(path: Path) -> str:
    """The config file's text, or a ConfigError in Danish: missing, not a regular file (a FIFO or
    ``/dev/zero`` would hang the reader), too large, unreadable, or not UTF-8."""
    source = str(path)
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then says what it is.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise ConfigError(source, "", "filen findes ikke. Ret stien (--config eller TAELLEUGE_CONFIG; "
                                      "på en installeret maskine /etc/taelleuge/config.toml)") from None
    except PermissionError as error:
        raise ConfigError(source, "", f"filen kan ikke læses af denne bruger ({os_reason(error)}). "
                                      "Alle, der bruger Tælleuge, skal kunne læse den: som root "
                                      f"chmod 644 {source} (og chmod 755 på mapperne over den)") from None
    except OSError as error:
        raise ConfigError(source, "", f"filen kan ikke læses ({os_reason(error)})") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise ConfigError(source, "", "er ikke en almindelig fil (en mappe, en enhed eller en FIFO)")
    if info.st_size > MAX_CONFIG_BYTES:
        os.close(fd)
        raise ConfigError(source, "", f"filen er for stor ({info.st_size} bytes; højst {MAX_CONFIG_BYTES})")
    with os.fdopen(fd, "rb") as handle:
        try:
            data = handle.read(MAX_CONFIG_BYTES + 1)
        except OSError as error:
            raise ConfigError(source, "", f"filen kan ikke læses ({os_reason(error)})") from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(source, "", f"filen er for stor (højst {MAX_CONFIG_BYTES} bytes)")
    try:
        # utf-8-sig: Windows' Notepad saves UTF-8 with a byte order mark; the text is the same.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise ConfigError(
            source, "",
            f"filen er ikke gemt som UTF-8 (byte 0x{data[error.start]:02X} på linje {line}, kolonne "
            f"{column}). Gem den som UTF-8 i editoren og prøv igen",
        ) from None


_LONE_CR = re.compile(r"\r(?!\n)")


def parse_toml(text: str, source: str) -> dict[str, Any]:
    lone = _LONE_CR.search(text)
    if lone:
        # tomllib's "Expected newline" would point at the end of line 1 with no reason given.
        raise ConfigError(source, "", "linjerne slutter med CR alene (det gamle Mac-format), ikke med "
                                      "linjeskift. Gem filen med almindelige linjeskift (LF eller "
                                      "CRLF) og prøv igen")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(source, "", toml_problem(str(error))) from None
    except RecursionError:
        # tomllib recurses once per nesting level of arrays and inline tables.
        raise ConfigError(source, "", "ikke gyldig TOML: lister eller tabeller er indlejret alt for "
                                      "dybt i hinanden") from None


def toml_problem(message: str) -> str:
    """``Invalid value (at line 3, column 5)`` → ``ikke gyldig TOML (linje 3, kolonne 5): ugyldig værdi …``"""
    match = _TOML_WHERE.match(message)
    text, where = message, ""
    if match:
        text = match["msg"]
        where = f"linje {match['line']}, kolonne {match['col']}" if match["line"] else "sidst i filen"
    for pattern, danish in _TOML_MESSAGES:
        found = re.fullmatch(pattern, text, re.DOTALL)
        if found:
            text = danish.format(*([found.group(0)] + [hostile.escape(g or "") for g in found.groups()]))
            break
    else:
        text = hostile.escape(text)
    return f"ikke gyldig TOML ({where}): {text}" if where else f"ikke gyldig TOML: {text}"


# What makes a spreadsheet cell a formula (or, for tab and CR, breaks the cell) when it leads.
FORMULA_LEADS = "=+-@\t\r"


def formula_lead(text: str) -> str | None:
    """The character that would make a spreadsheet read ``text`` as a formula, or None. Leading
    spaces do not help: Excel skips them."""
    stripped = text.lstrip(" ")
    return stripped[0] if stripped and stripped[0] in FORMULA_LEADS else None


def _not_in_files(path: str) -> bool:
    """Settings that never reach an exported file: paths, the time zone, the PIN hash, the OS group,
    key bindings."""
    return (path in ("database", "kle_fil", "tidszone", "koordinator.pin", "koordinator.gruppe")
            or path.startswith("taster"))


def check_tree(data: Any, source: str, *, path: str = "", depth: int = 0) -> None:
    """Every key and every text value: no unsafe character, nothing CPR-like (the PIN hash's
    base64 may hold digit runs, so it is only checked for characters)."""
    if depth > 20:
        raise ConfigError(source, path, "er indlejret for dybt (højst 20 niveauer)")
    if isinstance(data, dict):
        for key, value in data.items():
            where = f"{path}.{key}" if path else str(key)
            problem = hostile.unsafe_problem(key)
            if problem:
                raise ConfigError(source, hostile.escape(where), f"nøglen {problem}")
            if looks_like_cpr(key):
                raise ConfigError(source, f"{path or '(øverst)'}", "en nøgle ligner et CPR-nummer; "
                                  "konfigurationen må aldrig rumme personoplysninger")
            check_tree(value, source, path=where, depth=depth + 1)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            check_tree(value, source, path=f"{path}[{i}]", depth=depth + 1)
    elif isinstance(data, str):
        problem = hostile.unsafe_problem(data)
        if problem:
            raise ConfigError(source, path, problem)
        lead = formula_lead(data)
        if lead and not _not_in_files(path):
            raise ConfigError(source, path, f"må ikke begynde med {lead} (et regneark, fx Excel, læser "
                                            "teksten som en formel, når filerne åbnes)")
        if path != "koordinator.pin" and looks_like_cpr(data):
            raise ConfigError(source, path, "ligner et CPR-nummer; konfigurationen må aldrig rumme "
                                            "personoplysninger")


def readable(value: Any) -> str:
    """A TOML value as the person who typed it would recognise it in a Danish message (never a
    Python repr such as ``datetime.datetime(…)`` or ``None``)."""
    from datetime import date, datetime, time

    if value is None:
        return "ingenting"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return f"tidspunktet {value.isoformat(sep=' ')}"
    if isinstance(value, date):
        return f"datoen {value.isoformat()}"
    if isinstance(value, time):
        return f"klokkeslættet {value.isoformat()}"
    if isinstance(value, str):
        text = value if len(value) <= 60 else value[:60] + "…"
        return f'"{hostile.escape(text)}"'
    if isinstance(value, list):
        return "en liste"
    if isinstance(value, dict):
        return "en tabel"
    return hostile.escape(str(value))
