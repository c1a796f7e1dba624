"""``taelleuge import``: an earlier extract into the database, all or nothing.

Order of work: hash the file and refuse a file imported before; read and check every line while
staging the rows (no lock on the shared database); refuse with every problem found, naming line and
field, if there is any; refuse a file whose lines were imported before in another encoding; then
write all rows and the import record in one transaction. Nothing is written before that last step.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from storage.config import Config
from storage.errors import Refusal
from storage.imports import duplicate_message
from storage.interface import Store
from storage.model import ImportRecord
from storage.hostile import escape, unsafe_problem
from storage.privacy import looks_like_cpr
from storage.registration import DATAKILDE
from storage.timeutil import local_range_bounds

from . import layouts
from .localtime import day_of
from .progress import Quiet
from .reader import MAX_ERRORS, FileFacts, Parsed, Reader, count_cpr, scan

NO_UNIT = "(uden enhed)"


@dataclass
class Outcome:
    facts: FileFacts
    parsed: Parsed
    record: ImportRecord | None  # None: only checked (--kontroller)
    warnings: list[str]


def run(store: Store, config: Config, path: Path, *, datakilde: str | None = None,
        check_only: bool = False, progress=None) -> Outcome:
    check_file_name(Path(path).name)
    facts = scan(path)
    earlier = store.find_import(sha256=facts.sha256)  # the staging below locks nothing shared
    if earlier:
        raise Refusal(duplicate_message(earlier, config.zone), "fil")
    reader = Reader(facts, config, datakilde=datakilde, progress=progress)
    with store.import_batch() as batch:
        batch.add(reader.rows())
        parsed = reader.parsed
        if parsed.errors:
            parsed.cpr_values, parsed.cpr_lines = count_cpr(facts)
            raise Refusal(_errors_message(facts, parsed), "fil")
        if parsed.rows == 0:
            raise Refusal(f"Filen {facts.path.name} har ingen rækker under overskriften. Intet er importeret.", "fil")
        earlier = store.find_import(content_sha256=parsed.content_sha256)
        if earlier:
            raise Refusal(duplicate_message(earlier, config.zone), "fil")
        warnings = _warnings(store, config, parsed)
        if check_only:
            return Outcome(facts, parsed, None, warnings)
        progress = progress or Quiet()
        progress.start("Gemmer", parsed.rows)
        record = batch.commit(
            sha256=facts.sha256, content_sha256=parsed.content_sha256, file_name=facts.path.name,
            layout=parsed.layout, encoding=facts.encoding_label.lower(),
            datakilde=reader.default_source, station=store.station,
            operator=store.operator, zone=config.zone,
        )
        progress.stop()
    return Outcome(facts, parsed, record, warnings)


def check_file_name(name: str) -> None:
    """The file's name is stored with the import (``imports.file_name``) and printed: no terminal
    controls or invisible characters, nothing CPR-like."""
    if looks_like_cpr(name):
        raise Refusal("Filnavnet ligner et CPR-nummer, og navnet gemmes i databasen sammen med "
                      "importen. Omdøb filen, og importér den igen.", "fil")
    problem = unsafe_problem(name)
    if problem:
        raise Refusal(f'Filnavnet "{escape(name)}" {problem}. Navnet gemmes i databasen og vises '
                      "i terminalen: omdøb filen, og importér den igen.", "fil")


def _errors_message(facts: FileFacts, parsed: Parsed) -> str:
    lines = [f"Filen {facts.path.name} er ikke importeret; intet er gemt. "
             f"{parsed.error_count} fejl" + (" (læsningen stoppede her; der kan være flere):"
                                              if parsed.stopped_early else ":")]
    lines += [f"  {message}" for message in parsed.errors[:MAX_ERRORS]]
    if parsed.cpr_values:
        where = ", ".join(str(n) for n in parsed.cpr_lines)
        more = " …" if parsed.cpr_values > len(parsed.cpr_lines) else ""
        lines.append(f"I alt ligner {parsed.cpr_values} værdier i filen et CPR-nummer (linje {where}{more}). "
                     "Personoplysninger importeres aldrig: fjern dem, og find ud af, hvor de kom fra.")
    return "\n".join(lines)


def _warnings(store: Store, config: Config, parsed: Parsed) -> list[str]:
    warnings = []
    own_days = [day_of(combo[1]) for combo in parsed.tally if combo[2] == DATAKILDE]
    if own_days:
        start, end = local_range_bounds(min(own_days), max(own_days), config.zone)
        existing = store.own_rows_between(start, end)
        if existing:
            warnings.append(
                f"{parsed.own_source_rows} rækker har Datakilde {DATAKILDE} (lavet af dette program), og "
                f"databasen har selv {existing} registreringer i samme periode. Er filen en eksport fra "
                "denne database, tælles de nu to gange."
            )
    nrs = {combo[3] for combo in parsed.tally}
    other = sorted(nr for nr in nrs if nr != config.kommune_nr)
    if other:
        warnings.append(f"Filen har rækker fra kommunenummer {', '.join(other)} "
                        f"(konfigurationen er {config.kommune_nr}).")
    return warnings


def summary(outcome: Outcome, config: Config) -> list[str]:
    """``Nøgle: værdi`` lines: read by people and by scripts alike."""
    facts, parsed, record = outcome.facts, outcome.parsed, outcome.record
    units: Counter = Counter()
    sources: Counter = Counter()
    kommuner: Counter = Counter()
    days: Counter = Counter()
    for (enhed, day, kilde, nr, navn), n in parsed.tally.items():
        units[enhed] += n
        sources[kilde] += n
        kommuner[f"{nr} {navn}".strip()] += n
        days[day] += n
    first = min(day_of(d) for d in days)
    last = max(day_of(d) for d in days)
    layout = layouts.LAYOUTS[parsed.layout]
    lines = [
        f"{'Importeret' if record else 'Kontrolleret (intet importeret)'}: {facts.path}",
        f"Format: {layout.title}, {facts.encoding_label}",
        f"Rækker: {parsed.rows}",
        f"Periode: {first:%d-%m-%Y} – {last:%d-%m-%Y} ({_weeks(first, last)})",
        f"Datakilder: {_counts(sources)}",
        f"Kommuner: {_counts(kommuner)}",
        f"Enheder: {_counts(units)}",
    ]
    unknown = {u: n for u, n in units.items() if u not in config.units}
    if unknown:
        lines.append(f"Enheder uden for konfigurationen: {_counts(unknown)}")
    if parsed.questions:
        lines.append(f"Lokale spørgsmål: {'; '.join(parsed.questions)}")
    if parsed.group_level:
        lines.append("KLE på gruppeniveau læst som NN.NN.00: " + ", ".join(
            f"{k} → {k}.00 ({n})" for k, n in sorted(parsed.group_level.items())))
    if parsed.date_only:
        lines.append(f"Rækker kun med dato (00:00:00): {parsed.date_only}")
    if record:
        lines.append(f"Import-id: {record.id}")
    lines.append(f"SHA-256: {facts.sha256}")
    lines += [f"Advarsel: {w}" for w in outcome.warnings]
    return lines


def _counts(counter) -> str:
    return ", ".join(f"{k or NO_UNIT} {n}" for k, n in sorted(counter.items()))


def _weeks(first: date, last: date) -> str:
    a = first.isocalendar()
    b = last.isocalendar()
    if (a[0], a[1]) == (b[0], b[1]):
        return f"uge {a[0]}-W{a[1]:02d}"
    return f"uge {a[0]}-W{a[1]:02d} – {b[0]}-W{b[1]:02d}"
