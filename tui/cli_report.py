"""``taelleuge rapport``: the coordinator's analyses from KL's "KOMHEN i spil".

Table 1, the self-service rate, the A–D quadrant, the deep dives and the costs, printed in the
terminal or written as ``tabel1.csv``, ``rapport.xlsx`` and ``kvadrant.png``. Only argparse and
the standard library at module level: ``cli.build_parser`` imports this on every start, the kiosk's
too. pandas, matplotlib, openpyxl and rich load inside :func:`cmd_report`.
"""

from __future__ import annotations

import argparse

from storage.errors import Refusal

from .argparse_da import non_empty
from .say import say

DESCRIPTION = """\
Tabel 1 (metadata pr. KLE-opgave), selvbetjeningsgrad, kvadrant A-D, dybdeanalyser (kanalvalg på
D-opgaver, papir, information) og omkostninger, som KL's "KOMHEN i spil" beskriver dem.

Uden --ud vises Tabel 1 og kvadranterne i terminalen. Med --ud MAPPE skrives tabel1.csv (; og
decimalkomma, UTF-8 med BOM), rapport.xlsx (arkene Tabel 1, Kanalvalg, Papir, Information,
Omkostninger, Sammenligning ved --sammenlign, Definitioner) og kvadrant.png. Findes en af filerne,
skrives intet uden --overskriv.
"""

EXAMPLES = """\
Eksempler:
  taelleuge rapport --uge 2026-W43
  taelleuge rapport --uge 2026-W43,2026-W44 --sammenlign 2025-W43 --ud ~/komhen/2026
  taelleuge rapport --fra 19-10-2026 --til 23-10-2026 --enhed 259borgerservice --taerskel-grad 75
"""


class _HelpWithDefinitions(argparse.Action):
    """``-h``: the usual help, then the definitions (from ``exports.definitions``, read only now,
    so building the parser never imports ``exports``)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS,
                 help=None):  # noqa: A002 (argparse's own name)
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from exports.definitions import help_text

        parser.epilog = f"{help_text()}\n\n{EXAMPLES}"
        parser.print_help()
        parser.exit()


def add_report_parser(sub, common: argparse.ArgumentParser) -> None:
    rep = sub.add_parser(
        "rapport", aliases=["report"], parents=[common], add_help=False,
        help="Tabel 1, selvbetjeningsgrad, kvadrant A-D, dybdeanalyser og omkostninger",
        description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    rep.add_argument("-h", "--help", action=_HelpWithDefinitions,
                     help="vis denne hjælp og definitionerne")
    chosen = rep.add_argument_group("udvalg (--uge eller --fra og --til)")
    which = chosen.add_mutually_exclusive_group(required=True)
    which.add_argument("--uge", metavar="W[,W…]", help="ISO-uger, fx 2026-W43 eller 2026-W43,2026-W44")
    which.add_argument("--fra", metavar="DATO", help="første dag, dd-mm-åååå eller åååå-mm-dd")
    chosen.add_argument("--til", metavar="DATO", help="sidste dag (med), dd-mm-åååå eller åååå-mm-dd")
    chosen.add_argument("--enhed", nargs="+", action="extend", metavar="E", default=[],
                        help="kun disse enheder (kan gentages; standard: alle)")
    rep.add_argument("--sammenlign", metavar="W[,W…]",
                     help="sammenlign med disse ISO-uger (arket Sammenligning)")
    rep.add_argument("--taerskel-grad", metavar="PCT",
                     help="tærskel for høj selvbetjeningsgrad, 0-100 (standard 80, KL's mål)")
    rep.add_argument("--taerskel-volumen", metavar="ANTAL",
                     help="tærskel for høj volumen i årlige transaktioner "
                          "(standard: medianen af opgavernes årlige transaktioner)")
    rep.add_argument("--ud", metavar="MAPPE", type=non_empty,
                     help="skriv tabel1.csv, rapport.xlsx og kvadrant.png i MAPPE")
    rep.add_argument("--overskriv", action="store_true", help="erstat eksisterende rapportfiler")


def _number(text: str | None, option: str, low: float, high: float | None) -> float | None:
    if text is None:
        return None
    try:
        if not text.isascii():  # float() reads full-width digits too
            raise ValueError(text)
        value = float(text.strip().replace(",", "."))
    except ValueError:
        value = float("nan")
    if not (value >= low and (high is None or value <= high)):
        span = f"fra {low:g} til {high:g}" if high is not None else f"≥ {low:g}"
        raise Refusal(f'{option} skal være et tal {span}, ikke "{text}"', option.lstrip("-"))
    return value


def cmd_report(args: argparse.Namespace) -> int:
    from concurrent.futures import ThreadPoolExecutor
    from pathlib import Path

    # pandas-free: the checks below refuse bad input before anything heavy loads.
    from exports.analysis_data import days_selection, open_readonly, read_selections, weeks_selection
    from exports.definitions import DEFAULT_RATE_THRESHOLD
    from exports.report_folder import FILE_NAMES, check_folder

    from .cli_store import load

    config, path = load(args)
    from storage.open import require_sqlite

    require_sqlite(path, "Rapporten")
    units = tuple(dict.fromkeys(config.unit(code).code for code in args.enhed))
    if args.uge is not None:
        if args.til is not None:
            raise Refusal("--til hører sammen med --fra, ikke med --uge", "til")
        selection = weeks_selection(args.uge, units)
    else:
        if args.til is None:
            raise Refusal("--fra kræver også --til (sidste dag, med)", "til")
        selection = days_selection(args.fra, args.til, units)
    compare = weeks_selection(args.sammenlign, units) if args.sammenlign is not None else None
    if compare is not None and compare.ranges == selection.ranges:
        raise Refusal("--sammenlign er det samme udvalg som rapportens; vælg andre uger", "sammenlign")
    rate = _number(args.taerskel_grad, "--taerskel-grad", 0, 100)
    volume = _number(args.taerskel_volumen, "--taerskel-volumen", 0, None)
    folder = Path(args.ud).expanduser() if args.ud is not None else None
    if folder is not None:
        check_folder(folder, overwrite=args.overskriv)  # refuse before any work
    conn = open_readonly(path)
    try:
        # SQLite counts in a worker thread (the sqlite3 module releases the GIL while it works)
        # while this thread loads pandas, openpyxl and matplotlib: on a 2-core host that hides
        # most of the import time. Still one connection and one read transaction.
        with ThreadPoolExecutor(max_workers=1) as pool:
            pending = pool.submit(read_selections, conn, config.zone, selection, compare)
            from exports.analysis import report_from_rows

            if folder is not None:
                import exports.quadrant_plot  # noqa: F401  (matplotlib)
                import openpyxl  # noqa: F401
            rows, compare_rows = pending.result()
    finally:
        conn.close()
    report = report_from_rows(
        config, selection, rows, compare=compare, compare_rows=compare_rows,
        rate_threshold=DEFAULT_RATE_THRESHOLD if rate is None else rate, volume_threshold=volume,
    )
    if folder is None:
        _print_report(report)
        return 0
    from exports.report_files import write_report

    write_report(report, folder, overwrite=args.overskriv)
    for name in FILE_NAMES:
        say(f"Skrevet: {folder / name}")
    say(f"Udvalg: {selection.describe()}")
    say(f"Opgaver: {_quadrant_counts(report)}")
    say(f"Tærskler: {report.thresholds.describe()}")
    for note in report.notes:
        say(f"Note: {note}")
    return 0


def _quadrant_counts(report) -> str:
    q = report.table1["Kvadrant"]
    parts = [f"{label} {int((q == label).sum())}" for label in "ABCD"]
    without = int((q == "").sum())
    return f"{len(q)} ({', '.join(parts)}, uden transaktioner {without})"


def _fmt(value, places: int) -> str:
    import math

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.{places}f}".replace(".", ",")


def _console():
    """rich's Console, except that a reader who went away (``| head``) ends the command with 141
    like every other command (rich itself exits 1 without a word)."""
    from rich.console import Console

    class PipeConsole(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise BrokenPipeError

    console = PipeConsole()
    if not console.is_terminal:
        console = PipeConsole(width=max(console.width, 200))
    return console


def _plain(text) -> str:
    """A value from the config, the KLE file or the database, for rich: no terminal controls
    (storage.hostile) and no markup."""
    from rich.markup import escape as no_markup

    from storage.hostile import escape

    return no_markup(escape(str(text)))


def _print_report(report) -> None:
    from rich import box
    from rich.table import Table

    from exports.analysis import QUADRANTS, YEARLY_TRANSACTIONS, quadrant_lists, rounded_table1

    console = _console()
    shown = rounded_table1(report.table1)
    table = Table(title=_plain(f"Tabel 1 · {report.kommune} · {report.selection.describe()}"),
                  box=box.SIMPLE_HEAD, title_justify="left")
    heads = [("KLE", "left"), ("Opgave", "left"), ("Start", "left"), ("Slut", "left"),
             ("Dage", "right"), ("Faktor", "right"), ("Analoge\ntrans.", "right"),
             ("Årlige\nanaloge", "right"), ("Digitale\ntrans.", "right"),
             ("Årlige\ndigitale", "right"), ("Infor-\nmation", "right"),
             ("Årlig\ninformation", "right"), ("Selvbetj.-\ngrad %", "right"),
             ("Kvadrant", "center")]
    for head, justify in heads:
        # Names wrap between words; numbers fold rather than lose digits to an ellipsis.
        if head == "Opgave":
            table.add_column(head, justify=justify, min_width=12)
        else:
            table.add_column(head, justify=justify, overflow="fold")
    for row in shown.itertuples(index=False):  # one row per task
        values = dict(zip(shown.columns, row))
        table.add_row(
            _plain(values["KLE"]), _plain(values["Opgave"]), f"{values['Startdato']:%d-%m-%Y}",
            f"{values['Slutdato']:%d-%m-%Y}", str(values["Antal dage"]), _fmt(values["Faktor"], 2),
            str(values["Analoge transaktioner"]), _fmt(values["Årlige analoge transaktioner"], 2),
            str(values["Digitale transaktioner"]), _fmt(values["Årlige digitale transaktioner"], 2),
            str(values["Informationshenvendelser"]),
            _fmt(values["Årlige informationshenvendelser"], 2),
            _fmt(values["Selvbetjeningsgrad"], 1), values["Kvadrant"],
        )
    console.print(table)
    console.print(f"Tærskler: {report.thresholds.describe()}", markup=False, highlight=False)
    console.print()
    for q, frame in quadrant_lists(report.table1).items():
        console.print(f"[bold]{q}[/bold] · {QUADRANTS[q]} ({len(frame)} opgaver)", highlight=False)
        for kle, name, yearly, rate in frame.itertuples(index=False):
            console.print(f"  {_plain(f'{kle} {name}'.strip())}: {_fmt(yearly, 2)} årlige transaktioner, "
                          f"{_fmt(rate, 1)} %", highlight=False)
    if report.comparison is not None:
        console.print()
        _print_comparison(console, report, YEARLY_TRANSACTIONS)
    if report.notes:
        console.print()
        for note in report.notes:
            console.print(f"Note: {_plain(note)}", highlight=False)
    console.print()
    console.print("Gem tabel1.csv, rapport.xlsx (med alle ark) og kvadrant.png med --ud MAPPE.",
                  highlight=False)


def _print_comparison(console, report, yearly: str) -> None:
    from rich import box
    from rich.table import Table

    a, b = report.selection.label, report.compare_selection.label  # from --uge/--fra: ASCII
    frame = report.comparison
    table = Table(title=f"Sammenligning: {a} mod {b} (ændring = {a} − {b})",
                  box=box.SIMPLE_HEAD, title_justify="left")
    for head in ("KLE", "Opgave", f"Årlige trans. {a}", f"Årlige trans. {b}", "Ændring",
                 f"Grad {a}", f"Grad {b}", "Ændring (pp)", "Kvadrant"):
        table.add_column(head, justify="left" if head in ("KLE", "Opgave") else "right",
                         overflow="fold")
    for _, row in frame.iterrows():  # one row per task
        table.add_row(
            _plain(row["KLE"]), _plain(row["Opgave"]), _fmt(row[f"{yearly} ({a})"], 2),
            _fmt(row[f"{yearly} ({b})"], 2), _fmt(row[f"{yearly}, ændring"], 2),
            _fmt(row[f"Selvbetjeningsgrad ({a})"], 1), _fmt(row[f"Selvbetjeningsgrad ({b})"], 1),
            _fmt(row["Selvbetjeningsgrad, ændring (procentpoint)"], 1),
            row["Kvadrant, ændring"] or row[f"Kvadrant ({a})"],
        )
    console.print(table)
