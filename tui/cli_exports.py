"""Handlers for the coordinator's end-of-week commands: eksport landkort, eksport excel, import.

``exports`` is imported inside the handlers only, so neither the kiosk nor the other commands load
it. No textual here.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from storage.config import Config
from storage.errors import Refusal
from storage.timeutil import local_range_bounds, parse_day, parse_iso_week, system_clock
from storage.wording import plural

from .cli_store import load, open_store
from .say import say


def _selection(args: argparse.Namespace) -> tuple[date, date, str]:
    if args.uge and (args.fra or args.til):
        raise Refusal("Angiv enten --uge eller --fra og --til, ikke begge dele.", "uge")
    if args.uge:
        try:
            first, last = parse_iso_week(args.uge)
        except ValueError as error:
            raise Refusal(str(error), "uge") from None
        year, week, _ = first.isocalendar()
        return first, last, f"uge {year}-W{week:02d} ({first:%d-%m-%Y} – {last:%d-%m-%Y})"
    if not (args.fra and args.til):
        raise Refusal("Angiv hvilke dage: --uge 2026-W43, eller --fra 19-10-2026 --til 23-10-2026.", "uge")
    try:
        first, last = parse_day(args.fra), parse_day(args.til)
    except ValueError as error:
        raise Refusal(str(error), "fra") from None
    if last < first:
        raise Refusal(f"--til ({last:%d-%m-%Y}) ligger før --fra ({first:%d-%m-%Y}).", "til")
    if (last - first).days > 366:
        raise Refusal("Perioden må højst være et år.", "til")
    return first, last, f"{first:%d-%m-%Y} – {last:%d-%m-%Y}"


def _check_units(config: Config, store, units: tuple[str, ...]) -> None:
    from storage.interface import Selection

    unknown = [u for u in units if u not in config.units]
    if not unknown:
        return
    with store.snapshot(Selection("", "")) as snap:
        seen = set(snap.units_seen())
    missing = [u for u in unknown if u not in seen]
    if missing:
        raise Refusal(
            f'Enheden "{missing[0]}" findes hverken i konfigurationen eller i databasen. '
            f"Kendte enheder: {', '.join(config.units)}",
            "enhed",
        )


def _refuse_empty(left, label: str, units: tuple[str, ...], sources: tuple[str, ...]) -> None:
    """An export of a selection without live rows helps nobody (and an empty Landkort file could
    be delivered by mistake): refused like ``rapport`` does, before anything is written."""
    if left.live:
        return
    narrowed = "".join(f"; {name} {', '.join(values)}" for name, values in
                       (("enheder", units), ("datakilder", sources)) if values)
    raise Refusal(f"Ingen registreringer i {label}{narrowed}. Prøveregistreringer og annullerede "
                  f"registreringer tæller ikke med ({plural(left.trial, 'prøverække', 'prøverækker')}, "
                  f"{plural(left.voided, 'annulleret', 'annullerede')}). Intet er skrevet.", "uge")


def _file_target(ud: str) -> Path:
    """``--ud`` as a file: a folder (``.``, ``..``, ``mappe/``, an existing folder) is refused
    with a message instead of a traceback, and a name with terminal controls (it is printed and
    kept in the export log) is refused too."""
    from storage.hostile import escape, unsafe_problem

    target = Path(ud).expanduser()
    if target.name in ("", ".", "..") or ud.endswith("/") or target.is_dir():
        raise Refusal(f"{escape(ud)} er en mappe. Angiv et filnavn med --ud, fx --ud uge43.csv.", "ud")
    problem = unsafe_problem(target.name)
    if problem:
        raise Refusal(f'Filnavnet "{escape(target.name)}" {problem}. Vælg et andet navn med --ud.', "ud")
    return target


def _progress(args: argparse.Namespace):
    from exports.progress import choose

    from .say import current_capture

    capture = current_capture()  # the console shows its own progress (tui.say.captured)
    if capture is not None and capture.progress is not None:
        return capture.progress
    return choose(args.stille)


def cmd_export(args: argparse.Namespace) -> int:
    return {"landkort": _export_landkort, "excel": _export_excel}[args.eksport_format](args)


def _checked_filters(args: argparse.Namespace) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``--enhed``/``--datakilde`` values go into the check report and the export log: no
    terminal controls, nothing CPR-like."""
    from storage.config_guard import formula_lead
    from storage.hostile import escape, unsafe_problem
    from storage.privacy import refuse_cpr

    units = tuple(dict.fromkeys(args.enhed or ()))
    sources = tuple(dict.fromkeys(args.datakilde or ()))
    for flag, values in (("--enhed", units), ("--datakilde", sources)):
        for value in values:
            refuse_cpr(value, flag)
            problem = unsafe_problem(value)
            if problem:
                raise Refusal(f"{flag} {problem}", flag.lstrip("-"))
            lead = formula_lead(value)
            if lead:
                raise Refusal(f"{flag} må ikke begynde med {escape(lead)} (et regneark læser det som en "
                              "formel)", flag.lstrip("-"))
    return units, sources


def _export_landkort(args: argparse.Namespace) -> int:
    from exports import check, landkort, layouts
    from exports.safe_write import SafeFile, check_target
    from storage.interface import Selection

    config, db_path = load(args)
    first, last, label = _selection(args)
    units, sources = _checked_filters(args)
    checking = args.kontroller
    if args.ud is None and not checking:
        raise Refusal("Angiv filen med --ud FIL (eller brug --kontroller for kun at kontrollere).", "ud")
    target = _file_target(args.ud) if args.ud else None
    report_path = target.with_name(target.name + ".kontrol.txt") if target else None
    if not checking:
        check_target(target, overwrite=args.overskriv)
        check_target(report_path, overwrite=args.overskriv)
    start_utc, end_utc = local_range_bounds(first, last, config.zone)
    selection = Selection(start_utc, end_utc, units, sources)
    out = None
    try:
        with open_store(db_path, reading=True) as store:
            _check_units(config, store, units)
            out = None if checking else SafeFile(target, overwrite=args.overskriv)
            with store.snapshot(selection) as snap, _progress(args) as progress:
                left = snap.left_out()
                _refuse_empty(left, label, units, sources)
                written = landkort.write(
                    snap, config, args.format, args.tegnsaet, out.write if out else None,
                    progress, total=left.live, reset=out.reset if out else None,
                )
                changes = snap.changes_since(config.zone)
        report = check.build(
            config=config, written=written, left=left, first=first, last=last,
            selection_label=label, units=units, sources=sources, target=target,
            checking=checking, now=system_clock(), changes=changes,
        )
        if checking or report.blocking:
            say(report.text(), end="")
            if report.blocking:
                raise Refusal(
                    f"Kontrollen fandt {plural(len(report.blocking), 'blokerende problem', 'blokerende problemer')}; "
                    + ("" if checking else "ingen fil er skrevet. ")
                    + "; ".join(report.blocking),
                    "kontrol",
                )
            return 0
        # Both files, or neither: the report is ready in its own temporary file before the data
        # file takes its name, and a data file just made is removed again if the report cannot
        # take its name (only possible if someone created it in the meantime).
        with SafeFile(report_path, overwrite=args.overskriv) as report_out:
            report_out.write(report.text().encode("utf-8"))
            out.commit()
            try:
                report_out.commit()
            except BaseException:
                if not args.overskriv:
                    target.unlink(missing_ok=True)
                raise
    finally:
        if out is not None and not out.done:
            out.abort()
    _log_export(db_path, args, first, last, start_utc, end_utc, units, sources, written, target)
    if not args.stille and sys.stdout.isatty():
        say(report.text())
    layout = layouts.LAYOUTS[args.format]
    say(f"Fil: {target}")
    say(f"Format: {layout.title}, {args.tegnsaet.upper()}, CRLF")
    say(f"Rækker: {written.rows}")
    say(f"SHA-256: {written.sha256}")
    say(f"Kontrolrapport: {report_path}")
    say(f"Advarsler: {len(report.warnings)}")
    for warning in report.warnings:
        say(f"Advarsel: {warning}", err=True)
    return 0


def _log_export(db_path, args, first, last, start_utc, end_utc, units, sources, written, target) -> None:
    """The file is out: note it in the database, so later registrations in these days are named
    (``registrer`` warns, the next check lists them). A failure here leaves the file as it is."""
    from storage.errors import TaelleugeError

    try:
        with open_store(db_path) as store:
            store.record_export(
                kind=f"landkort-{args.format}", first=first, last=last,
                start_utc=start_utc, end_utc=end_utc, units=units, sources=sources,
                rows=written.rows, sha256=written.sha256, file_name=target.name,
                now=system_clock(),
            )
    except TaelleugeError as error:
        say(f"Advarsel: filen er skrevet, men eksporten kunne ikke noteres i databasen ({error}). "
            "Senere registreringer i disse dage bliver derfor ikke meldt.", err=True)


def _export_excel(args: argparse.Namespace) -> int:
    from exports import excel
    from exports.safe_write import SafeFile
    from storage.interface import Selection

    config, db_path = load(args)
    first, last, label = _selection(args)
    units, sources = _checked_filters(args)
    if args.ud is None:
        raise Refusal("Angiv filen med --ud FIL.xlsx", "ud")
    target = _file_target(args.ud)
    if target.suffix.lower() != ".xlsx":
        raise Refusal(f'Excel-filen skal hedde noget med .xlsx, ikke "{target.name}"', "ud")
    start_utc, end_utc = local_range_bounds(first, last, config.zone)
    with SafeFile(target, overwrite=args.overskriv) as out:
        with open_store(db_path, reading=True) as store:
            _check_units(config, store, units)
            with store.snapshot(Selection(start_utc, end_utc, units, sources)) as snap, \
                    _progress(args) as progress:
                left = snap.left_out()
                _refuse_empty(left, label, units, sources)
                result = excel.write(snap, config, left, out.file, selection_label=label,
                                     now=system_clock(), progress=progress)
        out.commit()
    say(f"Fil: {target}")
    say(f"Rækker: {result.rows}")
    say(f"Opsummering: {plural(result.combinations, 'kombination', 'kombinationer')} af opgave, kanal og type")
    say(f"Annullerede udeladt: {left.voided}")
    say(f"Prøverækker udeladt: {left.trial}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from .cli_imports import cmd_import as run_import

    return run_import(args)
