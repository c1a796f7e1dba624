"""The report's definitions, in Danish: one text for ``taelleuge rapport --help``, the workbook's
``Definitioner`` sheet and the README. Pure data, no imports, so the CLI can show it cheaply."""

from __future__ import annotations

# KL's target for the self-service rate on the mandatory tasks ("KOMHEN i spil", 2015).
DEFAULT_RATE_THRESHOLD = 80.0
WEEKS_PER_YEAR = 52
# Deep dive 2 ("Papir"): the inbound paper letter.
PAPER_CHANNEL = "PPRIND"
# Deep dive 4 ("Information"): advice and help with self-service, on inbound channels.
INFORMATION_TYPES = ("VEJL", "SLVBTJN")

DEFINITIONS: tuple[tuple[str, str], ...] = (
    ("Transaktioner", "Henvendelser af en type med klassen transaktion (OPRET, STATUS). "
                      "En henvendelse uden type på en selvbetjeningskanal (fx SLVBTJN fra import) "
                      "er en transaktion."),
    ("Informationshenvendelser", "Alle andre henvendelser: typer med klassen information (INFO, "
                                 "VEJL, SLVBTJN, FEJL), ukendte typer og henvendelser uden type "
                                 "på andre kanaler end selvbetjening."),
    ("Digitale transaktioner", "Transaktioner på kanaler med klassen selvbetjening (fx SLVBTJN)."),
    ("Analoge transaktioner", "Alle andre transaktioner, også e-mail og Digital Post."),
    ("Startdato, slutdato", "Første og sidste dag (lokal tid) med registreringer på opgaven."),
    ("Antal dage", "Antal forskellige dage med registreringer på opgaven."),
    ("Faktor", f"{WEEKS_PER_YEAR} / antal ISO-uger i udvalget, hvor opgaven har mindst én "
               "registrering."),
    ("Årligt tal", "Optalt antal × opgavens faktor."),
    ("Selvbetjeningsgrad", "Digitale / (analoge + digitale) transaktioner × 100. Tom, når "
                           "opgaven ikke har transaktioner."),
    ("Kvadrant", "A: lav volumen, høj grad. B: lav volumen, lav grad. C: høj volumen, høj grad "
                 "(effektivisér sagsbehandlingen). D: høj volumen, lav grad (de kritiske: luk "
                 "eller omdiriger dyre kanaler). Volumen = årlige transaktioner. Høj = på eller "
                 "over tærsklen. Tom, når opgaven ikke har transaktioner."),
    ("Tærskler", f"Selvbetjeningsgrad: {DEFAULT_RATE_THRESHOLD:.0f} (KL's mål), ellers "
                 "--taerskel-grad. Volumen: medianen af de årlige transaktioner for opgaverne "
                 "med transaktioner, ellers --taerskel-volumen."),
    ("Kanalvalg", "For hver D-opgave: kanalerne brugt til hver transaktionstype (OPRET, STATUS), "
                  "med antal og andel af typen."),
    ("Papir", f"{PAPER_CHANNEL} pr. opgave: antal, årligt antal og årlig omkostning."),
    ("Information", f"{' og '.join(INFORMATION_TYPES)} pr. opgave og indgående kanal."),
    ("Omkostninger", "Årligt antal × konfigureret pris ([[pris]]) pr. kanal og typeklasse. "
                     "Uden pris beregnes ingen omkostning; de manglende priser står i noterne."),
    ("Med i tallene", "Kun levende registreringer: ikke prøveregistreringer og ikke annullerede."),
)


def help_text() -> str:
    """The definitions as plain text for ``--help`` (wrapped by hand, 100 columns)."""
    import textwrap

    lines = ["Definitioner:"]
    for term, text in DEFINITIONS:
        lines.extend(textwrap.wrap(f"{term}: {text}", width=98, initial_indent="  ",
                                   subsequent_indent="    "))
    return "\n".join(lines)
