"""Danish one-line descriptions of what was saved or voided: the CLI and the kiosk say the same."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from .config import Config


class _Registrationish(Protocol):
    enhed: str
    opgave: str
    kanal: str
    type: str | None
    afslutning: str | None
    blanket: str | None
    trial: bool


def task_name(config: Config, enhed: str, opgave: str) -> str:
    unit = config.units.get(enhed)
    for task in unit.tasks() if unit else ():
        if task.kle == opgave:
            return task.name
    return ""


def describe(config: Config, item: _Registrationish, count: int = 1, when: datetime | None = None) -> str:
    """``3 × 23.05.10 Flytning · PRSNLG Personligt fremmøde, ind · OPRET · STRAKS · blanket NEJ``."""
    channel = config.codebook.channels.get(item.kanal)
    parts = [
        f"{count} × {item.opgave} {task_name(config, item.enhed, item.opgave)}".rstrip(),
        f"{item.kanal} {channel.label}" if channel else item.kanal,
        item.type or "-",
        item.afslutning or "-",
        f"blanket {item.blanket or '-'}",
        item.enhed,
    ]
    if when is not None:
        parts.append(f"{when.astimezone(config.zone):%d-%m-%Y %H:%M}")
    return ("PRØVE · " if item.trial else "") + " · ".join(parts)
