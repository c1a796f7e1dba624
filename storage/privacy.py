"""The privacy guard: nothing that looks like a CPR number gets into the config, a registration or
an import. Tælleuge stores no personal data; this catches the mistake of typing one anyway.

A CPR number is written in many ways: ``010190-1234``, ``010190 1234``, ``01.01.90-1234``,
``01/01/90 - 1234``, with an en dash, a minus sign or a no-break space, in full-width or
Arabic-Indic digits, or with a soft hyphen or a zero-width space pasted into it. So a value is
first normalised (NFKC, format characters dropped, every decimal digit made ASCII, every space and
dash made a plain separator) and then matched: day, month and year of a real date and four digits,
with at most a short run of separators between the parts and no digit on either side. KLE numbers
(``23.05.10``), dates with a four-digit year, times and eight-digit phone numbers do not match.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from .errors import Refusal

_SEP = r"[\s.\-/,_]{0,3}"
_CPR = re.compile(
    rf"(?<![0-9])([0-3][0-9]){_SEP}([01][0-9]){_SEP}([0-9]{{2}}){_SEP}([0-9]{{4}})(?![0-9])"
)
# Separators NFKC leaves alone: minus sign, division and fraction slash, middle dots, bullet.
_EXTRA_SEPARATORS = frozenset("\u2212\u2215\u2044\u00b7\u2027\u2022\u2219")


def normalise(text: str) -> str:
    """``text`` as the matcher sees it: ASCII digits and plain separators (see the module doc)."""
    if text.isascii():
        return text
    out = []
    for char in unicodedata.normalize("NFKC", text):
        if char < "\x80":
            out.append(char)
            continue
        category = unicodedata.category(char)
        if category == "Cf":
            continue  # soft hyphen, zero-width characters, BOM, bidi marks
        if category == "Nd":
            out.append(str(unicodedata.digit(char)))
        elif category in ("Zs", "Pd") or char in _EXTRA_SEPARATORS:
            out.append("-")
        else:
            out.append(char)
    return "".join(out)


def looks_like_cpr(text: str) -> bool:
    for day, month, year, _ in _CPR.findall(normalise(text)):
        try:
            date(2000 + int(year), int(month), int(day))  # a real day: fewer false alarms
        except ValueError:
            continue
        return True
    return False


def refuse_cpr(text: str, where: str) -> None:
    if looks_like_cpr(text):
        raise Refusal(
            f"{where} ligner et CPR-nummer. Tælleuge gemmer aldrig personoplysninger; "
            "fjern det og prøv igen.",
            "cpr",
        )


CPR_PLACEHOLDER = "(en værdi, der ligner et CPR-nummer)"


def shown(value: str) -> str:
    """``value`` as it may be quoted back in a message: never a CPR-like value, never a character
    that acts on the terminal (see ``storage.hostile``)."""
    from .hostile import escape

    return CPR_PLACEHOLDER if looks_like_cpr(value) else escape(value)


def strings(value, path: str = ""):
    """Every string in a parsed TOML/JSON value, with its key path (``enhed[0].navn``)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from strings(item, f"{path}[{i}]")
