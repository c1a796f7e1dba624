"""The privacy guard: nothing that looks like a CPR number gets into the config, a registration or
an import. Tælleuge stores no personal data; this catches the mistake of typing one anyway.

A CPR number is written in many ways: ``010190-1234``, ``010190 1234``, ``01.01.90-1234``,
``01/01/90 - 1234``, ``010190:1234``, ``01 01 90 12 34``, with the year in full (``01011990-1234``,
``01-01-1990-1234``), with an en dash, a minus sign or a no-break space, in full-width or
Arabic-Indic digits, or with a soft hyphen, a zero-width space, a variation selector or a combining
mark pasted into it. So a value is first normalised (NFKC; format characters, variation selectors
and combining marks dropped) and then matched with any decimal digits and any run of whitespace,
dashes, dots or slashes as separators: day, month and year (two digits, or four from 1858 on) of a
real date, then four digits (a colon may come before them; a space may split them in two pairs when
a separator comes before them), with no digit on either side. KLE numbers (``23.05.10``), dates
alone and date-times (``19-10-2026 08:21``), and phone numbers do not match.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from .errors import Refusal
from .hostile import UNSAFE

# Every dash (Unicode's Pd, checked by the tests), the minus sign, slashes, dots and bullets;
# whitespace of every kind is ``\s``. Any number in a row ("010190  -  1234"): the classes hold
# no digit, so the match stays linear.
_DASHES = ("\\-\u058a\u05be\u1400\u1806\u2010-\u2015\u2e17\u2e1a\u2e3a\u2e3b\u2e40\u2e5d\u301c"
           "\u3030\u30a0\ufe31\ufe32\ufe58\ufe63\uff0d\U00010ead")
_SEPS = f"\\s.,/_{_DASHES}\u2212\u2215\u2044\u00b7\u2027\u2022\u2219"
_SEP = f"[{_SEPS}]*"
# \d: any decimal digit (Arabic-Indic, Devanagari, ...); int() reads them all. The four digits
# come straight after the year ("0101901234"), or after separators, where a colon counts too
# ("010190:1234") and a space may split them ("01 01 90 12 34"). Not split straight after the
# year: "19-10-2026 08:21" is a date-time (day 19, month 10, year 20, then "26 08").
_CPR = re.compile(
    f"(?<!\\d)(\\d\\d){_SEP}(\\d\\d){_SEP}(\\d\\d(?:\\d\\d)?)"
    f"(?:[{_SEPS}:]+(\\d\\d)\\s*(\\d\\d)|[{_SEPS}:]*(\\d{{4}}))(?!\\d)")
FIRST_BIRTH_YEAR = 1858  # the oldest people given a CPR number in 1968 were born then


def normalise(text: str) -> str:
    """``text`` as the matcher sees it: NFKC (full-width and superscript digits, full-width
    punctuation), and no format characters (soft hyphen, zero-width, BOM, bidi, variation
    selectors) or combining marks (an accent pasted onto a digit), which are dropped, or invisible
    controls, which become a space."""
    if text.isascii() and text.isprintable():
        return text
    text = UNSAFE.sub(_drop, unicodedata.normalize("NFKC", text))
    if text.isascii():
        return text
    return "".join(c for c in text if c.isascii() or unicodedata.category(c) not in _MARKS)


_MARKS = ("Mn", "Me")  # combining marks: nothing of their own to see next to a digit


def _drop(match: re.Match) -> str:
    return " " if match.group().isspace() else ""


def _hits(text: str):
    for day, month, year, *_ in _CPR.findall(normalise(text)):
        full = int(year) if len(year) == 4 else 2000 + int(year)
        if len(year) == 4 and not FIRST_BIRTH_YEAR <= full <= 2099:
            continue
        try:
            date(full, int(month), int(day))  # a real day: fewer false alarms
        except ValueError:
            continue
        yield True


def looks_like_cpr(text: str) -> bool:
    return any(_hits(text))


def count_cpr_like(text: str) -> int:
    """How many CPR-like numbers ``text`` holds (the import counts them over the whole file)."""
    return sum(_hits(text))


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
