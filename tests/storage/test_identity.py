"""Who and where: the operator from the password database only, the station from the entry point
(``cli:host:tty``, the kiosk's checked name, one per SSH login), never from the environment."""

from __future__ import annotations

import os
import pwd
import re
from datetime import datetime, timezone

import pytest

from storage import identity
from storage.errors import Refusal

ACCOUNT = pwd.getpwuid(os.getuid()).pw_name


def test_the_operator_ignores_the_environment(monkeypatch):
    for name in ("TAELLEUGE_OPERATOR", "USER", "LOGNAME"):
        monkeypatch.setenv(name, "someone-else")
    assert identity.operator() == ACCOUNT


def test_the_command_line_station_ignores_the_environment(monkeypatch):
    monkeypatch.setenv("TAELLEUGE_STATION", "ssh:10.0.0.1:pts0")
    station = identity.cli_station()
    assert station.startswith(f"cli:{identity.host()}") and "10.0.0.1" not in station


def test_the_kiosk_takes_its_services_station_name(monkeypatch):
    monkeypatch.setenv("TAELLEUGE_STATION", "skranke-1")
    assert identity.kiosk_station() == "skranke-1"
    monkeypatch.delenv("TAELLEUGE_STATION")
    assert identity.kiosk_station() == identity.terminal_station()


@pytest.mark.parametrize("name", ["\x1b]0;x\x07", "skranke\u202e1", "010190-1234", "a b", "x" * 65, "-x"])
def test_a_hostile_kiosk_station_name_is_refused(monkeypatch, name):
    monkeypatch.setenv("TAELLEUGE_STATION", name)
    with pytest.raises(Refusal, match="TAELLEUGE_STATION skal være et kort navn"):
        identity.kiosk_station()


def test_two_ssh_logins_on_the_same_pts_are_two_stations():
    """sshd gives the next login the pts the last one had: address and tty alone would let the
    second login's ctrl+u void the first one's registration."""
    first = identity.ssh_station("10.1.2.3 50000 10.0.0.1 22", "pts3",
                                 started=datetime(2026, 10, 21, 8, 0, 0, tzinfo=timezone.utc), pid=4242)
    second = identity.ssh_station("10.1.2.3 50001 10.0.0.1 22", "pts3",
                                  started=datetime(2026, 10, 21, 8, 0, 0, tzinfo=timezone.utc), pid=4243)
    later = identity.ssh_station("10.1.2.3 50002 10.0.0.1 22", "pts3",
                                 started=datetime(2026, 10, 21, 9, 30, 0, tzinfo=timezone.utc), pid=4242)
    assert first == "ssh:10.1.2.3:pts3:20261021T080000Z:4242"
    assert len({first, second, later}) == 3


@pytest.mark.parametrize("connection, client", [
    ("::1 50000 ::1 22", "[::1]"),
    ("\x1b[2J 1 2 3", "ukendt"),
    ("", "ukendt"),
    (None, "ukendt"),
    ("010190-1234 1 2 3", "ukendt"),
])
def test_the_ssh_client_address_must_be_an_address(connection, client):
    station = identity.ssh_station(connection, "pts/1\x1b")
    assert re.fullmatch(rf"ssh:{re.escape(client)}:pts1:\d{{8}}T\d{{6}}Z:\d+", station), station


@pytest.mark.parametrize("name", ["ssh:10.0.0.1:pts0:20260101T000000Z:1", "SSH:x", "cli:host:pts1", "import",
                                  "Doctor"])
def test_a_kiosk_station_may_not_pass_for_another_entry_point(monkeypatch, name):
    monkeypatch.setenv("TAELLEUGE_STATION", name)
    with pytest.raises(Refusal, match="må ikke ligne en anden indgangs station"):
        identity.kiosk_station()
