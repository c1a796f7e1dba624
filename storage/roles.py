"""Who may run the coordinator's commands: root, or members of the configured OS group.

Which config names the group is not up to the caller (``--config`` and ``TAELLEUGE_CONFIG`` are
theirs to set):

- On a host with ``/etc/taelleuge/config.toml``, that file decides, whatever config a command was
  given; and only a coordinator may use another config at all (``check_config_choice``), so staff
  cannot lift their unit, kommune, channels or tasks with one of their own.
- Without it, the config in use decides only as far as it can be trusted: a group named in a file
  only root can change counts; a group in a file a user wrote, or no group at all, makes nobody
  but the database's owner (and root) the coordinator. So the demo and a personal set-up work as
  before, and a shared database owned by someone else cannot be exported, imported or corrected
  by pointing ``TAELLEUGE_CONFIG`` at a config of one's own.

On a PostgreSQL database the server decides as well, and it is never "everyone": the login's
database role must be the coordinator's (``taelleuge_coordinator``, the tables' owner or a
superuser; storage.postgres.roles.is_coordinator). A configured group is required on top of that
(root counts as a member), never instead: the database is shared by hosts whose groups and configs
it cannot see, and root on a kiosk host with a staff login is still staff there. Without a group,
the database role alone decides. The OS half stays so a host can keep its SSH users out even
when a DBA granted too much.
"""

from __future__ import annotations

import grp
import os
import pwd
from pathlib import Path

from . import settings
from .config import Config
from .errors import Refusal, TaelleugeError
from .open import is_server


class NotCoordinator(TaelleugeError):
    pass


def authority(config: Config) -> tuple[Config, bool]:
    """The config that names the coordinator group, and whether it speaks for the host (the
    host's own file, or a file only root can change)."""
    host = settings.host_config()
    if host is not None:
        return host, True
    return config, settings.root_controlled(config.source)


def _member(group: str) -> bool:
    try:
        gid = grp.getgrnam(group).gr_gid
    except KeyError:
        return False
    return gid == os.getegid() or gid in os.getgroups()


def database_owner(database) -> str | None:
    """The account owning an SQLite database file, when that is not the caller: None when the
    caller owns it, when it does not exist yet (it will be theirs) or is a server (PostgreSQL
    grants its own roles)."""
    if database is None or is_server(database):
        return None
    try:
        uid = os.lstat(Path(database)).st_uid
    except (OSError, ValueError):
        return None  # missing or unreachable: the store says what is wrong
    if uid == os.geteuid():
        return None
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def coordinator_problem(config: Config, database=None, *, trusted: bool = True) -> str | None:
    """Why the caller is not the coordinator (Danish, after "… er forbeholdt tovholderen"), or None."""
    if is_server(database):
        return _server_problem(config, str(database))
    if os.geteuid() == 0:
        return None
    group = config.coordinator_group
    if group is not None and not _member(group):
        return f" (gruppen {group})."
    if group is not None and trusted:
        return None
    owner = database_owner(database)
    if owner is None:
        return None  # the caller's own database: a personal set-up, nobody is singled out
    if group is None:
        who = "root" if owner == "root" else f"{owner} og root"  # never "root og root"
        return (f". Konfigurationen {config.source} nævner ingen tovholdergruppe ([koordinator] "
                f"gruppe), og databasen {database} tilhører {owner}, så kun {who} må det. "
                f"Sæt gruppen i {settings.SYSTEM_CONFIG}.")
    return (f". Konfigurationen {config.source} kan ændres af andre end root, så dens tovholdergruppe "
            f"gælder kun brugerens egen database, og {database} tilhører {owner}. Læg konfigurationen "
            f"i {settings.SYSTEM_CONFIG} (eller lad root eje den).")


def _server_problem(config: Config, url: str) -> str | None:
    """On PostgreSQL: the configured group (if any) AND the database role. An unreachable server
    raises its typed error: the command could not have run anyway, and nobody passes unchecked."""
    group = config.coordinator_group
    if group is not None and os.geteuid() != 0 and not _member(group):
        return f" (gruppen {group})."
    from .postgres.roles import COORDINATOR, server_coordinator

    user, coordinator = server_coordinator(url)
    if coordinator:
        return None
    return (f": databasebrugeren {user} har ikke rollen {COORDINATOR} (og ejer ikke tabellerne). "
            f"En DBA giver den med: GRANT {COORDINATOR} TO \"{user}\";")


def is_coordinator(config: Config, database=None, *, trusted: bool = True) -> bool:
    return coordinator_problem(config, database, trusted=trusted) is None


def require_coordinator(config: Config, what: str, database=None, *, trusted: bool = True) -> None:
    problem = coordinator_problem(config, database, trusted=trusted)
    if problem is not None:
        raise NotCoordinator(
            f"{what} er forbeholdt tovholderen{problem} "
            "Registrering og fortryd ved skærmen kan alle bruge."
        )


def check_config_choice(config: Config, database) -> None:
    """On a host with its own config, only a coordinator (by that config) may use another one."""
    host = settings.host_config()
    if host is None or settings.is_host_config(config) or is_coordinator(host, database):
        return
    raise Refusal(
        f"Denne maskine bruger {settings.SYSTEM_CONFIG}; kun tovholderen kan bruge en anden "
        f"konfiguration (her {config.source} fra --config eller TAELLEUGE_CONFIG). Fjern den, så "
        "bruges maskinens egen.", "config")
