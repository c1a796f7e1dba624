"""The write queue: a kernel file lock next to the database that writers wait on in turn.

SQLite's own busy handler lets a waiting writer sleep up to 100 ms between tries while the holder
takes the lock straight back, so under 50 writers some waited past the timeout and failed
(bench/concurrent_writers.py); the kernel wakes the next waiter of a ``flock`` as soon as the lock
is free. The lock dies with its process, so a killed writer never blocks the others.

``flock`` itself has no timeout, and a process that holds the file (stopped, hung, or hostile)
must not make kiosks wait for ever: the blocking ``flock`` runs in a helper thread while the
caller waits at most ``timeout`` for it (signals cannot interrupt it: the callers are worker
threads). A wait that times out leaves the helper queued; the next call waits on that same helper
instead of starting another, and a helper that gets the lock when nobody wants it any more lets
go at once. Uncontended, the lock is taken without a thread.

The file is opened without following a symlink and only if it is a regular file: root runs the
coordinator's commands, and a link planted in the shared folder must not make root create or lock
a file elsewhere (or open a device or a FIFO).
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
import threading
from pathlib import Path

from ..errors import DatabaseBusy, UnsafeFile
from .group_file import GROUP_WRITABLE

_OPEN_FLAGS = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK


def not_a_regular_file(path: Path, what: str) -> UnsafeFile:
    return UnsafeFile(
        f"{path} ({what}) er et symbolsk link eller ikke en almindelig fil, så Tælleuge bruger "
        f"den ikke: en anden kunne lede skrivningen hen til en helt anden fil. Intet er gemt. "
        f"Fjern den (rm {path}); programmet laver selv en ny. Tjek, hvem der har lavet den.",
        short="en fil ved databasen er ikke en almindelig fil: kontakt IT",
    )


class WriteQueue:
    """``acquire(timeout)`` … ``release()`` around every write transaction of one connection."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.usable = True  # False once the file proved impossible to open (permissions)
        self._fd: int | None = None
        self._mutex = threading.Lock()
        self._granted = threading.Event()
        self._wanted = False
        self._helper: threading.Thread | None = None
        self._closed = False

    def _open(self) -> int | None:
        if self._fd is not None:
            return self._fd
        try:
            before = os.lstat(self.path)
        except OSError:  # missing (we create it) or not reachable (open says so below)
            before = None
        if before is not None and not stat.S_ISREG(before.st_mode):
            raise not_a_regular_file(self.path, "skrivekøen")
        try:
            fd = os.open(self.path, _OPEN_FLAGS, GROUP_WRITABLE)
        except OSError as error:
            if error.errno == errno.ELOOP:  # a symlink appeared between lstat and open
                raise not_a_regular_file(self.path, "skrivekøen") from None
            # The queue only makes waiting fair; without it SQLite's own lock still serialises
            # writers, so a file we may not open (another user's, a read-only folder) must not
            # stop the write: SQLite reports the real problem, if there is one.
            self.usable = False
            return None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise not_a_regular_file(self.path, "skrivekøen")
        if before is None:
            # We made it: open() took the umask's bits off, and a member with umask 022 would
            # leave the others outside the fair queue (see storage/sqlite/group_file.py).
            try:
                os.fchmod(fd, GROUP_WRITABLE)
            except OSError:
                pass  # another member created it at the same moment: theirs, and already 0660
        self._fd = fd
        return fd

    def acquire(self, timeout: float) -> bool:
        """Wait for our turn, at most ``timeout`` seconds. False: no queue file to wait on.

        Raises :class:`DatabaseBusy` when another process holds the queue past ``timeout``.
        """
        if not self.usable:
            return False
        fd = self._open()
        if fd is None:
            return False
        with self._mutex:
            if self._helper is None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return True
                except BlockingIOError:
                    pass
                self._helper = threading.Thread(target=self._wait_in_line, args=(fd,),
                                                name="taelleuge-write-queue", daemon=True)
                self._wanted = True
                self._helper.start()
            else:
                self._wanted = True
        if self._granted.wait(timeout):
            with self._mutex:
                self._granted.clear()
                self._wanted = False
            return True
        with self._mutex:
            self._wanted = False
            if self._granted.is_set():  # handed over just as the wait ended
                self._granted.clear()
                return True
        seconds = f"{timeout:g}".replace(".", ",")
        raise DatabaseBusy(
            f"Skrivekøen {self.path} har været optaget i mere end {seconds} sekunder: en anden "
            "proces skriver eller er gået i stå midt i en skrivning. Intet er gemt. Prøv igen om "
            f"lidt; sker det igen, så find processen med: fuser -v {self.path}",
            code="writelock",
        )

    def _wait_in_line(self, fd: int) -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            acquired = True
        except OSError:
            acquired = False
        with self._mutex:
            self._helper = None
            if acquired and self._wanted and not self._closed:
                self._granted.set()
                return
            if acquired:  # the caller gave up meanwhile: let the next process in at once
                fcntl.flock(fd, fcntl.LOCK_UN)
            if self._closed:
                os.close(fd)

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        with self._mutex:
            self._closed = True
            fd, self._fd = self._fd, None
            if fd is not None and self._helper is None:
                os.close(fd)
            # else: the helper still waits on fd; it closes it when flock returns (closing it
            # here could hand its number to another file, which the helper would then unlock).
