"""The config keys the coordinator's report reads: a unit's count weeks and responsible role, the
departments that group units, and the municipality's channel policy.

Kept apart from ``storage.config`` (which calls these functions) so the report's settings do not
crowd the kiosk's. Every value has already passed ``config_guard.check_tree`` (no control, bidi or
invisible characters, nothing CPR-like) before it gets here; these functions check the meaning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import codebook as cb

# A role, not a person: short, and a config is no place for a name list.
MAX_ROLE_LENGTH = 60
POLICY_LEVELS = ("primaer", "sekundaer", "uoensket")
POLICY_NAMES = {"primaer": "primær", "sekundaer": "sekundær", "uoensket": "uønsket"}


@dataclass(frozen=True)
class Department:
    name: str
    units: tuple[str, ...]


@dataclass(frozen=True)
class PolicyRule:
    """Channel → level (``primaer``/``sekundaer``/``uoensket``) for one type class or one type."""

    applies_to: str  # a type class (``transaktion``) or a type code (``STATUS``)
    by_type: bool  # True: ``applies_to`` is a type code
    levels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ChannelPolicy:
    rules: tuple[PolicyRule, ...] = ()

    def level(self, type_code: str, type_class: str, channel: str) -> str | None:
        """The level of ``channel`` for a contact of this type: the type's own rule first, then
        its class's; None when no rule names the channel."""
        for rule in self.rules:
            if rule.by_type and rule.applies_to == type_code:
                return rule.levels.get(channel)
        for rule in self.rules:
            if not rule.by_type and rule.applies_to == type_class:
                return rule.levels.get(channel)
        return None

    def __bool__(self) -> bool:
        return bool(self.rules)


def count_weeks(r, entry: dict[str, Any], key: str, week_names: list[str]) -> tuple[str, ...]:
    """``taelleuger = ["Uge 44", …]``: names of ``[[taelleuge]]`` entries; empty = all of them."""
    if "taelleuger" not in entry:
        return ()
    names = r.texts(entry, "taelleuger", key)
    if not names:
        raise r.fail(f"{key}.taelleuger", "angiv mindst én tælleuge, eller udelad nøglen (= alle)")
    for i, name in enumerate(names):
        if name not in week_names:
            known = ", ".join(f'"{n}"' for n in week_names) or "ingen ([[taelleuge]] mangler)"
            raise r.fail(f"{key}.taelleuger[{i}]", f'ukendt tælleuge "{name}" (kendte: {known})')
        if name in names[:i]:
            raise r.fail(f"{key}.taelleuger[{i}]", f'"{name}" står der to gange')
    return names


def responsible(r, entry: dict[str, Any], key: str) -> str | None:
    """``ansvarlig``: the role answering for the unit's figures (e.g. "Teamleder, Borgerservice"),
    never a citizen; the hostile-text and CPR guards have seen it already."""
    if "ansvarlig" not in entry:
        return None
    role = r.text(entry, "ansvarlig", key)
    if len(role) > MAX_ROLE_LENGTH:
        raise r.fail(f"{key}.ansvarlig", f"højst {MAX_ROLE_LENGTH} tegn: en rolle, fx "
                                         '"Teamleder, Borgerservice"')
    if "@" in role or ";" in role:
        raise r.fail(f"{key}.ansvarlig", "skal være en rolle, ikke en adresse (uden @ og ;)")
    return role


def departments(r, raw: Any, unit_codes: list[str]) -> tuple[Department, ...]:
    """``[[afdeling]]`` with ``navn`` and ``enheder``: every unit in at most one department."""
    out: list[Department] = []
    owner: dict[str, str] = {}
    for i, entry in enumerate(r.list_of_tables(raw if raw is not None else [], "afdeling")):
        key = f"afdeling[{i}]"
        r.no_unknown(entry, {"navn", "enheder"}, key)
        name = r.text(entry, "navn", key)
        if any(d.name == name for d in out):
            raise r.fail(f"{key}.navn", f'afdelingen "{name}" står der to gange')
        units = r.texts(entry, "enheder", key)
        if not units:
            raise r.fail(f"{key}.enheder", "angiv mindst én enhed")
        for j, code in enumerate(units):
            if code not in unit_codes:
                raise r.fail(f"{key}.enheder[{j}]", f'ukendt enhed "{code}" (kendte: '
                                                   f'{", ".join(unit_codes)})')
            if code in owner:
                raise r.fail(f"{key}.enheder[{j}]", f'enheden "{code}" står allerede under '
                                                   f'afdelingen "{owner[code]}"')
            owner[code] = name
        out.append(Department(name, units))
    return tuple(out)


def channel_policy(r, raw: Any, codebook: cb.Codebook) -> ChannelPolicy:
    """``[[kanalpolitik]]``: per type class (``typeklasse = "transaktion"``) or per type
    (``type = "STATUS"``), channel codes listed as ``primaer``, ``sekundaer`` or ``uoensket``."""
    rules: list[PolicyRule] = []
    for i, entry in enumerate(r.list_of_tables(raw if raw is not None else [], "kanalpolitik")):
        key = f"kanalpolitik[{i}]"
        r.no_unknown(entry, {"typeklasse", "type", *POLICY_LEVELS}, key)
        if ("typeklasse" in entry) == ("type" in entry):
            raise r.fail(key, 'angiv enten typeklasse (fx "transaktion") eller type (fx "STATUS")')
        if "typeklasse" in entry:
            target = r.text(entry, "typeklasse", key)
            if target not in cb.TYPE_CLASSES:
                raise r.fail(f"{key}.typeklasse", f"skal være en af {', '.join(cb.TYPE_CLASSES)}, "
                                                  f'ikke "{target}"')
            by_type = False
        else:
            target = r.text(entry, "type", key)
            if target not in codebook.types:
                raise r.fail(f"{key}.type", f'ukendt type "{target}" (kendte: '
                                            f'{", ".join(codebook.types)})')
            by_type = True
        if any(rule.applies_to == target and rule.by_type == by_type for rule in rules):
            raise r.fail(key, f'der er allerede en kanalpolitik for "{target}"')
        levels: dict[str, str] = {}
        for level in POLICY_LEVELS:
            for j, channel in enumerate(r.texts(entry, level, key)):
                where = f"{key}.{level}[{j}]"
                if channel not in codebook.channels:
                    raise r.fail(where, f'ukendt kanal "{channel}"')
                if channel in levels:
                    raise r.fail(where, f'kanalen {channel} står allerede som '
                                        f'{POLICY_NAMES[levels[channel]]}')
                levels[channel] = level
        if not levels:
            raise r.fail(key, "angiv mindst én kanal under primaer, sekundaer eller uoensket")
        rules.append(PolicyRule(target, by_type, levels))
    return ChannelPolicy(tuple(rules))
