"""``taelleuge doctor``: everything a coordinator or IT needs to see in one screen of text."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from . import pin
from .config import Config, Group
from .errors import TaelleugeError
from .kle import load_catalogue
from .open import is_server


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def add(self, label: str, value: object = "") -> None:
        self.lines.append(f"{label:<14}{value}" if label else str(value))


def doctor(config: Config, db_path, today: date) -> Report:
    report = Report()
    report.add("Konfiguration", config.source)
    report.add("Kommune", f"{config.kommune_nr} {config.kommune_navn}")
    report.add("Tidszone", str(config.zone.key))
    report.add("Tovholder", f"gruppe {config.coordinator_group}" if config.coordinator_group
               else "ingen gruppe sat op: alle må eksportere og rette")
    report.add("Kiosk-PIN", _pin(config.pin_hash))
    _database(report, db_path)
    _kle(report, config, today)
    _units(report, config)
    _weeks(report, config, today)
    return report


def _pin(pin_hash: str | None) -> str:
    """The config check has refused a malformed hash or an iteration count out of bounds."""
    if not pin_hash:
        return "ikke sat: kiosken stoppes kun med systemctl"
    return f"sat som hash ({pin.SCHEME}, {pin.iterations_of(pin_hash)} gentagelser)"


def _database(report: Report, db_path) -> None:
    """The engine's part: storage.sqlite.doctor or, for a postgresql:// URL (never shown as given:
    it may hold a password), storage.postgres.admin."""
    if is_server(db_path):
        from .postgres.admin import doctor_database
    else:
        from .sqlite.doctor import doctor_database
    doctor_database(report, db_path)


def _kle(report: Report, config: Config, today: date) -> None:
    if config.kle_file is None:
        report.add("KLE-fil", "ingen (sæt kle_fil i konfigurationen for titler og kontrol)")
        return
    try:
        catalogue = load_catalogue(config.kle_file)
    except TaelleugeError as error:
        report.problems.append(str(error))
        return
    report.add("KLE-fil", f"{config.kle_file} ({len(catalogue)} numre, udgivet {catalogue.published})")
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
