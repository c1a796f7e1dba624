"""The check before delivery (``--kontroller``, and ``FIL.kontrol.txt`` next to every export).

Built from the tally of what the writer actually wrote, set against the database's own count for
the same selection. A blocking problem (FEJL) means no file is written; a warning (ADVARSEL) is
something the coordinator should look at but KL would accept.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from storage.config import Config
from storage.interface import LeftOut
from storage.registration import DATAKILDE

from . import layouts
from .landkort import Written
from .localtime import day_of
from storage.wording import plural

# Data sources whose rows were registered by staff by hand (this app, and the old TraceTool). A
# self-service channel on such a row is probably counted twice: KL counts self-service centrally.
STAFF_SOURCES = (DATAKILDE, "Tracetool")
WEEKDAYS = ("ma", "ti", "on", "to", "fr", "lø", "sø")
_KLE_FORM = re.compile(r"^\d{2}\.\d{2}\.\d{2}$")
NO_UNIT = "(uden enhed)"

OK, WARN, FAIL, INFO = "OK", "ADVARSEL", "FEJL", "INFO"


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    blocking: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"

    def item(self, status: str, label: str, detail: str = "") -> None:
        self.lines.append(f"  {status:<9} {label}" + (f": {detail}" if detail else ""))
        if status == FAIL:
            self.blocking.append(f"{label}: {detail}" if detail else label)
        elif status == WARN:
            self.warnings.append(f"{label}: {detail}" if detail else label)

    def sub(self, text: str) -> None:
        self.lines.append(f"              {text}")


def _rows(n: int) -> str:
    return plural(n, "række", "rækker")


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def build(
    *,
    config: Config,
    written: Written,
    left: LeftOut,
    first: date,
    last: date,
    selection_label: str,
    units: tuple[str, ...],
    sources: tuple[str, ...],
    target: Path | None,
    checking: bool,
    now: datetime,
    changes=None,
) -> Report:
    """``changes``: ``storage.interface.Changes`` for the selection (rows registered or voided
    after an earlier export of the same days), or None."""
    report = Report()
    layout = layouts.LAYOUTS[written.layout]
    add = report.lines.append
    add("Kontrol af eksport til Det Digitale Landkort")
    add(f"Udvalg:       {selection_label}")
    add(f"Enheder:      {', '.join(units) if units else 'alle'}")
    add(f"Datakilder:   {', '.join(sources) if sources else 'alle'}")
    add(f"Format:       {layout.title}, {written.encoding.upper()}, CRLF, "
        f"; efter hvert felt, tider {layout.time_format}")
    add(f"Tidszone:     {config.zone.key}")
    add(f"Kommune:      {config.kommune_nr} {config.kommune_navn}")
    if target is not None:
        add(f"Fil:          {target}" + ("  (kontrol: intet skrevet)" if checking else ""))
    add(f"Dannet:       {now.astimezone(config.zone):%d-%m-%Y %H:%M:%S}")
    add("")

    days = days_between(first, last)
    by_unit_day: Counter = Counter()
    for combo, n in written.tally.items():
        by_unit_day[combo[0], combo[1]] += n
    empty = _table(report, config, days, by_unit_day, units, now.astimezone(config.zone).date())
    add("")
    add("Kontrolpunkter")
    _counts(report, written, left)
    _codes(report, config, written)
    _kle(report, config, written, last)
    _dates(report, config, days, by_unit_day)
    _empty_days(report, empty)
    _sources(report, config, written, left)
    _after_export(report, config, changes)
    _encoding(report, written)
    add("")
    if written.sha256:
        add(f"SHA-256:      {written.sha256}" + ("  (af filen, som den ville blive)" if checking else ""))
    if report.blocking:
        add(f"Resultat:     BLOKERET: {plural(len(report.blocking), 'problem', 'problemer')}. Ingen fil er skrevet.")
    elif checking:
        add(f"Resultat:     klar til aflevering ({len(report.warnings)} advarsel/advarsler). "
            "Kør uden --kontroller for at skrive filen.")
    else:
        add(f"Resultat:     klar til aflevering ({len(report.warnings)} advarsel/advarsler)")
    return report


def _table(report: Report, config: Config, days: list[date], counts: Counter, units: tuple[str, ...],
           today: date):
    """Rows per unit × local day. ``!`` marks an empty day the unit should have counted: a
    weekday of its own count weeks, not after today (Dækning's rule, exports.coverage)."""
    from .coverage import counted_days, due_days

    configured = [u for u in config.units if not units or u in units]
    seen = {unit for unit, _ in counts}
    others = sorted(u for u in seen | set(units) if u not in configured and u)
    rows = configured + others + ([""] if "" in seen else [])
    day_keys = [f"{d:%d-%m-%Y}" for d in days]
    width = max([len("I alt"), len("Enhed"), *(len(u or NO_UNIT) for u in rows)]) + 2
    add = report.lines.append
    add("Registreringer pr. enhed og dag (lokal tid). ! = ingen registreringer på en hverdag i "
        "enhedens tælleuger; - = dag uden for enhedens tælleuger")
    add(f"{'Enhed':<{width}}" + "".join(f"{WEEKDAYS[d.weekday()]} {d:%d-%m}".rjust(10) for d in days)
        + "I alt".rjust(10))
    empty: list[tuple[str, date]] = []
    totals = [0] * len(days)
    for unit in rows:
        cells = []
        # Rows without a unit (imported self-service) count in every week, as in the report.
        own = counted_days(config, unit, days) if unit else {
            d for d in days if config.week_of(d) is not None}
        due = set(due_days(config, unit, days, today))
        for i, (d, key) in enumerate(zip(days, day_keys)):
            n = counts.get((unit, key), 0)
            totals[i] += n
            if n:
                cells.append(str(n))
            elif d in due:
                cells.append("0!")
                empty.append((unit, d))
            else:
                cells.append("0" if d in own else "-")
        total = sum(counts.get((unit, key), 0) for key in day_keys)
        add(f"{unit or NO_UNIT:<{width}}" + "".join(c.rjust(10) for c in cells) + str(total).rjust(10))
    add(f"{'I alt':<{width}}" + "".join(str(t).rjust(10) for t in totals) + str(sum(totals)).rjust(10))
    return empty


def _counts(report: Report, written: Written, left: LeftOut) -> None:
    status = OK if written.rows == left.live else FAIL
    report.item(status, "Rækker skrevet", f"{written.rows} (databasens antal for samme udvalg: {left.live})")
    if not written.rows:
        report.item(WARN, "Ingen registreringer i udvalget", "filen får kun overskriftslinjen")
    report.item(INFO, "Annullerede rækker udeladt", str(left.voided))
    report.item(INFO, "Prøverækker udeladt", str(left.trial))


def _codes(report: Report, config: Config, written: Written) -> None:
    book = config.codebook
    unknown: Counter = Counter()
    staff_selfservice: Counter = Counter()
    for (_u, _d, kanal, typ, afsl, blk, _o, kilde, _nr, _navn), n in written.tally.items():
        channel = book.channels.get(kanal)
        if channel is None:
            unknown["Kanal", kanal] += n
        elif not channel.staff and kilde in STAFF_SOURCES:
            staff_selfservice[kanal, kilde] += n
        if typ is not None and typ not in book.types:
            unknown["Type", typ] += n
        if afsl is not None and afsl not in book.afslutning:
            unknown["Afslutning", afsl] += n
        if blk is not None and blk not in book.blanket:
            unknown["Blanket", blk] += n
    if unknown:
        report.item(FAIL, "Ukendte koder", _rows(sum(unknown.values())))
        for (what, code), n in sorted(unknown.items()):
            report.sub(f'{what} "{code}": {_rows(n)} (ikke i kodebogen)')
    else:
        report.item(OK, "Ukendte koder", "ingen")
    if staff_selfservice:
        report.item(
            WARN, "Selvbetjeningskanaler registreret af personale",
            f"{_rows(sum(staff_selfservice.values()))} (KL tæller selvbetjening centralt: risiko for "
            "dobbelttælling)",
        )
        for (kanal, kilde), n in sorted(staff_selfservice.items()):
            report.sub(f"{kanal} fra {kilde}: {_rows(n)}")
    else:
        report.item(OK, "Selvbetjeningskanaler registreret af personale", "ingen")


def _kle(report: Report, config: Config, written: Written, last: date) -> None:
    numbers: Counter = Counter()
    for combo, n in written.tally.items():
        numbers[combo[6]] += n
    bad = {k: n for k, n in numbers.items() if not isinstance(k, str) or not _KLE_FORM.match(k)}
    if bad:
        report.item(FAIL, "KLE-numre med forkert form", _rows(sum(bad.values())))
        for number, n in sorted(bad.items(), key=lambda kv: str(kv[0])):
            report.sub(f'"{number}": {_rows(n)} (skal være NN.NN.NN)')
    else:
        report.item(OK, "KLE-numre med forkert form", "ingen")
    if config.kle_file is None:
        return
    from storage.errors import TaelleugeError
    from storage.kle import load_catalogue

    try:
        catalogue = load_catalogue(config.kle_file)
    except TaelleugeError as error:
        report.item(WARN, "KLE-filen kan ikke læses", str(error))
        return
    warnings = [(k, catalogue.warning(k, last)) for k in sorted(numbers) if k not in bad]
    warnings = [(k, w) for k, w in warnings if w]
    if warnings:
        report.item(WARN, "KLE-numre, som KLE-filen ikke kender eller har udgået", str(len(warnings)))
        for number, warning in warnings:
            report.sub(f"{warning} ({_rows(numbers[number])})")
    else:
        report.item(OK, "KLE-numre i forhold til KLE-filen", f"alle kendte (udgivet {catalogue.published})")


def _dates(report: Report, config: Config, days: list[date], counts: Counter) -> None:
    keys = {f"{d:%d-%m-%Y}" for d in days}
    per_day: Counter = Counter()
    for (_unit, day), n in counts.items():
        per_day[day] += n
    outside = {day: n for day, n in per_day.items() if day not in keys}
    if outside:
        report.item(FAIL, "Rækker uden for udvalget", f"{sum(outside.values())}")
        for day, n in sorted(outside.items(), key=lambda kv: day_of(kv[0])):
            report.sub(f"{day}: {_rows(n)}")
    else:
        report.item(OK, "Rækker uden for udvalget", "0")
    # Per unit: a unit may count only some of the weeks ([[enhed]] taelleuger).
    off_week: Counter = Counter()
    for (unit, day), n in counts.items():
        if day in keys and not any(w.contains(day_of(day)) for w in config.unit_weeks(unit)):
            off_week[unit, day] += n
    label = "Rækker uden for enhedens tælleuger"
    if off_week:
        report.item(WARN, label, f"{sum(off_week.values())} (tæller ikke med i rapportens tal)")
        for (unit, day), n in sorted(off_week.items(), key=lambda kv: (kv[0][0], day_of(kv[0][1]))):
            report.sub(f"{unit or NO_UNIT} {WEEKDAYS[day_of(day).weekday()]} {day}: {_rows(n)}")
    else:
        report.item(OK, label, "0")


def _empty_days(report: Report, empty: list[tuple[str, date]]) -> None:
    if not empty:
        report.item(OK, "Tomme dage i tælleugen", "ingen")
        return
    report.item(WARN, "Tomme dage i tælleugen", f"{len(empty)} (enhed × dag uden registreringer)")
    by_unit: dict[str, list[date]] = defaultdict(list)
    for unit, day in empty:
        by_unit[unit].append(day)
    for unit, days in by_unit.items():
        report.sub(f"{unit}: " + ", ".join(f"{WEEKDAYS[d.weekday()]} {d:%d-%m}" for d in days))


def _sources(report: Report, config: Config, written: Written, left: LeftOut) -> None:
    sources: Counter = Counter()
    other_kommune: Counter = Counter()
    for combo, n in written.tally.items():
        sources[combo[7]] += n
        if combo[8] != config.kommune_nr:
            other_kommune[combo[8], combo[9]] += n
    detail = ", ".join(f"{k} {n}" for k, n in sorted(sources.items())) or "ingen"
    report.item(INFO, "Rækker pr. datakilde", detail)
    if other_kommune:
        report.item(
            WARN, "Rækker fra en anden kommune end konfigurationens",
            ", ".join(f"{nr} {navn}: {n}" for (nr, navn), n in sorted(other_kommune.items())),
        )


def _after_export(report: Report, config: Config, changes) -> None:
    """Listed only when the days were exported before: what the earlier file does not hold."""
    if changes is None or not changes.earlier:
        return
    for export in changes.earlier:
        report.item(INFO, "Eksporteret før", export.describe(config.zone))
    for label, counts in (("Registreret efter sidste eksport", changes.registered),
                          ("Annulleret efter sidste eksport", changes.voided)):
        if not counts:
            report.item(OK, label, "ingen")
            continue
        report.item(WARN, label, f"{_rows(sum(counts.values()))} (den tidligere fil er ikke længere "
                                 "rigtig; aflevér denne i stedet)")
        for (unit, day), n in sorted(counts.items(), key=lambda kv: (kv[0][0], day_of(kv[0][1]))):
            report.sub(f"{unit or NO_UNIT} {WEEKDAYS[day_of(day).weekday()]} {day}: {_rows(n)}")


def _encoding(report: Report, written: Written) -> None:
    name = written.encoding.upper()
    if written.encode_errors:
        report.item(FAIL, f"Tegn, som ikke kan skrives i {name}", plural(written.encode_error_rows, "linje", "linjer"))
        for message in written.encode_errors:
            report.sub(message)
        if written.encode_error_rows > len(written.encode_errors):
            report.sub(f"… og {plural(written.encode_error_rows - len(written.encode_errors), 'linje', 'linjer')} mere")
        report.sub("Ret værdien, eller brug --tegnsaet utf-8, hvis modtageren læser UTF-8.")
    else:
        report.item(OK, f"Tegnsæt {name}", "alle tegn kan skrives")
    if written.separator_errors:
        report.item(FAIL, "Skilletegn eller linjeskift i værdier", str(len(written.separator_errors)))
        for message in written.separator_errors:
            report.sub(message)
    else:
        report.item(OK, "Skilletegn eller linjeskift i værdier", "ingen")
