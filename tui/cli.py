"""``taelleuge``: the command line. Danish subcommands, English aliases.

Only ``kiosk`` (the default) imports textual; the coordinator's commands stay light and scriptable.
Exit codes: 0 done, 1 refused or failed (message on stderr, nothing written), 2 bad usage.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from storage.errors import TaelleugeError

EPILOG = """\
Database: --db, ellers TAELLEUGE_DB, ellers konfigurationens 'database', ellers brugerens datamappe.
Konfiguration: --config, ellers TAELLEUGE_CONFIG, ellers /etc/taelleuge/config.toml, ellers den
indbyggede demo (kommune 999 Eksempelby, tælleuge = denne uge).
"""


def _common() -> argparse.ArgumentParser:
    # SUPPRESS: a flag given after the subcommand must not be reset by the subparser's default.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS, help="databasefil (SQLite)")
    common.add_argument("--config", default=argparse.SUPPRESS, help="konfigurationsfil (TOML)")
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = argparse.ArgumentParser(
        prog="taelleuge",
        description="Tælleuge: registrér henvendelser i KOMHEN-tælleugen.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    sub = parser.add_subparsers(dest="command", metavar="KOMMANDO")

    kiosk = sub.add_parser("kiosk", parents=[common], help="registreringsskærmen (standard)")
    kiosk.add_argument("--enhed", help="enhedens kode (ellers TAELLEUGE_ENHED eller brugerens enhed)")
    kiosk.add_argument("--console-mode", action="store_true", default=None,
                       help="8 farver og enkle rammer (automatisk ved TERM=linux)")

    sub.add_parser("init", parents=[common], help="opret eller opdatér databasen (sikkert at køre igen)")
    sub.add_parser("doctor", parents=[common], help="vis stier, SQLite, journal, skema, rækker, enheder og uger")

    reg = sub.add_parser("registrer", aliases=["register"], parents=[common],
                         help="registrér henvendelser fra kommandolinjen")
    reg.add_argument("--enhed", required=True)
    reg.add_argument("--opgave", required=True, help="KLE-nummer NN.NN.NN (NN.NN læses som NN.NN.00)")
    reg.add_argument("--kanal", required=True)
    reg.add_argument("--type", required=True)
    reg.add_argument("--afslutning", default="STRAKS", help="STRAKS (standard) eller HOLD")
    reg.add_argument("--blanket", default="NEJ", help="JA eller NEJ (standard)")
    reg.add_argument("--antal", type=int, default=1, help="registrér N ens henvendelser som ét parti")
    reg.add_argument("--proeve", "--trial", action="store_true", help="prøveregistrering (tælles aldrig)")
    reg.add_argument("--tid", help="tidspunkt 'dd-mm-åååå TT:MM' i lokal tid (standard: nu)")
    reg.add_argument("--svar", action="append", default=[], metavar="SPØRGSMÅL=SVAR",
                     help="svar på et lokalt spørgsmål (kan gentages)")

    undo = sub.add_parser("fortryd", aliases=["undo"], parents=[common],
                          help="annullér enhedens seneste registrering (skriver en annullering)")
    undo.add_argument("--enhed", required=True)
    undo.add_argument("--grund", default="FORTRUDT", help="FORTRUDT, RETTELSE, DUBLET eller FEJLTASTNING")
    return parser


COMMANDS = {
    "init": "cmd_init",
    "doctor": "cmd_doctor",
    "registrer": "cmd_register",
    "register": "cmd_register",
    "fortryd": "cmd_undo",
    "undo": "cmd_undo",
}


def main(argv: Sequence[str] | None = None) -> int:
    os.umask(0o007)  # the DB and its journal are shared by the group taelleuge
    args = build_parser().parse_args(argv)
    command = args.command or "kiosk"
    try:
        if command == "kiosk":
            from .kiosk_main import run_kiosk

            code = run_kiosk(args)
        else:
            from . import cli_store

            code = getattr(cli_store, COMMANDS[command])(args)
    except TaelleugeError as error:
        print(f"taelleuge: {error}", file=sys.stderr)
        code = 1
    except KeyboardInterrupt:
        code = 130
    return code
