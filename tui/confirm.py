"""Ask before a correction is written: on a terminal a j/n question, elsewhere ``--ja`` is needed.

A script without a terminal never hangs on a question nobody sees, and never voids rows it was
not told to."""

from __future__ import annotations

import sys

from storage.errors import Refusal

from .say import say


def confirm(question: str, *, yes: bool, what: str) -> bool:
    """True to go on. ``yes``: ``--ja`` was given. ``what``: the command, for the refusal."""
    if yes:
        return True
    if not sys.stdin.isatty():
        raise Refusal(f"{question}\n{what} spørger, før noget annulleres; uden en terminal skal "
                      "du skrive --ja for at bekræfte. Intet er ændret.", "ja")
    say(f"{question} [j/N] ", end="")
    sys.stdout.flush()
    try:
        answer = sys.stdin.readline()
    except (EOFError, KeyboardInterrupt):
        answer = ""
    if answer.strip().lower() in ("j", "ja", "y", "yes"):
        return True
    say("Intet er ændret.")
    return False
