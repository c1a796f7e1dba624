"""kiosk.service keeps the app on the VT, as an unprivileged user, restarting for ever."""

from __future__ import annotations

import configparser

from support import REPO


def load_unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read(REPO / "kiosk.service", encoding="utf-8")
    return parser


def test_unit_runs_the_kiosk_on_a_tty_as_non_root():
    unit = load_unit()
    service = unit["Service"]
    assert service["TTYPath"].startswith("/dev/tty")
    assert service["StandardInput"] in {"tty", "tty-force", "tty-fail"}
    assert service.get("StandardError", "inherit") not in {"journal", "null", "kmsg"}
    assert service["Restart"] == "always"
    assert service["User"] not in {"", "root"}
    assert service["UMask"] == "0007"
    assert "taelleuge kiosk --enhed" in service["ExecStart"]
    assert service["Group"] == "taelleuge"
    assert "/var/lib/taelleuge" in service["ReadWritePaths"]
    assert "getty@tty1.service" in unit["Unit"]["Conflicts"]
    assert unit["Unit"]["StartLimitIntervalSec"] == "0"
    assert "PrivateDevices" not in service
