"""``taelleuge opsaetning``: the coordinator's check of a config before the week, all at once.

The loader (``storage.config``) stops at the first mistake; this check first reads the raw TOML
leniently and lists every mistake of the kinds people make when setting up a week (units without
tasks, a KLE number twice in a unit, overlapping or empty count weeks, questions without
answers), then loads the config for everything else, then compares it with the municipality's
KLE file (unknown or retired tasks) and with the database (units with rows that the config no
longer has). Last, per unit, what its screen will show. No textual here; the CLI prints.

A *problem* makes the command exit 1; a *note* (Bemærk) is worth knowing and does not.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from . import config as cfg
from . import kle
from .errors import ConfigError, TaelleugeError
from .wording import plural, registrations


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _tables(value: Any) -> list[dict[str, Any]]:
    """The dicts of a TOML array of tables; anything else (the loader says what) as none."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _name(table: dict[str, Any], key: str, fallback: str) -> str:
    value = table.get(key)
    return value.strip() if isinstance(value, str) and value.strip() else fallback


def _numbers(items: Any) -> list[str]:
    """The KLE numbers of a raw task list, groups flattened, as written (normalised if valid)."""
    out: list[str] = []
    for item in _tables(items):
        if "gruppe" in item:
            out.extend(_numbers(item.get("opgaver")))
        elif isinstance(item.get("kle"), str):
            number = item["kle"].strip()
            out.append(f"{number}.00" if kle.is_valid(number) and number.count(".") == 1 else number)
    return out


def raw_problems(data: dict[str, Any]) -> list[str]:
    """Every setup mistake of the common kinds in the raw TOML, in file order."""
    problems: list[str] = []
    packages: dict[str, list[str]] = {}
    for i, pack in enumerate(_tables(data.get("pakke"))):
        name = _name(pack, "navn", f"pakke[{i}]")
        if name in packages:
            problems.append(f'Pakken "{name}" står der to gange ([[pakke]] nr. {i + 1}).')
        packages[name] = _numbers(pack.get("opgaver", pack.get("opgave")))
    units = _tables(data.get("enhed"))
    if not units:
        problems.append("Der er ingen enheder ([[enhed]]).")
    for i, unit in enumerate(units):
        code = _name(unit, "kode", f"enhed[{i}]")
        names = [n for n in unit.get("pakker", []) if isinstance(n, str)] \
            if isinstance(unit.get("pakker"), list) else []
        numbers = _numbers(unit.get("opgaver"))
        from_packages: list[str] = []
        for name in names:
            if name not in packages:
                problems.append(f'Enheden {code} bruger pakken "{name}", som ikke findes.')
            from_packages.extend(packages.get(name, []))
        if not numbers and not from_packages:
            problems.append(f"Enheden {code} har ingen opgaver (hverken opgaver eller pakker med opgaver).")
        # Own tasks may rename a package task; twice within the packages or the own list is a mistake.
        own, packed = Counter(numbers), Counter(from_packages)
        twice = sorted(n for n in own | packed if own[n] > 1 or packed[n] > 1)
        for number in twice:
            problems.append(f"Enheden {code} har KLE-nummeret {number} to gange (opgaven ville få to taster).")
        for j, question in enumerate(_tables(unit.get("spoergsmaal"))):
            answers = question.get("svar")
            text = _name(question, "tekst", f"spørgsmål {j + 1}")
            if not isinstance(answers, list) or len([a for a in answers if isinstance(a, str) and a.strip()]) < 2:
                problems.append(f'Enheden {code}: spørgsmålet "{text}" har ikke mindst to svar (svar = [...]).')
        if isinstance(unit.get("taelleuger"), list) and not unit["taelleuger"]:
            problems.append(f"Enheden {code} har en tom liste af tælleuger (taelleuger = []).")
    problems.extend(_week_problems(_tables(data.get("taelleuge"))))
    return problems


def _week_problems(weeks: list[dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    if not weeks:
        return ["Der er ingen tælleuger ([[taelleuge]] med navn, fra og til)."]
    spans: list[tuple[str, date, date]] = []
    for i, week in enumerate(weeks):
        name = _name(week, "navn", f"taelleuge[{i}]")
        first, last = week.get("fra"), week.get("til")
        if not (_day(first) and _day(last)):
            problems.append(f'Tælleugen "{name}" mangler datoer (fra = 2026-10-19, til = 2026-10-25).')
            continue
        if last < first:
            problems.append(f'Tælleugen "{name}" er tom: den slutter ({last:%d-%m-%Y}) før den starter '
                            f"({first:%d-%m-%Y}).")
            continue
        for other, o_first, o_last in spans:
            if first <= o_last and o_first <= last:
                problems.append(f'Tælleugerne "{other}" og "{name}" overlapper.')
        spans.append((name, first, last))
    return problems


def _day(value: Any) -> bool:
    """A TOML date (a date-time is not one: the loader refuses it, and it does not compare)."""
    return isinstance(value, date) and not isinstance(value, datetime)


def load(data: dict[str, Any], source: str, base_dir: Path | None) -> tuple[cfg.Config | None, str | None]:
    """The config, or the loader's own message."""
    try:
        return cfg.parse(data, source, base_dir=base_dir), None
    except ConfigError as error:
        return None, str(error)


def kle_problems(config: cfg.Config, catalogue, today: date) -> list[str]:
    """Tasks the municipality's KLE file does not know, or has retired."""
    problems = []
    for unit in config.units.values():
        for task in unit.tasks():
            # A group-level task (NN.NN.00) is its group NN.NN in the file (storage.register_policy).
            group_level = task.kle.endswith(".00") and task.kle not in catalogue.entries
            warning = catalogue.warning(task.kle[:5] if group_level else task.kle, today)
            if warning:
                problems.append(f"Enheden {unit.code}, opgaven {task.kle} {task.name}: {warning}")
    return problems


def store_findings(config: cfg.Config, store, today: date) -> Findings:
    """Compare the config with the database: units that have rows but left the config, and
    count weeks that are over without a single registration."""
    found = Findings()
    try:
        by_unit = store.totals_by_unit()
        imported = store.imported_by_unit() if any(
            code and code not in config.units for code in by_unit) else {}
        for code, rows in by_unit.items():
            if code and code not in config.units and imported.get(code, 0) >= rows:
                # Brought only by imports (another municipality's unit, --kommune): nobody
                # registers for it at a desk, so nothing is lost by its absence.
                found.notes.append(f"Enheden {code} har {registrations(rows)} i databasen, alle "
                                   "importerede, og står ikke i konfigurationen: de tæller med i "
                                   "rapporter og eksport, men vises uden tælleuger.")
            elif code and code not in config.units:
                found.problems.append(f"Enheden {code} har {registrations(rows)} i databasen, men står ikke "
                                      "længere i konfigurationen (dens tal kan ikke vises eller rettes ved "
                                      "en skranke).")
        for week in config.weeks:
            if week.last < today and not any(
                    store.count_range(code, week.first, week.last, config.zone) for code in config.units):
                found.notes.append(f'Tælleugen "{week.name}" er slut og har ingen registreringer.')
    except TaelleugeError as error:
        found.problems.append(f"Databasen kan ikke læses: {error}")
    return found


def config_notes(config: cfg.Config, data: dict[str, Any]) -> list[str]:
    notes = []
    for unit in config.units.values():
        # Two tasks of one name look the same at the desk; staff cannot tell which key is which.
        by_name: dict[str, list[str]] = {}
        for task in unit.tasks():
            by_name.setdefault(task.name.casefold(), []).append(task.kle)
        for numbers in by_name.values():
            if len(numbers) > 1:
                name = next(t.name for t in unit.tasks() if t.kle == numbers[0])
                notes.append(f'Enheden {unit.code} har {plural(len(numbers), "opgave", "opgaver")} med navnet "{name}" '
                             f"({', '.join(numbers)}); personalet kan ikke se forskel på dem.")
    used = {name for unit in config.units.values() for name in unit.packages}
    for pack in _tables(data.get("pakke")):
        name = _name(pack, "navn", "")
        if name and name not in used:
            notes.append(f'Pakken "{name}" bruges ikke af nogen enhed.')
    return notes


def screens(config: cfg.Config) -> list[str]:
    """Per unit, what its registration screen will show: channels, task keys, types, questions."""
    types = "  ".join(f"{t.key} {t.code}" for t in config.codebook.types.values() if t.key)
    lines: list[str] = []
    for unit in config.units.values():
        packs = f" (pakker: {', '.join(unit.packages)})" if unit.packages else ""
        lines.append(f"Enhed {unit.code}: {unit.name}{packs}")
        channels = [f"{c} (fast)" if c == unit.channel else c for c in unit.channels]
        lines.append(f"  Kanaler: {', '.join(channels)}")
        weeks = ", ".join(w.name for w in config.unit_weeks(unit.code)) or "ingen"
        lines.append(f"  Tælleuger: {weeks}")
        lines.append(f"  Opgaver ({len(unit.tasks())}):")
        for key, item in unit.keyed():
            if isinstance(item, cfg.Group):
                lines.append(f"    {key}  {item.name} (gruppe)")
                lines.extend(f"       {k}  {t.kle}  {t.name}" for k, t in item.keyed())
            else:
                lines.append(f"    {key}  {item.kle}  {item.name}")
        lines.append(f"  Typer (trin 2): {types}")
        for question in unit.questions:
            answers = ", ".join(f"{n} {a}" for n, a in enumerate(question.answers, 1))
            skip = "påkrævet" if question.required else "0 springer over"
            lines.append(f"  Spørgsmål: {question.text}: {answers} ({skip})")
        lines.append("")
    return lines
