"""Give up on a PostgreSQL server that does not answer at all.

A stopped server backend, or a network that swallows packets while the TCP connection looks
alive, is noticed neither by ``lock_timeout`` (the backend must run to enforce it) nor by TCP
keepalives (the kernel still acknowledges). psycopg has no client-side deadline, so a call that
passes its deadline has its socket shut down under it: psycopg then raises as for a lost
connection, and the store reports DatabaseUnreachable (or checks a commit's outcome).

One daemon thread for the whole process, armed and disarmed around each call (cheap: a lock and
a notify, no thread per call). Disarming takes the same lock as the cut, so a call that finished
never has its (healthy, maybe reused) socket shut afterwards.
"""

from __future__ import annotations

import itertools
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

_cond = threading.Condition()
_armed: dict[int, tuple[float, int]] = {}  # token -> (monotonic deadline, socket fd)
_tokens = itertools.count(1)
_thread: threading.Thread | None = None


def _cut(fd: int) -> None:
    try:
        with socket.socket(fileno=os.dup(fd)) as sock:
            sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _run() -> None:
    with _cond:
        while True:
            if not _armed:
                _cond.wait()
                continue
            token, (deadline, fd) = min(_armed.items(), key=lambda item: item[1][0])
            left = deadline - time.monotonic()
            if left > 0:
                _cond.wait(left)
                continue
            del _armed[token]
            _cut(fd)


@contextmanager
def deadline(fd: int, seconds: float | None) -> Iterator[None]:
    """Shut the socket ``fd`` down if the block is still running after ``seconds``."""
    global _thread
    if seconds is None:
        yield
        return
    with _cond:
        token = next(_tokens)
        _armed[token] = (time.monotonic() + seconds, fd)
        if _thread is None:
            _thread = threading.Thread(target=_run, name="pg-watchdog", daemon=True)
            _thread.start()
        _cond.notify()
    try:
        yield
    finally:
        with _cond:
            _armed.pop(token, None)
