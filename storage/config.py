"""The municipality's config (TOML): kommune, time zone, units, task packages, count weeks, prices.

Loaded once into frozen dataclasses and passed in; nothing reads config at import time. Every
error names the file, the key and the problem, in Danish, because the coordinator edits this file.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import codebook as cb
from . import config_guard, config_report, kle, pin
from .config_guard import readable
from . import keys as keymaps
from .config_report import ChannelPolicy, Department
from .errors import ConfigError, Refusal
from .timeutil import year_problem

# A unit code goes into the Landkort file, which people open in a spreadsheet: no formula leads.
FORMULA_LEADS = "=+-@"
# The longest text a value may have: the import refuses longer ones (free text), so a unit code,
# a kommunenavn, a question or an answer from the config must fit too, or its own export would
# not import again.
MAX_TEXT = 100
# A unit code: letters (æøå too), digits and . _ - (never first: - is a formula lead), so that
# neither a spreadsheet (#REF!, =…) nor the upload layout (NULL = no value) reads it as
# something else.
_UNIT_CODE = re.compile(r"[A-Za-z0-9æøåÆØÅ][A-Za-z0-9æøåÆØÅ._-]*")
UNIT_CODE = _UNIT_CODE  # the same rule for an imported file's Enhed (exports.reader)
# The fixed columns of both Landkort layouts (exports.layouts, checked by the tests): a local
# question with one of these names would give the raw-data file two columns of that name.
FIXED_COLUMNS = ("Kommune", "ID", "Enhed", "Opgave", "Kanal", "Type", "Afslutning", "Blanket", "Dato",
                 "StartTidspunkt", "SlutTidspunkt", "Datakilde", "KommuneID", "KLE Opgave kode",
                 "Henvendelses Kanal", "Henvendelses type")
MAX_PRICE = 100_000  # DKK per contact: a larger figure is a typo (and 1e308 overflows the sums)
MAX_PRICE_SHOWN = "100.000"


@dataclass(frozen=True)
class Task:
    kle: str
    name: str


@dataclass(frozen=True)
class Group:
    name: str
    tasks: tuple[Task, ...]
    # The task keys, in order (storage.keys.task_keys): set by parse; not part of what the group is.
    keys: str = field(default="", compare=False)

    def keyed(self) -> list[tuple[str, Task]]:
        return list(zip(self.keys, self.tasks))


PackageItem = Task | Group


@dataclass(frozen=True)
class Question:
    text: str
    answers: tuple[str, ...]
    required: bool = True  # False: the desk offers 0 = skip (an empty answer)


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    package: tuple[PackageItem, ...]
    channel: str  # pinned default channel
    channels: tuple[str, ...]  # offered to staff, in menu order
    questions: tuple[Question, ...] = ()
    users: tuple[str, ...] = ()
    count_weeks: tuple[str, ...] = ()  # names of [[taelleuge]] entries; empty = all of them
    responsible: str | None = None  # a role answering for the unit's figures, never a person
    keys: str = ""  # the task keys, in order (storage.keys.task_keys): set by parse
    packages: tuple[str, ...] = ()  # the [[pakke]] names its task list starts from (storage.packages)

    def keyed(self) -> list[tuple[str, PackageItem]]:
        return list(zip(self.keys, self.package))

    def tasks(self) -> list[Task]:
        """Every task of the package, groups flattened, in package order."""
        out: list[Task] = []
        for item in self.package:
            out.extend(item.tasks if isinstance(item, Group) else (item,))
        return out


@dataclass(frozen=True)
class CountWeek:
    name: str
    first: date
    last: date

    def contains(self, day: date) -> bool:
        return self.first <= day <= self.last


@dataclass(frozen=True)
class Config:
    source: str
    kommune_nr: str
    kommune_navn: str
    zone: ZoneInfo
    units: dict[str, Unit]
    weeks: tuple[CountWeek, ...]
    codebook: cb.Codebook
    prices: dict[tuple[str, str], float] = field(default_factory=dict)  # (kanal, typeklasse) → DKK
    database: Path | str | None = None  # a file, or a postgresql:// URL (storage.open)
    kle_file: Path | None = None
    keymap: dict[str, str] = field(default_factory=dict)  # binding id → keys
    coordinator_group: str | None = None  # OS group allowed to export, import, report, correct
    pin_hash: str | None = None  # leaves the locked kiosk; see storage.pin
    demo: bool = False
    departments: tuple[Department, ...] = ()  # [[afdeling]]: units grouped for the report
    channel_policy: ChannelPolicy = field(default_factory=ChannelPolicy)  # [[kanalpolitik]]

    def unit(self, code: str) -> Unit:
        try:
            return self.units[code]
        except KeyError:
            raise Refusal(
                f'Enheden "{code}" er ukendt. Kendte enheder: {", ".join(self.units)}', "enhed"
            ) from None

    def unit_for_user(self, user: str) -> Unit | None:
        return next((u for u in self.units.values() if user in u.users), None)

    def week_of(self, day: date) -> CountWeek | None:
        return next((w for w in self.weeks if w.contains(day)), None)

    def unit_weeks(self, code: str) -> tuple[CountWeek, ...]:
        """The count weeks of a unit: its ``taelleuger``, else all (also for a unit the config
        does not know, such as the empty unit of imported self-service rows)."""
        unit = self.units.get(code)
        if unit is None or not unit.count_weeks:
            return self.weeks
        return tuple(w for w in self.weeks if w.name in unit.count_weeks)

    def unit_week_of(self, code: str, day: date) -> CountWeek | None:
        """The count week ``day`` lies in for unit ``code`` (its own ``taelleuger``, else all):
        what decides whether the unit's row on that day counts or is a trial (PRØVE) row."""
        return next((w for w in self.unit_weeks(code) if w.contains(day)), None)

    def department_of(self, code: str) -> str | None:
        return next((d.name for d in self.departments if code in d.units), None)


def load(path: str | Path) -> Config:
    path = Path(path)
    data = config_guard.parse_toml(config_guard.read_text(path), str(path))
    return parse(data, str(path), base_dir=path.parent)


_TOP_KEYS = {"kommunenummer", "kommunenavn", "tidszone", "database", "kle_fil", "enhed",
             "taelleuge", "pris", "taster", "kanal", "type", "afslutning", "blanket", "koordinator",
             "afdeling", "kanalpolitik", "pakke"}


def parse(data: dict[str, Any], source: str, *, base_dir: Path | None = None, demo: bool = False) -> Config:
    r = _Reader(source)
    config_guard.check_tree(data, source)  # no control/bidi/zero-width characters, nothing CPR-like
    r.no_unknown(data, _TOP_KEYS, "")
    nr = data.get("kommunenummer")
    if not isinstance(nr, int) or isinstance(nr, bool) or not 100 <= nr <= 999:
        got = "mangler" if nr is None else f"ikke {readable(nr)}"
        raise ConfigError(source, "kommunenummer", f"skal være kommunens tre-cifrede nummer, {got}")
    name = r.text(data, "kommunenavn", "")
    r.bounded(name, "kommunenavn")
    zone_name = data.get("tidszone", "Europe/Copenhagen")
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ConfigError(source, "tidszone", f"ukendt tidszone {readable(zone_name)} (fx Europe/Copenhagen)") from None
    codebook = cb.merge(cb.load_builtin(), data, source, keymaps.reserved_letters(data.get("taster")))
    type_keys = {c: t.key for c, t in codebook.types.items()}
    keymap = keymaps.check_keymap(data.get("taster", {}), type_keys, source)
    weeks = _weeks(r, data.get("taelleuge", []))
    from . import packages as shared  # imports Task and Group from here

    task_keys = keymaps.task_keys(type_keys.values(), keymap)

    def read_items(r: _Reader, raw: Any, key: str, *, nested: bool) -> tuple[PackageItem, ...]:
        return _package(r, raw, key, task_keys, nested=nested)

    packages = shared.parse_packages(r, data.get("pakke"), read_items)
    units = _units(r, data.get("enhed"), codebook, [w.name for w in weeks], packages, task_keys)
    departments = config_report.departments(r, data.get("afdeling"), list(units))
    policy = config_report.channel_policy(r, data.get("kanalpolitik"), codebook)
    prices = _prices(r, data.get("pris", []), codebook)
    coordinator = data.get("koordinator", {})
    if not isinstance(coordinator, dict):
        raise ConfigError(source, "koordinator", "skal være en tabel ([koordinator])")
    r.no_unknown(coordinator, {"gruppe", "pin"}, "koordinator")
    group = r.text(coordinator, "gruppe", "koordinator") if "gruppe" in coordinator else None
    pin_hash = r.text(coordinator, "pin", "koordinator") if "pin" in coordinator else None
    if pin_hash is not None:
        problem = pin.hash_problem(pin_hash)
        if problem:
            raise ConfigError(source, "koordinator.pin", problem)
    return Config(
        source=source,
        coordinator_group=group,
        pin_hash=pin_hash,
        kommune_nr=str(nr),
        kommune_navn=name,
        zone=zone,
        units=units,
        weeks=weeks,
        codebook=codebook,
        prices=prices,
        database=r.database(data, base_dir),
        kle_file=r.path(data, "kle_fil", base_dir),
        keymap=dict(keymap),
        demo=demo,
        departments=departments,
        channel_policy=policy,
    )


class _Reader:
    """Small typed getters that raise ConfigError with the full key path."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(self.source, key, problem)

    def no_unknown(self, table: dict[str, Any], known: set[str], prefix: str) -> None:
        unknown = sorted(set(table) - known)
        if unknown:
            where = f"{prefix}.{unknown[0]}" if prefix else unknown[0]
            raise self.fail(where, f"ukendt nøgle (kendte: {', '.join(sorted(known))})")

    def text(self, table: dict[str, Any], name: str, prefix: str) -> str:
        value = table.get(name)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(_join(prefix, name), "mangler eller er tom")
        return value.strip()

    def bounded(self, value: str, key: str) -> str:
        if len(value) > MAX_TEXT:
            raise self.fail(key, f"er {len(value)} tegn lang; højst {MAX_TEXT} (længere værdier kan "
                                 "ikke importeres igen)")
        return value

    def texts(self, table: dict[str, Any], name: str, prefix: str) -> tuple[str, ...]:
        value = table.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(_join(prefix, name), "skal være en liste af tekster")
        return tuple(v.strip() for v in value)

    def day(self, table: dict[str, Any], name: str, prefix: str) -> date:
        value = table.get(name)
        if isinstance(value, date) and not hasattr(value, "hour"):
            if year_problem(value.year):
                raise self.fail(_join(prefix, name), year_problem(value.year))
            return value
        got = "mangler" if value is None else f"ikke {readable(value)}"
        raise self.fail(_join(prefix, name), f"skal være en dato som 2026-10-19, {got}")

    def path(self, table: dict[str, Any], name: str, base_dir: Path | None) -> Path | None:
        value = table.get(name)
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            raise self.fail(name, "skal være en filsti")
        p = Path(value).expanduser()
        return p if p.is_absolute() or base_dir is None else base_dir / p

    def database(self, table: dict[str, Any], base_dir: Path | None) -> Path | str | None:
        from .open import is_server

        value = table.get("database")
        if isinstance(value, str) and is_server(value):
            return value  # a server URL stays text, never a path below the config's folder
        return self.path(table, "database", base_dir)

    def list_of_tables(self, value: Any, key: str) -> list[dict[str, Any]]:
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(key, f"skal være en liste af tabeller ([[{key}]])")
        return value


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _units(r: _Reader, raw: Any, codebook: cb.Codebook, week_names: list[str],
           packages: dict[str, tuple[PackageItem, ...]], task_keys: str) -> dict[str, Unit]:
    from . import packages as shared

    if raw is None:
        raise r.fail("enhed", "der skal være mindst én enhed ([[enhed]])")
    units: dict[str, Unit] = {}
    for i, entry in enumerate(r.list_of_tables(raw, "enhed")):
        key = f"enhed[{i}]"
        r.no_unknown(entry, {"kode", "navn", "kanal", "kanaler", "opgaver", "spoergsmaal", "brugere",
                             "taelleuger", "ansvarlig", "pakker"}, key)
        code = r.text(entry, "kode", key)
        if code in units:
            raise r.fail(f"{key}.kode", f'enheden "{code}" står der to gange')
        if code[0] in FORMULA_LEADS:
            raise r.fail(f"{key}.kode", f'"{code}" må ikke begynde med {code[0]} (et regneark læser den som en formel)')
        if not _UNIT_CODE.fullmatch(code):
            odd = next(c for i, c in enumerate(code) if not _UNIT_CODE.fullmatch(code[: i + 1]))
            shown = "mellemrum" if odd == " " else f'"{odd}"'
            raise r.fail(f"{key}.kode", f'"{code}" må kun have bogstaver (også æ, ø, å), tal og . _ - '
                                        f"(ikke {shown}: ingen mellemrum, ; eller andre tegn, som et "
                                        "regneark eller Det Digitale Landkort kan læse som noget andet)")
        if code.upper() == "NULL":
            raise r.fail(f"{key}.kode", f'"{code}" betyder "ingen enhed" i upload-formatet; vælg en anden kode')
        r.bounded(code, f"{key}.kode")
        channels = r.texts(entry, "kanaler", key)
        for j, channel in enumerate(channels):
            _staff_channel(r, codebook, channel, f"{key}.kanaler[{j}]")
        pinned = r.text(entry, "kanal", key)
        _staff_channel(r, codebook, pinned, f"{key}.kanal")
        if not channels:
            channels = (pinned,)
        elif pinned not in channels:
            raise r.fail(f"{key}.kanal", f'"{pinned}" skal også stå i kanaler ({", ".join(channels)})')
        names = shared.package_names(r, entry, key, code, packages)
        # With packages, the unit's own opgaver are optional additions (or local names).
        own = (_package(r, entry.get("opgaver"), f"{key}.opgaver", task_keys, nested=False)
               if not names or "opgaver" in entry else ())
        units[code] = Unit(
            code=code,
            name=r.text(entry, "navn", key),
            package=shared.merge(r, key, code, names, packages, own, task_keys) if names else own,
            packages=names,
            channel=pinned,
            channels=channels,
            questions=_questions(r, entry.get("spoergsmaal", []), f"{key}.spoergsmaal"),
            users=r.texts(entry, "brugere", key),
            count_weeks=config_report.count_weeks(r, entry, key, week_names),
            responsible=config_report.responsible(r, entry, key),
            keys=task_keys,
        )
    seen: dict[str, str] = {}
    for i, unit in enumerate(units.values()):
        for user in unit.users:
            if user in seen:
                raise r.fail(f"enhed[{i}].brugere", f'brugeren "{user}" står under både {seen[user]} og {unit.code}')
            seen[user] = unit.code
    return units


def _staff_channel(r: _Reader, codebook: cb.Codebook, code: str, key: str) -> None:
    try:
        codebook.channel(code, staff=True)
    except Refusal as refusal:
        raise r.fail(key, str(refusal)) from None


def _package(r: _Reader, raw: Any, key: str, task_keys: str, *, nested: bool) -> tuple[PackageItem, ...]:
    items = r.list_of_tables(raw if raw is not None else [], key)
    if not items:
        raise r.fail(key, "opgavepakken er tom: angiv mindst én opgave")
    if len(items) > len(task_keys):
        letters = task_keys.lstrip(keymaps.DIGITS)
        raise r.fail(key, f"har {len(items)} punkter; højst {len(task_keys)} pr. niveau (tasterne 1-9 og "
                          f"{', '.join(letters)}: typernes bogstaver, HOLD/blanket og svarene j/y/n er ikke "
                          "opgavetaster); "
                          "saml resten i en gruppe ({ gruppe = \"…\", opgaver = [...] })")
    out: list[PackageItem] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        item_key = f"{key}[{i}]"
        if "gruppe" in item:
            if nested:
                raise r.fail(item_key, "en gruppe kan ikke ligge i en gruppe")
            r.no_unknown(item, {"gruppe", "opgaver"}, item_key)
            group = Group(r.text(item, "gruppe", item_key),
                          _package(r, item.get("opgaver"), f"{item_key}.opgaver", task_keys, nested=True),
                          task_keys)
            new = [t.kle for t in group.tasks]
            out.append(group)
        else:
            r.no_unknown(item, {"kle", "navn"}, item_key)
            try:
                number = kle.normalise(r.text(item, "kle", item_key))
            except Refusal as refusal:
                raise r.fail(f"{item_key}.kle", str(refusal)) from None
            out.append(Task(number, r.text(item, "navn", item_key)))
            new = [number]
        for number in new:
            if number in seen:
                raise r.fail(item_key, f"KLE-nummeret {number} står der to gange")
            seen.add(number)
    return tuple(out)


def _questions(r: _Reader, raw: Any, key: str) -> tuple[Question, ...]:
    out: list[Question] = []
    for i, entry in enumerate(r.list_of_tables(raw, key)):
        item_key = f"{key}[{i}]"
        r.no_unknown(entry, {"tekst", "svar", "paakraevet"}, item_key)
        text = r.bounded(r.text(entry, "tekst", item_key), f"{item_key}.tekst")
        # The answers are kept by question text: a second question with the same text would
        # overwrite the first's answer, and the desk would ask it for ever.
        same = next((j for j, q in enumerate(out) if q.text.casefold() == text.casefold()), None)
        if same is not None:
            raise r.fail(f"{item_key}.tekst", f'"{text}" står der allerede ({key}[{same}]); hvert '
                                              "spørgsmål skal have sin egen tekst")
        if text.casefold() in {c.casefold() for c in FIXED_COLUMNS}:
            raise r.fail(f"{item_key}.tekst", f'"{text}" er navnet på en fast kolonne i Landkort-filerne '
                                              "(rådatafilen ville få to kolonner med det navn); "
                                              "formulér spørgsmålet anderledes")
        if ";" in text:
            raise r.fail(f"{item_key}.tekst", "må ikke indeholde ; (det er filernes skilletegn)")
        if "=" in text:
            raise r.fail(f"{item_key}.tekst", 'må ikke indeholde = (registrer --svar "SPØRGSMÅL=SVAR" '
                                              "deler ved det første =)")
        answers = r.texts(entry, "svar", item_key)
        if len(answers) < 2:
            raise r.fail(f"{item_key}.svar", "angiv mindst to faste svarmuligheder (aldrig fritekst)")
        for j, answer in enumerate(answers):
            if ";" in answer:
                raise r.fail(f"{item_key}.svar[{j}]", "må ikke indeholde ; (det er filernes skilletegn)")
            r.bounded(answer, f"{item_key}.svar[{j}]")
        if len(answers) > 9:
            raise r.fail(f"{item_key}.svar", "højst 9 svar (tasterne 1-9 ved skranken)")
        seen_answers: set[str] = set()
        for j, answer in enumerate(answers):
            if answer.strip().casefold() in seen_answers:  # two keys for one answer: which is meant?
                raise r.fail(f"{item_key}.svar[{j}]", f'svaret "{answer}" står der allerede')
            seen_answers.add(answer.strip().casefold())
        out.append(Question(text, answers, _required(r, entry, item_key)))
    return tuple(out)


def _required(r: _Reader, entry: dict[str, Any], key: str) -> bool:
    """``paakraevet``: true (the default) = the desk waits for an answer; false = 0 skips it."""
    value = entry.get("paakraevet", True)
    if not isinstance(value, bool):
        raise r.fail(f"{key}.paakraevet", f"skal være true eller false, ikke {readable(value)}")
    return value


def _weeks(r: _Reader, raw: Any) -> tuple[CountWeek, ...]:
    weeks: list[CountWeek] = []
    for i, entry in enumerate(r.list_of_tables(raw, "taelleuge")):
        key = f"taelleuge[{i}]"
        r.no_unknown(entry, {"navn", "fra", "til"}, key)
        week = CountWeek(r.text(entry, "navn", key), r.day(entry, "fra", key), r.day(entry, "til", key))
        if week.last < week.first:
            raise r.fail(f"{key}.til", f"slutter ({week.last}) før den starter ({week.first})")
        for other in weeks:
            if week.first <= other.last and other.first <= week.last:
                raise r.fail(key, f'overlapper tælleugen "{other.name}"')
        weeks.append(week)
    return tuple(sorted(weeks, key=lambda w: w.first))


def _prices(r: _Reader, raw: Any, codebook: cb.Codebook) -> dict[tuple[str, str], float]:
    prices: dict[tuple[str, str], float] = {}
    for i, entry in enumerate(r.list_of_tables(raw, "pris")):
        key = f"pris[{i}]"
        r.no_unknown(entry, {"kanal", *cb.TYPE_CLASSES}, key)
        channel = r.text(entry, "kanal", key)
        if channel not in codebook.channels:
            raise r.fail(f"{key}.kanal", f'ukendt kanal "{channel}"')
        for klass in cb.TYPE_CLASSES:
            if klass in entry:
                value = entry[klass]
                if (isinstance(value, bool) or not isinstance(value, int | float)
                        or not math.isfinite(value) or not 0 <= value <= MAX_PRICE):
                    raise r.fail(f"{key}.{klass}", "skal være et beløb i kr. pr. henvendelse fra 0 "
                                                   f"til {MAX_PRICE_SHOWN}, ikke {readable(value)}")
                prices[(channel, klass)] = float(value)
    return prices
