"""One henvendelse: the checked entry to write (the row read back is ``storage.model.Registration``).

``new_entry`` is the single gate every staff registration passes (kiosk, SSH, CLI): it checks each
field against the config and codebook and refuses with a Danish message naming the bad value and
the allowed ones. Nothing is written until it has passed.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from . import kle
from .config import Config
from .errors import Refusal
from .model import Registration
from .timeutil import to_stored

DATAKILDE = "Taelleuge"
MAX_BATCH = 10_000
# Why a row was voided. A closed list on purpose: a free-text reason could end up holding
# something about a citizen, which this app never stores.
VOID_REASONS = {
    "FORTRUDT": "Fortrudt af den, der registrerede",
    "RETTELSE": "Rettet af tovholderen",
    "DUBLET": "Registreret to gange",
    "FEJLTASTNING": "Forkert opgave, kanal eller type",
}


@dataclass(frozen=True)
class Entry:
    """A checked registration of ``len(ids)`` identical henvendelser, ready to write."""

    kommune_nr: str
    kommune_navn: str
    enhed: str
    opgave: str
    kanal: str
    type: str | None
    afslutning: str | None
    blanket: str | None
    start: datetime | None
    end: datetime
    ids: tuple[str, ...]
    batch_id: str | None = None
    trial: bool = False
    answers: dict[str, str] = field(default_factory=dict)
    datakilde: str = DATAKILDE
    date_only: bool = False

    @property
    def count(self) -> int:
        return len(self.ids)

    def answers_json(self) -> str:
        return json.dumps(self.answers, ensure_ascii=False, sort_keys=True)

    def records(self, station: str, operator: str, created: datetime) -> list[Registration]:
        """The rows this entry writes: one per id, made by ``station``/``operator`` at ``created``."""
        start = to_stored(self.start) if self.start else None
        end = to_stored(self.end)
        made = to_stored(created)
        return [
            Registration(
                id=rid, kommune_nr=self.kommune_nr, kommune_navn=self.kommune_navn,
                enhed=self.enhed, opgave=self.opgave, kanal=self.kanal, type=self.type,
                afslutning=self.afslutning, blanket=self.blanket, start_utc=start, end_utc=end,
                date_only=self.date_only, datakilde=self.datakilde, station=station,
                operator=operator, answers=self.answers, trial=self.trial,
                batch_id=self.batch_id, replaces=None, created_utc=made,
            )
            for rid in self.ids
        ]


def new_entry(
    config: Config,
    *,
    enhed: str,
    opgave: str,
    kanal: str,
    type: str,
    end: datetime,
    afslutning: str = "STRAKS",
    blanket: str | None = "NEJ",
    start: datetime | None = None,
    trial: bool = False,
    count: int = 1,
    answers: dict[str, str] | None = None,
) -> Entry:
    """Check a staff registration against the config; raise Refusal, or return the Entry."""
    unit = config.unit(enhed)
    number = kle.normalise(opgave)
    book = config.codebook
    if kanal not in unit.channels:
        known = book.channels.get(kanal)
        why = ("er ukendt" if known is None else
               "må kun komme ind ved import" if not known.staff else f"bruges ikke i {unit.code}")
        raise Refusal(
            f'Kanalen "{kanal}" {why}. Tilladte i {unit.code}: {", ".join(unit.channels)}', "kanal"
        )
    channel = book.channels[kanal]
    task_type = book.type(type)
    closing = book.check_afslutning(afslutning)
    form = book.check_blanket(blanket)
    if not isinstance(count, int) or not 1 <= count <= MAX_BATCH:
        raise Refusal(f"Antal skal være et helt tal fra 1 til {MAX_BATCH}, ikke {count}", "antal")
    if start is not None and start > end:
        raise Refusal("Starttidspunktet ligger efter sluttidspunktet", "start")
    checked_answers = _check_answers(unit, answers or {})
    day = end.astimezone(config.zone).date()
    if not trial and config.unit_week_of(unit.code, day) is None:
        # The unit's own count weeks decide (``taelleuger``): a row outside them would be left
        # out of the report, so it can only be a trial row, as outside every week.
        own = config.unit_weeks(unit.code)
        weeks = ", ".join(f"{w.name} ({w.first:%d-%m-%Y}–{w.last:%d-%m-%Y})" for w in own)
        whose = f"{unit.code}s tælleuger" if unit.count_weeks else "tælleugerne"
        raise Refusal(
            f"{day:%d-%m-%Y} ligger uden for {whose} ({weeks or 'ingen er sat op'}). "
            "Kun prøveregistrering er mulig (på kommandolinjen: --proeve).",
            "tid",
        )
    ids = tuple(str(uuid.uuid4()) for _ in range(count))
    return Entry(
        kommune_nr=config.kommune_nr,
        kommune_navn=config.kommune_navn,
        enhed=unit.code,
        opgave=number,
        kanal=channel.code,
        type=task_type.code,
        afslutning=closing,
        blanket=form,
        start=start,
        end=end,
        ids=ids,
        batch_id=str(uuid.uuid4()) if count > 1 else None,
        trial=trial,
        answers=checked_answers,
    )


def _check_answers(unit, answers: dict[str, str]) -> dict[str, str]:
    questions = {q.text: q for q in unit.questions}
    for text, answer in answers.items():
        question = questions.get(text)
        if question is None:
            known = ", ".join(f'"{q}"' for q in questions) or "ingen"
            raise Refusal(f'Spørgsmålet "{text}" findes ikke i {unit.code}. Kendte: {known}', "svar")
        if answer not in question.answers:
            raise Refusal(
                f'Svaret "{answer}" er ikke en mulighed på "{text}". Tilladte: {", ".join(question.answers)}',
                "svar",
            )
    return dict(answers)
