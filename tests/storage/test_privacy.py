"""The CPR guard, table-driven: the ways a CPR number gets typed or pasted, and the numbers that
are not CPR numbers and must pass (KLE numbers, dates, times, phone numbers, impossible dates)."""

from __future__ import annotations

import unicodedata

import pytest

from storage import hostile
from storage.privacy import count_cpr_like, looks_like_cpr, normalise, shown

DASHES = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Pd"]
SPACES = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Zs"]

FULLWIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
EXTENDED_ARABIC = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")

CPR_VARIANTS = {
    "plain": "0101901234",
    "dash": "010190-1234",
    "space": "010190 1234",
    "en dash": "010190\u20131234",
    "em dash": "010190\u20141234",
    "minus sign": "010190\u22121234",
    "hyphen U+2010": "010190\u20101234",
    "non-breaking hyphen": "010190\u20111234",
    "figure dash": "010190\u20121234",
    "small hyphen-minus": "010190\ufe631234",
    "full-width hyphen": "010190\uff0d1234",
    "NBSP": "010190\u00a01234",
    "narrow NBSP": "010190\u202f1234",
    "thin space": "010190\u20091234",
    "ideographic space": "010190\u30001234",
    "tab": "010190\t1234",
    "spaces around the dash": "010190 - 1234",
    "two spaces": "010190  1234",
    "dots": "01.01.90-1234",
    "dots and space": "01.01.90 1234",
    "slashes": "01/01/90-1234",
    "slashes and space": "01/01/90 1234",
    "spaced date": "01 01 90 1234",
    "dashed date": "01-01-90-1234",
    "dotted all the way": "01.01.90.1234",
    "full-width digits": "0101901234".translate(FULLWIDTH),
    "full-width with dash": "010190-1234".translate(FULLWIDTH),
    "Arabic-Indic digits": "010190-1234".translate(ARABIC_INDIC),
    "extended Arabic-Indic digits": "0101901234".translate(EXTENDED_ARABIC),
    "Devanagari digits": "010190-1234".translate(DEVANAGARI),
    "soft hyphen inside": "0101\u00ad90-1234",
    "soft hyphen as the dash": "010190\u00ad1234",
    "zero-width space inside": "0101\u200b901234",
    "zero-width joiner inside": "010190-12\u200d34",
    "zero-width non-joiner inside": "01019\u200c0-1234",
    "word joiner inside": "010190\u20601234",
    "BOM inside": "010190\ufeff-1234",
    "LRM inside": "010190\u200e-1234",
    "bidi override around": "\u202e0101901234\u202c",
    "in a sentence": "borgeren har cpr 010190-1234 med",
    "after a letter": "CPR:0101901234",
    "leap day": "290296-1234",
    "superscript digits": "\u2070\u00b9\u2070\u00b9\u2079\u2070\u00b9\u00b2\u00b3\u2074",
    "circled digits": "\u24ea\u2460\u24ea\u2460\u2468\u24ea-\u2460\u2461\u2462\u2463",
    # Issue 12, second round: the attacker's variants that passed.
    "variation selector VS16 inside": "0\ufe0f10190-1234",
    "variation selector VS1 inside": "010190\ufe00-1234",
    "variation selector 17 inside": "0101\U000e010090-1234",
    "variation selector 256 inside": "010190-12\U000e01ef34",
    "combining acute between digits": "0\u030110190-1234",
    "combining marks everywhere": "0\u03011\u03080\u03231\u030a90-1234",
    "enclosing keycap": "0\u20e3101901234",
    "four-digit year": "01011990-1234",
    "four-digit year, dashed": "01-01-1990-1234",
    "four-digit year, dotted": "01.01.1990 1234",
    "four-digit year, glued": "010119901234",
    "pairs with spaces": "01 01 90 12 34",
    "pairs after a dash": "010190-12 34",
    "four separators": "010190  -  1234",
    "many separators": "010190 . - . - . 1234",
    "colon": "010190:1234",
    "colon with spaces": "01.01.90 : 1234",
}

NOT_CPR = {
    "KLE number": "23.05.10",
    "KLE group": "23.05",
    "two KLE numbers": "23.05.10 og 29.03.04",
    "ISO date": "2026-10-19",
    "Danish date": "19-10-2026",
    "Danish date-time": "19-10-2026 08:21:44",
    "Danish date and time without seconds": "19-10-2026 08:21",
    "ISO date-time": "2026-10-19T08:21:44",
    "stored time": "2026-10-19T06:21:44.000000Z",
    "phone number": "12345678",
    "spaced phone number": "12 34 56 78",
    "phone with country code": "+45 12 34 56 78",
    "phone with 0045": "0045 12345678",
    "invalid day": "320199-1234",
    "invalid month": "011390-1234",
    "day zero": "000190-1234",
    "not a leap year": "290297-1234",
    "eleven digits": "01019012345",
    "digit before": "10101901234",
    "nine digits": "010190123",
    "three-digit tail": "010190-123",
    "municipality and KLE": "259 23.05.10",
    "a unit code": "259borgerservice",
    "a week": "2026-W43",
    "a year range": "2025-2026",
    "text": "Taler borgeren dansk?",
    "amount": "1.234.567,89",
    "uuid": "3f2c1e9a-0101-4190-1234-000000000000",
    "Danish date-time, seconds": "19-10-2026 10:15:00",
    "date-time with a dot": "19.10.2026 10.15",
    "two dates": "19-10-2026 til 23-10-2026",
    "a year out of range": "01-01-1700-1234",
    "a date and a short number": "01-01-1990 12",
    "KLE and a time": "23.05.10 kl. 10:15",
    "phone in pairs": "+45 31 12 90 12",
    "variation selector on a letter": "Pas\ufe0f",
}


@pytest.mark.parametrize("text", CPR_VARIANTS.values(), ids=CPR_VARIANTS.keys())
def test_cpr_variants_are_caught(text):
    assert looks_like_cpr(text), normalise(text)


@pytest.mark.parametrize("text", NOT_CPR.values(), ids=NOT_CPR.keys())
def test_non_cpr_numbers_pass(text):
    assert not looks_like_cpr(text), normalise(text)


def test_there_are_at_least_forty_variants():
    assert len(CPR_VARIANTS) >= 40


def test_a_cpr_like_value_is_never_quoted_back():
    assert "1234" not in shown("010190\u20131234")
    assert shown("Pas\x1b[2J") == "Pas\\x1b[2J"
    assert shown("Flytning") == "Flytning"


@pytest.mark.parametrize("separator", DASHES + SPACES, ids=lambda c: f"U+{ord(c):04X}")
def test_every_dash_and_space_between_the_halves_is_caught(separator):
    assert looks_like_cpr(f"010190{separator}1234")


def test_cpr_hits_are_counted():
    assert count_cpr_like("010190-1234 og 020290 1234, ikke 23.05.10") == 2


def test_the_unsafe_set_holds_every_control_format_and_separator_character():
    """storage.hostile writes its set out as ranges; this Python's Unicode data is the check."""
    missing = [f"U+{c:04X}" for c in range(0x110000)
               if unicodedata.category(chr(c)) in ("Cc", "Cf", "Zl", "Zp")
               and not hostile.UNSAFE.fullmatch(chr(c))]
    assert missing == []
    assert not hostile.UNSAFE.search("Køge Borgerservice: Pas & kørekort (EU) 23.05.10 – 50 % é ü ß €")
