"""The desk's keys as data: every binding id with its default key, and the check of ``[taster]``.

The screen's bindings (``tui``) take their defaults from here, so the config check and the screen
can never disagree. Keys use Textual's names ("enter", "f2", "ctrl+u", "plus"); a single
character may be written as itself ("+", "/", "u"). A name Textual does not know ("esc",
"banana") is refused: a binding on it could never be pressed.

Three kinds of keys must never meet on the registration screen: task keys (step 1), type keys
(one letter per type, from the codebook's ``tast``, step 2) and answer keys (0-9, the local
questions). Task keys are 1-9 then the letters no type, neither HOLD nor blanket and no dialog
answer (j/y/n, or the configured ``confirm.*`` keys) uses: a held or bounced type key can then
never start the next citizen's entry, HOLD/blanket pressed before the task is HOLD/blanket, not a
task, and the next citizen's task key can never answer a dialog ("Gem den igen?") the previous
one left open, nor a "no" be a task. Every binding is also checked against the other keys active
in the same place (the desk, or one dialog), because there only one of them could ever act.
"""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Iterable
from typing import Any

from .errors import ConfigError

LETTERS = string.ascii_lowercase
DIGITS = "123456789"
ALL_TASK_KEYS = DIGITS + LETTERS  # before the type, HOLD and blanket letters are taken out
ANSWER_KEYS = "0123456789"  # local questions: 1-9 = the answers in order, 0 = skip
NUMBER_KEYS = DIGITS + LETTERS  # the unit and channel pickers' list keys

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

# HOLD and blanket: letters allowed (taken out of the task keys), digits not.
HOLD_BLANKET = ("register.hold", "register.blanket")
# Bindings of the registration screen (with the app's quit key, which works everywhere).
_DESK = tuple(k for k in DEFAULT_KEYS if k.startswith(("register.", "app.")))

# Keys that widgets inside a place use by themselves (Textual's Input, OptionList, scrolling):
# a binding there would take the key from them, or never fire. tests/storage/test_keymap.py
# checks these against the widgets' own BINDINGS.
_SCROLL = ("up", "down", "pageup", "pagedown", "home", "end")
_INPUT = ("enter", "backspace", "delete", "left", "right", "home", "end", "shift+left",
          "shift+right", "shift+home", "shift+end", "ctrl+left", "ctrl+right", "ctrl+shift+left",
          "ctrl+shift+right", "ctrl+a", "ctrl+e", "ctrl+k", "ctrl+u", "ctrl+w", "ctrl+d", "ctrl+x",
          "ctrl+c", "ctrl+v", "ctrl+backspace", "ctrl+shift+a")
# Every place a key acts, with the bindings active there and the keys taken by what is on screen.
# "text" marks a place with a text field: every printable character types into it.
PLACES: dict[str, dict[str, Any]] = {
    "registreringen": {"bindings": _DESK, "taken": ("backspace",)},  # backspace edits a +N count
    "spørgsmålet": {"bindings": ("confirm.yes", "confirm.no", "app.quit"), "taken": ()},
    "kanal- og enhedsvalget": {"bindings": ("dialog.cancel", "app.quit"), "taken": tuple(NUMBER_KEYS)},
    "listen over seneste": {"bindings": ("recent.void", "recent.next", "recent.cancel", "app.quit"),
                            "taken": _SCROLL},
    "søgningen": {"bindings": ("search.cancel", "app.quit"), "taken": (*_INPUT, "up", "down"),
                  "text": True},
    "hjælpen": {"bindings": ("help.close", "app.quit"), "taken": _SCROLL},
    "PIN-koden": {"bindings": ("pin.cancel", "app.quit"), "taken": _INPUT, "text": True},
}

# Textual's names for keys other than single characters (textual.keys.Keys), as a config may
# write them. Not imported from Textual: storage never imports it (the test compares the two).
_MOVES = ("up", "down", "left", "right", "home", "end", "insert", "delete", "pageup", "pagedown")
_FUNCTION = tuple(f"f{n}" for n in range(1, 25))
NAMED_KEYS = frozenset(
    ("escape", "enter", "tab", "backspace", "space", "shift+tab", "shift+escape", *_MOVES, *_FUNCTION)
    + tuple(f"ctrl+{c}" for c in LETTERS if c not in "hijm")  # those four are backspace/tab/enter
    + tuple(f"ctrl+{k}" for k in (*_MOVES, *_FUNCTION))
    + tuple(f"shift+{k}" for k in _MOVES)
    + tuple(f"ctrl+shift+{k}" for k in _MOVES)
)
# Terminals send these as another key: a binding on them would never fire.
_ALIASES = {"ctrl+i": "tab", "ctrl+m": "enter", "ctrl+h": "backspace", "ctrl+j": "enter",
            "ctrl+left_square_bracket": "escape", "return": "enter", "esc": "escape"}
# Textual's names of the printable ASCII characters ("plus", "slash", "right_square_bracket").
_REPLACED = {"solidus": "slash", "reverse_solidus": "backslash", "commercial_at": "at",
             "hyphen_minus": "minus", "plus_sign": "plus", "low_line": "underscore"}


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
        return _REPLACED.get(name, name)
    return key.lower()


_CHARACTER_OF = {key_name(c): c for c in string.printable if not c.isspace() and not c.isalnum()}


def key_char(name: str) -> str | None:
    """The character a key name stands for ("right_square_bracket" → "]"), or None ("f2")."""
    if len(name) == 1:
        return name
    return _CHARACTER_OF.get(name)


def keys_of(value: str) -> list[str]:
    return [key_name(k) for k in value.split(",") if k.strip()]


def effective(keymap: dict[str, str]) -> dict[str, list[str]]:
    """Every binding id with the keys it ends up on (the config's, else the default)."""
    return {bid: keys_of(keymap.get(bid, default)) for bid, default in DEFAULT_KEYS.items()}


# Bindings whose letters are never task keys: HOLD and blanket, and the dialogs' answers.
NOT_TASKS = (*HOLD_BLANKET, "confirm.yes", "confirm.no")


def task_keys(type_keys: Iterable[str], keymap: dict[str, str] | None = None) -> str:
    """Step 1's keys in package order: 1-9, then the letters that no type key, neither HOLD nor
    blanket and no dialog answer (j/y/n) uses (with the built-in types: 24 keys)."""
    keys = effective(keymap or {})
    taken = set(type_keys) | {k for bid in NOT_TASKS for k in keys[bid]}
    return DIGITS + "".join(c for c in LETTERS if c not in taken)


def reserved_letters(raw: Any) -> set[str]:
    """Letters a new type without ``tast`` must not get: HOLD, blanket and the question's
    yes keys (a held type key must never answer "Gem den igen?"). Read leniently from the raw
    ``[taster]`` table; check_keymap refuses what is wrong with it afterwards."""
    table = raw if isinstance(raw, dict) else {}
    keymap = {k: v for k, v in table.items() if k in DEFAULT_KEYS and isinstance(v, str)}
    keys = effective(keymap)
    return {k for bid in (*HOLD_BLANKET, "confirm.yes", "confirm.no") for k in keys[bid] if len(k) == 1}


def _problem_with_name(key: str) -> str | None:
    if key in _ALIASES:
        return f'"{key}" når aldrig programmet som sig selv (terminalen sender {_ALIASES[key]}); skriv "{_ALIASES[key]}"'
    if key.startswith("alt+") or "+alt+" in key:
        return (f'"{key}": alt-taster bruges ikke (en terminal sender Esc og tasten; programmet '
                "læser det som Esc efterfulgt af tasten)")
    if len(key) == 1 and key.isprintable():
        return None if key == key.lower() else f'"{key}": skriv bogstavet med lille (store bogstaver kræver shift)'
    if key in NAMED_KEYS or key in _CHARACTER_OF:
        return None
    return (f'"{key}" er ikke et tastnavn, programmet kender (fx escape, enter, tab, f1-f24, '
            "ctrl+bogstav, pageup, et enkelt tegn som + eller /)")


def check_keymap(raw: Any, type_keys: dict[str, str], source: str) -> dict[str, str]:
    """The ``[taster]`` table, checked: known binding ids, known key names, and no key that a
    task, a type, an answer or another binding in the same place already uses.
    ``type_keys``: type code → its key. Returns the table with every key in Textual's name."""
    if not isinstance(raw, dict) or not all(isinstance(v, str) and v.strip() for v in raw.values()):
        raise ConfigError(source, "taster",
                          'skal være en tabel af binding-id = "tast", fx "register.repeat" = "f5"')
    for bid in raw:
        if bid not in DEFAULT_KEYS:
            raise ConfigError(source, f"taster.{bid}",
                              f"ukendt binding-id (kendte: {', '.join(DEFAULT_KEYS)})")
    keys = effective(raw)

    def where(bid: str) -> str:
        return f"taster.{bid}"

    def fail(bid: str, problem: str, other: str | None = None) -> ConfigError:
        # Name the binding the config changed: a default key never caused a clash by itself.
        chosen = bid if bid in raw or other is None else other
        return ConfigError(source, where(chosen) if chosen in DEFAULT_KEYS else chosen, problem)

    for bid, bound in keys.items():
        for key in bound:
            problem = _problem_with_name(key)
            if problem:
                raise fail(bid, problem)
    _check_desk(keys, type_keys, fail)
    _check_confirm(keys, type_keys, fail)
    for place, spec in PLACES.items():
        used: dict[str, str] = {}
        for bid in spec["bindings"]:
            for key in keys[bid]:
                if key in spec["taken"]:
                    raise fail(bid, f'tasten "{key}" bruges allerede i {place} (af selve listen eller feltet)')
                if spec.get("text") and bid != "app.quit" and key_char(key):
                    raise fail(bid, f'tasten "{key}" er et tegn, der skrives i feltet i {place}; brug fx '
                                    "escape eller en F-tast")
                if key in used and used[key] != bid:
                    other = used[key]
                    named, against = (bid, other) if bid in raw else (other, bid)
                    raise fail(named, f'tasten "{key}" bruges allerede af {against} i {place}')
                used[key] = bid
    return {bid: ",".join(keys_of(value)) for bid, value in raw.items()}


def _check_desk(keys: dict[str, list[str]], type_keys: dict[str, str], fail) -> None:
    by_type = {key: code for code, key in type_keys.items()}
    for bid in _DESK:
        for key in keys[bid]:
            if key in by_type:
                raise fail(bid, f'tasten "{key}" er typetast for {by_type[key]} (trin 2)', f"type {by_type[key]}.tast")
            if bid in HOLD_BLANKET:
                if key in ANSWER_KEYS:
                    raise fail(bid, f'tasten "{key}" er et tal: tallene vælger opgaver og svar')
            elif key in ALL_TASK_KEYS or key in ANSWER_KEYS:
                raise fail(bid, f'tasten "{key}" vælger en opgave (1-9 og bogstaverne er opgavetaster, '
                                "0-9 svartaster); brug fx en F-tast eller ctrl+bogstav")


def _check_confirm(keys: dict[str, list[str]], type_keys: dict[str, str], fail) -> None:
    """The yes of "Gem den igen?" and "Afslut alligevel?": never a key that saves, repeats,
    clears or moves on at the desk, so a held or bounced desk key cannot answer it."""
    desk = {key: bid for bid in _DESK for key in keys[bid]}
    by_type = {key: code for code, key in type_keys.items()}
    for key in keys["confirm.yes"]:
        if key in by_type:
            raise fail("confirm.yes", f'"{key}" er typetast for {by_type[key]} og kan ikke også bekræfte '
                                      f"(confirm.yes): en holdt typetast ville svare ja af sig selv",
                       f"type {by_type[key]}.tast")
        if key in ("enter", "tab", "escape", "space") or key in ANSWER_KEYS:
            raise fail("confirm.yes", f'"{key}" kan ikke bekræfte: det er en tast, der også gemmer, '
                                      "rydder eller går videre ved skranken")
        if key in desk:
            raise fail("confirm.yes", f'"{key}" kan ikke bekræfte: den er {desk[key]} ved skranken '
                                      "(holdt nede ville den svare af sig selv)", desk[key])
