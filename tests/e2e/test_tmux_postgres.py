"""Two kiosks, two processes, two stations, one PostgreSQL database, real key presses in tmux
(TERM=linux, 80x24); then the Landkort files exported from that database are byte for byte the
files exported from an SQLite database holding the same registrations.

How the SQLite side gets "the same registrations": each row the kiosks wrote is read back from
PostgreSQL and written again through the SQLite store's own write path (``Store.record``), with
the row's id, station, operator, times and codes (the store's station/operator are that row's,
its clock returns that row's created_utc). Nothing is copied byte-wise or by ``flyt`` (which has
its own tests): the same facts go through each engine's own insert and each engine's own
snapshot, and the real ``taelleuge eksport landkort`` command writes both files."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from datetime import timedelta

import pytest

import dbrows
from storage.model import REGISTRATIONS
from storage.open import open_store
from storage.registration import Entry
from storage.timeutil import from_stored
from support import REPO
from test_tmux_kiosk import Tmux

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgresql,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (make system-deps)"),
]


class QuotingTmux(Tmux):
    """A URL has ``&`` and ``?``: every value is quoted for tmux's shell."""

    def start(self, command: str, env: dict[str, str]) -> None:
        exports = " ".join(f"{k}={shlex.quote(str(v))}" for k, v in env.items())
        self.run("new-session", "-d", "-x", "80", "-y", "24",
                 f"env {exports} {command}; echo EXIT=$? > {self.tmp / 'exit'}; sleep 60")


@pytest.fixture
def kiosks(tmp_path):
    sessions = {name: QuotingTmux(tmp_path / name) for name in ("kiosk-a", "kiosk-b")}
    for name in sessions:
        (tmp_path / name).mkdir()
    yield sessions
    for session in sessions.values():
        session.kill()


def env_for(tmp_path, url: str, station: str = "") -> dict[str, str]:
    env = {"TERM": "linux", "TAELLEUGE_DB": url, "XDG_DATA_HOME": str(tmp_path / "data"),
           "TEXTUAL_ANIMATIONS": "none", "PYTHONPATH": str(REPO)}
    if station:
        env["TAELLEUGE_STATION"] = station
    return env


def cli(tmp_path, db, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAELLEUGE_")}
    env.update(env_for(tmp_path, str(db)))
    return subprocess.run([sys.executable, "-m", "tui", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


def wait_for_rows(url: str, count: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while dbrows.count(url) < count:
        assert time.monotonic() < deadline, f"never {count} rows (have {dbrows.count(url)})"
        time.sleep(0.1)


def same_registrations_in_sqlite(url: str, path) -> None:
    """Every PostgreSQL row written again through SqliteStore.record, as explained above."""
    rows = [REGISTRATIONS.from_row(r) for r in dbrows.query(
        url, f"SELECT {REGISTRATIONS.select()} FROM registrations ORDER BY seq")]
    for row in rows:
        entry = Entry(
            kommune_nr=row.kommune_nr, kommune_navn=row.kommune_navn, enhed=row.enhed,
            opgave=row.opgave, kanal=row.kanal, type=row.type, afslutning=row.afslutning,
            blanket=row.blanket, start=from_stored(row.start_utc) if row.start_utc else None,
            end=from_stored(row.end_utc), ids=(row.id,), batch_id=row.batch_id,
            trial=bool(row.trial), answers=row.answers, datakilde=row.datakilde,
            date_only=bool(row.date_only))
        created = from_stored(row.created_utc)
        with open_store(path, station=row.station, operator=row.operator, clock=lambda: created,
                        create=True) as store:
            store.record(entry)
    assert dbrows.query(path, f"SELECT {', '.join(REGISTRATIONS.written)} FROM registrations ORDER BY seq") == \
        dbrows.query(url, f"SELECT {', '.join(REGISTRATIONS.written)} FROM registrations ORDER BY seq")


def test_two_kiosks_on_one_server_export_what_sqlite_exports(kiosks, tmp_path, pg_empty_database):
    url = pg_empty_database
    assert cli(tmp_path, url, "init").returncode == 0
    command = f"{sys.executable} -m tui kiosk --enhed 999borgerservice"
    for name, session in kiosks.items():
        session.start(command, env_for(tmp_path, url, station=name))
    for session in kiosks.values():
        session.wait_for("Trin 1")
    a, b = kiosks["kiosk-a"], kiosks["kiosk-b"]
    typed = 0
    # Alternating, so the two processes' rows interleave in the server's commit order.
    for session, keys in ((a, ("2", "i")), (b, ("1", "o")), (a, ("1", "o")), (b, ("2", "i")),
                          (a, ("2", "i")), (b, ("1", "o"))):
        session.keys(*keys)
        typed += 1
        wait_for_rows(url, typed)
        session.wait_for("Gemt kl.")
    rows = dbrows.query(url, "SELECT station, opgave, type FROM registrations ORDER BY seq")
    assert rows == [("kiosk-a", "23.09.02", "INFO"), ("kiosk-b", "23.05.10", "OPRET"),
                    ("kiosk-a", "23.05.10", "OPRET"), ("kiosk-b", "23.09.02", "INFO"),
                    ("kiosk-a", "23.09.02", "INFO"), ("kiosk-b", "23.05.10", "OPRET")]

    sqlite_db = tmp_path / "same.db"
    same_registrations_in_sqlite(url, sqlite_db)
    # The week (or, at a week's edge, the days) the rows fall in, in the demo config's zone.
    ends = [from_stored(e) for (e,) in dbrows.query(url, "SELECT end_utc FROM registrations")]
    first, last = (min(ends) - timedelta(days=1)).date(), (max(ends) + timedelta(days=1)).date()
    days = ["--fra", first.isoformat(), "--til", last.isoformat()]
    for layout in ("raadata", "upload"):
        files = {}
        for name, db in (("pg", url), ("sqlite", sqlite_db)):
            out = tmp_path / f"{name}-{layout}.csv"
            done = cli(tmp_path, db, "eksport", "landkort", *days, "--format", layout, "--ud", str(out))
            assert done.returncode == 0, done.stderr
            files[name] = out.read_bytes()
        assert files["pg"] == files["sqlite"], layout
        assert files["pg"].count(b"\r\n") == 7  # header + six rows
