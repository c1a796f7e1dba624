"""The locked kiosk in a real terminal (tmux, TERM=linux): the keys that end ordinary programs do
nothing; only the coordinator's PIN leaves it, and then the terminal is as it was before."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "deploy"))
from taelleuge_harness import (  # noqa: E402
    ACCOUNT, PYTHON, UNIT, Tmux, cli_env, descendants, kill_all, pid_alive, query, run_cli, wait_until,
    write_config,
)

from storage.pin import hash_pin  # noqa: E402

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (make system-deps)"),
]

PIN = "123456"
# The panel's left edge: "▏" (vkey) normally, "│" (solid) in console mode, whose fonts lack "▏".
NORMAL_EDGE, CONSOLE_EDGE = "▏", "│"


class Kiosk:
    """``python -m tui kiosk --enhed …`` in a tmux window; ``stty -a`` saved before and after."""

    def __init__(self, tmux: Tmux, tmp: Path, pin_hash: str | None):
        self.tmux, self.tmp = tmux, tmp
        self.config = write_config(tmp / "config.toml", pin_hash=pin_hash)
        self.db = tmp / "kiosk.db"
        env = cli_env(self.config, self.db, TERM="linux", TAELLEUGE_STATION="tty1",
                      TAELLEUGE_OPERATOR="kiosk", XDG_DATA_HOME=str(tmp / "data"))
        assert run_cli(["init"], env).returncode == 0
        script = tmp / "kiosk.sh"
        exports = " ".join(f"{k}='{v}'" for k, v in env.items() if k.startswith(("TAELLEUGE_", "PYTHON", "TEXTUAL")))
        script.write_text(
            f"stty -a > {tmp / 'stty.before'}\n"
            f"env {exports} TERM=linux {PYTHON} -m tui kiosk --enhed {UNIT}\n"
            f"code=$?\nstty -a > {tmp / 'stty.after'}\nexit $code\n"
        )
        tmux.start("kiosk", f"sh {script}")
        self.screen = tmux.wait_for("kiosk", "Trin 1")

    def pid(self) -> int:
        shell = self.tmux.pane_pid("kiosk")
        for pid in descendants(shell):
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                continue
            if b"tui kiosk" in cmdline:
                return pid
        raise AssertionError("the kiosk process is not running")

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.tmux.keys("kiosk", *keys, literal=literal)

    def wait_for(self, text: str) -> str:
        return self.tmux.wait_for("kiosk", text)

    def close_dialog(self, marker: str) -> None:
        """Esc, then wait until the dialog showing ``marker`` is gone, as a person would look up
        before the next citizen: keys sent while it closes are its, not the desk's."""
        self.keys("Escape")
        wait_until(lambda: marker not in self.tmux.screen("kiosk"), 30, f"{marker!r} to close")

    def wait_for_words(self, words: str, timeout: float = 30) -> str:
        """Like wait_for, across line wraps and dialog borders: compares the words only."""
        def inside(line: str) -> str:  # a dialog line: only what is between its borders
            return line[line.index("║") + 1:line.rindex("║")] if line.count("║") >= 2 else line

        def flat() -> str:
            return " ".join(" ".join(inside(line).split()) for line in self.tmux.screen("kiosk").splitlines())
        return wait_until(lambda: flat() if words in flat() else None, timeout, repr(words))

    def register(self, task: str, kind: str, expect: str) -> None:
        """A registration that round-trips through the DB: proof the app still reads keys."""
        before = len(query(self.db, "SELECT id FROM registrations"))
        self.keys(task, kind)
        wait_until(lambda: len(query(self.db, "SELECT id FROM registrations")) == before + 1, 30,
                   f"the row for {expect}")
        wait_until(lambda: any("Gemt kl." in line and expect in line
                               for line in self.tmux.screen("kiosk").splitlines()), 30,
                   f"the screen to say {expect} was saved")


@pytest.fixture
def tmux(tmp_path):
    session = Tmux(tmp_path)
    yield session
    pids = []
    if session.started:
        try:
            pids = descendants(session.pane_pid("kiosk"))
        except subprocess.CalledProcessError:  # the session is already gone
            pass
    session.kill()
    kill_all(pids)


def test_locked_kiosk_survives_ctrl_c_ctrl_z_ctrl_backslash_and_ctrl_q_without_a_pin(tmux, tmp_path):
    kiosk = Kiosk(tmux, tmp_path, pin_hash=None)
    # Console mode is on for the locked kiosk (and TERM=linux): the console's glyphs are used
    # (on the panel's edge: folded away at 80 columns, F3 brings it out).
    kiosk.keys("F3")
    screen = kiosk.wait_for(CONSOLE_EDGE)
    assert NORMAL_EDGE not in screen
    pid = kiosk.pid()
    kiosk.keys("C-c", "C-z", "C-\\")
    # The keys after them are still read, by the same process: it neither ended nor stopped.
    kiosk.register("1", "o", "23.05.10 Flytning")
    assert kiosk.pid() == pid and pid_alive(pid)
    assert open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] != "T"  # not stopped

    kiosk.keys("C-q")
    screen = kiosk.wait_for_words("kiosken kan kun stoppes med systemctl")
    assert "Der er ingen PIN i konfigurationen ([koordinator] pin)" in screen
    kiosk.keys("C-q", "C-c")  # again, inside the dialog: still nothing ends it
    kiosk.close_dialog("systemctl")
    kiosk.register("2", "s", "23.09.02 Pas")
    assert kiosk.pid() == pid and not tmux.exited("kiosk")
    assert query(kiosk.db, "SELECT station, operator, enhed FROM registrations") == [
        ("tty1", ACCOUNT, UNIT), ("tty1", ACCOUNT, UNIT)]  # TAELLEUGE_OPERATOR=kiosk is ignored


def test_only_the_right_pin_leaves_the_locked_kiosk_and_the_terminal_is_restored(tmux, tmp_path):
    kiosk = Kiosk(tmux, tmp_path, pin_hash=hash_pin(PIN))
    pid = kiosk.pid()
    kiosk.keys("C-q")
    kiosk.wait_for("tovholderens PIN")
    kiosk.keys("000000", literal=True)
    kiosk.keys("Enter")
    screen = kiosk.wait_for("Forkert PIN (1)")
    assert "000000" not in screen  # a password field: the digits are never shown
    assert pid_alive(pid) and not tmux.exited("kiosk")
    kiosk.close_dialog("tovholderens PIN")  # back to work after a wrong PIN
    kiosk.register("3", "i", "23.09.04 Kørekort")

    kiosk.keys("C-q")
    kiosk.wait_for("tovholderens PIN")
    kiosk.keys(PIN, literal=True)
    kiosk.keys("Enter")
    assert tmux.exit_code("kiosk") == "EXIT=0"
    assert not pid_alive(pid)
    screen = tmux.screen("kiosk")
    assert "Trin 1" not in screen and "Tælleuge" not in screen  # the alternate screen is gone
    # Cooked mode, echo and signals are back exactly as they were before the kiosk started.
    before = (tmp_path / "stty.before").read_text()
    after = (tmp_path / "stty.after").read_text()
    assert after == before
    assert {"icanon", "echo", "isig", "ixon"} <= set(after.replace(";", " ").split())
