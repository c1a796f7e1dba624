"""Esc followed quickly by a key is Esc, then that key: never one key of Textual's own making.

Textual's input parser (8.2.8) reads ``ESC`` plus the next character as one sequence: ``\\x1b8``
becomes the key "bullet" (macOS Option+8), ``\\x1b1`` "inverted_exclamation_mark",
``\\x1bf``/``\\x1bb`` ctrl+right/ctrl+left, and ``\\x1b+`` or ``\\x1b/`` waits for more and then
drops the Esc. Over SSH or on a busy kiosk a keypress burst arrives in one read, so Esc and the
next citizen's digit lost both keys, and the half-made entry Esc should have cleared was saved by
the next type key (desk trial: ``7 Esc 8 i`` saved task 7). No terminal of ours sends Option or
Alt: every ``ESC <char>`` that does not start a terminal sequence is split into the two keys.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual import events
from textual._xterm_parser import XTermParser

ESC = "\x1b"
# Characters after ESC that begin a longer terminal sequence (CSI, SS3, DCS, OSC, APC, PM, ST).
SEQUENCE_STARTS = frozenset("[O P]_^\\".replace(" ", ""))


class DeskParser(XTermParser):
    def _sequence_to_key_events(self, sequence: str, alt: bool = False) -> Iterable[events.Key]:
        if (len(sequence) == 2 and sequence[0] == ESC and sequence[1] != ESC
                and sequence[1] not in SEQUENCE_STARTS):
            yield events.Key("escape", ESC)
            yield from super()._sequence_to_key_events(sequence[1])
            return
        yield from super()._sequence_to_key_events(sequence, alt)


def install() -> None:
    """Make Textual's terminal drivers read keys with ``DeskParser`` (they look the parser class
    up in their own module when the input thread starts)."""
    from textual.drivers import linux_driver, linux_inline_driver

    linux_driver.XTermParser = DeskParser
    linux_inline_driver.XTermParser = DeskParser
