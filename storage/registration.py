"""One henvendelse: the checked entry to write, and the row read back.

``new_entry`` is the single gate every staff registration passes (kiosk, SSH, CLI): it checks each
field against the config and codebook and refuses with a Danish message naming the bad value and
the allowed ones. Nothing is written until it has passed.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import kle
from .config import Config
from .errors import Refusal

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


@dataclass(frozen=True)
class Registration:
    """A row of the registrations table, as read back."""

    id: str
    kommune_nr: str
    kommune_navn: str
    enhed: str
    opgave: str
    kanal: str
    type: str | None
    afslutning: str | None
    blanket: str | None
    start_utc: str | None
    end_utc: str
    date_only: bool
    datakilde: str
    station: str
    operator: str
    answers: dict[str, Any]
    trial: bool
    batch_id: str | None
    replaces: str | None
    created_utc: str
    voided: bool = False

    COLUMNS = (
        "id, kommune_nr, kommune_navn, enhed, opgave, kanal, type, afslutning, blanket, start_utc, "
        "end_utc, date_only, datakilde, station, operator, answers, trial, batch_id, replaces, "
        "created_utc"
    )

    @classmethod
    def from_row(cls, row: tuple, voided: bool = False) -> Registration:
        values = list(row)
        values[11] = bool(values[11])
        values[15] = json.loads(values[15])
        values[16] = bool(values[16])
        return cls(*values, voided=voided)


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
    if not trial and config.week_of(day) is None:
        weeks = ", ".join(f"{w.name} ({w.first:%d-%m-%Y}–{w.last:%d-%m-%Y})" for w in config.weeks)
        raise Refusal(
            f"{day:%d-%m-%Y} ligger uden for tælleugerne ({weeks or 'ingen er sat op'}). "
            "Kun prøveregistrering er mulig.",
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
