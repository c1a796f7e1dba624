"""A hand-computed fixture for ``taelleuge rapport``: six tasks, several channels, two count weeks.

Municipality 259 "Testby", count weeks 2026-W43 (19-25 October) and 2026-W44 (26 October -
1 November). Clocks go back on Sunday 25 October 2026 at 03:00, so two rows sit on either side of
a local midnight that a UTC date would get wrong. Staff rows go through ``new_entry`` and
``Store.record``; self-service and untyped rows (which staff cannot register) are raw INSERTs like
an import makes. One trial row, one voided row and one row in W45 must never count.

Every figure of ``EXPECTED_CSV`` is worked out by hand in the comments of ``build``.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from storage import config as cfgmod
from storage.registration import new_entry
from storage.sqlite.store import SqliteStore as Store
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

[[enhed]]
kode = "259telefon"
navn = "Telefonen"
kanal = "TLFIND"
opgaver = [{{ kle = "02.00.20", navn = "BBR" }}]

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

# Median of the yearly transactions of the tasks that have some: 52, 156, 260, 260, 832 → 260.
EXPECTED_CSV = [
    HEADER,
    # W44 only (factor 52): TLFIND OPRET 1 (analog), TLFIND INFO 3; rate 0/1 = 0; 52 < 260 → B
    "02.00.20;BBR;30-10-2026;30-10-2026;1;52,00;1;52,00;0;0,00;3;156,00;0,0;B",
    # not in any package, not in the KLE file: no name; information only: no rate, no quadrant
    "23.01.00;;30-10-2026;30-10-2026;1;52,00;0;0,00;0;0,00;2;104,00;;",
    # W43+W44 (factor 26): analog PRSNLG OPRET 3 + EMLIND STATUS 1 (e-mail is not self-service)
    # = 4; digital SLVBTJN OPRET 4 + SLVBTJN untyped 2 = 6; information VEJL 2 + SLVBTJN type 1
    # = 3; days 19, 20, 26 (00:30 local, still 25 in UTC), 28; rate 6/10 = 60; 260 ≥ 260 → D
    "23.05.10;Flytning;19-10-2026;28-10-2026;4;26,00;4;104,00;6;156,00;3;78,00;60,0;D",
    # W43 only (factor 52): analog PPRIND OPRET 2 (Sunday 23:30 local = 22:30Z) + PRSNLG STATUS 13
    # = 15; digital 1; information PPRIND INFO 1; rate 1/16 = 6.25 → 6.3 (half up); 832 → D
    "23.09.02;Pas;22-10-2026;25-10-2026;2;52,00;15;780,00;1;52,00;1;52,00;6,3;D",
    # W43+W44 (factor 26): digital SLVBTJN OPRET 9 (W43), analog PRSNLG OPRET 1 (W44); 90 % → C
    "29.03.04;Sundhedskort;21-10-2026;29-10-2026;2;26,00;1;26,00;9;234,00;0;0,00;90,0;C",
    # name from the KLE file; W43 only: SLVBTJN OPRET 3, unit '' (import); 156 < 260, 100 % → A
    "99.01.02;Udstedelse af prøvebevis;19-10-2026;19-10-2026;1;52,00;0;0,00;3;156,00;0;0,00;100,0;A",
]

# Yearly figures by channel and type class (count × the task's factor), for "Omkostninger".
EXPECTED_COSTS = {
    ("EMLIND", "transaktion"): (1, 26.0, None),           # 23.05.10 STATUS 1 × 26; no price
    ("PPRIND", "information"): (1, 52.0, None),           # 23.09.02 INFO 1 × 52; no price
    ("PPRIND", "transaktion"): (2, 104.0, 9360.0),        # 2 × 52 × 90
    ("PRSNLG", "information"): (2, 52.0, 4160.0),         # VEJL 2 × 26 × 80
    ("PRSNLG", "transaktion"): (17, 780.0, 74100.0),      # 3×26 + 13×52 + 1×26 = 780; × 95
    ("SLVBTJN", "transaktion"): (19, 598.0, 11960.0),     # 6×26 + 1×52 + 9×26 + 3×52; × 20
    ("TLFIND", "information"): (6, 286.0, 12870.0),       # 1×26 + 3×52 + 2×52; × 45
    ("TLFIND", "transaktion"): (1, 52.0, 2860.0),         # 1 × 52 × 55
}
EXPECTED_TOTAL = (49, 1950.0, 115310.0)


def local(text: str) -> datetime:
    return datetime.strptime(text, "%d-%m-%Y %H:%M").replace(tzinfo=ZONE)


_RAW = (
    "INSERT INTO registrations (id, kommune_nr, kommune_navn, enhed, opgave, kanal, type, "
    "afslutning, blanket, start_utc, end_utc, date_only, datakilde, station, operator, answers, "
    "trial, batch_id, replaces, created_utc) "
    "VALUES (?, '259', 'Testby', ?, ?, ?, ?, NULL, NULL, NULL, ?, 0, 'Import', 'import', "
    "'tester', '{}', ?, NULL, NULL, ?)"
)


def raw(db: Path, *, opgave: str, kanal: str, type: str | None, when: str, count: int = 1,
        enhed: str = "", trial: int = 0) -> None:
    """Rows as an import writes them (staff cannot register self-service or untyped rows)."""
    stored = to_stored(local(when))
    conn = sqlite3.connect(db)
    with conn:
        conn.executemany(_RAW, [(str(uuid.uuid4()), enhed, opgave, kanal, type, stored, trial,
                                 stored) for _ in range(count)])
    conn.close()


def staff(store: Store, config, *, opgave: str, kanal: str, type: str, when: str, count: int = 1,
          enhed: str = UNIT, trial: bool = False) -> list[str]:
    return store.record(new_entry(config, enhed=enhed, opgave=opgave, kanal=kanal, type=type,
                                  end=local(when), count=count, trial=trial))


def write_config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, "utf-8")
    return path


def build(tmp_path: Path):
    """Config path, loaded config and DB path of the hand-computed fixture."""
    config_path = write_config(tmp_path)
    config = cfgmod.load(config_path)
    db = tmp_path / "rapport.db"
    with Store(db, station="test-station", operator="tester") as store:
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
        # 23.09.02 Pas
        staff(store, config, opgave="23.09.02", kanal="PPRIND", type="OPRET", when="25-10-2026 23:30", count=2)
        staff(store, config, opgave="23.09.02", kanal="PRSNLG", type="STATUS", when="22-10-2026 13:00", count=13)
        staff(store, config, opgave="23.09.02", kanal="PPRIND", type="INFO", when="22-10-2026 14:00")
        # 29.03.04 Sundhedskort
        staff(store, config, opgave="29.03.04", kanal="PRSNLG", type="OPRET", when="29-10-2026 09:00")
        # 02.00.20 BBR (the phone unit)
        staff(store, config, opgave="02.00.20", kanal="TLFIND", type="OPRET", when="30-10-2026 09:00",
              enhed="259telefon")
        staff(store, config, opgave="02.00.20", kanal="TLFIND", type="INFO", when="30-10-2026 10:00",
              count=3, enhed="259telefon")
        # 23.01.00: any KLE number may be counted, in a package or not
        staff(store, config, opgave="23.01.00", kanal="TLFIND", type="VEJL", when="30-10-2026 11:00", count=2)
    raw(db, opgave="23.05.10", kanal="SLVBTJN", type="OPRET", when="20-10-2026 15:00", count=4)
    raw(db, opgave="23.05.10", kanal="SLVBTJN", type=None, when="26-10-2026 00:30", count=2)
    raw(db, opgave="23.05.10", kanal="SLVBTJN", type="OPRET", when="02-11-2026 10:00", count=7)  # W45
    raw(db, opgave="23.09.02", kanal="SLVBTJN", type="OPRET", when="22-10-2026 16:00")
    raw(db, opgave="29.03.04", kanal="SLVBTJN", type="OPRET", when="21-10-2026 08:00", count=9)
    raw(db, opgave="99.01.02", kanal="SLVBTJN", type="OPRET", when="19-10-2026 12:00", count=3)
    return config_path, config, db


def run_cli(config_path: Path, db: Path, *args: str) -> subprocess.CompletedProcess:
    # os.environ as the autouse fixture left it: no developer config or DB leaks in.
    env = {**os.environ, "TAELLEUGE_DB": str(db), "TAELLEUGE_CONFIG": str(config_path),
           "TAELLEUGE_OPERATOR": "tester", "TAELLEUGE_STATION": "test-station"}
    return subprocess.run([sys.executable, "-m", "tui", "rapport", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=120)
