"""storage/ and exports/ never import textual, and the kiosk path never loads pandas."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from support import REPO, run_kiosk_entry

PROBE = (
    "import sys, json, importlib\n"
    "for name in {modules!r}:\n"
    "    importlib.import_module(name)\n"
    "print(json.dumps(sorted(m.split('.')[0] for m in sys.modules)))\n"
)


def loaded_after_import(*modules: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(modules=list(modules))],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout
    return set(json.loads(out))


def test_storage_and_exports_do_not_import_textual():
    loaded = loaded_after_import(
        "storage", "storage.sqlite.store", "storage.config", "storage.doctor", "storage.sqlite.migrations",
        "exports",
    )
    assert "storage" in loaded and "exports" in loaded
    assert "textual" not in loaded
    assert "tui" not in loaded


def test_registration_path_does_not_load_sqlite_utils_or_pandas():
    loaded = loaded_after_import("storage", "storage.sqlite.store", "storage.registration", "tui.cli_store",
                                 "storage.open", "storage.settings", "tui.kiosk_main")
    assert "sqlite_utils" not in loaded
    assert "pandas" not in loaded and "numpy" not in loaded
    assert "psycopg" not in loaded  # only a postgresql:// database loads the PostgreSQL engine


@pytest.mark.slow
def test_the_kiosk_up_on_its_desk_has_not_loaded_the_unit_picker_pin_hashing_or_logging_handlers(
        tmp_path):
    """Each was 2-4 ms of every kiosk's cold start (bench/kiosk_startup.py) for something a desk
    with a known unit does not need until someone asks for it."""
    loaded = set(run_kiosk_entry(tmp_path)["modules"])
    assert "tui.screens.register" in loaded  # the desk is up: the checks below can fail
    assert "tui.screens.dialogs" not in loaded  # the unit picker: only when no unit is known
    assert "hashlib" not in loaded and "hmac" not in loaded  # PIN hashing: only to leave
    assert "logging.handlers" not in loaded  # the journal is written through syslog
    assert not {"pandas", "numpy", "sqlite_utils", "psycopg", "exports"} & {
        m.split(".")[0] for m in loaded}


OPEN_SQLITE = (
    "import sys, json\n"
    "from storage.open import open_store\n"
    "with open_store(sys.argv[1], station='s', operator='o', create=True) as store:\n"
    "    store.latest(station='s')\n"
    "print(json.dumps(sorted(m.split('.')[0] for m in sys.modules)))\n"
)


def test_a_kiosk_on_sqlite_never_loads_psycopg(tmp_path):
    out = subprocess.run([sys.executable, "-c", OPEN_SQLITE, str(tmp_path / "k.db")], cwd=REPO,
                         capture_output=True, text=True, check=True).stdout
    loaded = set(json.loads(out))
    assert "storage" in loaded and "psycopg" not in loaded


def test_the_postgresql_engine_loads_psycopg():
    """The check above can fail: the engine module does pull psycopg in."""
    assert "psycopg" in loaded_after_import("storage.postgres.store")


def test_import_linter_contracts_hold():
    result = subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()"],
        cwd=REPO, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 3 kept, 0 broken." in result.stdout
