"""``taelleuge init --config FIL --kommune 259``: a commented starter config in Danish.

It holds the municipality's number, one example unit, a count week to correct, and KL's 2013 task
package as a ``[[pakke]]``: KLE numbers with the package's own short names (domain reference §9;
KL's KLE titles themselves are not licensed for redistribution and never ship here: they come
from the municipality's own KLE file, ``kle_fil``). The text is loaded with the real loader
before it is written, so what ``init`` writes always loads.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

from . import config as cfg
from . import config_guard
from .errors import ConfigError, Refusal

PACKAGE = "kl2013"
# KL's 2013 package (§9) in desk order: 45 tasks, 24 items at the top level (16 tasks and eight
# groups), every task key step 1 has with the built-in types (storage.keys.task_keys).
KL2013: tuple[tuple[str, str] | tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("23.05.10", "Flytning"), ("23.09.02", "Pas"), ("23.09.04", "Kørekort"),
    ("29.03.04", "Sundhedskort"), ("29.03.99", "EU-sygesikringskort"), ("29.03.12", "Valg af læge"),
    ("23.05.12", "Indrejse/udrejse"), ("23.05.05", "Navne- og adressebeskyttelse"),
    ("23.01.00", "Vielse/partnerskab"), ("32.42.08", "Begravelseshjælp"),
    ("09.13.00", "Skadedyr (rotter)"), ("07.18.00", "Affald"), ("02.00.20", "BBR"),
    ("02.34.02", "Byggetilladelse"),
    ("Lokaler", (("18.15.12", "Lån af lokaler"), ("82.16.00", "Udleje af lokaler"))),
    ("Skat", (("25.02.09", "Lån til ejendomsskat"), ("25.10.00", "Skat, person"))),
    ("Hjælpemidler m.m.", (("27.60.00", "Hjælpemidler"), ("27.60.04", "Kropsbårne hjælpemidler"))),
    ("27.45.00", "Boligtilbud"), ("27.37.04", "Administrationsaftaler"),
    ("Boligstøtte", (("32.06.04", "Boligydelse"), ("32.06.08", "Boligsikring"),
                     ("32.06.12", "Boligsikring, førtidspension"))),
    ("Børn og familie", (
        ("32.09.00", "Børnetilskud"), ("32.12.00", "Børne- og ungeydelse"),
        ("32.15.00", "Underholdsbidrag"), ("32.18.04", "Merudgifter børn"),
        ("32.18.08", "Merudgifter voksne"), ("32.18.12", "Tabt arbejdsfortjeneste"))),
    ("Pension og tillæg", (
        ("32.03.04", "Folkepension"), ("32.03.08", "Opsat pension"), ("32.03.10", "Varmetillæg"),
        ("32.03.12", "Personligt tillæg"), ("32.03.14", "Bistands- og plejetillæg"),
        ("32.03.16", "Førtidspension"), ("32.03.20", "Invaliditetsydelse"))),
    ("Dagpenge og ydelser", (
        ("32.30.04", "Sygedagpenge"), ("32.30.08", "Barselsdagpenge"),
        ("32.30.12", "Dagpenge ved syge børn"), ("32.21.00", "Enkeltydelse"),
        ("32.24.04", "Kontanthjælp"))),
    ("Børn, skole og dagtilbud", (
        ("17.13.10", "SFO"), ("17.20.01", "Skoleindskrivning"), ("28.09.40", "Optagelse i dagtilbud"),
        ("28.09.44", "Tilskud til dagtilbud"))),
)

_NUMBER = re.compile(r"[0-9]{3}")


def check_kommune(text: str) -> int:
    """``--kommune``: the municipality's three-digit number (as the loader wants it: 100-999)."""
    text = text.strip()
    if not (text.isascii() and _NUMBER.fullmatch(text)) or int(text) < 100:
        raise Refusal(f'--kommune skal være kommunens tre-cifrede nummer (fx 259 for Køge), ikke '
                      f'"{text}"', "kommune")
    return int(text)


def _string(text: str) -> str:
    """A TOML basic string (JSON's escaping is valid TOML for the characters a name has)."""
    return json.dumps(text, ensure_ascii=False)


def next_week_43(today: date) -> tuple[date, date]:
    """The coming week 43 (the usual autumn count week): this year's if not over yet."""
    for year in (today.year, today.year + 1):
        monday = date.fromisocalendar(year, 43, 1)
        if monday + timedelta(days=6) >= today:
            return monday, monday + timedelta(days=6)
    raise AssertionError("unreachable")


def _package_lines() -> list[str]:
    lines = []
    for item in KL2013:
        if isinstance(item[1], tuple):
            lines.append(f"  {{ gruppe = {_string(item[0])}, opgaver = [")
            lines.extend(f"    {{ kle = \"{kle}\", navn = {_string(name)} }}," for kle, name in item[1])
            lines.append("  ] },")
        else:
            lines.append(f"  {{ kle = \"{item[0]}\", navn = {_string(item[1])} }},")
    return lines


def render(kommune: int, name: str, today: date) -> str:
    first, last = next_week_43(today)
    year = first.isocalendar().year
    navn = _string(name)
    return "\n".join([
        "# Tælleuge: kommunens konfiguration (TOML). Startfil skrevet af taelleuge init.",
        "# Ret den til, og tjek den med: taelleuge opsaetning --config DENNE-FIL",
        "# Linjer, der begynder med #, er kommentarer. Tekst står i anførselstegn.",
        "",
        "# Kommunens nummer og navn, som de står i filerne til Det Digitale Landkort.",
        f"kommunenummer = {kommune}",
        f"kommunenavn = {navn}  # ret til kommunens navn",
        'tidszone = "Europe/Copenhagen"',
        "",
        "# Hvor databasen ligger (standard: brugerens datamappe). En fælles fil for alle skranker:",
        '# database = "/var/lib/taelleuge/taelleuge.db"',
        "",
        "# Kommunens egen KLE-fil (KL's KLE-Emneplan i XML, under kommunens eget abonnement).",
        "# Med den tjekker opsaetning og skranken, at opgaverne findes og ikke er udgået.",
        '# kle_fil = "/etc/taelleuge/kle-emneplan.xml"',
        "",
        "# Tovholderen: OS-gruppen, der må eksportere, importere, rette og se historikken.",
        "# [koordinator]",
        '# gruppe = "taelleuge-tovholder"',
        "",
        "# Tælleugerne (fra og til er med). Datoerne herunder er kun et forslag: ret dem.",
        "[[taelleuge]]",
        f'navn = "Uge 43 {year}"',
        f"fra = {first.isoformat()}",
        f"til = {last.isoformat()}",
        "",
        "# En forårsuge mere? Fjern # foran de fire linjer, og ret datoerne.",
        "# [[taelleuge]]",
        f'# navn = "Uge 11 {year + 1}"',
        f"# fra = {date.fromisocalendar(year + 1, 11, 1).isoformat()}",
        f"# til = {date.fromisocalendar(year + 1, 11, 7).isoformat()}",
        "",
        "# KL's opgavepakke fra 2013: KLE-numre med pakkens korte navne. En enhed bruger den med",
        f'# pakker = ["{PACKAGE}"]; enhedens egne opgaver lægges til, og en egen opgave med samme',
        "# KLE-nummer giver opgaven et andet navn. Tasterne er 1-9 og de bogstaver, typerne, HOLD og",
        "# blanket ikke bruger (27 med de indbyggede typer), i denne rækkefølge;",
        "# grupper samler opgaver under én tast. Flere pakker: endnu en [[pakke]] med sit eget navn.",
        "[[pakke]]",
        f'navn = "{PACKAGE}"',
        "opgaver = [",
        *_package_lines(),
        "]",
        "",
        "# En enhed pr. skranke eller team. Koden står i filerne: kommunens nummer + et navn.",
        "[[enhed]]",
        f'kode = "{kommune}borgerservice"',
        'navn = "Borgerservice"',
        "# Kanalen skranken starter med, og de kanaler personalet kan vælge (F2).",
        'kanal = "PRSNLG"',
        'kanaler = ["PRSNLG", "TLFIND", "TLFUD", "EMLIND", "EMLUD", "DOCIND", "DOKUD", "PPRIND", "PPRUD"]',
        f'pakker = ["{PACKAGE}"]',
        "# Egne opgaver lægges til pakkens; en med et KLE-nummer fra pakken giver den et lokalt navn:",
        '# opgaver = [{ kle = "02.34.02", navn = "Byggesag" }]',
        "# Brugere (OS-konti), der registrerer for enheden:",
        '# brugere = ["skranke1", "skranke2"]',
        "",
        "# Et lokalt spørgsmål stilles efter typen; faste svar, aldrig fritekst. Fjern # for at bruge det.",
        "# [[enhed.spoergsmaal]]",
        '# tekst = "Alder"',
        '# svar = ["Under 65", "Over 65", "Ukendt"]',
        "# paakraevet = false",
        "",
    ])


def starter(kommune_text: str, name: str | None, today: date, source: str) -> str:
    """The starter config's text, checked by the real loader (a name that would make it fail,
    such as one beginning with =, is refused here with the loader's words)."""
    kommune = check_kommune(kommune_text)
    text = render(kommune, name.strip() if name and name.strip() else f"Kommune {kommune}", today)
    try:
        cfg.parse(config_guard.parse_toml(text, source), source)
    except ConfigError as error:
        if error.key != "kommunenavn":
            raise
        raise Refusal(f"--navn {error.problem}; intet er skrevet", "navn") from None
    return text
