"""Start the registration screen: resolve config, database and unit, then run the Textual app.

Three ways in: ``taelleuge`` (the screen; leaving is allowed), ``taelleuge kiosk`` (locked: only
the coordinator's PIN or systemctl ends it, console mode on) and ``taelleuge ssh`` (sshd's
ForceCommand: the unit comes from the OS user's mapping in the config).
"""

from __future__ import annotations

import argparse
import os
import sys

from storage import identity
from storage.errors import Refusal
from storage.open import shown
from storage.placement import network_warning
from storage.timeutil import system_clock

from . import logs
from .cli_store import load, open_store


# Textual paints on a fixed grid of TEXTUAL_FPS frames a second (60 by default): a change waits
# up to 16.7 ms for its frame, 4.6 ms on average after a commit (bench/kiosk_latency.py). At 240
# "Gemt" is on screen within ~4 ms of the commit; frames are only painted when something changed,
# so an idle desk costs nothing more.
FRAME_RATE = 240


def tune_runtime() -> None:
    """Settings Textual reads once, when it is imported: call before anything imports it.
    A TEXTUAL_FPS already in the environment wins (IT may lower it on a slow machine)."""
    os.environ.setdefault("TEXTUAL_FPS", str(FRAME_RATE))


def choose_unit(flag: str | None, config, *, coordinator: bool = True, locked: bool = True) -> str | None:
    """The unit from ``--enhed``, ``TAELLEUGE_ENHED``, the OS user's mapping, or the only unit.

    None means: ask once with the picker. Where the config maps users to units (``brugere``),
    staff get the same rule as ``registrer``: only their own unit. The locked kiosk runs as the
    service's own account, which no unit lists: it takes the unit its service names; a user who
    is mapped to a unit still gets only that one there.
    """
    from storage.register_policy import check_unit

    explicit = flag or os.environ.get("TAELLEUGE_ENHED")
    user = identity.account()
    mapped = config.unit_for_user(user)
    if explicit:
        unit = config.unit(explicit)  # refuses an unknown unit with the known ones
        if not coordinator and (mapped is not None or not locked):
            check_unit(config, unit.code, user, coordinator=False)
        return unit.code
    if mapped:
        return mapped.code
    if not coordinator and not locked and any(u.users for u in config.units.values()):
        raise Refusal(f"Brugeren {user} er ikke knyttet til en enhed i konfigurationen (brugere = "
                      "[...]). Kun tovholderen kan vælge en anden enhed.", "enhed")
    return next(iter(config.units)) if len(config.units) == 1 else None


def demo_setup(args: argparse.Namespace):
    """``--demo``: the built-in demo config and the user's own demo database, created when
    missing. Neither the host's config nor its database is read, so staff gain nothing by it."""
    from zoneinfo import ZoneInfo

    from storage import settings
    from storage.open import init_database

    given = [flag for flag in ("db", "config") if getattr(args, flag, None)]
    if given:
        raise Refusal(f"--demo bruger altid den indbyggede demo og sin egen database; udelad "
                      f"--{' og --'.join(given)}.", "demo")
    now = system_clock()
    config = settings.demo_config(now.astimezone(ZoneInfo(settings.DEMO_ZONE)).date())
    path = settings.data_dir() / "demo.db"
    init_database(path, station=identity.terminal_station(), operator=identity.operator())
    return config, path


def run_kiosk(args: argparse.Namespace, *, locked: bool = False) -> int:
    from .cli_store import caller_is_coordinator

    if getattr(args, "demo", False):
        # The demo has no coordinator PIN, so it is never locked: ctrl+q leaves, as on the screen.
        config, path = demo_setup(args)
        enhed = choose_unit(getattr(args, "enhed", None), config)
        return _run(config, path, enhed, station=identity.terminal_station(), locked=False,
                    console_flag=getattr(args, "console_mode", None))
    config, path = load(args)
    enhed = choose_unit(getattr(args, "enhed", None), config,
                        coordinator=caller_is_coordinator(config, path), locked=locked)
    # The station is the entry point's: a name from the environment only for the locked kiosk,
    # whose service sets it; the unlocked screen is host:tty like any login.
    station = identity.kiosk_station() if locked else identity.terminal_station()
    return _run(config, path, enhed, station=station, locked=locked,
                console_flag=getattr(args, "console_mode", None))


def _not_a_terminal() -> str | None:
    """What is not a terminal among stdin, stdout and stderr (Danish), or None. Without one the
    screen would wait forever for keys or fill a file with escape codes. TEXTUAL_DRIVER names a
    driver that brings its own screen (the headless one the tests use)."""
    if os.environ.get("TEXTUAL_DRIVER"):
        return None
    names = {0: "tastaturet (stdin)", 1: "skærmen (stdout)", 2: "fejludskriften (stderr)"}
    missing = []
    for fd, name in names.items():
        try:
            if not os.isatty(fd):
                missing.append(name)
        except OSError:
            missing.append(name)
    if not missing:
        return None
    listed = missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " og " + missing[-1]
    return listed + (" er ikke en terminal" if len(missing) == 1 else " er ikke terminaler")


def run_ssh(args: argparse.Namespace) -> int:
    """sshd's ForceCommand: one app process per login, for the unit the OS user belongs to."""
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        print("Tælleuge skal bruges i en terminal: log ind med ssh -t, uden en kommando.",
              file=sys.stderr)
        return 1
    os.environ.pop("SSH_ORIGINAL_COMMAND", None)  # ignored on purpose: no commands over SSH
    config, path = load(args)
    # The login's real account decides the unit and the audit trail, whatever the environment says.
    user = identity.account()
    unit = config.unit_for_user(user)
    if unit is None:
        raise Refusal(f"Brugeren {user} er ikke knyttet til en enhed. Bed tovholderen om at sætte "
                      "dig på en enhed (brugere = [...] i konfigurationen).", "enhed")
    try:
        tty = os.ttyname(0).removeprefix("/dev/").replace("/", "")
    except OSError:
        tty = None
    # One station per login (the next login gets the same pts), so ctrl+u never voids another
    # session's registration.
    station = identity.ssh_station(os.environ.get("SSH_CONNECTION"), tty)
    return _run(config, path, unit.code, station=station, locked=False, console_flag=None)


def _run(config, path, enhed: str | None, *, station: str, locked: bool,
         console_flag: bool | None) -> int:
    log = logs.setup()
    store = open_store(path, station=station)
    not_terminal = _not_a_terminal()
    if not_terminal:
        store.close()
        raise Refusal(f"Skærmen skal bruges i en terminal, men {not_terminal}. Start taelleuge "
                      "direkte i en terminal, uden < > eller | (over SSH: ssh -t). Til scripts: "
                      "taelleuge registrer.", "terminal")
    tune_runtime()
    from .app import console_wanted, make_app  # textual is imported here and only here

    console = True if locked and console_flag is None else console_wanted(console_flag)
    app = make_app(config, store, clock=system_clock, enhed=enhed, console=console, locked=locked,
                   warning=network_warning(path), freeze_heap=True)
    log.info("start: enhed=%s station=%s bruger=%s låst=%s db=%s", enhed, store.station,
             store.operator, locked, shown(path))
    try:
        app.run(mouse=not console)
    finally:
        store.close()
        log.info("stop: station=%s kode=%s", store.station, app.return_code)
    return app.return_code or 0
