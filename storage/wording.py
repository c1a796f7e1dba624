"""Danish counts in messages: "1 række", "2 rækker"; never "række(r)" or "1 rækker"."""

from __future__ import annotations


def plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def rows(n: int) -> str:
    return plural(n, "række", "rækker")


def registrations(n: int) -> str:
    return plural(n, "registrering", "registreringer")


def contacts(n: int) -> str:
    return plural(n, "kontakt", "kontakter")
