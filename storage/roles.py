"""Who may run the coordinator's commands: root, or members of the configured OS group."""

from __future__ import annotations

import grp
import os

from .config import Config
from .errors import TaelleugeError


class NotCoordinator(TaelleugeError):
    pass


def is_coordinator(config: Config) -> bool:
    if os.geteuid() == 0:
        return True
    if config.coordinator_group is None:
        # No group configured (the demo, a one-person setup): nobody is singled out.
        return True
    try:
        gid = grp.getgrnam(config.coordinator_group).gr_gid
    except KeyError:
        return False
    return gid == os.getegid() or gid in os.getgroups()


def require_coordinator(config: Config, what: str) -> None:
    if not is_coordinator(config):
        raise NotCoordinator(
            f"{what} er forbeholdt tovholderen (gruppen {config.coordinator_group}). "
            "Registrering og fortryd ved skærmen kan alle bruge."
        )
