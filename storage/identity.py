"""Who and where a registration was made: the OS user and the station, for the audit trail only.

The operator always comes from the password database, never from the environment (``$USER``,
``$LOGNAME`` or a variable of ours can be set by anyone). The station is decided by the entry
point: the kiosk (``host:tty``, or the name its service gives in ``TAELLEUGE_STATION``), an SSH
login (unique per login, see :func:`ssh_station`) and the command line (``cli:host:tty``).
"""

from __future__ import annotations

import ipaddress
import os
import pwd
import re
import socket
import sys
from datetime import datetime, timezone

from .errors import Refusal
from .privacy import looks_like_cpr

# A kiosk's own name: plain ASCII, short, nothing that acts on a terminal or looks like a CPR number.
_STATION_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@/+-]{0,63}$")


def operator() -> str:
    """The OS account running this process (the audit trail's "who")."""
    return account()


def account() -> str:
    """The real account of this process, from the password database (not $USER/$LOGNAME,
    which anyone can set)."""
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return f"uid{os.getuid()}"


def _tty() -> str | None:
    for stream in (sys.stdin, sys.stderr):
        try:
            return os.ttyname(stream.fileno()).removeprefix("/dev/").replace("/", "")
        except (OSError, AttributeError, ValueError):
            continue
    return None


def host() -> str:
    return _safe_part(socket.gethostname()) or "host"


def _safe_part(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "", text)[:64]


def terminal_station() -> str:
    """``host:tty`` (``host`` without a terminal): the kiosk's default station."""
    tty = _tty()
    return f"{host()}:{tty}" if tty else host()


def cli_station() -> str:
    """``cli:host:tty``: every command-line write (registrer, fortryd, import); the environment
    cannot change it."""
    return f"cli:{terminal_station()}"


def kiosk_station() -> str:
    """The kiosk's station: the name its service sets in ``TAELLEUGE_STATION`` (checked), else
    ``host:tty``."""
    name = os.environ.get("TAELLEUGE_STATION")
    if not name:
        return terminal_station()
    if not _STATION_NAME.match(name) or looks_like_cpr(name):
        raise Refusal(
            "TAELLEUGE_STATION skal være et kort navn af bogstaver a-z, tal og . _ : @ / + - "
            "(højst 64 tegn, fx skranke-1)", "station")
    if name.lower().startswith(_OTHER_ENTRY_POINTS) or name.lower() in _OTHER_STATIONS:
        raise Refusal(
            f"TAELLEUGE_STATION må ikke ligne en anden indgangs station ({', '.join(_OTHER_ENTRY_POINTS)} "
            f"eller {', '.join(_OTHER_STATIONS)}): kioskens navn skal kunne skelnes i revisionssporet, "
            "fx skranke-1", "station")
    return name


# What the other entry points write as the station: a kiosk's own name may not pass for one.
_OTHER_ENTRY_POINTS = ("ssh:", "cli:")
_OTHER_STATIONS = ("import", "doctor")


def ssh_station(connection: str | None, tty: str | None, *, started: datetime | None = None,
                pid: int | None = None) -> str:
    """``ssh:<client address>:<tty>:<login start UTC>:<pid>``.

    sshd hands the next login the same pts, so address and tty alone would make two logins one
    station (and the second could void the first's registrations). The login's start time and
    process id make it unique. Only a real IP address from ``SSH_CONNECTION`` is used.
    """
    client = "ukendt"
    if connection:
        try:
            address = ipaddress.ip_address(connection.split()[0])
            client = f"[{address}]" if address.version == 6 else str(address)
        except (ValueError, IndexError):
            client = "ukendt"
    tty = _safe_part(tty or "") or "notty"
    started = (started or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return f"ssh:{client}:{tty}:{started:%Y%m%dT%H%M%SZ}:{pid if pid is not None else os.getpid()}"
