"""A real sshd on 127.0.0.1 with ``ForceCommand`` → ``taelleuge ssh``, and real ``ssh`` clients.

sshd runs from a generated config in tmp_path (own host key, own authorized_keys, high port, no
PAM, no passwords); the forced command is a wrapper script that sets the DB and config and execs
``python -m tui ssh``, as the deployment's wrapper does. Several ``ssh -tt`` clients, each in its
own tmux terminal, log in at once as the same OS user with different keys and register through the
real screen. The user is mapped to 999borgerservice by ``brugere = [...]`` in the config.
"""

from __future__ import annotations

import getpass
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "deploy"))
from taelleuge_harness import (  # noqa: E402
    PYTHON, REPO, UNIT, Tmux, cli_env, descendants, kill_all, query, run_cli, wait_until,
    write_config,
)

SSHD = Path("/usr/sbin/sshd")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not SSHD.exists(),
                       reason="/usr/sbin/sshd is missing: install the Debian package openssh-server "
                              "(make system-deps)"),
    pytest.mark.skipif(shutil.which("ssh") is None or shutil.which("ssh-keygen") is None,
                       reason="the OpenSSH client (ssh, ssh-keygen) is not installed"),
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (make system-deps)"),
    pytest.mark.skipif(os.geteuid() != 0,
                       reason="sshd must run as root to start login sessions (CI runs as root)"),
]

REFUSAL = "Tælleuge skal bruges i en terminal: log ind med ssh -t, uden en kommando."


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sshd:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.user = getpass.getuser()
        self.config = write_config(tmp / "config.toml", users=(self.user,))
        self.db = tmp / "ssh.db"
        self.keys = []
        self.proc: subprocess.Popen | None = None
        self.port = 0

    def start(self) -> None:
        t = self.tmp
        done = run_cli(["init"], cli_env(self.config, self.db))
        assert done.returncode == 0, done.stderr
        self._keygen(t / "host_key")
        for i in range(3):
            self._keygen(t / f"client{i}")
            self.keys.append(t / f"client{i}")
        (t / "authorized_keys").write_text("".join(Path(f"{k}.pub").read_text() for k in self.keys))
        wrapper = t / "taelleuge-ssh"
        wrapper.write_text(
            "#!/bin/sh\n"
            "# sshd's ForceCommand: the app, never the client's command (SSH_ORIGINAL_COMMAND).\n"
            "umask 007\n"
            f"export TAELLEUGE_DB='{self.db}' TAELLEUGE_CONFIG='{self.config}' PYTHONPATH='{REPO}'\n"
            "export PYTHONUTF8=1 LANG=C.UTF-8 TEXTUAL_ANIMATIONS=none\n"
            f"exec '{PYTHON}' -m tui ssh\n"
        )
        wrapper.chmod(0o755)
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation directory
        for _ in range(3):  # the free port can be taken between probe and bind: try another
            self.port = free_port()
            conf = t / "sshd_config"
            conf.write_text("\n".join([
                f"Port {self.port}",
                "ListenAddress 127.0.0.1",
                f"HostKey {t / 'host_key'}",
                f"AuthorizedKeysFile {t / 'authorized_keys'}",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PubkeyAuthentication yes",
                "PermitRootLogin prohibit-password",
                "StrictModes no",
                "UsePAM no",
                "PermitTTY yes",
                f"PidFile {t / 'sshd.pid'}",
                f"ForceCommand {wrapper}",
                "LogLevel VERBOSE",
                "",
            ]))
            log = (t / "sshd.log").open("w")
            self.proc = subprocess.Popen([str(SSHD), "-D", "-e", "-f", str(conf)], stdout=log,
                                         stderr=subprocess.STDOUT)
            try:
                wait_until(lambda: "Server listening" in (t / "sshd.log").read_text()
                           or self.proc.poll() is not None, 15, "sshd to listen")
            finally:
                log.close()
            if self.proc.poll() is None:
                return
        raise AssertionError(f"sshd did not start:\n{(t / 'sshd.log').read_text()}")

    def _keygen(self, path: Path) -> None:
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True,
                       capture_output=True, timeout=30)

    def ssh_args(self, key: int, *options: str) -> list[str]:
        return ["ssh", *options, "-i", str(self.keys[key]), "-p", str(self.port),
                "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR",
                "-o", "ConnectTimeout=10", f"{self.user}@127.0.0.1"]

    def stop(self) -> None:
        if self.proc is not None:
            kill_all(descendants(self.proc.pid))  # the per-login sshd processes and the apps
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture
def sshd(tmp_path):
    server = Sshd(tmp_path)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def tmux(tmp_path):
    session = Tmux(tmp_path)
    yield session
    session.kill()


def test_concurrent_ssh_logins_register_for_the_users_unit_each_as_its_own_station(sshd, tmux, tmp_path):
    canary = tmp_path / "canary"
    canary.write_text("must survive")
    # Client 2 asks for a command as well: it must be ignored and the screen opened instead.
    commands = {"c0": sshd.ssh_args(0, "-tt"), "c1": sshd.ssh_args(1, "-tt"),
                "c2": [*sshd.ssh_args(2, "-tt"), f"rm -rf {canary}"]}
    for name, argv in commands.items():
        tmux.start(name, " ".join(f"'{a}'" for a in argv))
    for name in commands:
        tmux.wait_for(name, "Trin 1", timeout=40)  # all three sessions are open at once
    # Different tasks per client so each row can be traced back to its login.
    plan = {"c0": ("1", "o", "23.05.10", "OPRET"), "c1": ("2", "i", "23.09.02", "INFO"),
            "c2": ("3", "v", "23.09.04", "VEJL")}
    for name, (task, *_) in plan.items():  # all task keys first, then all type keys
        tmux.keys(name, task)
    for name, (_, kind, _, _) in plan.items():
        tmux.keys(name, kind)
    for name, (_, _, opgave, _) in plan.items():
        screen = tmux.wait_for(name, "Gemt kl.", timeout=30)
        assert opgave in screen

    rows = query(sshd.db, "SELECT opgave, type, enhed, operator, station FROM registrations")
    assert sorted(r[:2] for r in rows) == sorted((o, t) for _, _, o, t in plan.values())
    assert {(r[2], r[3]) for r in rows} == {(UNIT, sshd.user)}
    stations = [r[4] for r in rows]
    assert len(set(stations)) == 3, stations  # one station per login: ctrl+u stays with its login
    # The login's start and process id make a station unique even when sshd reuses the pts.
    assert all(re.fullmatch(r"ssh:127\.0\.0\.1:pts\d+:\d{8}T\d{6}Z:\d+", s) for s in stations), stations
    assert canary.read_text() == "must survive"

    for name in commands:
        tmux.keys(name, "C-q")  # not the locked kiosk: ctrl+q ends the session
    assert {name: tmux.exit_code(name) for name in commands} == dict.fromkeys(commands, "EXIT=0")


@pytest.mark.parametrize("remote", [None, "rm -rf {canary}"], ids=["no-command", "with-command"])
def test_ssh_without_a_terminal_is_refused_in_danish_and_the_command_is_ignored(sshd, tmp_path, remote):
    canary = tmp_path / "canary"
    canary.write_text("must survive")
    argv = sshd.ssh_args(0, "-T") + ([remote.format(canary=canary)] if remote else [])
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert REFUSAL in done.stderr
    assert canary.read_text() == "must survive"
    assert query(sshd.db, "SELECT count(*) FROM registrations") == [(0,)]
