"""``taelleuge doctor``: everything a coordinator or IT needs to see in one screen of text."""

from __future__ import annotations

import grp
import os
import stat
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from . import pin
from .config import Config, Group
from .errors import TaelleugeError
from .kle import load_catalogue
from .open import is_server
from .wording import plural


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def add(self, label: str, value: object = "") -> None:
        self.lines.append(f"{label:<14}{value}" if label else str(value))


# The SQLite engine's limit for the quick_check doctor runs by default (storage.sqlite.doctor).
QUICK_CHECK_MAX_BYTES = 64 << 20


def doctor(config: Config, db_path, today: date, *, thorough: bool = False) -> Report:
    """Everything about the set-up. ``thorough``: SQLite's full integrity_check (the coordinator's
    ``doctor --grundig``), else a quick_check on files up to QUICK_CHECK_MAX_BYTES."""
    report = Report()
    report.add("Konfiguration", config.source)
    report.add("Kommune", f"{config.kommune_nr} {config.kommune_navn}")
    report.add("Tidszone", str(config.zone.key))
    _roles(report, config, db_path)
    report.add("Kiosk-PIN", _pin(config.pin_hash))
    _database(report, db_path, thorough)
    _kle(report, config, today)
    _units(report, config)
    _weeks(report, config, today)
    from .host_checks import host_problems

    report.problems.extend(host_problems(config, db_path))
    return report


def _pin(pin_hash: str | None) -> str:
    """The config check has refused a malformed hash or an iteration count out of bounds."""
    if not pin_hash:
        return "ikke sat: kiosken stoppes kun med systemctl"
    return f"sat som hash ({pin.SCHEME}, {pin.iterations_of(pin_hash)} gentagelser)"


def _roles(report: Report, config: Config, db_path) -> None:
    """Who the coordinator is, and whether the set-up lets staff lift that (storage.roles)."""
    from . import roles, settings

    role, trusted = roles.authority(config)
    group = role.coordinator_group
    where = "" if role is config else f" (fra {role.source})"
    if is_server(db_path):
        # storage.roles: on a server the database role decides, with the group (if any) on top.
        report.add("Tovholder", (f"gruppe {group}{where} og " if group else
                                 f"ingen gruppe sat op{where}: ") +
                   "databaserollen taelleuge_coordinator (eller tabellernes ejer)")
    elif group:
        report.add("Tovholder", f"gruppe {group}{where}")
    else:
        report.add("Tovholder", f"ingen gruppe sat op{where}: kun databasens ejer og root må "
                                "eksportere, importere og rette")
    host = settings.SYSTEM_CONFIG
    if role is not config:
        report.add("", f"  (maskinens {host} afgør, hvem der er tovholder; kun tovholderen må "
                       "bruge en anden konfiguration)")
    if group:
        try:
            grp.getgrnam(group)
        except KeyError:
            report.problems.append(
                f"Tovholdergruppen {group} ([koordinator] gruppe i {role.source}) findes ikke på "
                "maskinen, så kun root kan eksportere, importere og rette. Opret den (groupadd "
                f"{group}), eller ret navnet.")
    if os.path.lexists(host) and not settings.root_controlled(str(host)):
        report.problems.append(
            f"{host} kan ændres af andre end root, og den afgør, hvem der er tovholder. Ret det: "
            f"chown root: {host} && chmod 644 {host}")
    if is_server(db_path) or not _shared(config, db_path):
        return
    if not group:
        report.problems.append(
            f"Konfigurationen {role.source} nævner ingen tovholdergruppe, men databasen deles af "
            "flere brugere: sæt [koordinator] gruppe (fx gruppe = \"taelleuge-tovholder\") i "
            f"{host}, så tovholderen ikke er afhængig af, hvem der ejer databasefilen.")
    elif not trusted:
        report.problems.append(
            f"Konfigurationen {role.source} kan ændres af andre end root, og {host} findes ikke: "
            "tovholdergruppen gælder så kun brugerens egen database. Læg konfigurationen (eller et "
            f"symbolsk link til den) i {host}.")


def _shared(config: Config, db_path) -> bool:
    """A host where several users share the database: users mapped to units, or a database
    folder the group may write (README's 2770 folder)."""
    if any(unit.users for unit in config.units.values()):
        return True
    try:
        mode = os.stat(Path(db_path).parent).st_mode
    except (OSError, ValueError):
        return False
    return bool(mode & (stat.S_IWGRP | stat.S_ISGID))


def _database(report: Report, db_path, thorough: bool = False) -> None:
    """The engine's part: storage.sqlite.doctor or, for a postgresql:// URL (never shown as given:
    it may hold a password), storage.postgres.admin."""
    if is_server(db_path):
        from .postgres.admin import doctor_database

        doctor_database(report, db_path)
        return
    from .sqlite.doctor import doctor_database

    doctor_database(report, db_path, thorough)


def _kle(report: Report, config: Config, today: date) -> None:
    if config.kle_file is None:
        report.add("KLE-fil", "ingen (sæt kle_fil i konfigurationen for titler og kontrol)")
        return
    try:
        catalogue = load_catalogue(config.kle_file)
    except TaelleugeError as error:
        report.problems.append(str(error))
        return
    report.add("KLE-fil", f"{config.kle_file} ({plural(len(catalogue), 'nummer', 'numre')}, udgivet {catalogue.published})")
    for unit in config.units.values():
        for task in unit.tasks():
            warning = catalogue.warning(task.kle, today)
            if warning:
                report.add("", f"  advarsel, {unit.code}: {warning}")


def _units(report: Report, config: Config) -> None:
    report.add("Enheder")
    for unit in config.units.values():
        report.add("", f"  {unit.code}  {unit.name}")
        report.add("", f"    fast kanal {unit.channel}; kanaler {' '.join(unit.channels)}")
        if unit.users:
            report.add("", f"    brugere {' '.join(unit.users)}")
        for key, item in unit.keyed():
            if isinstance(item, Group):
                report.add("", f"    [{key}] {item.name} (gruppe)")
                for sub_key, task in item.keyed():
                    report.add("", f"        [{sub_key}] {task.kle} {task.name}")
            else:
                report.add("", f"    [{key}] {item.kle} {item.name}")
        for question in unit.questions:
            report.add("", f"    spørgsmål: {question.text} ({' / '.join(question.answers)})")


def _weeks(report: Report, config: Config, today: date) -> None:
    report.add("Tælleuger")
    if not config.weeks:
        report.add("", "  ingen: kun prøveregistrering er mulig")
    for week in config.weeks:
        state = "i gang" if week.contains(today) else ("afsluttet" if week.last < today else "kommende")
        report.add("", f"  {week.name}  {week.first:%d-%m-%Y} – {week.last:%d-%m-%Y}  ({state})")
