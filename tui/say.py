"""Print what the command line shows: every value from a config, the KLE file, an import, the
database or the environment passes :func:`storage.hostile.escape` on its way to the terminal, so
no ESC, OSC, C1 or bidi character in it can retitle, clear or reorder the coordinator's screen.
"""

from __future__ import annotations

import sys

from storage.hostile import escape


def say(text: object = "", *, err: bool = False, end: str = "\n") -> None:
    """``print`` with every unsafe character written out (line breaks stay)."""
    print(escape(str(text), keep_newlines=True), end=end, file=sys.stderr if err else sys.stdout)
