"""The coordinator's setup commands: ``init --config FIL --kommune NR`` (a starter config),
``opsaetning`` (check a config against the database and the KLE file) and ``historik`` (voids
and restores with who, when and why). Parsers and handlers; no textual here."""

from __future__ import annotations

import argparse
import os
from datetime import date
from pathlib import Path

from storage import settings
from storage.errors import ConfigError, Refusal
from storage.timeutil import system_clock

from .argparse_da import non_empty
from .say import say

SETUP_COMMANDS = {"opsaetning": "cmd_setup", "setup": "cmd_setup",
                  "historik": "cmd_history", "history": "cmd_history"}


def add_setup_parsers(sub, common: argparse.ArgumentParser) -> None:
    check = sub.add_parser(
        "opsaetning", aliases=["setup"], parents=[common],
        help="tjek konfigurationen mod databasen og KLE-filen, og vis hver enheds skærm",
        description="Tjek konfigurationen før tælleugen: enheder uden opgaver, KLE-numre to gange, "
                    "overlappende eller tomme tælleuger, spørgsmål uden svar, opgaver, som KLE-filen "
                    "ikke kender eller har udgået, og enheder med registreringer, som konfigurationen "
                    "ikke længere har. Viser derefter, hvad hver enheds skærm vil vise. Exit 0: i "
                    "orden (bemærkninger tæller ikke); exit 1: problemer.",
    )
    check.add_argument("--kle", metavar="FIL", type=non_empty,
                       help="kommunens KLE-Emneplan (XML); standard: konfigurationens kle_fil")
    history = sub.add_parser(
        "historik", aliases=["history"], parents=[common],
        help="annulleringer og genskabelser: hvem, hvornår, hvorfor og hvad",
        description="Vis alle annulleringer og genskabelser, ældste først: hvornår (lokal tid), hvem "
                    "(bruger og station), hvorfor (grund) og hvad (den annullerede række).",
    )
    history.add_argument("--enhed", help="kun denne enhed")
    history.add_argument("--dag", help="kun ændringer foretaget denne dag, dd-mm-åååå eller åååå-mm-dd")


def add_init_options(init: argparse.ArgumentParser) -> None:
    init.add_argument("--kommune", metavar="NR",
                      help="skriv en startkonfiguration til --config FIL for kommunen med dette "
                           "nummer (fx 259) i stedet for at oprette databasen")
    init.add_argument("--navn", help="kommunens navn i startkonfigurationen (med --kommune)")


# -- init --config FIL --kommune NR -------------------------------------------------------------


def cmd_init_config(args: argparse.Namespace) -> int:
    """Write the starter config; never over an existing file (nor through a symlink)."""
    from storage.starter_config import starter

    target = getattr(args, "config", None)
    if not target:
        raise Refusal("init --kommune skriver en startkonfiguration: angiv filen med --config FIL", "config")
    path = Path(target)
    if os.path.lexists(path):
        raise Refusal(f"{path} findes allerede; init overskriver aldrig en konfiguration. Vælg et andet "
                      "filnavn, eller tjek den eksisterende med: taelleuge opsaetning --config "
                      f"{path}", "config")
    text = starter(args.kommune, args.navn, system_clock().date(), str(path)).encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o664)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        os.unlink(path)  # a full disk leaves no half-written config behind
        raise
    say(f"Startkonfiguration skrevet: {path}")
    say("Ret kommunenavn, tælleuger og enheder til, og tjek den med: "
        f"taelleuge opsaetning --config {path}")
    return 0


# -- opsaetning ---------------------------------------------------------------------------------


def _config_file(args: argparse.Namespace) -> Path | None:
    """The file ``load`` would read (None: the built-in demo)."""
    named = getattr(args, "config", None) or os.environ.get("TAELLEUGE_CONFIG")
    if named:
        return Path(named)
    return settings.SYSTEM_CONFIG if settings.SYSTEM_CONFIG.exists() else None


def cmd_setup(args: argparse.Namespace) -> int:
    from storage import config_guard
    from storage import setup_check as checks
    from storage.kle import load_catalogue
    from storage.roles import check_config_choice

    problems: list[str] = []
    notes: list[str] = []
    path = _config_file(args)
    if path is None:
        config = settings.load_config(None, system_clock())
        data: dict = {}
        notes.append(f"Ingen konfigurationsfil: tjekker {config.source}.")
    else:
        try:
            data = config_guard.parse_toml(config_guard.read_text(path), str(path))
        except ConfigError as error:
            return _verdict([], [str(error)], [])
        problems.extend(checks.raw_problems(data))
        config, failed = checks.load(data, str(path), path.parent)
        if failed:
            problems.append(f"Konfigurationen kan ikke indlæses: {failed}")
            return _verdict([], problems, notes)
        notes.extend(checks.config_notes(config, data))
    today = system_clock().astimezone(config.zone).date()
    kle_file = Path(args.kle) if args.kle else config.kle_file
    if kle_file is None:
        notes.append("Ingen KLE-fil (--kle FIL eller kle_fil i konfigurationen): opgaverne er ikke tjekket "
                     "mod KLE.")
    else:
        try:
            problems.extend(checks.kle_problems(config, load_catalogue(kle_file), today))
        except ConfigError as error:
            problems.append(str(error))
    db = settings.database_path(getattr(args, "db", None), config)
    check_config_choice(config, db)
    found = _store_findings(config, db, today)
    problems.extend(found.problems)
    notes.extend(found.notes)
    return _verdict(checks.screens(config), problems, notes)


def _store_findings(config, db, today: date):
    from storage import setup_check as checks
    from storage.errors import StorageError
    from storage.open import is_server

    from .cli_store import open_store

    if not is_server(db) and not os.path.lexists(db):
        return checks.Findings(notes=[f"Databasen {db} findes ikke endnu (opret den med taelleuge init)."])
    try:
        with open_store(db, reading=True) as store:
            return checks.store_findings(config, store, today)
    except StorageError as error:
        return checks.Findings(problems=[f"Databasen {db} kan ikke læses: {error}"])


def _verdict(screens: list[str], problems: list[str], notes: list[str]) -> int:
    if screens:
        say("\n".join(screens).rstrip())
        say()
    for note in notes:
        say(f"Bemærk: {note}")
    for problem in problems:
        say(f"PROBLEM: {problem}")
    if problems:
        say(f"{len(problems)} {'problem' if len(problems) == 1 else 'problemer'} i opsætningen.")
        return 1
    say("Opsætningen er i orden.")
    return 0


# -- historik -----------------------------------------------------------------------------------


def cmd_history(args: argparse.Namespace) -> int:
    from storage.describe import describe
    from storage.registration import VOID_REASONS
    from storage.timeutil import from_stored, parse_day
    from storage.wording import rows

    from .cli_store import load, open_store

    config, db = load(args)
    day = parse_day(args.dag) if args.dag else None
    with open_store(db, reading=True) as store:
        events = store.history(enhed=args.enhed, day=day, zone=config.zone)
        # Imported rows are named by their import's number in ``import --liste`` and its file.
        imports = {record.id: (number, record.file_name)
                   for number, record in enumerate(store.imports(), 1)} if events else {}
    if not events:
        where = "".join([f" for {args.enhed}" if args.enhed else "", f" den {day:%d-%m-%Y}" if day else ""])
        say(f"Ingen annulleringer eller genskabelser{where}.")
        return 0
    for group in _batches(events):
        event, count = group[0], len(group)
        when = from_stored(event.at_utc).astimezone(config.zone)
        if event.reason is None:
            why = "genskabt (bragt tilbage efter en annullering)"
        else:
            why = f"annulleret: {event.reason} ({VOID_REASONS.get(event.reason, 'ukendt grund')})"
        say(f"{when:%d-%m-%Y %H:%M:%S}  {why}")
        say(f"    af {event.operator} på {event.station}")
        row = event.row
        number, file_name = imports.get(row.import_id, (None, "")) if row.import_id else (None, "")
        which = f'import {number} ("{file_name}")' if number else "en import"
        if row.import_id and count > 1:  # import --fortryd: one entry for the whole import
            verb = "annulleret" if event.reason is not None else "genskabt"
            say(f"    {which}: {rows(count)} {verb}")
        else:
            say(f"    {describe(config, row, count, from_stored(row.end_utc))}"
                + (f" · importeret ({which})" if row.import_id else ""))
    voids = sum(1 for e in events if e.reason is not None)
    say(f"{voids} annullerede rækker, {len(events) - voids} genskabte.")
    return 0


def _batches(events):
    """A batch voided or restored at once is one line with its size, as at the desk; so are the
    rows of one import voided at once (``import --fortryd``: one void batch, one moment)."""
    groups: list[list] = []
    for event in events:
        last = groups[-1][0] if groups else None
        same_batch = bool(event.row.batch_id) and event.row.batch_id == last.row.batch_id \
            if last is not None else False
        same_import = bool(event.row.import_id) and event.row.import_id == last.row.import_id \
            if last is not None else False
        if (last is not None and (same_batch or same_import)
                and (event.kind, event.at_utc, event.operator, event.station, event.reason)
                == (last.kind, last.at_utc, last.operator, last.station, last.reason)):
            groups[-1].append(event)
        else:
            groups.append([event])
    return groups
