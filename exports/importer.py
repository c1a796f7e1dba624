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
from storage.imports import Match, duplicate_message, import_number
from storage.interface import Store
from storage.model import ImportRecord
from storage.hostile import escape, unsafe_problem
from storage.privacy import looks_like_cpr

from . import layouts
from .localtime import day_of
from .progress import Quiet
from .reader import MAX_ERRORS, FileFacts, Parsed, Reader, count_cpr, scan
from storage.wording import plural

NO_UNIT = "(uden enhed)"


@dataclass
class Outcome:
    facts: FileFacts
    parsed: Parsed
    record: ImportRecord | None  # None: only checked (--kontroller), or nothing new to write
    warnings: list[str]
    match: Match | None = None  # new rows and rows already stored (storage.imports)

    @property
    def result(self) -> str:
        """``N nye rækker importeret, M fandtes allerede`` (or what would be, when checking)."""
        written = self.record is not None or not self.checked
        return self.match.sentence(written=written) if self.match else ""

    checked: bool = False


def run(store: Store, config: Config, path: Path, *, datakilde: str | None = None,
        check_only: bool = False, progress=None, kommuner: tuple[str, ...] = ()) -> Outcome:
    """Import ``path``: only the rows not already stored (``storage.imports``: identity with
    multiplicity), all in one transaction. ``kommuner``: other municipality numbers whose rows
    are accepted (``--kommune``)."""
    check_file_name(Path(path).name)
    kommuner = tuple(check_kommune(nr) for nr in kommuner)
    facts = scan(path)
    earlier = store.find_import(sha256=facts.sha256)  # the staging below locks nothing shared
    if earlier:
        raise _already_imported(store, config, earlier)
    reader = Reader(facts, config, datakilde=datakilde, progress=progress, kommuner=kommuner)
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
            raise _already_imported(store, config, earlier)
        warnings = _warnings(config, parsed)
        match = batch.match(config.zone, parsed.identity, parsed.keys)
        if check_only or match.new == 0:
            return Outcome(facts, parsed, None, warnings, match, checked=check_only)
        progress = progress or Quiet()
        progress.start("Gemmer", parsed.rows)
        record = batch.commit(
            sha256=facts.sha256, content_sha256=parsed.content_sha256, file_name=facts.path.name,
            layout=parsed.layout, encoding=facts.encoding_label.lower(),
            datakilde=reader.default_source, station=store.station,
            operator=store.operator, zone=config.zone,
        )
        progress.stop()
    # The match made again inside the transaction, if anything was written meanwhile.
    return Outcome(facts, parsed, record, warnings, batch.matched)


def _already_imported(store: Store, config: Config, earlier) -> Refusal:
    """The file's earlier import still counts: refuse, naming it and how to undo it."""
    number = import_number(store.imports(), earlier)
    return Refusal(duplicate_message(earlier, config.zone, number), "fil")


def check_kommune(nr: str) -> str:
    nr = str(nr).strip()
    if not (len(nr) == 3 and nr.isascii() and nr.isdigit()):
        raise Refusal(f'--kommune skal være et kommunenummer med tre cifre (fx 259), ikke "{escape(nr)}"',
                      "kommune")
    return nr


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
        lines.append(f"I alt ligner {plural(parsed.cpr_values, 'værdi', 'værdier')} i filen et CPR-nummer (linje {where}{more}). "
                     "Personoplysninger importeres aldrig: fjern dem, og find ud af, hvor de kom fra.")
    return "\n".join(lines)


def _warnings(config: Config, parsed: Parsed) -> list[str]:
    # Rows this app exported and that come back are matched by content (storage.imports), so the
    # old "counted twice?" warning about Datakilde Taelleuge is gone.
    warnings = []
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
        f"{_heading(outcome)}: {facts.path}",
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
    if outcome.match:
        lines.append(f"Resultat: {outcome.result}" + ("" if record or outcome.checked
                                                      else ". Intet nyt at importere."))
    if record:
        lines.append(f"Import-id: {record.id}")
    lines.append(f"SHA-256: {facts.sha256}")
    lines += [f"Advarsel: {w}" for w in outcome.warnings]
    return lines


def _heading(outcome: Outcome) -> str:
    if outcome.record:
        return "Importeret"
    if outcome.checked:
        return "Kontrolleret (intet importeret)"
    return "Intet importeret (alle rækker fandtes allerede)"


def _counts(counter) -> str:
    return ", ".join(f"{k or NO_UNIT} {n}" for k, n in sorted(counter.items()))


def _weeks(first: date, last: date) -> str:
    a = first.isocalendar()
    b = last.isocalendar()
    if (a[0], a[1]) == (b[0], b[1]):
        return f"uge {a[0]}-W{a[1]:02d}"
    return f"uge {a[0]}-W{a[1]:02d} – {b[0]}-W{b[1]:02d}"
