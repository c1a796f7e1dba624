"""The codebook (kodebog) as data: channels, types, afslutning and blanket values.

Seeded from ``codebook.toml`` next to this file; a municipality's config may change entries or add
new ones. Nothing else in the code base lists codes.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from importlib import resources
from typing import Any

from .config_guard import readable
from .errors import ConfigError, Refusal

DIRECTIONS = ("ind", "ud")
CHANNEL_CLASSES = ("selvbetjening", "digital", "analog")
TYPE_CLASSES = ("transaktion", "information")


@dataclass(frozen=True)
class Channel:
    code: str
    name: str
    direction: str  # "ind" | "ud"
    klass: str  # one of CHANNEL_CLASSES
    staff: bool  # False: only arrives through import

    @property
    def label(self) -> str:
        # Plain words, no arrows: Linux console fonts may lack the glyphs.
        return f"{self.name}, {self.direction}"


@dataclass(frozen=True)
class TaskType:
    code: str
    name: str
    description: str
    klass: str  # one of TYPE_CLASSES
    key: str = ""  # the desk's key in step 2 (``tast``): one letter a-z, unique


@dataclass(frozen=True)
class Value:
    code: str
    name: str


@dataclass(frozen=True)
class Codebook:
    channels: dict[str, Channel] = field(default_factory=dict)
    types: dict[str, TaskType] = field(default_factory=dict)
    afslutning: dict[str, Value] = field(default_factory=dict)
    blanket: dict[str, Value] = field(default_factory=dict)

    def channel(self, code: str, *, staff: bool = True) -> Channel:
        allowed = [c for c in self.channels.values() if c.staff or not staff]
        found = self.channels.get(code)
        if found is None or found not in allowed:
            why = "må kun komme ind ved import" if found else "er ukendt"
            raise Refusal(
                f'Kanalen "{code}" {why}. Tilladte: {", ".join(c.code for c in allowed)}', "kanal"
            )
        return found

    def type(self, code: str) -> TaskType:
        return _lookup(self.types, code, "Typen", "type")

    def check_afslutning(self, code: str) -> str:
        return _lookup(self.afslutning, code, "Afslutningen", "afslutning").code

    def check_blanket(self, code: str | None) -> str | None:
        if code is None:
            return None
        return _lookup(self.blanket, code, "Blanketværdien", "blanket").code


def _lookup(table: dict[str, Any], code: str, what: str, field_name: str) -> Any:
    try:
        return table[code]
    except KeyError:
        raise Refusal(
            f'{what} "{code}" er ukendt. Tilladte: {", ".join(table)}', field_name
        ) from None


def load_builtin() -> Codebook:
    text = resources.files(__package__).joinpath("codebook.toml").read_text("utf-8")
    return merge(Codebook(), tomllib.loads(text), "codebook.toml (indbygget)")


def merge(base: Codebook, data: dict[str, Any], source: str, reserved: str | set[str] = "hbjyn") -> Codebook:
    """Return ``base`` with the ``kanal``/``type``/``afslutning``/``blanket`` tables in ``data``
    applied: an entry with a known code changes it, a new code is added. ``reserved``: letters a
    new type without ``tast`` never gets (HOLD, blanket and the yes/no of a question: see
    storage.keys.reserved_letters)."""
    channels = dict(base.channels)
    for i, entry in enumerate(_entries(data, "kanal", source)):
        key = f"kanal[{i}]"
        _no_unknown(entry, ("kode", "navn", "retning", "klasse", "personale"), key, source)
        code = _code(entry, key, source)
        old = channels.get(code)
        channels[code] = Channel(
            code=code,
            name=_text(entry, "navn", key, source, old.name if old else None),
            direction=_choice(entry, "retning", DIRECTIONS, key, source, old.direction if old else None),
            klass=_choice(entry, "klasse", CHANNEL_CLASSES, key, source, old.klass if old else None),
            staff=_bool(entry, "personale", key, source, old.staff if old else True),
        )
    types = dict(base.types)
    key_sources: dict[str, str] = {}  # type code → the config key that set its tast
    for i, entry in enumerate(_entries(data, "type", source)):
        key = f"type[{i}]"
        _no_unknown(entry, ("kode", "navn", "beskrivelse", "klasse", "tast"), key, source)
        code = _code(entry, key, source)
        old = types.get(code)
        types[code] = TaskType(
            code=code,
            name=_text(entry, "navn", key, source, old.name if old else None),
            description=_text(entry, "beskrivelse", key, source, old.description if old else ""),
            klass=_choice(entry, "klasse", TYPE_CLASSES, key, source, old.klass if old else None),
            key=_type_key(entry, key, source, old.key if old else None),
        )
        key_sources[code] = f"{key}.tast"
    _unique_type_keys(types, key_sources, source, set(reserved))
    values = {}
    for table in ("afslutning", "blanket"):
        current = dict(getattr(base, table))
        for i, entry in enumerate(_entries(data, table, source)):
            key = f"{table}[{i}]"
            _no_unknown(entry, ("kode", "navn"), key, source)
            code = _code(entry, key, source)
            old = current.get(code)
            current[code] = Value(code, _text(entry, "navn", key, source, old.name if old else None))
        values[table] = current
    return replace(base, channels=channels, types=types, **values)


def _entries(data: dict[str, Any], table: str, source: str) -> list[dict[str, Any]]:
    entries = data.get(table, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ConfigError(source, table, f"skal være en liste af tabeller ([[{table}]])")
    return entries


def _no_unknown(entry: dict[str, Any], known: tuple[str, ...], key: str, source: str) -> None:
    """A typo (``retnig``) must not silently fall back to the default."""
    unknown = sorted(set(entry) - set(known))
    if unknown:
        raise ConfigError(source, f"{key}.{unknown[0]}", f"ukendt nøgle (kendte: {', '.join(known)})")


def _code(entry: dict[str, Any], key: str, source: str) -> str:
    code = entry.get("kode")
    if not isinstance(code, str) or not code or not code.isascii() or not code.replace("_", "").isalnum():
        raise ConfigError(source, f"{key}.kode", f"skal være en kode med bogstaver og tal, ikke {readable(code)}")
    if code != code.upper():
        raise ConfigError(source, f"{key}.kode", f"koder skrives med store bogstaver: {readable(code)}")
    return code


def _text(entry: dict[str, Any], name: str, key: str, source: str, default: str | None) -> str:
    value = entry.get(name, default)
    if not isinstance(value, str) or (default is None and not value):
        raise ConfigError(source, f"{key}.{name}", "mangler eller er ikke tekst")
    return value


def _choice(entry: dict[str, Any], name: str, allowed: Any, key: str, source: str, default: str | None) -> str:
    value = entry.get(name, default)
    if value not in allowed:
        raise ConfigError(
            source, f"{key}.{name}", f"skal være en af {', '.join(allowed)}, ikke {readable(value)}"
        )
    return value


def _bool(entry: dict[str, Any], name: str, key: str, source: str, default: bool) -> bool:
    value = entry.get(name, default)
    if not isinstance(value, bool):
        raise ConfigError(source, f"{key}.{name}", f"skal være true eller false, ikke {readable(value)}")
    return value


TYPE_KEY_CHARS = "abcdefghijklmnopqrstuvwxyz"


def _type_key(entry: dict[str, Any], key: str, source: str, default: str | None) -> str:
    """``tast``: the one letter that picks this type at the desk. Digits stay task and answer keys.
    Left out on a new type: "" here, and a free letter is given at the end of the merge."""
    value = entry.get("tast", default)
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) != 1 or value not in TYPE_KEY_CHARS:
        raise ConfigError(source, f"{key}.tast", f"skal være ét lille bogstav a-z, ikke {readable(value)}")
    return value


def _unique_type_keys(types: dict[str, TaskType], key_sources: dict[str, str], source: str,
                      reserved: set[str]) -> None:
    """Every type gets a key: a new type without ``tast`` takes the first free letter of its code
    (KLAGE → k), else the first free letter a-z, so no type is ever left unreachable at the desk.
    Two types on one key is an error naming the key."""
    seen: dict[str, str] = {}
    for code, task_type in types.items():
        if not task_type.key:
            continue
        other = seen.get(task_type.key)
        if other is not None:
            where = key_sources.get(code) or key_sources.get(other) or "type"
            raise ConfigError(source, where, f'tasten "{task_type.key}" bruges af både {other} og {code}')
        seen[task_type.key] = code
    for code, task_type in list(types.items()):
        if task_type.key:
            continue
        free = [c for c in code.lower() + TYPE_KEY_CHARS
                if c in TYPE_KEY_CHARS and c not in seen and c not in reserved]
        if not free:
            raise ConfigError(source, key_sources.get(code, "type"), "der er ingen ledig tast til typen")
        types[code] = replace(task_type, key=free[0])
        seen[free[0]] = code
