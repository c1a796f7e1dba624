"""The real app in a real terminal: tmux with TERM=linux, keys typed, the row found in the DB."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid

import pytest

from support import REPO

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (make system-deps)"),
]


class Tmux:
    def __init__(self, tmp_path):
        self.socket = f"taelleuge-test-{uuid.uuid4().hex[:8]}"
        self.tmp = tmp_path

    def run(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], check=True,
                              capture_output=True, text=True).stdout

    def start(self, command: str, env: dict[str, str]) -> None:
        exports = " ".join(f"{k}={v!s}" for k, v in env.items())
        self.run("new-session", "-d", "-x", "80", "-y", "24",
                 f"env {exports} {command}; echo EXIT=$? > {self.tmp / 'exit'}; sleep 60")

    def screen(self) -> str:
        return self.run("capture-pane", "-p")

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.run("send-keys", key)
            time.sleep(0.15)

    def wait_for(self, text: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{text!r} never appeared; screen was:\n{self.screen()}")

    def app_pid(self) -> int:
        shell = self.run("display-message", "-p", "#{pane_pid}").strip()
        out = subprocess.run(["pgrep", "-f", "-P", shell, "tui kiosk"], capture_output=True, text=True)
        return int(out.stdout.split()[0])

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


@pytest.fixture
def tmux(tmp_path):
    session = Tmux(tmp_path)
    yield session
    session.kill()


def kiosk_env(tmp_path) -> dict[str, str]:
    return {
        "TERM": "linux",
        "TAELLEUGE_DB": str(tmp_path / "kiosk.db"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "TAELLEUGE_STATION": "tty-test",
        "TAELLEUGE_OPERATOR": "kiosk",
        "TEXTUAL_ANIMATIONS": "none",
        "PYTHONPATH": str(REPO),
    }


def wait_for_exit(tmp_path, timeout: float = 15) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (tmp_path / "exit").exists():
            return (tmp_path / "exit").read_text().strip()
        time.sleep(0.2)
    raise AssertionError("the app did not exit")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_console_kiosk_registers_in_two_keys_and_exits_cleanly_on_signal(tmux, tmp_path, sig):
    env = kiosk_env(tmp_path)
    subprocess.run([sys.executable, "-m", "tui", "init"], env={**os.environ, **env}, cwd=REPO,
                   check=True, capture_output=True)
    tmux.start(f"{sys.executable} -m tui kiosk --enhed 999borgerservice", env)
    tmux.wait_for("Trin 1")
    tmux.keys("2", "i")  # 23.09.02 Pas, INFO
    screen = tmux.wait_for("Gemt kl.")
    assert "23.09.02 Pas" in screen and "INFO" in screen

    conn = sqlite3.connect(tmp_path / "kiosk.db")
    rows = conn.execute(
        "SELECT enhed, opgave, kanal, type, station, operator, trial FROM registrations"
    ).fetchall()
    conn.close()
    # The kiosk's service names the station; the operator is the OS account, not TAELLEUGE_OPERATOR.
    account = __import__("pwd").getpwuid(os.getuid()).pw_name
    assert rows == [("999borgerservice", "23.09.02", "PRSNLG", "INFO", "tty-test", account, 0)]

    os.kill(tmux.app_pid(), sig)
    assert wait_for_exit(tmp_path) == "EXIT=0"
    # The alternate screen is gone: the shell's own line is visible again, not the kiosk.
    assert "Trin 1" not in tmux.screen()


def test_demo_opens_the_builtin_demo_on_the_users_demo_db_whatever_the_environment_says(tmux, tmp_path):
    """``taelleuge --demo`` (what ``make run`` runs): no init first, the demo config and
    ~/.local/share/taelleuge/demo.db, never the config or database the environment names."""
    env = {**kiosk_env(tmp_path), "TAELLEUGE_CONFIG": str(tmp_path / "no-such-config.toml")}
    tmux.start(f"{sys.executable} -m tui --demo --enhed 999borgerservice", env)
    screen = tmux.wait_for("Trin 1")
    assert "Eksempelby (demo)" in screen or "Demo-tælleuge" in screen
    tmux.keys("2", "i")
    tmux.wait_for("Gemt kl.")
    tmux.keys("C-q")
    assert wait_for_exit(tmp_path) == "EXIT=0"
    demo = tmp_path / "data" / "taelleuge" / "demo.db"
    conn = sqlite3.connect(demo)
    try:
        assert conn.execute("SELECT enhed, opgave, type FROM registrations").fetchall() == [
            ("999borgerservice", "23.09.02", "INFO")]
    finally:
        conn.close()
    assert not (tmp_path / "kiosk.db").exists()


def test_esc_and_a_digit_in_one_burst_are_esc_then_the_digit(tmux, tmp_path):
    """Desk trial: ``send-keys 7 Escape 8 i`` (one burst, as over SSH) saved task 7: Textual read
    ``ESC 8`` as one key ("•"), so the Esc and the 8 were both lost."""
    env = kiosk_env(tmp_path)
    subprocess.run([sys.executable, "-m", "tui", "init"], env={**os.environ, **env}, cwd=REPO,
                   check=True, capture_output=True)
    tmux.start(f"{sys.executable} -m tui kiosk --enhed 999borgerservice", env)
    tmux.wait_for("Trin 1")
    tmux.run("send-keys", "1", "Escape", "2", "i")  # one burst: Flytning, Esc, Pas, INFO
    screen = tmux.wait_for("Gemt kl.")
    assert "23.09.02 Pas" in screen
    conn = sqlite3.connect(tmp_path / "kiosk.db")
    rows = conn.execute("SELECT opgave, type FROM registrations").fetchall()
    conn.close()
    assert rows == [("23.09.02", "INFO")]
