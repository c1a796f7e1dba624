"""The desk's keys as data: every binding id with its default key, and the check of ``[taster]``.

The screen's bindings (``tui``) take their defaults from here, so the config check and the screen
can never disagree. Keys use Textual's names ("enter", "f2", "ctrl+u", "plus"); a single
character may be written as itself ("+", "/", "u").

Three kinds of keys must never meet on the registration screen: task keys (1-9 then a-z, step 1),
type keys (one letter per type, from the codebook's ``tast``, step 2) and answer keys (0-9, the
local questions). A binding on one of them would be unreachable or would steal a task, so it is a
config error that names the key.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from .errors import ConfigError

# 1-9 then a-z: the task keys, in package order (the old tool's tiles, which staff knew).
TASK_KEYS = "123456789abcdefghijklmnopqrstuvwxyz"
ANSWER_KEYS = "0123456789"  # local questions: 1-9 = the answers in order, 0 = skip

DEFAULT_KEYS: dict[str, str] = {
    # the registration screen
    "register.repeat": "enter",
    "register.channel": "f2",
    "register.batch": "plus",
    "register.cancel": "escape",
    "register.undo": "ctrl+u",
    "register.restore": "ctrl+r",
    "register.help": "question_mark,f1",
    "register.search": "slash",
    "register.hold": "h",
    "register.blanket": "b",
    "register.panel": "f3",
    "register.numbers": "f4",
    "register.next": "tab",
    "app.quit": "ctrl+q",
    # dialogs
    "dialog.cancel": "escape",
    "confirm.yes": "j,y",
    "confirm.no": "n,escape",
    "search.cancel": "escape",
    "recent.void": "enter",
    "recent.next": "tab",
    "recent.cancel": "escape",
    "help.close": "escape,question_mark,f1,q",
    "pin.cancel": "escape",
}

# Bindings active while step 1 takes task keys: they must not be task or answer keys.
_DESK = {k for k in DEFAULT_KEYS if k.startswith("register.") or k.startswith("app.")}
# HOLD and blanket only act in step 2 (in step 1 their letters are task keys).
STEP_TWO = {"register.hold", "register.blanket"}


def key_name(key: str) -> str:
    """Textual's name for a key as written in a config: "+" → "plus", "F2" → "f2"."""
    key = key.strip()
    if len(key) == 1:
        if key.isalnum():
            return key
        try:
            name = unicodedata.name(key).lower().replace("-", "_").replace(" ", "_")
        except ValueError:
            return key
        return {"solidus": "slash", "reverse_solidus": "backslash", "commercial_at": "at",
                "hyphen_minus": "minus", "plus_sign": "plus", "low_line": "underscore"}.get(name, name)
    return key.lower()


def keys_of(value: str) -> list[str]:
    return [key_name(k) for k in value.split(",") if k.strip()]


def effective(keymap: dict[str, str]) -> dict[str, list[str]]:
    """Every binding id with the keys it ends up on (the config's, else the default)."""
    return {bid: keys_of(keymap.get(bid, default)) for bid, default in DEFAULT_KEYS.items()}


def check_keymap(raw: Any, type_keys: dict[str, str], source: str) -> dict[str, str]:
    """The ``[taster]`` table, checked: known binding ids only, and no key that a task, a type,
    an answer or another desk binding already uses. ``type_keys``: type code → its key."""
    if not isinstance(raw, dict) or not all(isinstance(v, str) and v.strip() for v in raw.values()):
        raise ConfigError(source, "taster",
                          'skal være en tabel af binding-id = "tast", fx "register.repeat" = "f5"')
    for bid in raw:
        if bid not in DEFAULT_KEYS:
            raise ConfigError(source, f"taster.{bid}",
                              f"ukendt binding-id (kendte: {', '.join(DEFAULT_KEYS)})")
    keys = effective(raw)
    by_type = {key: code for code, key in type_keys.items()}

    def where(bid: str) -> str:
        return f"taster.{bid}"

    used: dict[str, str] = {}
    for bid in sorted(_DESK):
        for key in keys[bid]:
            if key in by_type:
                raise ConfigError(source, where(bid) if bid in raw else f"type {by_type[key]}.tast",
                                  f'tasten "{key}" er typetast for {by_type[key]} (trin 2)')
            if bid in STEP_TWO:
                if key in ANSWER_KEYS:
                    raise ConfigError(source, where(bid),
                                      f'tasten "{key}" er et tal: tallene vælger opgaver og svar')
            elif key in TASK_KEYS or key in ANSWER_KEYS:
                raise ConfigError(source, where(bid),
                                  f'tasten "{key}" vælger en opgave (1-9 og a-z er opgavetaster, '
                                  "0-9 svartaster); brug fx en F-tast eller ctrl+bogstav")
            if key in used:
                raise ConfigError(source, where(bid) if bid in raw else where(used[key]),
                                  f'tasten "{key}" bruges allerede af {used[key]}')
            used[key] = bid
    for key in keys["confirm.yes"]:
        # The double-press guard: Enter or a digit held down would answer it by itself.
        if key in ("enter", "tab") or key in ANSWER_KEYS or key in by_type:
            raise ConfigError(source, where("confirm.yes"),
                              f'"{key}" kan ikke bekræfte: det er en tast, der også gemmer en registrering')
    return dict(raw)
