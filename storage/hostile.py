"""Characters that must never travel from a config, an import or the environment to a terminal.

Control characters (C0, DEL, C1) can move the cursor, clear the screen or set the terminal's
title; bidi overrides and isolates reorder what a reader sees; zero-width and other format
characters hide text (inside a CPR number, say); U+2028/U+2029 break lines where no one expects a
line break. None of them belongs in a unit name, a task name, an answer or a data source, so they
are refused where a value comes in, with a message naming the place, and escaped wherever a
refused value has to be quoted back.

The set is Unicode's Cc, Cf, Zl and Zp categories (tests check it against ``unicodedata``), plus a
few letters and marks that render as nothing (Hangul fillers, the combining grapheme joiner,
variation selectors, Mongolian ones included). Written out as ranges, so importing this module
costs nothing.
"""

from __future__ import annotations

import re
import unicodedata

_OTHERS = (
    "\x7f-\x9f"                  # DEL, C1 (Cc)
    "\u00ad"                      # soft hyphen
    "\u034f"                      # combining grapheme joiner
    "\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2"
    "\u115f\u1160\u17b4\u17b5\u180b-\u180f"
    "\u200b-\u200f"               # zero-width space, (non-)joiner, LRM, RLM
    "\u2028-\u202e"               # line/paragraph separator, bidi embeddings and overrides
    "\u2060-\u206f"               # word joiner, invisible operators, bidi isolates
    "\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb"  # Hangul filler, variation selectors, BOM
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f\U000e0100-\U000e01ef"  # tags, variation selectors 17-256
)
UNSAFE = re.compile(f"[\x00-\x1f{_OTHERS}]")  # C0 and the rest
# The same, but a line break may stay: for multi-line messages printed to a terminal.
_UNSAFE_BUT_NEWLINE = re.compile(f"[\x00-\x09\x0b-\x1f{_OTHERS}]")

_CONTROL_NAMES = {"\t": "tabulator", "\n": "linjeskift", "\r": "vognretur (CR)", "\x1b": "ESC",
                  "\x7f": "DEL", "\x00": "NUL"}


def first_unsafe(text: str) -> str | None:
    match = UNSAFE.search(text)
    return match.group() if match else None


def describe_char(char: str) -> str:
    """``U+202E (RIGHT-TO-LEFT OVERRIDE)``; control characters get a short Danish name."""
    name = _CONTROL_NAMES.get(char) or unicodedata.name(char, "") or (
        "styretegn" if unicodedata.category(char) == "Cc" else "")
    return f"U+{ord(char):04X}" + (f" ({name})" if name else "")


def unsafe_problem(text: str) -> str | None:
    """Why ``text`` may not be used (Danish, without the place), or None when it is fine."""
    char = first_unsafe(text)
    if char is None:
        return None
    return (f"indeholder tegnet {describe_char(char)}. Styretegn, retningstegn og usynlige tegn "
            "må ikke stå i en værdi (de kan ændre eller skjule, hvad der vises)")


def escape(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with every unsafe character written as ``\\x1b`` or ``\\u202e``: safe to print."""
    pattern = _UNSAFE_BUT_NEWLINE if keep_newlines else UNSAFE
    return pattern.sub(_escaped, text)


def _escaped(match: re.Match) -> str:
    code = ord(match.group())
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
