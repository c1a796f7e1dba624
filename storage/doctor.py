"""``taelleuge doctor``: everything a coordinator or IT needs to see in one screen of text."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date

from .sqlite import db as dbmod
from . import pin
from .config import Config, Group
from .errors import NotTaelleugeDatabase, TaelleugeError
from .kle import load_catalogue
from .open import is_server
from .placement import network_warning
from .sqlite.store import Store, schema_status


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
    if is_server(db_path):  # a postgresql:// URL: never shown as given (it may hold a password)
        from .postgres.admin import doctor_database

        return doctor_database(report, db_path)
    report.add("Database", db_path)
    report.add("SQLite", sqlite3.sqlite_version)
    try:
        exists = db_path.exists()
    except PermissionError:  # a folder on the way (2770) is closed to this user
        report.problems.append(f"Databasen {db_path} kan ikke nås: en mappe på vejen er lukket for "
                               "brugeren. Tjek, at brugeren er i gruppen taelleuge.")
        return
    if not exists:
        report.problems.append(f"Databasen {db_path} findes ikke. Kør: taelleuge init")
        return
    report.add("Størrelse", f"{db_path.stat().st_size / 1_048_576:.1f} MB")
    warning = network_warning(db_path)
    if warning:
        report.problems.append(warning)
    try:
        conn = dbmod.connect_checked(db_path)
        schema_status(conn)  # reads the header: a damaged file fails here, not half-way below
    except NotTaelleugeDatabase as error:
        report.problems.append(
            f"{error} Er det den rigtige databasefil, er dens start (SQLite-hovedet) beskadiget: "
            "læg en sikkerhedskopi tilbage."
        )
        return
    except (TaelleugeError, sqlite3.DatabaseError) as error:
        report.problems.append(str(dbmod.translate(error, db_path) or error))
        return
    try:
        choice = dbmod.journal_choice()
        mode = dbmod.journal_mode(conn)
        report.add("Journal", f"{mode} ({choice.reason})")
        if mode != choice.mode:
            report.problems.append(
                f"Journal-tilstanden er {mode}, men skulle være {choice.mode}: en anden proces har "
                "filen åben i den gamle tilstand. Luk alle og kør taelleuge doctor igen."
            )
        status = schema_status(conn)
        report.add("Skema", f"version {status.version} ({', '.join(status.applied) or 'tomt'})")
        if status.pending:
            report.problems.append(f"Skemaet mangler {', '.join(status.pending)}. Kør: taelleuge init")
        result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        report.add("Integritet", ", ".join(result))
        if result != ["ok"]:
            report.problems.append("integrity_check fandt fejl i databasefilen: læg en "
                                   "sikkerhedskopi tilbage, før der registreres videre")
    except sqlite3.DatabaseError as error:
        # Typed: a database locked past the timeout is busy, not damaged.
        typed = dbmod.translate(error, db_path)
        result = [getattr(error, "sqlite_errorname", "") or "fejl"]
        report.problems.append(str(typed) if typed else
                               f"Databasen kunne ikke kontrolleres (SQLite: {result[0]}).")
        return
    finally:
        conn.close()
    if result != ["ok"] or status.pending:
        return  # counting rows in a damaged file would only fail again
    try:
        with Store(db_path, station="doctor", operator="doctor", migrate=False) as store:
            totals = store.totals()
            by_unit = store.totals_by_unit()
    except TaelleugeError as error:  # e.g. a user who may read the file but not write it
        report.problems.append(str(error))
        return
    report.add("Rækker", ", ".join(f"{k} {v}" for k, v in totals.items()))
    for unit, n in by_unit.items():
        report.add("", f"  {unit or '(uden enhed)'}: {n}")


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
