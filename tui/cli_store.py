"""Handlers for the store commands: init, doctor, registrer, fortryd. No textual here."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from storage import identity, settings
from storage.config import Config
from storage.describe import describe
from storage.doctor import doctor
from storage.errors import NotInitialised, Refusal, StorageError
from storage.config_guard import formula_lead
from storage.hostile import unsafe_problem
from storage.privacy import refuse_cpr
from storage.kle import load_catalogue
from storage.registration import VOID_REASONS, new_entry
from storage.interface import Store
from storage.open import init_database, is_server
from storage.open import open_store as open_location
from storage.roles import authority, check_config_choice, is_coordinator, require_coordinator
from storage.timeutil import from_stored, parse_local_moment, system_clock

from .say import say


def load(args: argparse.Namespace) -> tuple[Config, Path | str]:
    """The config and database of every command. On a host with its own config, staff get that
    one, whatever --config or TAELLEUGE_CONFIG say (storage.roles)."""
    config = settings.load_config(getattr(args, "config", None), system_clock())
    path = settings.database_path(getattr(args, "db", None), config)
    check_config_choice(config, path)
    return config, path


def open_store(path: Path | str, *, create: bool = False, station: str | None = None,
               reading: bool = False) -> Store:
    """Everything but ``init`` needs an existing database; pending migrations are applied.
    A ``postgresql://`` location opens the PostgreSQL engine (storage.open).

    The station is the entry point's (kiosk, SSH); the command line's is ``cli:host:tty``. The
    operator is always the OS account. ``reading``: a command that only reads (an export, an
    import check) opens a file on a read-only mount read-only, and says so."""
    from storage.open import read_only_reason

    reason = read_only_reason(path) if reading else None
    if not create and _is_missing_demo(path):
        raise NotInitialised(f"Demo-databasen {path} findes ikke endnu. Prøv programmet med "
                             "taelleuge --demo (den opretter databasen), eller kør taelleuge init først.")
    if reason:
        say(f"Bemærk: databasen {path} {reason}, så den kun læses her. Intet kan registreres i "
            "den, før det er rettet (kontakt IT).", err=True)
    return open_location(path, station=station or identity.cli_station(),
                         operator=identity.operator(), create=create, readonly=bool(reason))


def _is_missing_demo(path: Path | str) -> bool:
    return not is_server(path) and Path(path) == settings.data_dir() / "demo.db" \
        and not os.path.lexists(path)


RESTART_NOTE = ("Kørende kiosker og SSH-logins læser konfigurationen, når de starter: genstart "
                "kioskerne (systemctl restart taelleuge-kiosk) og log ind igen over SSH for at se "
                "ændringer.")


def cmd_init(args: argparse.Namespace) -> int:
    config, path = load(args)
    existed = is_server(path) or os.path.lexists(path)
    try:
        lines = init_database(path, station=identity.cli_station(), operator=identity.operator())
    except StorageError as error:
        if existed or os.path.lexists(path):
            raise
        # What init made is gone again (storage.sqlite.group_file): say that, not "uændret".
        raise NotInitialised(f"Databasen {path} blev ikke oprettet: {error.short}. De filer, init "
                             "nåede at lave, er fjernet igen. Ret det, og kør taelleuge init igen.") from None
    say("\n".join(lines))
    units = f"{len(config.units)} {'enhed' if len(config.units) == 1 else 'enheder'}"
    weeks = f"{len(config.weeks)} {'tælleuge' if len(config.weeks) == 1 else 'tælleuger'}"
    say(f"Konfiguration: {config.source} ({units}, {weeks})")
    say(RESTART_NOTE)
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    config, path = load(args)
    thorough = getattr(args, "grundig", False)
    if thorough:
        require_coordinator_for(args, "doctor --grundig")
        say("Det grundige tjek læser hele databasen (ca. 4 sekunder ved 1 mio. registreringer); "
              "skrankerne kan vente på at gemme imens.", err=True)
    report = doctor(config, path, system_clock().astimezone(config.zone).date(), thorough=thorough)
    # Every line may hold what a config, the KLE file, the database or the environment said.
    say("\n".join(report.lines))
    for problem in report.problems:
        say(f"PROBLEM: {problem}", err=True)
    return 1 if report.problems else 0


def cmd_register(args: argparse.Namespace) -> int:
    from storage import register_policy
    from storage.timeutil import to_stored

    config, path = load(args)
    now = system_clock()
    user = identity.account()
    coordinator = caller_is_coordinator(config, path)
    unit = register_policy.unit_for(config, args.enhed, user, coordinator=coordinator)
    register_policy.check_count(args.antal, coordinator=coordinator)
    end = parse_local_moment(args.tid, config.zone) if args.tid else now
    register_policy.check_not_future(config, end, now)
    answers = _answers(args.svar)
    entry = new_entry(
        config,
        enhed=unit.code, opgave=args.opgave, kanal=args.kanal.upper(), type=args.type.upper(),
        afslutning=args.afslutning.upper(), blanket=args.blanket.upper(), end=end,
        trial=args.proeve, count=args.antal, answers=answers,
    )
    register_policy.check_required_answers(unit, entry.answers)
    register_policy.check_time(config, end, now, coordinator=coordinator)
    catalogue = load_catalogue(config.kle_file) if config.kle_file else None
    warnings = register_policy.task_warnings(unit, entry.opgave, catalogue,
                                             end.astimezone(config.zone).date())
    with open_store(path) as store:
        store.record(entry)
        exported = None if entry.trial else store.export_covering(
            to_stored(end), entry.enhed, entry.datakilde)
    for warning in warnings:
        say(f"Advarsel: {warning}", err=True)
    if exported and coordinator:
        say(f"Advarsel: {exported.describe(config.zone)}. Registreringen er gemt, men er ikke i "
              "den afleverede fil; næste eksports kontrol viser den.", err=True)
    elif exported:
        say(f"Bemærk: Tovholderen har allerede eksporteret disse dage ({exported.describe(config.zone)}). "
            "Din registrering er gemt, men er ikke med i den fil, der er sendt. Sig det til "
            "tovholderen, så ugen kan eksporteres igen.", err=True)
    say(f"Gemt: {describe(config, entry, entry.count, end)}")
    return 0


def _answers(pairs: list[str]) -> dict[str, str]:
    """``--svar "Spørgsmål=Svar"``: split at the first ``=`` (questions may not hold one)."""
    answers = {}
    for pair in pairs:
        refuse_cpr(pair, "--svar")
        problem = unsafe_problem(pair)
        if problem:
            raise Refusal(f"--svar {problem}", "svar")
        question, sep, answer = pair.partition("=")
        if not sep:
            raise Refusal(f'--svar skal skrives som SPØRGSMÅL=SVAR, ikke "{pair}"', "svar")
        question, answer = question.strip(), answer.strip()
        for part in (question, answer):
            lead = formula_lead(part)
            if lead:
                raise Refusal(f'--svar "{pair}": et spørgsmål eller svar må ikke begynde med {lead} (et '
                              "regneark læser det som en formel)", "svar")
        if question in answers:
            raise Refusal(f'--svar er givet to gange for "{question}" ("{answers[question]}" og '
                          f'"{answer}"); giv hvert spørgsmål ét svar', "svar")
        answers[question] = answer
    return answers


def caller_is_coordinator(config: Config, database) -> bool:
    """As in require_coordinator_for: the host's own config names the group, not --config."""
    role, trusted = authority(config)
    return is_coordinator(role, database, trusted=trusted)


def cmd_undo(args: argparse.Namespace) -> int:
    if getattr(args, "id", None):
        from .cli_console import cmd_void_id

        return cmd_void_id(args)
    if not args.enhed:
        raise Refusal("Giv --enhed (enhedens seneste registrering) eller --id (én bestemt)", "enhed")
    from .confirm import confirm

    config, path = load(args)
    config.unit(args.enhed)
    given = args.aarsag if args.aarsag is not None else "FORTRUDT"  # --aarsag or --grund
    reason = given.strip().upper()
    if reason not in VOID_REASONS:
        raise Refusal(f'Ukendt grund "{given}". Tilladte: {", ".join(VOID_REASONS)}', "grund")
    with open_store(path) as store:
        # Shown first, then exactly these ids voided: a row registered meanwhile is not the one
        # the coordinator said yes to.
        rows = store.undo_candidates(enhed=args.enhed)
        if not rows:
            raise Refusal(f"{args.enhed} har ingen registreringer at fortryde", "enhed")
        first = rows[0]
        shown = describe(config, first, len(rows), from_stored(first.end_utc))
        if not confirm(f"Annullér enhedens seneste registrering: {shown}?", yes=args.ja,
                       what="fortryd"):
            return 1
        voided = store.void([r.id for r in rows], reason)
        first = voided[0]
        exported = store.export_covering(first.end_utc, first.enhed, first.datakilde) \
            if not first.trial else None
        if exported and exported.created_utc < first.created_utc:
            exported = None  # registered after that export: the delivered file never held it
    say(f"Annulleret: {describe(config, first, len(voided), from_stored(first.end_utc))}")
    if exported:
        say(f"Advarsel: {exported.describe(config.zone)}. Den afleverede fil har stadig rækken; "
              "næste eksports kontrol viser annulleringen.", err=True)
    return 0


COMMAND_NAMES = {"init": "Opsætning af databasen", "doctor --grundig": "Det grundige tjek (doctor --grundig)", "fortryd": "Fortryd fra kommandolinjen",
                 "undo": "Fortryd fra kommandolinjen", "eksport": "Eksport", "export": "Eksport",
                 "import": "Import", "rapport": "Rapporten", "report": "Rapporten",
                 "registreringer": "Listen over registreringer", "status": "Dækningen (status)",
                 "koordinator": "Tovholderens skærm (koordinator)"}


def require_coordinator_for(args: argparse.Namespace, command: str) -> None:
    config, path = load(args)
    # The host's own config decides who the coordinators are: otherwise a staff user could name
    # a config of their own (--config) without a [koordinator] gruppe and pass (storage.roles).
    role, trusted = authority(config)
    require_coordinator(role, COMMAND_NAMES.get(command, command), path, trusted=trusted)


def cmd_pin(args: argparse.Namespace) -> int:
    import getpass

    from storage.pin import hash_pin

    first = getpass.getpass("Ny PIN (mindst 6 tegn): ")
    if len(first) < 6:
        raise Refusal("PIN-koden skal have mindst 6 tegn", "pin")
    if getpass.getpass("Samme PIN igen: ") != first:
        raise Refusal("De to PIN-koder er ikke ens; intet er lavet", "pin")
    say("Sæt denne linje under [koordinator] i konfigurationen:")
    say(f'pin = "{hash_pin(first)}"')
    return 0
