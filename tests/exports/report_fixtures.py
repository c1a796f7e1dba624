"""A hand-computed fixture for ``taelleuge rapport``: six tasks, several channels, two count weeks,
a unit that counted only the second week, stray rows, a channel policy and a department.

Municipality 259 "Testby", count weeks "Uge 43" (19-25 October 2026) and "Uge 44" (26 October -
1 November). 259borgerservice counts both (factor 52 / 2 = 26), 259telefon only "Uge 44" (factor
52), imported rows without a unit both (26). Clocks go back on Sunday 25 October 2026 at 03:00, so
two rows sit on either side of a local midnight that a UTC date would get wrong. Staff rows go
through ``new_entry`` and ``Store.record``; self-service and untyped rows (which staff cannot
register) are raw INSERTs like an import makes (tests/dbrows.py, on either engine). One trial row, one voided row and one row in W45
must never count; 259telefon's rows in W43 are outside its count weeks (reported, not counted).

Every figure of ``EXPECTED_CSV`` is worked out by hand in the comments of ``build``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import dbrows
from storage import config as cfgmod
from storage.interface import Store
from storage.open import open_store
from storage.registration import new_entry
from storage.timeutil import to_stored
from support import REPO, SAMPLES

ZONE = ZoneInfo("Europe/Copenhagen")
UNIT = "259borgerservice"

CONFIG = f"""\
kommunenummer = 259
kommunenavn = "Testby"
tidszone = "Europe/Copenhagen"
kle_fil = "{SAMPLES / 'kle-emneplan-sample.xml'}"

[[enhed]]
kode = "259borgerservice"
navn = "Borgerservice"
kanal = "PRSNLG"
kanaler = ["PRSNLG", "TLFIND", "TLFUD", "EMLIND", "PPRIND", "DOCIND"]
opgaver = [
  {{ kle = "23.05.10", navn = "Flytning" }},
  {{ kle = "23.09.02", navn = "Pas" }},
  {{ kle = "29.03.04", navn = "Sundhedskort" }},
  {{ kle = "02.00.20", navn = "BBR" }},
]

ansvarlig = "Teamleder, Borgerservice"

[[enhed]]
kode = "259telefon"
navn = "Telefonen"
kanal = "TLFIND"
kanaler = ["TLFIND", "TLFUD"]
opgaver = [{{ kle = "02.00.20", navn = "BBR" }}]
taelleuger = ["Uge 44"]

[[afdeling]]
navn = "Borgerservice"
enheder = ["259borgerservice", "259telefon"]

[[kanalpolitik]]
typeklasse = "transaktion"
primaer = ["SLVBTJN"]
sekundaer = ["TLFIND"]
uoensket = ["PRSNLG", "PPRIND"]

[[kanalpolitik]]
type = "STATUS"
primaer = ["SLVBTJN"]
sekundaer = ["TLFIND", "PRSNLG"]
uoensket = ["PPRIND"]

[[taelleuge]]
navn = "Uge 43"
fra = 2026-10-19
til = 2026-10-25

[[taelleuge]]
navn = "Uge 44"
fra = 2026-10-26
til = 2026-11-01

[[pris]]
kanal = "PRSNLG"
transaktion = 95
information = 80

[[pris]]
kanal = "PPRIND"
transaktion = 90

[[pris]]
kanal = "TLFIND"
transaktion = 55
information = 45

[[pris]]
kanal = "SLVBTJN"
transaktion = 20
information = 20
"""

HEADER = ("KLE;Opgave;Startdato;Slutdato;Antal dage;Faktor;Analoge transaktioner;"
          "Årlige analoge transaktioner;Digitale transaktioner;Årlige digitale transaktioner;"
          "Informationshenvendelser;Årlige informationshenvendelser;Selvbetjeningsgrad;Kvadrant")

# Median of the yearly transactions of the tasks that have some: 78, 78, 260, 260, 416 → 260.
EXPECTED_CSV = [
    HEADER,
    # 259borgerservice PRSNLG OPRET 1 (factor 26) + 259telefon TLFIND OPRET 1 (factor 52): analog
    # 2, yearly 26 + 52 = 78; TLFIND INFO 3 (telefon) = 156; days 20 and 30 October; the factors
    # differ: "blandet"; rate 0/2 = 0; 78 < 260 → B. Telefon's W43 rows are not counted.
    "02.00.20;BBR;20-10-2026;30-10-2026;2;blandet;2;78,00;0;0,00;3;156,00;0,0;B",
    # not in any package, not in the KLE file: no name; information only: no rate, no quadrant
    "23.01.00;;30-10-2026;30-10-2026;1;26,00;0;0,00;0;0,00;2;52,00;;",
    # factor 26: analog PRSNLG OPRET 3 + EMLIND STATUS 1 (e-mail is not self-service) = 4 (the
    # outbound TLFUD STATUS is apart); digital SLVBTJN OPRET 4 + SLVBTJN untyped 2 = 6;
    # information VEJL 2 + SLVBTJN type 1 = 3; days 19, 20, 26 (00:30 local, still 25 in UTC),
    # 27, 28; rate 6/10 = 60; 260 ≥ 260 → D
    "23.05.10;Flytning;19-10-2026;28-10-2026;5;26,00;4;104,00;6;156,00;3;78,00;60,0;D",
    # factor 26: analog PPRIND OPRET 2 (Sunday 23:30 local = 22:30Z) + PRSNLG STATUS 13 = 15;
    # digital 1; information PPRIND INFO 1; rate 1/16 = 6.25 → 6.3 (half up); 416 → D
    "23.09.02;Pas;22-10-2026;25-10-2026;2;26,00;15;390,00;1;26,00;1;26,00;6,3;D",
    # factor 26: digital SLVBTJN OPRET 9 (W43), analog PRSNLG OPRET 1 (W44); 90 % → C
    "29.03.04;Sundhedskort;21-10-2026;29-10-2026;2;26,00;1;26,00;9;234,00;0;0,00;90,0;C",
    # name from the KLE file; SLVBTJN OPRET 3, unit '' (import; one of them a duplicate from a
    # second import, still counted); 78 < 260, 100 % → A
    "99.01.02;Udstedelse af prøvebevis;19-10-2026;19-10-2026;1;26,00;0;0,00;3;78,00;0;0,00;100,0;A",
]

# Yearly figures by channel and type class (count × the unit's factor), for "Omkostninger".
EXPECTED_COSTS = {
    ("EMLIND", "transaktion"): (1, 26.0, None),           # 23.05.10 STATUS 1 × 26; no price
    ("PPRIND", "information"): (1, 26.0, None),           # 23.09.02 INFO 1 × 26; no price
    ("PPRIND", "transaktion"): (2, 52.0, 4680.0),         # 2 × 26 × 90
    ("PRSNLG", "information"): (2, 52.0, 4160.0),         # VEJL 2 × 26 × 80
    ("PRSNLG", "transaktion"): (18, 468.0, 44460.0),      # (3 + 13 + 1 + 1) × 26; × 95
    ("SLVBTJN", "transaktion"): (19, 494.0, 9880.0),      # (6 + 1 + 9 + 3) × 26; × 20
    ("TLFIND", "information"): (6, 234.0, 10530.0),       # 1×26 + 3×52 (telefon) + 2×26; × 45
    ("TLFIND", "transaktion"): (1, 52.0, 2860.0),         # 1 × 52 (telefon) × 55
    ("TLFUD", "transaktion"): (1, 26.0, None),            # 23.05.10 STATUS 1 × 26; no price
}
EXPECTED_TOTAL = (51, 1430.0, 76570.0)
EXPECTED_UNPRICED = 3  # EMLIND 1, PPRIND information 1, TLFUD 1

# The channel policy per task and unit (transactions: PRSNLG and PPRIND unwanted; STATUS:
# PPRIND unwanted, PRSNLG secondary): (covered, unwanted, yearly unwanted, yearly cost).
EXPECTED_POLICY = [
    ("23.05.10", "259borgerservice", 5, 3, 78.0, 7410.0),    # PRSNLG OPRET 3 × 26 × 95
    ("23.09.02", "259borgerservice", 15, 2, 52.0, 4680.0),   # PPRIND OPRET 2 × 26 × 90
    ("02.00.20", "259borgerservice", 1, 1, 26.0, 2470.0),    # PRSNLG OPRET 1 × 26 × 95
    ("29.03.04", "259borgerservice", 1, 1, 26.0, 2470.0),
    ("02.00.20", "259telefon", 1, 0, 0.0, 0.0),
    ("23.05.10", "(uden enhed)", 6, 0, 0.0, 0.0),
    ("23.09.02", "(uden enhed)", 1, 0, 0.0, 0.0),
    ("29.03.04", "(uden enhed)", 9, 0, 0.0, 0.0),
    ("99.01.02", "(uden enhed)", 3, 0, 0.0, 0.0),
    ("I alt", "", 42, 7, 182.0, 17030.0),
]


def local(text: str) -> datetime:
    return datetime.strptime(text, "%d-%m-%Y %H:%M").replace(tzinfo=ZONE)


def an_import(db: Path | str, name: str) -> str:
    """An ``imports`` record, so raw rows can point to it (as an import's rows do)."""
    ident = str(uuid.uuid4())
    dbrows.insert(db, "imports", [dict(
        id=ident, sha256=f"sha-{ident}", content_sha256=f"content-{ident}", file_name=name,
        layout="raadata", encoding="iso-8859-1", row_count=1, datakilde="Import", station="import",
        operator="tester", created_utc="2026-11-02T10:00:00.000000Z")])
    return ident


def raw(db: Path | str, *, opgave: str, kanal: str, type: str | None, when: str, count: int = 1,
        enhed: str = "", trial: int = 0, datakilde: str = "Import", kommune: str = "259",
        import_id: str | None = None) -> None:
    """Rows as an import writes them (staff cannot register self-service or untyped rows)."""
    stored = to_stored(local(when))
    dbrows.insert(db, "registrations", [dbrows.registration(
        id=str(uuid.uuid4()), kommune_nr=kommune, kommune_navn="Testby", enhed=enhed,
        opgave=opgave, kanal=kanal, type=type, afslutning=None, blanket=None, end_utc=stored,
        datakilde=datakilde, station="import", operator="tester", trial=trial,
        created_utc=stored, import_id=import_id) for _ in range(count)])


def report_store(db: Path | str) -> Store:
    """The store a report reads (``taelleuge rapport`` opens it the same way)."""
    return open_store(db, station="test-station", operator="tester")


def staff(store: Store, config, *, opgave: str, kanal: str, type: str, when: str, count: int = 1,
          enhed: str = UNIT, trial: bool = False, afslutning: str = "STRAKS",
          seconds: int | None = None, outside: bool = False) -> list[str]:
    """``seconds``: the entry's handling time (start = end − seconds); None: no start time.
    ``outside``: a counted row outside the unit's own count weeks, which the desk refuses today;
    written as if before the unit's ``taelleuger`` were set (a config changed afterwards)."""
    if outside:
        units = dict(config.units)
        units[enhed] = replace(units[enhed], count_weeks=())
        config = replace(config, units=units)
    end = local(when)
    start = None if seconds is None else end - timedelta(seconds=seconds)
    return store.record(new_entry(config, enhed=enhed, opgave=opgave, kanal=kanal, type=type,
                                  end=end, count=count, trial=trial, afslutning=afslutning,
                                  start=start))


def write_config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, "utf-8")
    return path


def build(tmp_path: Path, db: Path | str | None = None):
    """Config path, loaded config and database location of the hand-computed fixture (``db``: an
    empty location, e.g. the ``db_path`` fixture; default an SQLite file in tmp_path)."""
    config_path = write_config(tmp_path)
    config = cfgmod.load(config_path)
    db = tmp_path / "rapport.db" if db is None else db
    with open_store(db, station="test-station", operator="tester", create=True) as store:
        # 23.05.10 Flytning
        staff(store, config, opgave="23.05.10", kanal="PRSNLG", type="OPRET", when="19-10-2026 10:00", count=3)
        staff(store, config, opgave="23.05.10", kanal="EMLIND", type="STATUS", when="20-10-2026 09:00")
        staff(store, config, opgave="23.05.10", kanal="PRSNLG", type="VEJL", when="28-10-2026 11:00", count=2)
        staff(store, config, opgave="23.05.10", kanal="TLFIND", type="SLVBTJN", when="28-10-2026 12:00")
        staff(store, config, opgave="23.05.10", kanal="PRSNLG", type="OPRET", when="21-10-2026 10:00",
              count=5, trial=True)  # trial: never counts
        voided = staff(store, config, opgave="23.05.10", kanal="PRSNLG", type="OPRET",
                       when="22-10-2026 10:00")
        store.void(voided, "FEJLTASTNING")  # voided: never counts
        staff(store, config, opgave="23.05.10", kanal="TLFUD", type="STATUS", when="27-10-2026 09:00")
        # 23.09.02 Pas: handling times 10 × 60 s and 3 × 300 s (median 60, 90 % fraktil 300)
        staff(store, config, opgave="23.09.02", kanal="PPRIND", type="OPRET", when="25-10-2026 23:30", count=2)
        staff(store, config, opgave="23.09.02", kanal="PRSNLG", type="STATUS", when="22-10-2026 13:00",
              count=10, seconds=60)
        staff(store, config, opgave="23.09.02", kanal="PRSNLG", type="STATUS", when="22-10-2026 13:10",
              count=3, seconds=300)
        staff(store, config, opgave="23.09.02", kanal="PPRIND", type="INFO", when="22-10-2026 14:00")
        # 29.03.04 Sundhedskort
        staff(store, config, opgave="29.03.04", kanal="PRSNLG", type="OPRET", when="29-10-2026 09:00")
        # 02.00.20 BBR: one desk row (factor 26) and the phone unit, which counts W44 only (52)
        staff(store, config, opgave="02.00.20", kanal="PRSNLG", type="OPRET", when="20-10-2026 11:00")
        staff(store, config, opgave="02.00.20", kanal="TLFIND", type="OPRET", when="30-10-2026 09:00",
              enhed="259telefon")
        staff(store, config, opgave="02.00.20", kanal="TLFIND", type="INFO", when="30-10-2026 10:00",
              count=3, enhed="259telefon", afslutning="HOLD")
        # The phone unit in W43, outside its count week: reported, never counted
        staff(store, config, opgave="02.00.20", kanal="TLFIND", type="OPRET", when="21-10-2026 09:00",
              count=2, enhed="259telefon", outside=True)
        # 23.01.00: any KLE number may be counted, in a package or not
        staff(store, config, opgave="23.01.00", kanal="TLFIND", type="VEJL", when="30-10-2026 11:00", count=2)
    raw(db, opgave="23.05.10", kanal="SLVBTJN", type="OPRET", when="20-10-2026 15:00", count=4)
    raw(db, opgave="23.05.10", kanal="SLVBTJN", type=None, when="26-10-2026 00:30", count=2)
    raw(db, opgave="23.05.10", kanal="SLVBTJN", type="OPRET", when="02-11-2026 10:00", count=7)  # W45
    raw(db, opgave="23.09.02", kanal="SLVBTJN", type="OPRET", when="22-10-2026 16:00")
    raw(db, opgave="29.03.04", kanal="SLVBTJN", type="OPRET", when="21-10-2026 08:00", count=9)
    # 99.01.02: two rows from one extract, and the same content again from a second import
    first, second = an_import(db, "uge43.csv"), an_import(db, "uge43-igen.csv")
    raw(db, opgave="99.01.02", kanal="SLVBTJN", type="OPRET", when="19-10-2026 12:00", count=2,
        import_id=first)
    raw(db, opgave="99.01.02", kanal="SLVBTJN", type="OPRET", when="19-10-2026 12:00",
        import_id=second)
    # Outside the phone unit's count week too: a web visit from TraceTool (self-service registered
    # by staff) and a row of another municipality
    raw(db, opgave="02.00.20", kanal="WEB", type=None, when="22-10-2026 09:00", enhed="259telefon",
        datakilde="Tracetool")
    raw(db, opgave="02.00.20", kanal="TLFIND", type="OPRET", when="21-10-2026 11:00",
        enhed="259telefon", kommune="260")
    return config_path, config, db


def run_cli(config_path: Path, db: Path | str, *args: str) -> subprocess.CompletedProcess:
    # os.environ as the autouse fixture left it: no developer config or DB leaks in.
    env = {**os.environ, "TAELLEUGE_DB": str(db), "TAELLEUGE_CONFIG": str(config_path),
           "TAELLEUGE_OPERATOR": "tester", "TAELLEUGE_STATION": "test-station"}
    return subprocess.run([sys.executable, "-m", "tui", "rapport", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=120)
