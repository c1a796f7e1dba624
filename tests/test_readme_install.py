"""README's "Installing on a host" against the code and kiosk.service: every step a new host needs
is there, and every command it names exists (tests/deploy/test_install_recipe.py runs the steps)."""

from __future__ import annotations

import re
import shlex

import pytest

from support import REPO
from tui.cli import build_parser
from tui.cli_store import RESTART_NOTE

README = (REPO / "README.md").read_text("utf-8")
SERVICE = (REPO / "kiosk.service").read_text("utf-8")
INSTALL = README[README.index("## Installing on a host"):]
INSTALL = INSTALL[:INSTALL.index("\n## ", 3)] if "\n## " in INSTALL[3:] else INSTALL


def blocks(text: str) -> list[str]:
    return re.findall(r"```(?:sh)?\n(.*?)```", text, re.S)


def recipe() -> list[str]:
    """The first shell block's commands, comments dropped, continuation lines joined."""
    text = blocks(INSTALL)[0].replace("\\\n", " ")
    return [line.split("  #")[0].strip() for line in text.splitlines() if line.strip()]


def subcommands() -> set[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return set(sub.choices)


def test_debian_gets_venv_before_the_venv_is_made():
    steps = recipe()
    venv = next(i for i, s in enumerate(steps) if "python3 -m venv" in s)
    apt = next(i for i, s in enumerate(steps) if s.startswith("apt-get install") and "python3-venv" in s)
    assert apt < venv


def test_users_join_the_group_and_are_told_to_log_in_again():
    assert re.search(r"^usermod -aG taelleuge \w+", "\n".join(recipe()), re.M)
    assert "next login" in INSTALL or "log out and in again" in INSTALL


def test_the_ssh_group_sshd_matches_is_created_and_explained():
    assert "Match Group taelleuge-ssh" in INSTALL
    assert "groupadd --system taelleuge-ssh" in INSTALL
    assert re.search(r"usermod -aG taelleuge-ssh,taelleuge \w+", INSTALL)


def test_every_taelleuge_command_in_the_readme_exists():
    known = subcommands()
    text = "\n".join(blocks(README) + re.findall(r"`([^`]*)`", README))
    # The group's name after usermod, chgrp, sg …: not the program.
    text = re.sub(r"(?:(?:-aG|-g|chgrp|sg|--gid|--system) |,)taelleuge", "", text)
    named = set(re.findall(r"\btaelleuge (?!-)([a-z]+)\b", text))
    assert named and named <= known, f"README names {sorted(named - known)}, which are not commands"


@pytest.mark.parametrize("step", [s for s in recipe() if "/bin/taelleuge" in s])
def test_the_recipes_taelleuge_steps_parse(step):
    command = shlex.split(step[step.index("/opt/taelleuge/venv/bin/taelleuge"):].rstrip("'"))
    build_parser().parse_args(command[1:])  # exits with 2 on anything unknown


def test_kiosk_service_matches_the_recipe_and_the_cli():
    exec_start = re.search(r"^ExecStart=(.*)$", SERVICE, re.M).group(1)
    argv = shlex.split(exec_start.replace("${TAELLEUGE_ENHED}", "259borgerservice"))
    assert argv[0] == "/opt/taelleuge/venv/bin/taelleuge"
    args = build_parser().parse_args(argv[1:])
    assert args.command == "kiosk" and args.console_mode
    steps = "\n".join(recipe())
    for path in ("/opt/taelleuge/venv", "/var/lib/taelleuge", "/etc/taelleuge/kiosk.env",
                 "/etc/taelleuge/config.toml"):
        assert path in SERVICE and path in steps, path
    assert "cp kiosk.service /etc/systemd/system/taelleuge-kiosk.service" in steps
    assert "systemctl restart taelleuge-kiosk" in RESTART_NOTE
    assert re.search(r"^User=kiosk$", SERVICE, re.M) and re.search(r"^Group=taelleuge$", SERVICE, re.M)
    assert "useradd --system --gid taelleuge" in steps and steps.split("useradd")[1].split("\n")[0].endswith("kiosk")
