"""The coordinator's console on the command line: ``registreringer`` (find a registration's id),
``fortryd --id`` (void one registration), ``status`` (the Dækning grid as text, for a cron mail)
and ``koordinator`` (the console itself, tui.console). No textual here but in ``koordinator``.
"""

from __future__ import annotations

import argparse
from datetime import date

from storage.errors import InputError, Refusal
from storage.registration import VOID_REASONS

from .argparse_da import whole_number_between
from .say import say

COMMANDS = ("registreringer", "status", "koordinator")
PAGE = 50
MAX_PAGE = 1000
MAX_SEQ = 2**63 - 1  # a row number is a 64-bit integer on both engines


def add_console_parser(sub, common: argparse.ArgumentParser) -> None:
    lst = sub.add_parser(
        "registreringer", parents=[common],
        help="list registreringer (nyeste først) med id, så én kan annulleres med fortryd --id",
        description="List registreringerne, nyeste først, med filtre. Næste side: --foer med det "
                    "nummer, der står nederst.",
    )
    lst.add_argument("--enhed")
    lst.add_argument("--dag", help="lokal dag, dd-mm-åååå eller åååå-mm-dd")
    lst.add_argument("--opgave", help="KLE-nummer NN.NN.NN")
    lst.add_argument("--kanal")
    lst.add_argument("--type")
    lst.add_argument("--station")
    lst.add_argument("--datakilde")
    lst.add_argument("--annullerede", action="store_true", help="vis også annullerede rækker")
    lst.add_argument("--foer", type=whole_number_between(1, MAX_SEQ), metavar="NR",
                     help="kun rækker før dette løbenummer")
    lst.add_argument("--antal", type=whole_number_between(1, MAX_PAGE), default=PAGE,
                     help=f"rækker pr. side, 1-{MAX_PAGE} (standard {PAGE})")

    status = sub.add_parser(
        "status", parents=[common],
        help="dækningen: enheder × dage i en tælleuge, tomme og lave dage markeret",
        description="Dækningstabellen som tekst (til en cron-mail). Exit 0, også når noget er markeret.",
    )
    status.add_argument("--uge", help="tælleugens navn eller ISO-uge, fx 2026-W43 (standard: den aktuelle)")
    status.add_argument("--enhed", nargs="+", action="extend", metavar="E", help="kun disse enheder")

    console = sub.add_parser("koordinator", parents=[common],
                             help="tovholderens skærm: overblik, dækning, registreringer, import, tal, eksport")
    console.add_argument("--console-mode", action="store_true", default=None,
                         help="8 farver og enkle rammer (automatisk ved TERM=linux)")


def add_void_options(undo: argparse.ArgumentParser) -> None:
    """``fortryd --id UUID --aarsag KODE [--ja]``: one registration, by its id. ``--aarsag`` and
    ``--grund`` are one option, for ``--enhed`` and ``--id`` alike (default for --enhed: FORTRUDT)."""
    undo.add_argument("--id", type=registration_id, metavar="UUID",
                      help="annullér netop denne registrering (find id'et med taelleuge registreringer)")
    undo.add_argument("--aarsag", "--grund", dest="aarsag", metavar="KODE",
                      help=f"årsag: {', '.join(VOID_REASONS)} (standard ved --enhed: FORTRUDT)")
    # --ja (do not ask) is fortryd's own, for --enhed and --id alike.


def registration_id(text: str) -> str:
    """An argparse ``type`` for ``--id``: ids are stored in lower case (a UUID copied from a tool
    that writes upper case is the same id)."""
    value = text.strip().lower()
    if not value:
        raise argparse.ArgumentTypeError("må ikke være tom: angiv registreringens id (find det med "
                                         "taelleuge registreringer)")
    return value


# -- registreringer --------------------------------------------------------------------------------


def _day(text: str) -> date:
    from datetime import datetime

    for layout in ("%d-%m-%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), layout).date()
        except ValueError:
            continue
    raise InputError(f'--dag "{text}" skal skrives som dd-mm-åååå eller åååå-mm-dd')


def query_from_args(args: argparse.Namespace, config, store):
    from storage.query import RegistrationQuery
    from storage.unit_codes import store_has_rows, unit_code

    enhed = unit_code(config, args.enhed, store_has_rows(store)) if args.enhed is not None else None
    return RegistrationQuery(
        enhed=enhed, day=_day(args.dag) if args.dag else None,
        opgave=args.opgave, kanal=args.kanal.upper() if args.kanal else None,
        type=args.type.upper() if args.type else None, station=args.station,
        datakilde=args.datakilde, include_voided=args.annullerede, zone=config.zone)


def row_line(row, zone) -> str:
    from storage.timeutil import from_stored

    moment = from_stored(row.end_utc).astimezone(zone)
    marks = "".join(m for m, on in (("A", row.voided), ("P", row.trial), ("I", bool(row.import_id))) if on)
    return (f"{row.seq:>8} {row.id}  {moment:%d-%m-%Y %H:%M}  {row.enhed:<18} {row.opgave}  "
            f"{row.kanal:<7} {(row.type or '-'):<7} {row.station} {marks}").rstrip()


def cmd_registrations(args: argparse.Namespace) -> int:
    from .cli_store import load, open_store

    config, path = load(args)
    with open_store(path, reading=True) as store:
        query = query_from_args(args, config, store)
        page = store.registrations(query, before_seq=args.foer, limit=max(1, args.antal))
    say(f"{'Nr':>8} {'Id':<36}  {'Tid':<16}  {'Enhed':<18} {'Opgave':<8}  {'Kanal':<7} {'Type':<7} Station")
    for row in page.rows:
        say(row_line(row, config.zone))
    if not page.rows:
        say("Ingen registreringer passer på filtrene" + (" i det søgte stykke." if page.scanned_to else "."))
    if page.next_before is not None:
        more = f"--foer {page.next_before}"
        say(f"Flere: kør igen med {more}" + (" (søgningen stoppede ved nr. "
                                              f"{page.scanned_to}; ældre rækker er ikke søgt endnu)"
                                              if page.scanned_to else ""))
    say("A = annulleret, P = prøve, I = importeret.")
    return 0


# -- fortryd --id ----------------------------------------------------------------------------------


def checked_reason(text: str | None) -> str:
    reason = (text or "").strip().upper()
    if reason not in VOID_REASONS:
        raise Refusal(f'Årsagen skal være en af {", ".join(VOID_REASONS)}'
                      + (f', ikke "{text}"' if text else " (--aarsag)"), "aarsag")
    return reason


def cmd_void_id(args: argparse.Namespace) -> int:
    from storage.describe import describe
    from storage.timeutil import from_stored

    from .cli_store import load, open_store
    from .confirm import confirm

    config, path = load(args)
    reason = checked_reason(args.aarsag)
    if args.enhed is not None:
        raise Refusal("Giv enten --id eller --enhed, ikke begge", "id")
    with open_store(path) as store:
        row = store.get(args.id)
        if row is None:
            raise Refusal(f'Registreringen "{args.id}" findes ikke (find id\'et med taelleuge registreringer)', "id")
        if row.voided:
            raise Refusal(f"Registreringen {row.id} er allerede annulleret", "id")
        shown = describe(config, row, 1, from_stored(row.end_utc))
        if not confirm(f"Annullér {shown} ({VOID_REASONS[reason]})?", yes=args.ja, what="fortryd"):
            return 1
        store.void([row.id], reason)
        exported = None if row.trial else store.export_covering(row.end_utc, row.enhed, row.datakilde)
    say(f"Annulleret ({reason}): {shown}")
    if exported and exported.created_utc > row.created_utc:
        say(f"advarsel: {exported.describe(config.zone)}. Den afleverede fil har stadig rækken; "
            "næste eksports kontrol viser annulleringen.", err=True)
    return 0


# -- status ----------------------------------------------------------------------------------------


def cmd_status(args: argparse.Namespace) -> int:
    from exports.coverage import chosen_week, coverage, table_lines
    from storage.errors import InputError
    from storage.timeutil import NoSuchWeek, system_clock

    from .cli_store import load, open_store

    config, path = load(args)
    today = system_clock().astimezone(config.zone).date()
    try:
        first, last, name = chosen_week(config, today, args.uge)
    except InputError as error:  # not a count week's name, and no ISO week: name the weeks
        known = ", ".join(f'"{w.name}"' for w in config.weeks) or "ingen er sat op"
        if isinstance(error, NoSuchWeek):  # well-formed, but the year has no such week
            raise InputError(f"{error} Kendte tælleuger: {known}.") from None
        raise InputError(f'Ugen "{args.uge}" er hverken en tælleuges navn eller en ISO-uge '
                         f'(ÅÅÅÅ-Wuu, fx 2026-W43). Kendte tælleuger: {known}.') from None
    units = tuple(dict.fromkeys(args.enhed or ()))
    with open_store(path, reading=True) as store:
        cov = coverage(store, config, first, last, today, units)
    say("\n".join(table_lines(cov, name)))
    return 0


def cmd_console(args: argparse.Namespace) -> int:
    from .console.main import run_console

    return run_console(args)


HANDLERS = {"registreringer": cmd_registrations, "status": cmd_status, "koordinator": cmd_console}


def dispatch(args: argparse.Namespace) -> int:
    return HANDLERS[args.command](args)
