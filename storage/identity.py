"""Who and where a registration was made: the OS user and the station, for the audit trail only."""

from __future__ import annotations

import os
import pwd
import socket
import sys


def operator() -> str:
    # TAELLEUGE_OPERATOR is set by the SSH wrapper from $USER; tests set it too.
    explicit = os.environ.get("TAELLEUGE_OPERATOR")
    if explicit:
        return explicit
    return account()


def account() -> str:
    """The real account of this process, from the password database (not $USER/$LOGNAME,
    which anyone can set)."""
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return f"uid{os.getuid()}"


def station() -> str:
    """``TAELLEUGE_STATION`` when set, else ``host:tty`` (``host`` without a terminal)."""
    explicit = os.environ.get("TAELLEUGE_STATION")
    if explicit:
        return explicit
    host = socket.gethostname()
    for stream in (sys.stdin, sys.stderr):
        try:
            return f"{host}:{os.path.basename(os.ttyname(stream.fileno()))}"
        except (OSError, AttributeError, ValueError):
            continue
    return host
