"""Which keys the app drops before any screen sees them: held-down, bounced and typed-ahead keys.

A terminal sends no key-up, so a held key looks like the same key pressed again and again: the
first repeat comes 250 ms (Linux console) to 500-660 ms (X) after the press, then one every
30-90 ms; a worn or bouncing key doubles itself within ~40 ms. So the same key again less than
``REPEAT_WINDOW`` after the previous arrival of that key is a repeat and is dropped, and each
dropped repeat extends the window: a key held for any length acts once. A deliberate second press
needs a pause; the screens say so when a dropped key may have been meant.

A dialog takes no key in its first ``DIALOG_SETTLE``: a key that arrives then was typed for the
screen below (a "j" typed ahead must never answer "Gem den igen?"). A dialog with a text field
(PIN, search) takes every key once something is typed into the field (tui.app).

Pure data and arithmetic on a monotonic clock (seconds), no textual: the app feeds it.
"""

from __future__ import annotations

from dataclasses import dataclass

REPEAT_WINDOW = 0.7  # seconds: past the slowest auto-repeat delay (X: up to 660 ms)
DIALOG_SETTLE = 0.4  # seconds after a dialog opens in which it takes no key
# Keys that only move or edit what is in sight: held down they should repeat (scrolling a list,
# deleting a typed count), and no repeat of them can ever save anything.
FREE_KEYS = frozenset({"up", "down", "left", "right", "pageup", "pagedown", "home", "end",
                       "backspace", "delete"})

REPEAT = "repeat"
SETTLE = "settle"


@dataclass
class KeyFilter:
    last_key: str | None = None
    last_at: float = float("-inf")

    def check(self, key: str, now: float, *, typing: bool = False,
              opened_at: float | None = None) -> str | None:
        """Why ``key`` arriving at ``now`` is dropped (``REPEAT`` or ``SETTLE``), or None.

        ``typing``: a printable key for a text field (search, PIN), where doubled letters and
        digits are normal and typing ahead loses nothing. ``opened_at``: when the dialog on top
        opened (None on the registration screen)."""
        previous, since = self.last_key, now - self.last_at
        self.last_key, self.last_at = key, now  # a dropped key counts too: the window slides
        if typing or key in FREE_KEYS:
            return None
        if previous == key and 0 <= since < REPEAT_WINDOW:
            return REPEAT
        if opened_at is not None and 0 <= now - opened_at < DIALOG_SETTLE:
            return SETTLE
        return None


def alt_split(key: str, character: str | None) -> str | None:
    """The key after Esc when a terminal joined the two into ``alt+<key>`` (Esc followed by a key
    within Textual's escape delay): "alt+1" → "1", "alt+shift+a" → "A". None: not such a key."""
    if not key.startswith("alt+"):
        return None
    rest = key[len("alt+"):]
    if character and len(character) == 1 and character.isprintable():
        return character if character.isalnum() else rest
    return rest or None
