"""``taelleuge import``: import a file, list the imports (``--liste``), take one back
(``--fortryd N``). The work is in ``exports.importer`` and ``exports.past_imports``; this module
only reads the options, asks and formats. No textual here."""

from __future__ import annotations

import argparse
from pathlib import Path

from storage.errors import Refusal

from .cli_store import load, open_store
from .confirm import confirm
from .say import say


def add_import_options(imp: argparse.ArgumentParser) -> None:
    """The options beyond the file, --datakilde, --kontroller and --stille (tui.cli)."""
    imp.add_argument("--kommune", action="append", default=[], metavar="NR",
                     help="tag også rækker fra dette kommunenummer med (kan gentages); ellers "
                          "afvises rækker fra en anden kommune end konfigurationens")
    imp.add_argument("--liste", action="store_true",
                     help="vis importerne (nummer, fil, rækker, rækker der tæller, hvem, hvornår)")
    imp.add_argument("--fortryd", type=int, metavar="N",
                     help="annullér alle rækker fra import nummer N (se --liste)")
    imp.add_argument("--aarsag", default=None, metavar="KODE",
                     help="grunden ved --fortryd: RETTELSE (standard), DUBLET, FEJLTASTNING eller FORTRUDT")
    imp.add_argument("--ja", action="store_true",
                     help="bekræft --fortryd uden at spørge (kræves uden terminal)")


def cmd_import(args: argparse.Namespace) -> int:
    if args.liste and args.fortryd is not None:
        raise Refusal("Vælg enten --liste eller --fortryd N, ikke begge.", "liste")
    if args.liste or args.fortryd is not None:
        if args.fil:
            raise Refusal("--liste og --fortryd tager ingen fil.", "fil")
        return _list(args) if args.liste else _undo(args)
    if args.aarsag is not None or args.ja:
        raise Refusal("--aarsag og --ja hører til --fortryd N.", "aarsag")
    if not args.fil:
        raise Refusal("Angiv filen, der skal importeres (eller --liste / --fortryd N).", "fil")
    return _import(args)


def _import(args: argparse.Namespace) -> int:
    from exports import importer

    from .cli_exports import _progress

    config, db_path = load(args)
    path = Path(args.fil).expanduser()
    with open_store(db_path, reading=args.kontroller) as store, _progress(args) as progress:
        outcome = importer.run(store, config, path, datakilde=args.datakilde,
                               check_only=args.kontroller, progress=progress,
                               kommuner=tuple(args.kommune))
    for line in importer.summary(outcome, config):
        say(line)
    return 0


def _list(args: argparse.Namespace) -> int:
    from exports import past_imports

    config, db_path = load(args)
    with open_store(db_path, reading=True) as store:
        found = past_imports.listing(store)
    if not found:
        say("Ingen importer.")
        return 0
    say(f"{'Nr':>3}  {'Tidspunkt':16}  {'Rækker':>8}  {'Tæller':>8}  {'Af':12}  Fil")
    for past in found:
        record = past.record
        state = f"  ({past.state})" if past.state else ""
        say(f"{past.number:>3}  {past.when(config.zone):16}  {record.row_count:>8}  {past.live:>8}  "
            f"{record.operator[:12]:12}  {record.file_name}{state}")
    return 0


def _undo(args: argparse.Namespace) -> int:
    from exports import past_imports

    config, db_path = load(args)
    reason = past_imports.check_reason(args.aarsag or past_imports.DEFAULT_REASON)
    with open_store(db_path) as store:
        past = past_imports.find(store, args.fortryd)
        if past.undone:
            raise Refusal(past_imports.already_undone(past), "fortryd")
        question = (f'Annullér {past.live} rækker fra import {past.number} ("{past.record.file_name}", '
                    f"{past.when(config.zone)} af {past.record.operator}) med grunden {reason}?")
        if not confirm(question, yes=args.ja, what="import --fortryd"):
            return 1
        done = past_imports.undo(store, past.number, reason)
    say(f'Fortrudt: import {done.past.number} ("{done.past.record.file_name}"): '
        f"{done.voided} rækker annulleret ({reason}).")
    return 0
