"""Handlers for the store commands: init, doctor, registrer, fortryd. No textual here."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from storage import identity, settings
from storage.config import Config
from storage.db import journal_choice, journal_mode
from storage.describe import describe
from storage.doctor import doctor
from storage.errors import Refusal
from storage.kle import load_catalogue
from storage.registration import VOID_REASONS, new_entry
from storage.roles import require_coordinator
from storage.store import Store, schema_status
from storage.timeutil import from_stored, parse_local_moment, system_clock


def load(args: argparse.Namespace) -> tuple[Config, Path]:
    config = settings.load_config(getattr(args, "config", None), system_clock())
    return config, settings.database_path(getattr(args, "db", None), config)


def open_store(path: Path, *, create: bool = False) -> Store:
    """Everything but ``init`` needs an existing database; pending migrations are applied."""
    return Store(path, station=identity.station(), operator=identity.operator(), create=create)


def cmd_init(args: argparse.Namespace) -> int:
    config, path = load(args)
    existed = path.exists()
    with open_store(path, create=True) as store:
        status = schema_status(store.conn)
        mode = journal_mode(store.conn)
        applied = store.migrated
    print(f"Database: {path} ({'fandtes' if existed else 'oprettet'})")
    news = f"anvendt nu: {', '.join(applied)}" if applied else "var allerede opdateret"
    print(f"Skema: version {status.version} ({news})")
    print(f"Journal: {mode} ({journal_choice().reason})")
    units = f"{len(config.units)} {'enhed' if len(config.units) == 1 else 'enheder'}"
    weeks = f"{len(config.weeks)} {'tælleuge' if len(config.weeks) == 1 else 'tælleuger'}"
    print(f"Konfiguration: {config.source} ({units}, {weeks})")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    config, path = load(args)
    report = doctor(config, path, system_clock().astimezone(config.zone).date())
    print("\n".join(report.lines))
    for problem in report.problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    return 1 if report.problems else 0


def cmd_register(args: argparse.Namespace) -> int:
    config, path = load(args)
    end = parse_local_moment(args.tid, config.zone) if args.tid else system_clock()
    answers = {}
    for pair in args.svar:
        question, sep, answer = pair.partition("=")
        if not sep:
            raise Refusal(f'--svar skal skrives som SPØRGSMÅL=SVAR, ikke "{pair}"', "svar")
        answers[question.strip()] = answer.strip()
    entry = new_entry(
        config,
        enhed=args.enhed, opgave=args.opgave, kanal=args.kanal.upper(), type=args.type.upper(),
        afslutning=args.afslutning.upper(), blanket=args.blanket.upper(), end=end,
        trial=args.proeve, count=args.antal, answers=answers,
    )
    if config.kle_file:
        warning = load_catalogue(config.kle_file).warning(entry.opgave, end.astimezone(config.zone).date())
        if warning:
            print(f"advarsel: {warning}", file=sys.stderr)
    with open_store(path) as store:
        store.record(entry)
    print(f"Gemt: {describe(config, entry, entry.count, end)}")
    return 0


def cmd_undo(args: argparse.Namespace) -> int:
    config, path = load(args)
    config.unit(args.enhed)
    reason = args.grund.upper()
    if reason not in VOID_REASONS:
        raise Refusal(f'Ukendt grund "{args.grund}". Tilladte: {", ".join(VOID_REASONS)}', "grund")
    with open_store(path) as store:
        voided = store.undo_last(enhed=args.enhed, reason=reason)
    if not voided:
        raise Refusal(f"{args.enhed} har ingen registreringer at fortryde", "enhed")
    first = voided[0]
    print(f"Annulleret: {describe(config, first, len(voided), from_stored(first.end_utc))}")
    return 0


COMMAND_NAMES = {"init": "Opsætning af databasen", "fortryd": "Fortryd fra kommandolinjen",
                 "undo": "Fortryd fra kommandolinjen", "eksport": "Eksport", "export": "Eksport",
                 "import": "Import", "rapport": "Rapporten", "report": "Rapporten"}


def require_coordinator_for(args: argparse.Namespace, command: str) -> None:
    config, _ = load(args)
    # The host's own config decides who the coordinators are: otherwise a staff user could name
    # a config of their own (--config) without a [koordinator] gruppe and pass.
    if settings.SYSTEM_CONFIG.exists():
        system = settings.load_config(str(settings.SYSTEM_CONFIG), system_clock())
        if system.coordinator_group:
            config = system
    require_coordinator(config, COMMAND_NAMES.get(command, command))


def cmd_pin(args: argparse.Namespace) -> int:
    import getpass

    from storage.pin import hash_pin

    first = getpass.getpass("Ny PIN (mindst 6 tegn): ")
    if len(first) < 6:
        raise Refusal("PIN-koden skal have mindst 6 tegn", "pin")
    if getpass.getpass("Samme PIN igen: ") != first:
        raise Refusal("De to PIN-koder er ikke ens; intet er lavet", "pin")
    print("Sæt denne linje under [koordinator] i konfigurationen:")
    print(f'pin = "{hash_pin(first)}"')
    return 0
