"""What the command line's ``registrer`` may do for whom: which unit, which task, which time.

The kiosk and SSH sessions are bound to a unit by their entry point; the command line is not, so
it is checked here. Staff register for their own unit (when the config maps users to units at
all), for the past 14 days at most; the coordinator registers for any unit and back into the
configured count weeks. Nobody registers in the future. Pure functions: the caller says who it is.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .config import Config, Unit
from .errors import Refusal

STAFF_DAYS_BACK = 14
# A batch larger than this from staff is more likely a typo (5000 for 50) than a real queue; the
# coordinator may enter up to registration.MAX_BATCH.
STAFF_MAX_BATCH = 500


def unit_for(config: Config, enhed: str | None, user: str, *, coordinator: bool) -> Unit:
    """``--enhed``, or when it is left out: the unit the login is mapped to, or the only unit."""
    if enhed is None:
        own = config.unit_for_user(user)
        if own is not None:
            enhed = own.code
        elif len(config.units) == 1:
            enhed = next(iter(config.units))
        else:
            raise Refusal(f"Angiv enheden med --enhed (brugeren {user} er ikke knyttet til én enhed "
                          f"i konfigurationen). Kendte enheder: {', '.join(config.units)}.", "enhed")
    return check_unit(config, enhed, user, coordinator=coordinator)


def check_count(count: int, *, coordinator: bool) -> None:
    if coordinator or count <= STAFF_MAX_BATCH:
        return
    raise Refusal(f"--antal {count} er mere, end der kan registreres på én gang fra skranken (højst "
                  f"{STAFF_MAX_BATCH}). Tjek tallet; er det rigtigt, så registrér i flere partier, "
                  "eller bed tovholderen om at gøre det.", "antal")


def check_unit(config: Config, enhed: str, user: str, *, coordinator: bool) -> Unit:
    unit = config.unit(enhed)  # an unknown unit is refused with the known ones
    if coordinator or not any(u.users for u in config.units.values()):
        return unit
    own = config.unit_for_user(user)
    if own is None:
        raise Refusal(f"Brugeren {user} er ikke knyttet til en enhed i konfigurationen (brugere = "
                      "[...]). Kun tovholderen kan registrere for andre enheder.", "enhed")
    if own.code != unit.code:
        raise Refusal(f"Brugeren {user} hører til {own.code} og kan kun registrere for den enhed, "
                      f"ikke for {unit.code}. Tovholderen kan registrere for alle enheder.", "enhed")
    return unit


def check_not_future(config: Config, end: datetime, now: datetime) -> None:
    if end > now:
        raise Refusal(f"Tidspunktet {end.astimezone(config.zone):%d-%m-%Y %H:%M} ligger i fremtiden. "
                      "Registrér, når henvendelsen har fundet sted.", "tid")


def check_time(config: Config, end: datetime, now: datetime, *, coordinator: bool) -> None:
    zone = config.zone
    check_not_future(config, end, now)
    if end >= now - timedelta(days=STAFF_DAYS_BACK):
        return
    day = end.astimezone(zone).date()
    if coordinator:
        if config.week_of(day) is None:
            raise Refusal(f"{day:%d-%m-%Y} ligger mere end {STAFF_DAYS_BACK} dage tilbage og uden for "
                          "tælleugerne i konfigurationen.", "tid")
        return
    raise Refusal(f"{day:%d-%m-%Y} ligger mere end {STAFF_DAYS_BACK} dage tilbage. Ældre "
                  "registreringer kan kun tovholderen lave.", "tid")


def task_warnings(unit: Unit, number: str, catalogue, day) -> list[str]:
    """Warnings for a task number outside the unit's package; a refusal when it is not in the
    package and the KLE file says it does not exist."""
    warnings = []
    in_package = any(t.kle == number for t in unit.tasks())
    if not in_package:
        if catalogue is not None and not knows(catalogue, number):
            raise Refusal(f"KLE-nummeret {number} findes ikke i KLE-filen (udgivet "
                          f"{catalogue.published or 'ukendt'}) og er ikke i {unit.code}s opgavepakke.",
                          "opgave")
        warnings.append(f"KLE-nummeret {number} er ikke i {unit.code}s opgavepakke.")
    if catalogue is not None:
        group_level = number.endswith(".00") and number not in catalogue.entries
        warning = catalogue.warning(number[:5] if group_level else number, day)  # unknown or retired
        if warning:
            warnings.append(warning)
    return warnings


def knows(catalogue, number: str) -> bool:
    """The KLE file has the number; ``NN.NN.00`` (a group-level task) counts as its group ``NN.NN``."""
    return number in catalogue.entries or (number.endswith(".00") and number[:5] in catalogue.entries)


def check_required_answers(unit: Unit, answers: dict[str, str], *, hint: bool = True) -> None:
    """A required local question (``paakraevet``, the default) needs an answer: the desk always
    asks it; ``registrer`` and the console's batch form must not leave it out either.
    ``hint``: name the command line's ``--svar``."""
    for question in unit.questions:
        if question.required and not answers.get(question.text):
            how = f' (på kommandolinjen: --svar "{question.text}={question.answers[0]}")' if hint else ""
            raise Refusal(
                f'Spørgsmålet "{question.text}" er påkrævet i {unit.code} og mangler et svar. '
                f'Mulige svar: {", ".join(question.answers)}{how}.',
                "svar",
            )
