"""A real PostgreSQL server for the tests, started and stopped by the test session itself.

``initdb`` and ``postgres`` from Debian's ``postgresql`` package (``make test`` installs it), in a
temporary directory: a Unix socket there and 127.0.0.1 on a free port. PostgreSQL refuses to run
as root, so a root test session runs it as the ``postgres`` OS user (``runuser`` for initdb,
``setpriv`` for the server), with a data directory that user owns. The server is a child process
with a parent-death signal: however the session ends, it goes too. The binaries are looked up
under /usr/lib/postgresql/*/bin: the /usr/local/bin symlinks some machines have are not there on CI.

Local (socket) logins are trusted; TCP logins need a password, so the tests can check that no
password is ever shown.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

SUPERUSER = "postgres"
SUPERUSER_PASSWORD = "hemmeligt-kodeord-42"  # for TCP logins only; tests assert it never shows


class ServerUnavailable(Exception):
    """The server could not be started; the message says why."""


def find_bin_dir() -> Path:
    """The newest installed PostgreSQL's bin directory (Debian keeps them off PATH)."""
    found = sorted(
        (Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if not found:
        raise ServerUnavailable(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): "
            "apt-get install postgresql, or run make test as root"
        )
    return found[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    """One throwaway cluster. ``start()`` / ``stop()`` / ``restart()``; ``url(db)`` to reach it."""

    def __init__(self, name: str = "taelleuge-pg", *, durable: bool = False,
                 settings: dict[str, str] | None = None):
        """``durable``: fsync on (benchmarks compare durable commits); the tests' server skips it.
        ``settings``: more ``-c name=value`` server settings (they win over the defaults)."""
        self.durable = durable
        self.settings = settings or {}
        self.bin = find_bin_dir()
        self.root = Path(tempfile.mkdtemp(prefix=f"{name}-"))
        self.data = self.root / "data"
        self.socket_dir = self.root  # short path: a Unix socket path has a 107-byte limit
        self.log = self.root / "server.log"
        self.port = free_port()
        self.as_user: str | None = None
        if os.geteuid() == 0:
            self.as_user = SUPERUSER
            try:
                owner = pwd.getpwnam(self.as_user)
            except KeyError:
                raise ServerUnavailable(
                    "running as root but there is no 'postgres' OS user to run the server as "
                    "(the Debian postgresql package creates it)"
                ) from None
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
        self.running = False
        self.process: subprocess.Popen | None = None

    # -- commands ------------------------------------------------------------------------------

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_user:
            runner = shutil.which("runuser") or "/usr/sbin/runuser"
            command = [runner, "-u", self.as_user, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)

    def _check(self, result: subprocess.CompletedProcess, what: str) -> None:
        if result.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise ServerUnavailable(
                f"{what} failed ({result.returncode}): {result.stderr.strip()[-2000:]}\n{log}"
            )

    def init(self) -> None:
        pwfile = self.root / "pw"
        pwfile.write_text(SUPERUSER_PASSWORD + "\n")
        if self.as_user:
            owner = pwd.getpwnam(self.as_user)
            os.chown(pwfile, owner.pw_uid, owner.pw_gid)
        result = self._run(
            "initdb", "-D", str(self.data), "-U", SUPERUSER, f"--pwfile={pwfile}",
            "--auth-local=trust", "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C",
            "--no-sync",  # a throwaway cluster: no fsync of the initial files
        )
        pwfile.unlink()
        self._check(result, "initdb")

    def start(self) -> None:
        """Run ``postgres`` as a child of this process that dies with it (PR_SET_PDEATHSIG via
        setpriv): even a killed test session leaves no server behind."""
        command = [
            str(self.bin / "postgres"), "-D", str(self.data),
            "-p", str(self.port), "-k", str(self.socket_dir),
            "-c", "listen_addresses=127.0.0.1",
        ]
        # A throwaway cluster on a shared 2-core machine: no fsync (unless durable). The product's
        # own setting (synchronous_commit on) is per session and untouched.
        defaults = {"max_connections": "60", "shared_buffers": "32MB"}
        if not self.durable:
            defaults |= {"fsync": "off", "full_page_writes": "off"}
        for name, value in (defaults | self.settings).items():
            command += ["-c", f"{name}={value}"]
        setpriv = shutil.which("setpriv")
        if self.as_user:
            if not setpriv:
                raise ServerUnavailable("setpriv (util-linux) is needed to run the server as postgres")
            owner = pwd.getpwnam(self.as_user)
            command = [setpriv, f"--reuid={owner.pw_uid}", f"--regid={owner.pw_gid}", "--init-groups",
                       "--pdeathsig=QUIT", *command]  # QUIT: immediate shutdown, backends too
        elif setpriv:
            command = [setpriv, "--pdeathsig=QUIT", *command]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log,
                                            stderr=subprocess.STDOUT, cwd=self.root)
        deadline = time.monotonic() + 60
        while not self._ready():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self._kill()
                tail = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
                raise ServerUnavailable(f"postgres did not start:\n{tail}")
            time.sleep(0.02)
        self.running = True

    def _ready(self) -> bool:
        """postmaster.pid's 8th line is "ready" once connections are accepted (as pg_ctl -w)."""
        try:
            lines = (self.data / "postmaster.pid").read_text().splitlines()
        except OSError:
            return False
        return len(lines) >= 8 and lines[7].strip() == "ready"

    def stop(self, mode: str = "fast") -> None:
        """Stop and wait for the server to be gone (``fast``: disconnect clients, clean shutdown)."""
        process = getattr(self, "process", None)
        self.running = False
        if process is None or process.poll() is not None:
            return
        process.send_signal({"smart": signal.SIGTERM, "fast": signal.SIGINT,
                             "immediate": signal.SIGQUIT}[mode])
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self._kill()

    def _kill(self) -> None:
        process = getattr(self, "process", None)
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(timeout=30)

    def restart(self) -> None:
        self.stop()
        self.start()

    def destroy(self) -> None:
        """Stop (if running) and remove every file. Safe to call twice."""
        try:
            self.stop("immediate")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    # -- addresses ----------------------------------------------------------------------------

    def url(self, dbname: str = "postgres", user: str = SUPERUSER, **params: str) -> str:
        """A ``postgresql://`` URL over the Unix socket (trusted: no password)."""
        query = "&".join([f"host={quote(str(self.socket_dir), safe='')}", f"port={self.port}",
                          *(f"{k}={quote(v, safe='')}" for k, v in params.items())])
        return f"postgresql://{quote(user, safe='')}@/{dbname}?{query}"

    def tcp_url(self, dbname: str = "postgres", user: str = SUPERUSER,
                password: str = SUPERUSER_PASSWORD) -> str:
        return f"postgresql://{quote(user, safe='')}:{quote(password, safe='')}@127.0.0.1:{self.port}/{dbname}"


def remove_stale(prefix: str = "taelleuge-pg", older_than: float = 3600) -> None:
    """Folders left by a killed session (its server died with it): no live postmaster, an hour
    old. Other sessions' folders on the same machine are live or young, and stay."""
    for folder in Path(tempfile.gettempdir()).glob(f"{prefix}*-*"):
        try:
            if time.time() - folder.stat().st_mtime < older_than:
                continue
            pid = int((folder / "data" / "postmaster.pid").read_text().split()[0])
            os.kill(pid, 0)
            continue  # alive
        except PermissionError:
            continue  # alive, someone else's
        except (OSError, ValueError, IndexError):
            shutil.rmtree(folder, ignore_errors=True)


def start_server(name: str = "taelleuge-pg", **options) -> PgServer:
    """A running server, or ServerUnavailable (its files removed). ``options``: PgServer's."""
    remove_stale()
    server = PgServer(name, **options)
    try:
        server.init()
        server.start()
    except BaseException:
        server.destroy()
        raise
    return server
