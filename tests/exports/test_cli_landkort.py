"""``taelleuge import`` and ``taelleuge eksport`` as a coordinator runs them: a real subprocess."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

import pytest

from landkort_fixtures import *  # noqa: F401,F403
from landkort_fixtures import SAMPLE, count
from support import REPO

pytestmark = pytest.mark.slow


def test_import_then_duplicate_then_export(cli, lk_db, tmp_path):
    first = cli("import", SAMPLE)
    assert first.returncode == 0, first.stderr
    lines = dict(line.split(": ", 1) for line in first.stdout.splitlines())
    assert lines["Importeret"] == str(SAMPLE)
    assert lines["Rækker"] == "312"
    assert lines["Format"] == "rådata (raadata), ISO-8859-1"
    assert "999hjælpemidler 46" in lines["Enheder uden for konfigurationen"]
    again = cli("import", SAMPLE)
    assert again.returncode == 1
    assert "allerede importeret" in again.stderr and "Intet er importeret denne gang" in again.stderr
    assert count(lk_db) == 312
    out = tmp_path / "uge43.csv"
    done = cli("export", "landkort", "--uge", "2026-w43", "--format", "raadata", "--ud", out)
    assert done.returncode == 0, done.stderr
    assert "Rækker: 312" in done.stdout
    assert out.read_bytes().split(b"\r\n")[0] == SAMPLE.read_bytes().split(b"\r\n")[0]


def test_malformed_row_imports_nothing(cli, lk_db, tmp_path):
    lines = SAMPLE.read_bytes().split(b"\r\n")
    index = next(i for i in range(100, len(lines)) if b";PRSNLG;" in lines[i])
    lines[index] = lines[index].replace(b";PRSNLG;", b";PRSNLGX;")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\r\n".join(lines))
    result = cli("import", bad)
    assert result.returncode == 1
    assert f'Linje {index + 1}, felt "Kanal": Kanalen "PRSNLGX" er ukendt' in result.stderr
    assert "intet er gemt" in result.stderr
    assert count(lk_db) == 0 and count(lk_db, "imports") == 0


def test_import_check_only(cli, lk_db):
    result = cli("import", SAMPLE, "--kontroller")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Kontrolleret (intet importeret): {SAMPLE}")
    assert count(lk_db) == 0


@pytest.fixture
def in_process(cli, monkeypatch, capsys):
    """``tui.cli.main`` in this process, for argument checks (no database is touched)."""
    from tui.cli import main

    for key, value in cli.env.items():
        if key.startswith("TAELLEUGE_"):
            monkeypatch.setenv(key, value)

    def run(*args):
        umask = os.umask(0o022)
        os.umask(umask)
        try:
            code = main([str(a) for a in args])
        except SystemExit as exit:
            code = exit.code
        finally:
            os.umask(umask)  # main() sets the group umask for the real command
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


@pytest.mark.parametrize("args, message", [
    (["--uge", "2026-W99"], "findes ikke: 2026 har uge 1-53"),
    (["--fra", "19-10-2026"], "Angiv hvilke dage"),
    (["--fra", "23-10-2026", "--til", "19-10-2026"], "ligger før --fra"),
    (["--uge", "2026-W43", "--fra", "19-10-2026", "--til", "23-10-2026"], "ikke begge dele"),
    (["--uge", "2026-W43", "--enhed", "999ingen", "--kontroller"], 'Enheden "999ingen" findes hverken'),
    (["--uge", "2026-W43"], "Angiv filen med --ud"),
])
def test_export_usage_refusals(in_process, args, message):
    code, out, err = in_process("eksport", "landkort", *args)
    assert code == 1
    assert message in err


def test_help_texts(in_process):
    for args in (["eksport", "--help"], ["eksport", "landkort", "--help"], ["eksport", "excel", "--help"],
                 ["import", "--help"]):
        code, out, err = in_process(*args)
        assert code == 0, err
    assert "--kontroller" in in_process("eksport", "landkort", "--help")[1]
    assert "alt eller intet" in in_process("--help")[1]


@pytest.mark.engines("sqlite")  # a missing file; a missing server database is test_cli_postgres's
def test_export_needs_an_existing_database(cli, lk_db, tmp_path):
    lk_db.unlink()
    result = cli("eksport", "landkort", "--uge", "2026-W43", "--ud", tmp_path / "x.csv")
    assert result.returncode == 1 and "findes ikke" in result.stderr
    assert not lk_db.exists() and not (tmp_path / "x.csv").exists()


def test_help_texts_in_a_subprocess(cli):
    for args in (["eksport", "--help"], ["eksport", "landkort", "--help"], ["eksport", "excel", "--help"],
                 ["import", "--help"]):
        result = cli(*args)
        assert result.returncode == 0, result.stderr
    assert "--kontroller" in cli("eksport", "landkort", "--help").stdout
    assert "alt eller intet" in cli("--help").stdout


def _in_terminal(args: list[str], env: dict) -> str:
    """Run the CLI with a pseudo-terminal as stdout and stderr; return what it drew."""
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "tui", *args], cwd=REPO, env=env,
                                stdin=slave, stdout=slave, stderr=slave)
    finally:
        os.close(slave)
    out = b""
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # the other end closed
            break
        if not data:
            break
        out += data
    proc.wait(timeout=60)
    os.close(master)
    assert proc.returncode == 0, out.decode(errors="replace")
    return out.decode(errors="replace")


def test_progress_bar_in_a_terminal_and_quiet_otherwise(cli, tmp_path):
    drawn = _in_terminal(["import", str(SAMPLE)], cli.env)
    assert "Import" in drawn and "312/312" in drawn and "rækker" in drawn and "tilbage" in drawn
    assert "Rækker: 312" in drawn
    quiet = _in_terminal(["eksport", "landkort", "--uge", "2026-W43", "--ud", str(tmp_path / "a.csv"),
                          "--stille"], cli.env)
    assert "312/312" not in quiet and "\x1b[" not in quiet
    assert "Rækker: 312" in quiet
    piped = cli("eksport", "landkort", "--uge", "2026-W43", "--ud", tmp_path / "b.csv")
    assert "\x1b[" not in piped.stdout + piped.stderr
    assert [line.split(": ")[0] for line in piped.stdout.splitlines()] == [
        "Fil", "Format", "Rækker", "SHA-256", "Kontrolrapport", "Advarsler"]


def test_exports_are_imported_lazily():
    """Building the parser (every command, the kiosk too) loads neither exports nor openpyxl/rich."""
    probe = ("import sys, json; from tui import cli; cli.build_parser(); "
             "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    loaded = set(__import__("json").loads(out.stdout))
    assert not loaded & {"exports", "openpyxl", "rich", "pandas"}
