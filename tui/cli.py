"""``taelleuge``: the command line. Danish subcommands, English aliases.

Only ``kiosk`` (the default) imports textual; the coordinator's commands stay light and scriptable.
Exit codes: 0 done, 1 refused or failed (message on stderr, nothing written), 2 bad usage, 141 the
reader of the output went away (``| head``; as for SIGPIPE: the work itself was done or nothing
was written). Every message is Danish, argparse's too (:mod:`tui.argparse_da`); no traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from storage.errors import TaelleugeError, os_error_message

from .argparse_da import install as _danish_argparse
from .argparse_da import non_empty, whole_number

EPILOG = """\
Database: --db, ellers TAELLEUGE_DB, ellers konfigurationens 'database', ellers brugerens datamappe.
Konfiguration: --config, ellers TAELLEUGE_CONFIG, ellers /etc/taelleuge/config.toml, ellers den
indbyggede demo (kommune 999 Eksempelby, tælleuge = denne uge).
"""


def _common() -> argparse.ArgumentParser:
    # SUPPRESS: a flag given after the subcommand must not be reset by the subparser's default.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS, type=non_empty, help="databasefil (SQLite)")
    common.add_argument("--config", default=argparse.SUPPRESS, type=non_empty,
                        help="konfigurationsfil (TOML)")
    return common


def _screen() -> argparse.ArgumentParser:
    # The screen (no subcommand, as the README's first command) and the locked kiosk take the same
    # two options. SUPPRESS: an option given on one level is not reset by the other's default.
    screen = argparse.ArgumentParser(add_help=False)
    screen.add_argument("--enhed", default=argparse.SUPPRESS,
                        help="enhedens kode (ellers TAELLEUGE_ENHED eller brugerens enhed)")
    screen.add_argument("--console-mode", action="store_true", default=argparse.SUPPRESS,
                        help="8 farver og enkle rammer (automatisk ved TERM=linux)")
    screen.add_argument("--demo", action="store_true", default=argparse.SUPPRESS,
                        help="prøv programmet: den indbyggede demo (kommune 999 Eksempelby) og en "
                             "demo-database i din datamappe (~/.local/share/taelleuge/demo.db), "
                             "oprettet efter behov; aldrig maskinens egen database")
    return screen


def build_parser() -> argparse.ArgumentParser:
    _danish_argparse()  # before any parser exists: -h's help text is looked up when it is added
    common = _common()
    screen = _screen()
    parser = argparse.ArgumentParser(
        prog="taelleuge",
        description="Tælleuge: registrér henvendelser i KOMHEN-tælleugen.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common, screen],
    )
    sub = parser.add_subparsers(dest="command", metavar="KOMMANDO")

    sub.add_parser("kiosk", parents=[common, screen],
                   help="den låste kiosk: skærmen, som kun tovholderens PIN kan forlade")

    init = sub.add_parser("init", parents=[common], help="opret eller opdatér databasen (sikkert at køre igen)")
    doctor = sub.add_parser("doctor", parents=[common],
                            help="vis stier, SQLite, journal, skema, rækker, enheder og uger")
    doctor.add_argument("--grundig", action="store_true",
                        help="SQLite's fulde integritetstjek (kun tovholderen; skrankerne kan vente imens)")

    reg = sub.add_parser("registrer", aliases=["register"], parents=[common],
                         help="registrér henvendelser fra kommandolinjen", epilog=REGISTER_EPILOG,
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    reg.add_argument("--enhed", help="enhedens kode (kan udelades, når brugeren er knyttet til én "
                                     "enhed, eller der kun er én)")
    reg.add_argument("--opgave", required=True, help="KLE-nummer NN.NN.NN (NN.NN læses som NN.NN.00)")
    reg.add_argument("--kanal", required=True)
    reg.add_argument("--type", required=True)
    reg.add_argument("--afslutning", default="STRAKS", help="STRAKS (standard) eller HOLD")
    reg.add_argument("--blanket", default="NEJ", help="JA eller NEJ (standard)")
    reg.add_argument("--antal", type=whole_number, default=1, help="registrér N ens henvendelser som ét parti (højst 500 for andre end tovholderen)")
    reg.add_argument("--proeve", "--trial", action="store_true",
                     help="prøveregistrering: tælles aldrig og eksporteres aldrig (til øvelse og test)")
    reg.add_argument("--tid", help="tidspunkt 'dd-mm-åååå TT:MM' i lokal tid (standard: nu)")
    reg.add_argument("--svar", action="append", default=[], metavar="SPØRGSMÅL=SVAR",
                     help="svar på et lokalt spørgsmål (kan gentages)")

    undo = sub.add_parser("fortryd", aliases=["undo"], parents=[common],
                          help="annullér enhedens seneste registrering (skriver en annullering)")
    undo.add_argument("--enhed", help="annullér enhedens seneste registrering")
    undo.add_argument("--ja", action="store_true", help="annullér uden at spørge (kræves uden terminal)")
    from .cli_console import add_console_parser, add_void_options  # argparse only

    add_void_options(undo)

    sub.add_parser("ssh", parents=[common],
                   help="indgang for sshd's ForceCommand: skærmen for brugerens enhed")
    sub.add_parser("pin", help="lav hash-linjen til tovholderens PIN (til [koordinator] pin)")

    _export_parsers(sub, common)
    from .cli_report import add_report_parser  # argparse only; exports load in the handler

    add_report_parser(sub, common)
    from .cli_setup import add_init_options, add_setup_parsers  # argparse only

    add_init_options(init)
    add_setup_parsers(sub, common)
    add_console_parser(sub, common)

    from .cli_flyt import add_flyt_parser  # argparse only

    add_flyt_parser(sub, common)
    return parser


REGISTER_EPILOG = """\
Prøverækker: uden for tælleugerne kan der kun registreres prøverækker; tilføj --proeve. De gemmes,
men tælles og eksporteres aldrig, så man kan øve sig eller teste uden at forstyrre tællingen.
"""

EXPORT_EPILOG = """\
Dage: --uge 2026-W43 (ISO-uge, mandag-søndag), eller --fra og --til som dd-mm-åååå eller åååå-mm-dd.
Tider i filen er lokal tid i konfigurationens tidszone. Annullerede rækker og prøverækker kommer
aldrig med. Filen skrives først som en midlertidig fil i samme mappe og får sit navn til sidst; en
eksisterende fil overskrives kun med --overskriv. Et blokerende problem i kontrollen giver exit 1
og ingen fil.
"""


def _export_parsers(sub, common: argparse.ArgumentParser) -> None:
    """``eksport landkort``, ``eksport excel`` and ``import``: the coordinator's end of the week."""
    chosen = argparse.ArgumentParser(add_help=False)
    days = chosen.add_argument_group("udvalg")
    days.add_argument("--uge", help="ISO-uge, fx 2026-W43")
    days.add_argument("--fra", help="første dag, dd-mm-åååå eller åååå-mm-dd")
    days.add_argument("--til", help="sidste dag (med), dd-mm-åååå eller åååå-mm-dd")
    days.add_argument("--enhed", nargs="+", action="extend", metavar="E",
                      help="kun disse enheder (kan gentages; standard: alle)")
    days.add_argument("--datakilde", nargs="+", action="extend", metavar="K",
                      help="kun rækker med denne Datakilde, fx Taelleuge (standard: alle)")
    chosen.add_argument("--ud", metavar="FIL", type=non_empty, help="filen, der skal skrives")
    chosen.add_argument("--overskriv", action="store_true", help="erstat en eksisterende fil")
    chosen.add_argument("--stille", action="store_true",
                        help="ingen statuslinje; kun linjer af formen 'Nøgle: værdi' (også uden terminal)")

    exp = sub.add_parser(
        "eksport", aliases=["export"], parents=[common],
        help="aflevér ugen: fil til Det Digitale Landkort eller Excel",
        description="Eksportér registreringerne: landkort (fil til KL's Det Digitale Landkort) eller excel.",
    )
    formats = exp.add_subparsers(dest="eksport_format", metavar="FORMAT", required=True)
    landkort = formats.add_parser(
        "landkort", parents=[common, chosen],
        help="fil til Det Digitale Landkort (upload- eller rådataformat) med kontrolrapport",
        description=(
            "Skriv ugens registreringer i Det Digitale Landkorts format: ; efter hvert felt, CRLF, "
            "ISO-8859-1. Kontrolrapporten vises og gemmes som FIL.kontrol.txt."
        ),
        epilog=EXPORT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    landkort.add_argument("--format", choices=("upload", "raadata"), default="upload",
                          help="upload: uploadskabelonen med NULL (standard); raadata: rådataudtrækkets format")
    landkort.add_argument("--tegnsaet", choices=("iso-8859-1", "utf-8"), default="iso-8859-1",
                          help="tegnsæt (standard iso-8859-1; et tegn, der ikke kan skrives, er en fejl)")
    landkort.add_argument("--kontroller", action="store_true",
                          help="skriv intet; vis kun kontrolrapporten")
    excel = formats.add_parser(
        "excel", parents=[common, chosen],
        help="Excel-fil: arkene Registreringer og Opsummering",
        description="Skriv registreringerne til en Excel-fil (.xlsx) med arkene Registreringer, "
                    "Opsummering og Om udtrækket.",
        epilog=EXPORT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    del excel  # no options beyond the shared ones

    imp = sub.add_parser(
        "import", parents=[common],
        help="indlæs et tidligere udtræk (rådata- eller uploadformat), alt eller intet",
        description=(
            "Indlæs et udtræk fra Det Digitale Landkort (rådata) eller en uploadfil. Hver linje "
            "kontrolleres først; én fejl, og intet importeres (fejlen nævner linje og felt). Rækker, "
            "der allerede findes (samme indhold, også fra en anden fil), importeres ikke igen."
        ),
    )
    imp.add_argument("fil", metavar="FIL", type=non_empty, nargs="?",
                     help="filen (ISO-8859-1 eller UTF-8, genkendes selv)")
    imp.add_argument("--datakilde", metavar="NAVN",
                     help="Datakilde for rækker, der ingen har (uploadformatet); standard: Import")
    imp.add_argument("--kontroller", action="store_true", help="kontrollér kun filen; importér intet")
    imp.add_argument("--stille", action="store_true",
                     help="ingen statuslinje; kun linjer af formen 'Nøgle: værdi' (også uden terminal)")
    from .cli_imports import add_import_options  # argparse only

    add_import_options(imp)


COMMANDS = {
    "init": "cmd_init",
    "doctor": "cmd_doctor",
    "registrer": "cmd_register",
    "register": "cmd_register",
    "fortryd": "cmd_undo",
    "undo": "cmd_undo",
}
# Handled by tui.cli_exports, which imports exports lazily.
EXPORT_COMMANDS = {
    "eksport": "cmd_export",
    "export": "cmd_export",
    "import": "cmd_import",
}


# Export, import, reports and corrections: root or the config's coordinator group only.
COORDINATOR_ONLY = {"init", "fortryd", "undo", "eksport", "export", "import", "rapport", "report",
                    "historik", "history", "registreringer", "status", "koordinator",
                    "flyt"}


def main(argv: Sequence[str] | None = None) -> int:
    os.umask(0o007)  # the DB and its journal are shared by the group taelleuge
    _tolerant_output()
    # A failed write leaves objects (openpyxl's half-written zip file) whose clean-up fails again
    # at exit, once their file is closed; Python would print that as "Exception ignored …" with a
    # traceback after the Danish message. The message has said everything.
    sys.unraisablehook = _quiet_unraisable
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader of our output went away (`taelleuge doctor | head`). Whatever the command
        # did is done; point stdout at /dev/null so the interpreter's last flush stays quiet.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        except (OSError, ValueError, AttributeError):
            pass
        return 141


def _quiet_unraisable(unraisable) -> None:
    return None


def _tolerant_output() -> None:
    """A terminal or pipe that cannot show æ, ø, å (LANG=C on an old system, PYTHONIOENCODING=
    ascii, a Latin-1 terminal) gets '?' for what it cannot show, never a UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "")
        if encoding != "utf8" and hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors="replace")
            except (ValueError, OSError):
                pass


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    command = args.command or "skaerm"
    try:
        if command == "init" and args.kommune is not None:
            # A starter config is a new file of the caller's, before any config or database exists.
            from .cli_setup import cmd_init_config

            return cmd_init_config(args)
        if command in COORDINATOR_ONLY:
            from .cli_store import require_coordinator_for

            require_coordinator_for(args, command)
        if command in ("kiosk", "skaerm", "ssh"):
            from .kiosk_main import run_kiosk, run_ssh

            code = run_ssh(args) if command == "ssh" else run_kiosk(args, locked=command == "kiosk")
        elif command == "pin":
            from .cli_store import cmd_pin

            code = cmd_pin(args)
        elif command in ("rapport", "report"):
            from .cli_report import cmd_report

            code = cmd_report(args)
        elif command in ("opsaetning", "setup", "historik", "history"):
            from . import cli_setup

            code = getattr(cli_setup, cli_setup.SETUP_COMMANDS[command])(args)
        elif command in ("registreringer", "status", "koordinator"):
            from .cli_console import dispatch

            code = dispatch(args)
        elif command == "flyt":
            from .cli_flyt import cmd_flyt

            code = cmd_flyt(args)
        elif command in EXPORT_COMMANDS:
            from . import cli_exports

            code = getattr(cli_exports, EXPORT_COMMANDS[command])(args)
        else:
            from . import cli_store

            code = getattr(cli_store, COMMANDS[command])(args)
    except TaelleugeError as error:
        # A refusal may quote what was typed or read: never let it act on the terminal.
        from storage.hostile import escape

        print(f"taelleuge: {escape(str(error), keep_newlines=True)}", file=sys.stderr)
        code = 1
    except BrokenPipeError:
        raise
    except OSError as error:
        # A path the system refuses: too long a name, a folder that is a file, a full disk.
        print(f"taelleuge: {os_error_message(error)}", file=sys.stderr)
        code = 1
    except KeyboardInterrupt:
        code = 130
    return code
