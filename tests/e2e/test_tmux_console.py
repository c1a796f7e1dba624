"""The coordinator's console live: a kiosk registers in one terminal and the open console's
Dækning cell for that unit and day changes in the other, both real processes on one database."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from support import REPO
from test_tmux_kiosk import Tmux, kiosk_env, wait_for_exit

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (make system-deps)"),
]


@pytest.fixture
def two_terminals(tmp_path):
    (tmp_path / "kiosk").mkdir()
    (tmp_path / "console").mkdir()
    kiosk, console = Tmux(tmp_path / "kiosk"), Tmux(tmp_path / "console")
    yield kiosk, console
    kiosk.kill()
    console.kill()


def today_cell(screen: str) -> str:
    line = next(row for row in screen.splitlines() if row.startswith("999borgerservice"))
    cells = line.split()
    # The demo's count week is this ISO week; the kiosk's day is Copenhagen's.
    return cells[1 + datetime.now(ZoneInfo("Europe/Copenhagen")).weekday()]


def test_a_kiosks_registration_shows_in_the_open_consoles_coverage(two_terminals, tmp_path):
    kiosk, console = two_terminals
    env = kiosk_env(tmp_path)
    subprocess.run([sys.executable, "-m", "tui", "init"], env={**os.environ, **env}, cwd=REPO,
                   check=True, capture_output=True)
    console.start(f"{sys.executable} -m tui koordinator", env)
    console.wait_for("F2 Dækning")
    console.keys("F2")
    before = console.wait_for("Dækning · ")
    assert re.fullmatch(r"0!?", today_cell(before)), before

    kiosk.start(f"{sys.executable} -m tui kiosk --enhed 999borgerservice", env)
    kiosk.wait_for("Trin 1")
    kiosk.keys("2", "i")  # 23.09.02 Pas, INFO
    kiosk.wait_for("Gemt kl.")

    # No key in the console: its timer re-reads the grid (every 5 s).
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and today_cell(console.screen()) != "1":
        time.sleep(0.3)
    assert today_cell(console.screen()) == "1", console.screen()

    # systemctl stop or an SSH disconnect: the console leaves cleanly, the terminal restored.
    shell = console.run("display-message", "-p", "#{pane_pid}").strip()
    found = subprocess.run(["pgrep", "-f", "-P", shell, "tui koordinator"], capture_output=True, text=True)
    os.kill(int(found.stdout.split()[0]), signal.SIGHUP)
    assert wait_for_exit(tmp_path / "console") == "EXIT=0"
    assert "Dækning · " not in console.screen()
