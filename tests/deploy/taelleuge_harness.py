"""Shared by the deployment, load and end-to-end tests: a real config file whose count week covers
today, the environment for real CLI subprocesses, direct SQLite reads, and a tmux driver.

Not a test module (no ``test_`` prefix). The load and e2e tests import it by path, because each
test folder is its own import root (``tests/`` holds no ``__init__.py``).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
ZONE = ZoneInfo("Europe/Copenhagen")
UNIT = "999borgerservice"
# Who the rows of a process started here name: the OS account, never an environment variable.
ACCOUNT = __import__("pwd").getpwuid(os.getuid()).pw_name


def local_today() -> date:
    return datetime.now(ZONE).date()


def count_week(today: date | None = None) -> tuple[date, date]:
    """The ISO week of today's local date (Monday-Sunday); on a Sunday it runs one day longer, so a
    test that starts at 23:59:59 does not fall out of the week half way."""
    today = today or local_today()
    monday = today - timedelta(days=today.weekday())
    last = monday + timedelta(days=6)
    if today == last:
        last += timedelta(days=1)
    return monday, last


def config_text(*, users: tuple[str, ...] = (), pin_hash: str | None = None,
                group: str | None = None) -> str:
    """The built-in demo config as a file, with a count week covering today, ``users`` mapped to
    999borgerservice, and an optional ``[koordinator]`` table."""
    text = (REPO / "storage" / "demo.toml").read_text("utf-8")
    anchor = f'kode = "{UNIT}"\n'
    assert text.count(anchor) == 1, "demo.toml changed: the harness cannot place brugere"
    if users:
        listed = ", ".join(f'"{u}"' for u in users)
        text = text.replace(anchor, f"{anchor}brugere = [{listed}]\n", 1)
    first, last = count_week()
    text += f'\n[[taelleuge]]\nnavn = "Testuge"\nfra = {first.isoformat()}\ntil = {last.isoformat()}\n'
    if pin_hash or group:
        text += "\n[koordinator]\n"
        if group:
            text += f'gruppe = "{group}"\n'
        if pin_hash:
            text += f'pin = "{pin_hash}"\n'
    return text


def write_config(path: Path, **kwargs) -> Path:
    path.write_text(config_text(**kwargs), "utf-8")
    return path


def cli_env(config: Path, db: Path, **extra: str) -> dict[str, str]:
    """A clean environment for ``python -m tui``: only our config and DB, the repo on the path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAELLEUGE_")}
    env.update(
        TAELLEUGE_CONFIG=str(config),
        TAELLEUGE_DB=str(db),
        PYTHONPATH=str(REPO),
        PYTHONUTF8="1",
        TEXTUAL_ANIMATIONS="none",
    )
    env.update(extra)
    return env


def run_cli(args: list[str], env: dict[str, str], *, timeout: float = 60,
            prefix: list[str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*(prefix or []), PYTHON, "-m", "tui", *args], env=env, cwd="/",
                          capture_output=True, text=True, timeout=timeout)


REGISTER = ["registrer", "--enhed", UNIT, "--opgave", "23.05.10", "--kanal", "PRSNLG", "--type", "OPRET"]


def query(db: Path, sql: str, params=()) -> list[tuple]:
    """Read through a separate connection (never the one under test)."""
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def count_rows(db: Path) -> int:
    return query(db, "SELECT count(*) FROM registrations")[0][0]


def integrity(db: Path) -> str:
    return query(db, "PRAGMA integrity_check")[0][0]


def wait_until(predicate, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for: {what}")


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead for our purposes
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class Tmux:
    """One private tmux server (``-L`` socket) per test; every window is an 80×24 terminal."""

    def __init__(self, tmp_path: Path):
        self.socket = f"taelleuge-{uuid.uuid4().hex[:10]}"
        self.tmp = tmp_path
        self.started = False

    def run(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], check=True, capture_output=True,
                              text=True, timeout=20).stdout

    def start(self, name: str, command: str, env: dict[str, str] | None = None) -> None:
        """Run ``command`` in a new session; its exit code lands in ``tmp/<name>.exit``."""
        exports = " ".join(f"{k}='{v}'" for k, v in (env or {}).items())
        shell = f"env {exports} {command}; echo EXIT=$? > {self.tmp / (name + '.exit')}; sleep 600"
        self.run("new-session", "-d", "-s", name, "-x", "80", "-y", "24", shell)
        self.started = True

    def screen(self, name: str) -> str:
        return self.run("capture-pane", "-p", "-t", name)

    def keys(self, name: str, *keys: str, literal: bool = False, gap: float = 0.1) -> None:
        for key in keys:
            self.run("send-keys", "-t", name, *(["-l"] if literal else []), key)
            time.sleep(gap)

    def wait_for(self, name: str, text: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen(name)
            if text in screen:
                return screen
            time.sleep(0.15)
        raise AssertionError(f"{text!r} never appeared in {name}; screen was:\n{screen}")

    def exit_code(self, name: str, timeout: float = 20) -> str:
        path = self.tmp / f"{name}.exit"
        wait_until(path.exists, timeout, f"{name} to exit")
        wait_until(lambda: path.read_text().strip(), 5, f"{name}'s exit code")
        return path.read_text().strip()

    def exited(self, name: str) -> bool:
        return (self.tmp / f"{name}.exit").exists()

    def pane_pid(self, name: str) -> int:
        return int(self.run("display-message", "-p", "-t", name, "#{pane_pid}").strip())

    def kill(self) -> None:
        if self.started:
            subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=20)


def descendants(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True).stdout
    children: dict[int, list[int]] = {}
    for line in out.split("\n"):
        if line.strip():
            p, pp = map(int, line.split())
            children.setdefault(pp, []).append(p)
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_all(pids) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


# -- running as an unprivileged user ------------------------------------------------------------

NOBODY = 65534


def can_drop_to_nobody() -> str | None:
    """None when the tests can run commands as uid/gid 65534, else the reason they cannot."""
    import shutil

    if os.geteuid() != 0:
        return "needs root to switch to uid 65534 (CI runs as root)"
    if shutil.which("setpriv") is None:
        return "setpriv is missing (Debian package util-linux)"
    return None


AS_NOBODY = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"


class CannotInstall(Exception):
    """No Python here that other users may run: the tests that need one say so in their skip."""


@dataclass(frozen=True)
class Installation:
    """The app installed from a wheel into a venv that every user may read and run, as a host
    gets it (README, "Installing on a host"). The checkout itself may sit where other users
    cannot read (a clone under /root, a 0700 temporary folder), so they never run it from there."""

    venv: Path

    @property
    def taelleuge(self) -> Path:
        return self.venv / "bin" / "taelleuge"


def python_for_everyone() -> str:
    """A Python 3.11+ interpreter with ``venv`` that uid 65534 may run: this venv's base
    interpreter, else the system's (a pyenv build under /root is out of other users' reach)."""
    import shutil

    candidates = [getattr(sys, "_base_executable", "") or PYTHON]
    candidates += [shutil.which(name, path=SYSTEM_PATH) or "" for name in ("python3", "python3.11")]
    probe = "import sys, venv; print(sys.version_info >= (3, 11))"
    for candidate in dict.fromkeys(c for c in candidates if c):
        # Through a shell: setpriv keeps root's capabilities until its own execve, so it can start
        # a binary under /root that nobody else could (which then runs without its stdlib).
        done = subprocess.run([*AS_NOBODY, "/bin/sh", "-c", 'exec "$0" -c "$1"', candidate, probe],
                              capture_output=True, text=True, timeout=30, env={"PATH": SYSTEM_PATH},
                              cwd="/")
        if done.returncode == 0 and done.stdout.strip() == "True":
            return candidate
    raise CannotInstall("no Python 3.11+ with venv that other users may run (tried "
                        f"{', '.join(c for c in candidates if c)}): install Debian's python3")


def install_for_everyone(where: Path) -> Installation:
    """Build the wheel from this checkout and install it with its dependencies into
    ``where/venv`` (``where`` must be readable by everyone). This test venv's pip does the
    installing (``pip --python``), so the interpreter needs no ensurepip of its own. umask 022:
    an in-process CLI test may have left this process at the CLI's 007."""
    python = python_for_everyone()
    venv = where / "venv"
    for command in (
        [PYTHON, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(where / "dist"), str(REPO)],
        [python, "-m", "venv", "--without-pip", str(venv)],
    ):
        done = subprocess.run(command, capture_output=True, text=True, timeout=600, umask=0o022)
        assert done.returncode == 0, f"{command}: {done.stderr[-3000:]}"
    [wheel] = (where / "dist").glob("taelleuge-*.whl")
    command = [PYTHON, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--quiet",
               "--no-input", str(wheel)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, umask=0o022)
    assert done.returncode == 0, f"{command}: {done.stderr[-3000:]}"
    return Installation(venv)


def nobody_env(config: Path, db: Path) -> dict[str, str]:
    """No USER/LOGNAME/TAELLEUGE_OPERATOR: the operator must come from the uid itself. No
    PYTHONPATH: the installed app runs, never the checkout."""
    env = cli_env(config, db, HOME="/nonexistent", XDG_DATA_HOME="/nonexistent")
    for name in ("PYTHONPATH", "USER", "LOGNAME", "LNAME", "USERNAME"):
        env.pop(name, None)
    return env


def run_as_nobody(installed: Installation, args: list[str], env: dict[str, str],
                  timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([*AS_NOBODY, str(installed.taelleuge), *args], env=env, cwd="/",
                          capture_output=True, text=True, timeout=timeout)


def shared_dir(prefix: str, mode: int = 0o777) -> Path:
    """A fresh directory under /tmp that other users may enter (pytest's tmp_path is 0700)."""
    import tempfile

    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    path.chmod(mode)
    return path
