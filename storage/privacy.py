"""The privacy guard: nothing that looks like a CPR number gets into the config, a registration or
an import. Tælleuge stores no personal data; this catches the mistake of typing one anyway."""

from __future__ import annotations

import re
from datetime import date

from .errors import Refusal

# DDMMYY, an optional dash or space, then four digits; not part of a longer number.
_CPR = re.compile(r"(?<![0-9])([0-3][0-9])([01][0-9])([0-9]{2})[- ]?([0-9]{4})(?![0-9])")


def looks_like_cpr(text: str) -> bool:
    for day, month, year, _ in _CPR.findall(text):
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
