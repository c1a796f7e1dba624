"""``taelleuge doctor``'s checks of the host around the config and the database: the accounts the
config names, the database folder's permissions and the free space beside the database.
Each problem is Danish and names its fix."""

from __future__ import annotations

import grp
import os
import pwd
import stat
from pathlib import Path

from .config import Config
from .hostile import escape
from .open import is_server

# Below this much free space on the database's filesystem, doctor calls it a problem: a count week
# of a large municipality writes a few MB, but a full disk stops every desk (IKKE GEMT).
MIN_FREE_BYTES = 50 << 20


def unknown_users(config: Config) -> list[str]:
    problems = []
    for unit in config.units.values():
        for user in unit.users:
            try:
                pwd.getpwnam(user)
            except (KeyError, ValueError):
                problems.append(
                    f"Brugeren {escape(user)} (brugere i enheden {unit.code} i {config.source}) "
                    f"findes ikke på maskinen, så ingen kan logge ind som den. Opret brugeren "
                    f"(adduser {escape(user)}), eller ret navnet i konfigurationen.")
    return problems


def _shared_host(config: Config) -> bool:
    """An installation several accounts use (users mapped to units, or a coordinator group):
    there the database folder must let the group write (README's 2770 folder)."""
    return bool(config.coordinator_group) or any(unit.users for unit in config.units.values())


def folder_problems(config: Config, db_path) -> list[str]:
    if is_server(db_path) or not _shared_host(config):
        return []
    folder = Path(db_path).parent
    try:
        info = os.stat(folder)
    except OSError:
        return []  # a missing or closed folder: the database check says so
    mode = stat.S_IMODE(info.st_mode)
    if mode & stat.S_IWGRP and mode & stat.S_ISGID:
        return []
    try:
        group = grp.getgrgid(info.st_gid).gr_name
    except KeyError:
        group = str(info.st_gid)
    if group == "root":
        group = "taelleuge"
    missing = [] if mode & stat.S_IWGRP else ["kan ikke skrives af gruppen"]
    if not mode & stat.S_ISGID:
        missing.append("har ikke setgid (nye filer kommer ikke i gruppen)")
    return [f"Databasemappen {folder} (rettigheder {mode:04o}) {' og '.join(missing)}, så kiosken "
            f"og SSH-brugerne kan ikke altid gemme. Ret det som root: chgrp {group} {folder} && "
            f"chmod 2770 {folder}"]


def free_space_problems(db_path) -> list[str]:
    if is_server(db_path):
        return []
    folder = Path(db_path).parent
    try:
        info = os.statvfs(folder)
    except OSError:
        return []
    free = info.f_bavail * info.f_frsize
    if free >= MIN_FREE_BYTES:
        return []
    return [f"Der er kun {free / 1_048_576:.1f} MB fri på filsystemet med databasen ({folder}); "
            f"under {MIN_FREE_BYTES >> 20} MB kan skrankerne snart ikke gemme (IKKE GEMT). Frigør "
            "plads (fx gamle eksportfiler, logfiler), eller flyt databasen til en disk med plads."]


def host_problems(config: Config, db_path) -> list[str]:
    return unknown_users(config) + folder_problems(config, db_path) + free_space_problems(db_path)
