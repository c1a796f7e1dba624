"""README's "Installing on a host", followed literally with a group and users made for the test.

A setgid 2770 folder owned by root and the group, ``init`` through ``sg <group> -c`` (by root as in
README, and by a coordinator who is a plain member of the group), then a kiosk user (the group is
its primary group, as in ``kiosk.service``) and an SSH staff user (a supplementary member) register
in turn. Every file in the folder must end up in the group and writable by it; SQLite alone made
the database and its journal 0640, so the kiosk and the staff user could not save.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import stat
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from taelleuge_harness import (
    REGISTER, SYSTEM_PATH, UNIT, Installation, can_drop_to_nobody, integrity, query, shared_dir,
    write_config,
)

TOOLS = ("groupadd", "groupdel", "useradd", "userdel", "sg", "setpriv", "install")


def missing() -> str | None:
    reason = can_drop_to_nobody()
    if reason:
        return reason
    absent = [tool for tool in TOOLS if shutil.which(tool, path=f"/usr/sbin:/sbin:{SYSTEM_PATH}") is None]
    return f"missing: {', '.join(absent)} (Debian packages passwd, login, util-linux)" if absent else None


REASON = missing()
pytestmark = [pytest.mark.slow, pytest.mark.skipif(REASON is not None, reason=REASON or "")]


def sh(*command: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"{command}: {done.stderr}"


@dataclass
class Host:
    group: str
    kiosk: str        # the kiosk service's user: primary group = the group (README's useradd)
    coordinator: str  # a plain member of the group (supplementary), no root
    staff: str        # an SSH user, also a supplementary member
    data: Path        # README's /var/lib/taelleuge
    config: Path      # README's /etc/taelleuge/config.toml
    app: Installation

    @property
    def db(self) -> Path:
        return self.data / "taelleuge.db"

    def env(self) -> dict[str, str]:
        """A login's environment plus README's two variables: no PYTHONPATH, no TAELLEUGE_OPERATOR."""
        return {"PATH": SYSTEM_PATH, "HOME": "/nonexistent", "LANG": "C.UTF-8",
                "TAELLEUGE_CONFIG": str(self.config), "TAELLEUGE_DB": str(self.db)}

    def run(self, user: str | None, command: list[str], *, umask: int = 0o022) -> subprocess.CompletedProcess:
        """``command`` as ``user`` with their primary and supplementary groups (root if None),
        starting from a login's usual umask 022."""
        prefix = []
        if user is not None:
            entry = pwd.getpwnam(user)
            prefix = ["setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--init-groups"]
        return subprocess.run([*prefix, *command], env=self.env(), cwd="/", capture_output=True,
                              text=True, timeout=120, umask=umask)

    def init_with_sg(self, user: str | None) -> subprocess.CompletedProcess:
        return self.run(user, ["sg", self.group, "-c", f"{self.app.taelleuge} init"])

    def register(self, user: str, *, umask: int = 0o022) -> subprocess.CompletedProcess:
        return self.run(user, [str(self.app.taelleuge), *REGISTER], umask=umask)


@pytest.fixture
def host(installed):
    tag = uuid.uuid4().hex[:6]
    group, kiosk, coordinator, staff = f"tlg{tag}", f"tlg{tag}k", f"tlg{tag}c", f"tlg{tag}s"
    top = shared_dir("taelleuge-host-", mode=0o755)
    data = top / "var-lib-taelleuge"
    users: list[str] = []
    made_group = False
    try:
        sh("groupadd", "--system", group)
        made_group = True
        sh("useradd", "--system", "--gid", group, "--home-dir", str(data), "--shell", "/usr/sbin/nologin", kiosk)
        users.append(kiosk)
        for user in (coordinator, staff):
            sh("useradd", "--system", "--no-user-group", "--gid", str(65534), "--groups", group,
               "--no-create-home", "--shell", "/usr/sbin/nologin", user)
            users.append(user)
        sh("install", "-d", "-o", "root", "-g", group, "-m", "2770", str(data))
        sh("install", "-d", "-m", "0755", str(top / "etc-taelleuge"))
        # nobody is mapped to the unit, so the outsider test below meets the file permissions,
        # not the "not your unit" refusal that comes first for unmapped users.
        config = write_config(top / "etc-taelleuge" / "config.toml", users=(kiosk, staff, "nobody"),
                              group=group)
        config.chmod(0o644)
        yield Host(group, kiosk, coordinator, staff, data, config, installed)
    finally:
        for user in users:
            subprocess.run(["userdel", user], capture_output=True, timeout=60)
        if made_group:
            subprocess.run(["groupdel", group], capture_output=True, timeout=60)
        shutil.rmtree(top, ignore_errors=True)


def modes(host: Host) -> dict[str, tuple[str, str]]:
    """Every file in the data folder: its group and permission bits."""
    return {path.name: (grp.getgrgid(path.stat().st_gid).gr_name, oct(stat.S_IMODE(path.stat().st_mode)))
            for path in sorted(host.data.iterdir())}


@pytest.mark.parametrize("initialiser", ["root", "coordinator"])
def test_the_readme_recipe_gives_every_member_of_the_group_a_writable_database(host, initialiser):
    by = None if initialiser == "root" else host.coordinator
    done = host.init_with_sg(by)
    assert done.returncode == 0, done.stderr
    assert f"Database: {host.db} (oprettet)" in done.stdout
    after_init = modes(host)
    assert "taelleuge.db" in after_init
    assert set(after_init.values()) == {(host.group, "0o660")}, after_init

    # The kiosk as kiosk.service starts it (User=kiosk, Group=<group>, UMask=0007), then two
    # members who log in with umask 022: each one writes through the file the one before made.
    for user, umask in ((host.kiosk, 0o007), (host.staff, 0o022), (host.coordinator, 0o022)):
        done = host.register(user, umask=umask)
        assert done.returncode == 0, f"{user}: {done.stderr}"
        assert done.stdout.startswith("Gemt:")

    assert query(host.db, "SELECT operator, enhed FROM registrations ORDER BY rowid") == [
        (host.kiosk, UNIT), (host.staff, UNIT), (host.coordinator, UNIT)]
    assert integrity(host.db) == "ok"
    final = modes(host)
    assert set(final) >= {"taelleuge.db", "taelleuge.db-writelock"}
    assert set(final.values()) == {(host.group, "0o660")}, final
    owner = pwd.getpwuid(host.db.stat().st_uid).pw_name
    assert owner == ("root" if by is None else host.coordinator)


def test_a_user_outside_the_group_is_told_so_in_danish_and_changes_nothing(host):
    """The control: 2770 and 0660 keep everyone else out, so the writes above were the group's;
    and being kept out is a clear message, not a traceback."""
    assert host.init_with_sg(None).returncode == 0
    outsider = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", str(host.app.taelleuge)]
    for command, message in ((REGISTER, "kan ikke nås af brugeren nobody"), (["doctor"], "kan ikke nås")):
        done = subprocess.run([*outsider, *command], env=host.env(), cwd="/", capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 1, done.stderr
        assert "Traceback" not in done.stderr
        assert message in done.stderr and f"gruppen {host.group}" in done.stderr  # the folder's group
        assert f"usermod -aG {host.group} " in done.stderr and "log ind igen" in done.stderr
    assert query(host.db, "SELECT count(*) FROM registrations") == [(0,)]
