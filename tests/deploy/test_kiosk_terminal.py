"""The real kiosk process on a real pseudo-terminal: it must end when its terminal is gone, and when
systemd stops it while it waits for another process's write lock.

The terminal is a pty that is *not* the kiosk's controlling terminal (the child runs in a new
session and never opens it as one), so closing our end sends no SIGHUP: the case of a kiosk that
used to spin at ~90 % CPU for ever, reading end-of-file from a terminal that no longer exists.
The time bounds below are liveness checks (does it end at all), not speed measurements.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import termios
import threading
import time
from pathlib import Path

import pytest

from taelleuge_harness import PYTHON, UNIT, cli_env, pid_alive, run_cli, wait_until, write_config

pytestmark = pytest.mark.slow


class PtyKiosk:
    """``taelleuge kiosk`` on a fresh 80x24 pty; everything it draws is collected in ``output``."""

    def __init__(self, env: dict[str, str]):
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.process = subprocess.Popen(
            [PYTHON, "-m", "tui", "kiosk", "--enhed", UNIT], stdin=slave, stdout=slave,
            stderr=slave, env={**env, "TERM": "xterm-256color"}, cwd="/", start_new_session=True)
        os.close(slave)
        self.output = b""
        self.closed = False
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        # Never blocked inside read() when the test closes the master: a read in progress keeps
        # the terminal open, and the kiosk would see no hang-up at all.
        while not self.closed:
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if not ready or self.closed:
                continue
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            self.output += data

    def text(self) -> str:
        """What was drawn, without the escape sequences (cursor moves split words otherwise)."""
        return re.sub(r"\x1b(\[[0-9;?<=>$]*[ -/]*[@-~]|[()][0-9A-Za-z]|[=>78])", "",
                      self.output.decode("utf-8", "replace"))

    def wait_for(self, text: str, timeout: float = 30) -> None:
        wait_until(lambda: text in self.text(), timeout, f"{text!r} on the kiosk's screen")

    def press(self, keys: str) -> None:
        for key in keys:
            os.write(self.master, key.encode())
            time.sleep(0.1)

    def close_terminal(self) -> None:
        self.closed = True
        self._reader.join(timeout=10)
        os.close(self.master)

    def exit_code(self, timeout: float) -> int:
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
        if not self.closed:
            self.close_terminal()


@pytest.fixture
def kiosk_env(tmp_path):
    config = write_config(tmp_path / "config.toml")
    db = tmp_path / "t.db"
    env = cli_env(config, db)
    assert run_cli(["init"], env).returncode == 0
    return env, db


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def test_a_kiosk_whose_terminal_disappears_without_sighup_exits(kiosk_env):
    env, _db = kiosk_env
    kiosk = PtyKiosk(env)
    try:
        kiosk.wait_for("Borgerservice")
        kiosk.close_terminal()
        # Liveness, not speed: it checks the terminal every second and must end on its own.
        code = kiosk.exit_code(timeout=20)
    finally:
        kiosk.kill()
    assert code == 1  # not a normal stop: systemctl status shows it, and Restart= brings it back


def test_systemctl_stop_ends_a_kiosk_that_waits_for_a_held_write_lock(kiosk_env):
    """SIGTERM while the write waits on ``<db>-writelock`` held by a hung process: the wait is
    bounded (busy_timeout, 10 s), so the process ends instead of ignoring the stop for ever."""
    env, db = kiosk_env
    lock = os.open(f"{db}-writelock", os.O_RDWR | os.O_CREAT, 0o660)
    fcntl.flock(lock, fcntl.LOCK_EX)  # another open file: conflicts with the kiosk's own
    kiosk = PtyKiosk(env)
    try:
        kiosk.wait_for("Borgerservice")
        kiosk.press("1o")
        kiosk.wait_for("… venter")  # "… venter på databasen", wrapped at 80 columns
        kiosk.process.send_signal(signal.SIGTERM)
        code = kiosk.exit_code(timeout=40)
        assert not pid_alive(kiosk.process.pid)
    finally:
        kiosk.kill()
        os.close(lock)
    # The entry never reached the database: the stop is a failure (logged with the count), so
    # systemd shows it (desk trial D10).
    assert code == 1
