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
from storage import wording

DESCRIPTION = """\
Tabel 1 (metadata pr. KLE-opgave), selvbetjeningsgrad, kvadrant A-D, dybdeanalyser (kanalvalg,
papir, behandlingstid, information) og omkostninger, som KL's "KOMHEN i spil" beskriver dem; og
kommunens egne mål: kanalpolitik, straksafklaring, digital post, kanalmiks, enheder og afdelinger,
datakvalitet. Årlige tal regnes pr. enhed ud fra enhedens tælleuger.

Uden --ud vises kanalpolitik, Tabel 1, kvadranter, enheder og datakvalitet i terminalen. Med --ud
MAPPE skrives tabel1.csv (; og decimalkomma, UTF-8 med BOM), rapport.xlsx (alle ark, klar til
udskrift) og kvadrant.png. Findes en af filerne, skrives intet uden --overskriv.
"""

EXAMPLES = """\
Eksempler:
  taelleuge rapport --uge 2026-W43
  taelleuge rapport --uge 2026-W43,2026-W44 --sammenlign 2025-W43 --ud ~/komhen/2026
  taelleuge rapport --fra 19-10-2026 --til 23-10-2026 --enhed 259borgerservice --taerskel-grad 75
  taelleuge rapport --uge 2026-W43 --afdeling Borgerservice --opgaver 23.05.10 23.09.02
  taelleuge rapport --uge 2026-W43 --retning alle --medtag-udenfor
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
    chosen.add_argument("--afdeling", metavar="NAVN",
                        help="kun afdelingens enheder ([[afdeling]] i konfigurationen)")
    chosen.add_argument("--medtag-udenfor", action="store_true",
                        help="tag rækker uden for enhedernes tælleuger med i tallene "
                             "(standard: de vises under Datakvalitet og tæller ikke med)")
    rep.add_argument("--retning", choices=("ind", "alle"), default="ind",
                     help="selvbetjeningsgrad og kanalvalg på indgående kanaler (standard, som "
                          "playbogen) eller alle kanaler")
    rep.add_argument("--opgaver", nargs="+", action="extend", metavar="KLE",
                     help="kanalvalg (dybdeanalyse 1) for disse opgaver (standard: D-opgaverne)")
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
    from exports.analysis_data import days_selection, read_selections, weeks_selection
    from exports.count_weeks import counting_units
    from exports.definitions import DEFAULT_RATE_THRESHOLD
    from exports.report_folder import FILE_NAMES, check_folder

    from .cli_store import load, open_store

    config, path = load(args)
    units, filter_label = _units(config, args, lambda code: _has_rows(path, code))
    tasks = _tasks(args.opgaver)
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
    counting = counting_units(config, selection, include_outside=args.medtag_udenfor)
    with open_store(path, reading=True) as store, ThreadPoolExecutor(max_workers=1) as pool:
        # The store counts in a worker thread (the database drivers release the GIL while the
        # database works; on SQLite the handling times in a second one beside the counts) while
        # this thread loads pandas, openpyxl and matplotlib: on a 2-core host that hides most of
        # the import time. Every count describes one moment of the database.
        pending = pool.submit(read_selections, store, config.zone, selection, compare,
                              config.kommune_nr, counting)
        from exports.analysis import report_from_rows

        if folder is not None:
            import exports.quadrant_plot  # noqa: F401  (matplotlib)
            import openpyxl  # noqa: F401
        rows, compare_rows = pending.result()
    report = report_from_rows(
        config, selection, rows, compare=compare, compare_rows=compare_rows,
        rate_threshold=DEFAULT_RATE_THRESHOLD if rate is None else rate, volume_threshold=volume,
        direction=args.retning, tasks=tasks, include_outside=args.medtag_udenfor,
        filter_label=filter_label,
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


def _has_rows(path, code: str) -> bool:
    from storage.unit_codes import store_has_rows

    from .cli_store import open_store

    with open_store(path, reading=True) as store:
        return store_has_rows(store)(code)


def _units(config, args: argparse.Namespace, has_rows) -> tuple[tuple[str, ...], str]:
    """The units of ``--enhed`` (codes as the config spells them, æøå included, or a unit only
    the database has: another municipality's, a retired one) and ``--afdeling``, and a label for
    titles."""
    from storage.unit_codes import unit_code

    codes = list(dict.fromkeys(unit_code(config, code, has_rows) for code in args.enhed))
    units = list(codes)
    labels = []
    if args.afdeling is not None:
        found = next((d for d in config.departments if d.name == args.afdeling.strip()), None)
        if found is None:
            known = ", ".join(d.name for d in config.departments) or "ingen ([[afdeling]] mangler)"
            raise Refusal(f'Afdelingen "{args.afdeling}" er ukendt. Kendte afdelinger: {known}',
                          "afdeling")
        units += found.units
        labels.append(f"afdeling {found.name}")
    units = list(dict.fromkeys(units))
    if args.enhed:
        labels.append(f"enheder {', '.join(codes)}")
    return tuple(units), "; ".join(labels)


def _tasks(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    from storage import kle

    out = []
    for value in values:
        for part in value.split(","):
            if part.strip():
                out.append(kle.normalise(part.strip()))  # Refusal with the format on a bad one
    return list(dict.fromkeys(out))


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



def _console(width: int | None = None):
    """rich's Console, except that a reader who went away (``| head``) ends the command with 141
    like every other command (rich itself exits 1 without a word)."""
    from rich.console import Console

    class PipeConsole(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise BrokenPipeError

    from .say import current_capture

    capture = current_capture()  # the console's Tal mode (tui.say.captured)
    if capture is not None:
        return Console(file=capture.out, width=capture.width or width or WIDTH, highlight=False,
                       color_system=None)
    return PipeConsole(width=width, highlight=False)


def _hostile(text) -> str:
    """A value from the config, the KLE file or the database, with terminal controls made
    visible (storage.hostile): printed as it is, never obeyed by the terminal."""
    from storage.hostile import escape

    return escape(str(text))


def _plain(text) -> str:
    """``_hostile`` for rich text that is read as markup: brackets are shown, never obeyed."""
    from rich.markup import escape as no_markup

    return no_markup(_hostile(text))

WIDTH = 100  # the terminal report fits 100 columns; names wrap, numbers never split


def _table(title: str, columns: list[tuple[str, str]]):
    """A rich table whose text columns wrap and whose number columns never fold or truncate."""
    from rich import box
    from rich.table import Table

    table = Table(title=_plain(title), box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)
    for head, kind in columns:
        if kind == "text":
            table.add_column(head, justify="left", ratio=1, overflow="fold", min_width=8)
        else:
            table.add_column(head, justify="right" if kind == "num" else "left", no_wrap=True)
    return table


def _print_report(report) -> None:
    from exports.analysis import QUADRANTS, quadrant_lists, rounded_table1

    console = _console()
    width = min(console.width, WIDTH) if console.is_terminal else WIDTH
    console = _console(width)
    say = lambda text: console.print(_hostile(text), markup=False, highlight=False)  # noqa: E731
    from exports.report_files import selection_days

    say(f"{report.kommune} · {selection_days(report)}")
    say("Retning: " + ("kun indgående kanaler (--retning alle for alle)"
                       if report.direction == "ind" else "alle kanaler"))
    console.print()
    _print_policy(console, report)
    shown = rounded_table1(report.table1)
    table = _table("Tabel 1 (årlige tal; alle kolonner i rapport.xlsx)", [
        ("KLE", "code"), ("Opgave", "text"), ("Dage", "num"), ("Faktor", "num"),
        ("Årl.\nanaloge", "num"), ("Årl.\ndigitale", "num"), ("Årl.\ninform.", "num"),
        ("Grad\n%", "num"), ("Kv.", "code")])
    for row in shown.itertuples(index=False):  # one row per task
        values = dict(zip(shown.columns, row))
        factor = values["Faktor"]
        table.add_row(
            values["KLE"], _plain(values["Opgave"]), str(values["Antal dage"]),
            "blandet" if _missing(factor) else _fmt(factor, 2),
            _fmt(values["Årlige analoge transaktioner"], 2),
            _fmt(values["Årlige digitale transaktioner"], 2),
            _fmt(values["Årlige informationshenvendelser"], 2),
            _fmt(values["Selvbetjeningsgrad"], 1), values["Kvadrant"])
    console.print(table)
    say(f"Tærskler: {report.thresholds.describe()}")
    console.print()
    for q, frame in quadrant_lists(report.table1).items():
        console.print(f"[bold]{q}[/bold] · {QUADRANTS[q]} ({wording.plural(len(frame), 'opgave', 'opgaver')})", highlight=False)
        for kle, name, yearly, rate in frame.itertuples(index=False):
            say(f"  {f'{kle} {name}'.strip()}: {_fmt(yearly, 2)} årlige transaktioner, "
                f"{_fmt(rate, 1)} %")
    console.print()
    from exports.quadrant_text import quadrant_lines

    for line in quadrant_lines(report.table1, report.thresholds, width=min(60, width - 6)):
        say(line)
    _print_units(console, report)
    _print_quality(console, report)
    if report.comparison is not None:
        console.print()
        _print_comparison(console, report, "Årlige transaktioner")
    if report.notes:
        console.print()
        for note in report.notes:
            say(f"Note: {note}")
    console.print()
    say("Gem tabel1.csv, rapport.xlsx (med alle ark) og kvadrant.png med --ud MAPPE.")


def _missing(value) -> bool:
    import math

    return value is None or (isinstance(value, float) and math.isnan(value))


def _print_policy(console, report, limit: int = 10) -> None:
    """The channel policy first: where contacts arrive on channels the municipality calls
    unwanted, most yearly contacts first."""

    frame = report.channel_policy
    if frame is None or not report.policy_text:
        console.print("Kanalpolitik: ingen i konfigurationen ([[kanalpolitik]]).", markup=False)
        console.print()
        return
    body = frame[(frame["KLE"] != "I alt") & (frame["Heraf på uønsket kanal"] > 0)]
    total = frame[frame["KLE"] == "I alt"].iloc[0]
    table = _table("Kanalpolitik: henvendelser på uønskede kanaler", [
        ("KLE", "code"), ("Opgave", "text"), ("Enhed", "text"), ("Uønsket", "num"),
        ("Andel %", "num"), ("Årligt", "num"), ("Kr. årligt", "num"), ("Kanaler", "text")])
    for row in body.head(limit).itertuples(index=False):
        # A cost summed from only some of the unwanted channels says so next to the figure.
        cost = _fmt(row[9], 0)
        if "ufuldstændig" in str(row[10]):
            cost = f"{cost} ufuldst."
        table.add_row(row[0], _plain(row[1]), _plain(row[2]), str(row[6]), _fmt(row[7], 1),
                      _fmt(row[8], 2), cost, _plain(row[10]))
    table.add_row("I alt", "", "", str(total["Heraf på uønsket kanal"]),
                  _fmt(total["Andel uønsket (%)"], 1), _fmt(total["Årligt antal på uønsket kanal"], 2),
                  _fmt(total["Årlig omkostning på uønsket kanal (kr.)"], 0),
                  _plain(total["Uønskede kanaler"]))
    console.print(table)
    if len(body) > limit:
        console.print(f"  … og {len(body) - limit} flere (arket Kanalpolitik)", markup=False)
    console.print()


def _print_units(console, report) -> None:

    frame = report.units
    if frame is None or frame.empty:
        return
    console.print()
    table = _table("Selvbetjeningsgrad pr. enhed og afdeling", [
        ("Afdeling", "text"), ("Enhed", "text"), ("Ansvarlig", "text"), ("Faktor", "num"),
        ("Analoge", "num"), ("Digitale", "num"), ("Grad %", "num")])
    for row in frame.itertuples(index=False):
        table.add_row(_plain(row[0]), _plain(row[1]), _plain(row[3]),
                      "blandet" if _missing(row[4]) else _fmt(row[4], 2), str(row[5]),
                      str(row[6]), _fmt(row[11], 1))
    console.print(table)


def _print_quality(console, report) -> None:
    from exports.quality import summary

    if report.quality is None:
        return
    console.print()
    console.print("[bold]Datakvalitet[/bold] (detaljer i arket Datakvalitet)", highlight=False)
    for check, findings, rows in summary(report.quality):
        mark = "OK" if findings == 0 else f"{findings} fund, {wording.rows(rows)}"
        console.print(_hostile(f"  {check}: {mark}"), markup=False, highlight=False)


def _print_comparison(console, report, yearly: str) -> None:

    a, b = report.selection.label, report.compare_selection.label
    frame = report.comparison
    table = _table(f"Sammenligning: {a} mod {b} (ændring = {a} − {b})", [
        ("KLE", "code"), ("Opgave", "text"), ("Årl. trans.\n(valgt)", "num"),
        ("Årl. trans.\n(sammenl.)", "num"), ("Ændring", "num"), ("Grad\n(valgt)", "num"),
        ("Grad\n(sammenl.)", "num"), ("Ændr.\n(pp)", "num"), ("Kvadrant", "code")])
    for _, row in frame.iterrows():  # one row per task
        table.add_row(
            row["KLE"], _plain(row["Opgave"]), _fmt(row[f"{yearly} ({a})"], 2),
            _fmt(row[f"{yearly} ({b})"], 2), _fmt(row[f"{yearly}, ændring"], 2),
            _fmt(row[f"Selvbetjeningsgrad ({a})"], 1), _fmt(row[f"Selvbetjeningsgrad ({b})"], 1),
            _fmt(row["Selvbetjeningsgrad, ændring (procentpoint)"], 1),
            row["Kvadrant, ændring"] or row[f"Kvadrant ({a})"],
        )
    console.print(table)
