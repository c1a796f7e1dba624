"""The coordinator's console for tests: a config file with the test's count week (the CLI
handlers the console runs read it too) and the app on the test's store."""

from __future__ import annotations

from importlib import resources

from storage import config as cfg
from tui.console.app import CoordinatorApp

WEEK = '\n[[taelleuge]]\nnavn = "Uge 43"\nfra = 2026-10-19\ntil = 2026-10-25\n'


def write_config(tmp_path):
    text = resources.files("storage").joinpath("demo.toml").read_text("utf-8") + WEEK
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def make_console(tmp_path, store, db_path, clock, *, console: bool = False) -> CoordinatorApp:
    path = write_config(tmp_path)
    config = cfg.load(path)
    return CoordinatorApp(config, store, clock=clock, console=console,
                          location=["--db", str(db_path), "--config", str(path)])
