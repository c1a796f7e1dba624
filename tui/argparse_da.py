"""argparse's own words in Danish: usage lines, errors and help headings reach staff and the
coordinator, who should not meet "error: the following arguments are required".

argparse looks its messages up through the module-level ``_`` and ``ngettext`` (gettext) at the
moment it needs them; :func:`install` points those two names at this table. Keys are argparse's
message ids (Python 3.11 to 3.13); an id not listed stays English rather than failing.
"""

from __future__ import annotations

import argparse

DANISH = {
    "usage: ": "brug: ",
    "positional arguments": "argumenter",
    "options": "tilvalg",
    "optional arguments": "tilvalg",
    "show this help message and exit": "vis denne hjælp og afslut",
    "%(prog)s: error: %(message)s\n": "%(prog)s: fejl: %(message)s\n",
    "argument %(argument_name)s: %(message)s": "%(argument_name)s: %(message)s",
    "unrecognized arguments: %s": "ukendte argumenter: %s",
    "the following arguments are required: %s": "disse argumenter mangler: %s",
    "one of the arguments %s is required": "et af argumenterne %s skal angives",
    "not allowed with argument %s": "kan ikke bruges sammen med %s",
    "ignored explicit argument %r": "tog ikke imod værdien %r",
    "expected one argument": "mangler en værdi",
    "expected at most one argument": "tager højst én værdi",
    "expected at least one argument": "mangler mindst én værdi",
    "ambiguous option: %(option)s could match %(matches)s":
        "tvetydigt tilvalg: %(option)s kan være %(matches)s",
    "unexpected option string: %s": "uventet tilvalg: %s",
    "invalid %(type)s value: %(value)r": "ugyldig værdi %(value)r (forventede %(type)s)",
    "invalid choice: %(value)r (choose from %(choices)s)":
        "ugyldigt valg: %(value)r (vælg mellem %(choices)s)",
    "invalid choice: %(value)r, choose from %(choices)s":
        "ugyldigt valg: %(value)r (vælg mellem %(choices)s)",
    "can't open '%(filename)s': %(error)s": "kan ikke åbne '%(filename)s': %(error)s",
    "unknown parser %(parser_name)r (choices: %(choices)s)":
        "ukendt kommando %(parser_name)r (vælg mellem %(choices)s)",
    "argument \"-\" with mode %r": "argumentet \"-\" med tilstanden %r",
}

DANISH_PLURAL = {
    ("expected %s argument", "expected %s arguments"): ("mangler %s værdi", "mangler %s værdier"),
}


def gettext(message: str) -> str:
    return DANISH.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    one, many = DANISH_PLURAL.get((singular, plural), (singular, plural))
    return one if n == 1 else many


def install() -> None:
    """Make argparse speak Danish in this process (the CLI's only; idempotent)."""
    argparse._ = gettext
    argparse.ngettext = ngettext


def non_empty(text: str) -> str:
    """An argparse ``type`` for paths: '' would silently mean the current folder."""
    if not text.strip():
        raise argparse.ArgumentTypeError("må ikke være tom: angiv en sti")
    return text


def whole_number_between(low: int, high: int):
    """An argparse ``type``: a whole number in [low, high] (a huge one must not reach a database
    driver, which cannot bind it, or a page size no terminal can show)."""

    def checked(text: str) -> int:
        number = whole_number(text)
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"skal være et helt tal fra {low} til {high}, ikke {number}")
        return number

    checked.__name__ = "helt tal"
    return checked


def whole_number(text: str) -> int:
    """An argparse ``type`` for counts (the range is checked where the count is used)."""
    try:
        if not text.strip().isascii():  # int() reads full-width and Arabic-Indic digits too
            raise ValueError(text)
        return int(text)
    except ValueError:
        from storage.hostile import escape

        raise argparse.ArgumentTypeError(f'skal være et helt tal med cifrene 0-9, ikke "{escape(text)}"') from None
