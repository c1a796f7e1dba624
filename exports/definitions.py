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
# The municipalities' targets: outbound post, digital (Digital Post, Output Manager) against
# paper (letters, remote print); the afslutning that counts as settled at once.
DIGITAL_POST = ("DOKUD", "MGRUD")
PAPER_POST = ("PPRUD", "FPRNT")
STRAKS = "STRAKS"
# Data quality: inbound written channels, where STRAKS is rare; a unit's weekday with fewer rows
# than this share of its median weekday is "thin".
WRITTEN_CHANNELS = ("EMLIND", "DOCIND", "PPRIND", "SMSIND")
THIN_DAY_SHARE = 0.25

DEFINITIONS: tuple[tuple[str, str], ...] = (
    ("Transaktioner", "Henvendelser af en type med klassen transaktion (OPRET, STATUS). "
                      "En henvendelse uden type på en selvbetjeningskanal (fx SLVBTJN fra import) "
                      "er en transaktion."),
    ("Informationshenvendelser", "Alle andre henvendelser: typer med klassen information (INFO, "
                                 "VEJL, SLVBTJN, FEJL), ukendte typer og henvendelser uden type "
                                 "på andre kanaler end selvbetjening."),
    ("Digitale transaktioner", "Transaktioner på kanaler med klassen selvbetjening (fx SLVBTJN)."),
    ("Analoge transaktioner", "Alle andre transaktioner, også e-mail og Digital Post."),
    ("Retning", "Selvbetjeningsgrad og kanalvalg regnes som standard kun på indgående kanaler "
                "(playbogens \"kun de relevante indgående kanaler\"); transaktioner på udgående "
                "kanaler står for sig som udgående transaktioner. --retning alle regner dem med "
                "som analoge transaktioner."),
    ("Tælleuger", "En registrering tæller kun for sin enhed på en dag i enhedens tælleuger "
                  "([[enhed]] taelleuger, ellers alle [[taelleuge]]). Rækker uden for står under "
                  "Datakvalitet og tæller ikke med, medmindre --medtag-udenfor er valgt. Ligger "
                  "ingen konfigureret tælleuge i udvalget, bruges udvalgets ISO-uger."),
    ("Startdato, slutdato", "Første og sidste dag (lokal tid) med talte registreringer på "
                            "opgaven."),
    ("Antal dage", "Antal forskellige dage med talte registreringer på opgaven."),
    ("Faktor", f"Pr. enhed: {WEEKS_PER_YEAR} / antal af enhedens tælleuger i udvalget. Med "
               "--medtag-udenfor er antallet af uger enhedens tælleuger i udvalget plus de "
               "ISO-uger i udvalget, hvor enheden har medtagne rækker uden for sine tælleuger "
               "(en ISO-uge, som en tælleuge allerede dækker, tæller ikke to gange). Tabel 1 "
               "viser opgavens faktor, eller \"blandet\", når dens enheder har forskellige "
               "faktorer (enhedernes faktorer står nedenfor)."),
    ("Årligt tal", "Summen over enheder af enhedens optalte antal × enhedens faktor."),
    ("Selvbetjeningsgrad", "Digitale / (analoge + digitale) transaktioner × 100. Tom, når "
                           "opgaven ikke har transaktioner."),
    ("Kvadrant", "A: lav volumen, høj grad. B: lav volumen, lav grad. C: høj volumen, høj grad "
                 "(effektivisér sagsbehandlingen). D: høj volumen, lav grad (de kritiske: luk "
                 "eller omdiriger dyre kanaler). Volumen = årlige transaktioner. Høj = på eller "
                 "over tærsklen. Tom, når opgaven ikke har transaktioner."),
    ("Tærskler", f"Selvbetjeningsgrad: {DEFAULT_RATE_THRESHOLD:.0f} (KL's mål), ellers "
                 "--taerskel-grad. Volumen: medianen af de årlige transaktioner for opgaverne "
                 "med transaktioner, ellers --taerskel-volumen."),
    ("Kanalpolitik", "Kommunens egen kanalstrategi ([[kanalpolitik]]): pr. typeklasse eller "
                     "type er kanaler primære, sekundære eller uønskede. Pr. opgave og enhed: "
                     "andelen af de omfattede henvendelser, der kom på en uønsket kanal, med "
                     "årligt antal og årlig omkostning (kanalens pris for typeklassen)."),
    ("Kanalvalg", "For de valgte opgaver (--opgaver, ellers D-opgaverne): en pivot af opgave × "
                  "kanal for OPRET og for STATUS med antal, andel af typen og årlig omkostning "
                  "(antal × faktor × kanalens transaktionspris)."),
    ("Behandlingstid", "Slut − start i hele sekunder pr. opgave, kanal og type: antal med tid, "
                       "median og 90 %-fraktil (nærmeste rang). Rækker uden starttid er udeladt "
                       "og talt."),
    ("Straksafklaringsgrad", "STRAKS / (STRAKS + HOLD) × 100 pr. enhed og kanal."),
    ("Digital post", f"Udgående post: ({' + '.join(DIGITAL_POST)}) / ({' + '.join(DIGITAL_POST)} "
                     f"+ {' + '.join(PAPER_POST)}) × 100 pr. enhed."),
    ("Kanalmiks", "Med --sammenlign: hver kanals andel af alle henvendelser og dens årlige antal "
                  "i begge udvalg, med ændringen."),
    ("Enheder og afdelinger", "Tabel 1 og selvbetjeningsgraden pr. enhed og pr. afdeling "
                              "([[afdeling]]), med enhedens ansvarlige (en rolle)."),
    ("Datakvalitet", "Dubletter fra to importer (samme tid til sekundet, enhed, opgave, kanal, "
                     "type, afslutning og datakilde), rækker uden for tælleugerne, hverdage i "
                     "tælleugerne uden registreringer eller med under "
                     f"{THIN_DAY_SHARE:.0%} af enhedens mediandag, skriftlige kanaler "
                     f"({', '.join(WRITTEN_CHANNELS)}) registreret STRAKS, selvbetjeningskanaler "
                     "registreret af personale og andre kommuners rækker."),
    ("Papir", f"{PAPER_CHANNEL} pr. opgave: antal, årligt antal og årlig omkostning."),
    ("Information", f"{' og '.join(INFORMATION_TYPES)} pr. opgave og indgående kanal."),
    ("Omkostninger", "Årligt antal × konfigureret pris ([[pris]]) pr. kanal og typeklasse. "
                     "Uden pris beregnes ingen omkostning; en total med manglende priser siger "
                     "\"ufuldstændig: N kontakter uden pris\", og priserne står i noterne."),
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
