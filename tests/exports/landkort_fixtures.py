"""Fixtures and helpers for the Landkort export/import tests (imported with ``from … import *``).

A config for the invented municipality 999 "Eksempelby" matching ``raadata-sample.csv`` (units
999borgerservice, 999skranke, 999telefon; one local question) with count week 2026-W43
(19-25 October 2026), a migrated database (``db_path``: an SQLite file in tmp_path or a fresh
PostgreSQL database, once each), helpers to register rows at fixed local times, and the real CLI
in a subprocess.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

import dbrows
from storage import config as cfgmod
from storage.interface import Store
from storage.open import open_store
from storage.registration import new_entry
from support import REPO, SAMPLES

SAMPLE = SAMPLES / "raadata-sample.csv"
GOLDEN = Path(__file__).resolve().parent / "golden"
QUESTION = "Taler borgeren dansk?"

CONFIG = """\
kommunenummer = 999
kommunenavn = "Eksempelby"
tidszone = "Europe/Copenhagen"

[[enhed]]
kode = "999borgerservice"
navn = "Borgerservice, skranken"
kanal = "PRSNLG"
kanaler = ["PRSNLG", "TLFIND", "TLFUD", "EMLIND", "DOCIND", "PPRIND", "PPRUD"]
opgaver = [
  { kle = "23.05.10", navn = "Flytning" },
  { kle = "23.09.02", navn = "Pas" },
  { kle = "29.03.04", navn = "Sundhedskort" },
  { kle = "32.06.04", navn = "Boligydelse" },
]

[[enhed.spoergsmaal]]
tekst = "Taler borgeren dansk?"
svar = ["Ja", "Nej"]

[[enhed]]
kode = "999skranke"
navn = "Skranken"
kanal = "PRSNLG"
kanaler = ["PRSNLG", "TLFIND"]
opgaver = [
  { kle = "23.05.10", navn = "Flytning" },
  { kle = "23.09.04", navn = "Kørekort" },
]

[[enhed]]
kode = "999telefon"
navn = "Telefonen"
kanal = "TLFIND"
kanaler = ["TLFIND", "TLFUD", "SMSUD"]
opgaver = [
  { kle = "32.03.04", navn = "Folkepension" },
  { kle = "25.10.00", navn = "Skat, person" },
]

[[taelleuge]]
navn = "Uge 43"
fra = FIRST
til = LAST
"""


def config_text(first: str = "2026-10-19", last: str = "2026-10-25", **replace: str) -> str:
    text = CONFIG.replace("FIRST", first).replace("LAST", last)
    for old, new in replace.items():
        text = text.replace(old, new)
    return text


@pytest.fixture
def lk_config_path(tmp_path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(config_text(), "utf-8")
    return path


@pytest.fixture
def lk_config(lk_config_path) -> cfgmod.Config:
    return cfgmod.load(lk_config_path)


@pytest.fixture
def lk_db(db_path) -> Path | str:
    open_store(db_path, station="test-station", operator="tester", create=True).close()
    return db_path


@pytest.fixture
def lk_store(lk_db):
    with open_store(lk_db, station="test-station", operator="tester") as store:
        yield store


def local(config: cfgmod.Config, text: str) -> datetime:
    """``dd-mm-yyyy HH:MM[:SS]`` in the config's zone."""
    fmt = "%d-%m-%Y %H:%M:%S" if text.count(":") == 2 else "%d-%m-%Y %H:%M"
    return datetime.strptime(text, fmt).replace(tzinfo=config.zone)


def register(store: Store, config: cfgmod.Config, when: str, *, start: str | None = None,
             enhed: str = "999borgerservice", opgave: str = "23.05.10", kanal: str = "PRSNLG",
             type: str = "OPRET", afslutning: str = "STRAKS", blanket: str = "NEJ",
             trial: bool = False, count: int = 1, answers: dict | None = None) -> list[str]:
    entry = new_entry(
        config, enhed=enhed, opgave=opgave, kanal=kanal, type=type, afslutning=afslutning,
        blanket=blanket, end=local(config, when), start=local(config, start) if start else None,
        trial=trial, count=count, answers=answers,
    )
    return store.record(entry)


def import_text(store: Store, config: cfgmod.Config, path: Path, text: str, *,
                encoding: str = "iso-8859-1", datakilde: str | None = None):
    from exports import importer

    path.write_bytes(text.encode(encoding))
    return importer.run(store, config, path, datakilde=datakilde)


def rows(db: Path | str, where: str = "1=1") -> list[dict]:
    """Whole registrations rows as dicts, in seq order."""
    return dbrows.dict_rows(db, "registrations", where)


def count(db: Path | str, table: str = "registrations") -> int:
    return dbrows.count(db, table)


class Cli:
    """``python -m tui …`` in a subprocess, with config and database in tmp_path."""

    def __init__(self, config: Path, db: Path | str, tmp: Path):
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("TAELLEUGE_")}
        self.env.update(
            HOME=str(tmp / "home"), XDG_DATA_HOME=str(tmp / "xdg"),
            TAELLEUGE_CONFIG=str(config), TAELLEUGE_DB=str(db),
            TAELLEUGE_OPERATOR="tester", TAELLEUGE_STATION="test-station",
        )

    def __call__(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "tui", *map(str, args)], cwd=REPO, env=self.env,
            capture_output=True, text=True, timeout=120, **kwargs,
        )


@pytest.fixture
def cli(lk_config_path, lk_db, tmp_path) -> Cli:
    return Cli(lk_config_path, lk_db, tmp_path)


def export(store: Store, config: cfgmod.Config, layout: str = "raadata", encoding: str = "iso-8859-1",
           first: str = "2026-10-19", last: str = "2026-10-25", units=(), sources=()):
    """Export in-process; returns (bytes, Written, LeftOut)."""
    from datetime import date

    from exports import landkort
    from storage.interface import Selection
    from storage.timeutil import local_range_bounds

    start, end = local_range_bounds(date.fromisoformat(first), date.fromisoformat(last), config.zone)
    chunks: list[bytes] = []
    with store.snapshot(Selection(start, end, tuple(units), tuple(sources))) as snap:
        left = snap.left_out()
        written = landkort.write(snap, config, layout, encoding, chunks.append, reset=chunks.clear)
    return b"".join(chunks), written, left


__all__ = [
    "CONFIG", "Cli", "GOLDEN", "QUESTION", "SAMPLE", "cli", "config_text", "count", "export",
    "import_text", "lk_config", "lk_config_path", "lk_db", "lk_store", "local", "register", "rows",
]
