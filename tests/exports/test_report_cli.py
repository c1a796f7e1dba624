"""``taelleuge rapport`` as the coordinator runs it: the real CLI in a subprocess for the terminal
output and the files, and in-process for the refusals (same code, no interpreter start-up)."""

from __future__ import annotations

import pytest

from exports.analysis import TABLE1_COLUMNS
from report_fixtures import EXPECTED_CSV, build, run_cli
from tui.cli import main

WEEKS = "2026-W43,2026-W44"


@pytest.fixture
def fixture(tmp_path, db_path):
    return build(tmp_path, db_path)


@pytest.mark.slow
def test_terminal_output_then_files_then_no_silent_overwrite(fixture, tmp_path):
    config_path, _, db = fixture

    shown = run_cli(config_path, db, "--uge", WEEKS)
    assert shown.returncode == 0, shown.stderr
    out = shown.stdout
    assert out.startswith("259 Testby · 2026-W43+2026-W44 (19-10-2026–01-11-2026)")
    # The channel policy comes first; every line fits 100 columns and no number is split.
    assert out.index("Kanalpolitik: henvendelser på uønskede kanaler") < out.index("Tabel 1")
    assert max(len(line) for line in out.splitlines()) <= 100
    assert "7410" in out and "17030" in out and "blandet" in out
    for line in EXPECTED_CSV[1:]:
        kle, name = line.split(";")[:2]
        assert kle in out and name in out
    assert "6,3" in out and "390,00" in out and "Udstedelse af prøvebevis" in out
    assert "A · lav volumen, høj selvbetjeningsgrad (1 opgave)" in out
    assert "23.09.02 Pas: 416,00 årlige transaktioner, 6,3 %" in out
    assert "Uden for tælleugerne: 2 fund, 4 rækker" in out  # the phone unit's W43 rows
    assert "Tærskler: selvbetjeningsgrad 80,0 %, volumen 260,00 årlige transaktioner" in out
    # [[pris]] is there but lacks some channels: named, not "no [[pris]]" (nor eaten as markup)
    assert "Note: Ingen pris i [[pris]] for disse kanaler" in out
    assert "Ingen pris i konfigurationen" not in out
    assert not list(tmp_path.glob("**/*.csv"))  # the terminal view writes nothing

    folder = tmp_path / "ud"
    written = run_cli(config_path, db, "--uge", WEEKS, "--sammenlign", "2026-W42,2026-W43",
                      "--ud", str(folder))
    assert written.returncode == 0, written.stderr
    assert f"Skrevet: {folder / 'tabel1.csv'}" in written.stdout
    assert "Opgaver: 6 (A 1, B 1, C 1, D 2, uden transaktioner 1)" in written.stdout
    assert (folder / "tabel1.csv").read_text("utf-8-sig").splitlines() == EXPECTED_CSV
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert sorted(before) == ["kvadrant.png", "rapport.xlsx", "tabel1.csv"]

    again = run_cli(config_path, db, "--uge", "2026-W43", "--ud", str(folder))
    assert again.returncode == 1
    assert "findes allerede" in again.stderr and "--overskriv" in again.stderr
    assert again.stdout == ""
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before

    replaced = run_cli(config_path, db, "--uge", "2026-W43", "--ud", str(folder), "--overskriv")
    assert replaced.returncode == 0, replaced.stderr
    csv_lines = (folder / "tabel1.csv").read_text("utf-8-sig").splitlines()
    assert csv_lines[0] == ";".join(TABLE1_COLUMNS) and len(csv_lines) == 6  # W43 has 5 tasks
    assert sorted(p.name for p in folder.iterdir()) == sorted(before)


@pytest.fixture
def cli_env(fixture, monkeypatch):
    config_path, _, db = fixture
    monkeypatch.setenv("TAELLEUGE_CONFIG", str(config_path))
    monkeypatch.setenv("TAELLEUGE_DB", str(db))
    return fixture


@pytest.mark.parametrize("args, message", [
    (["--uge", "2026-43"], 'Ugen "2026-43" skal skrives som ÅÅÅÅ-Wuu'),
    (["--fra", "19-10-2026"], "--fra kræver også --til"),
    (["--uge", WEEKS, "--til", "25-10-2026"], "--til hører sammen med --fra"),
    (["--fra", "25-10-2026", "--til", "19-10-2026"], "ligger før --fra"),
    (["--uge", WEEKS, "--taerskel-grad", "120"], "--taerskel-grad skal være et tal fra 0 til 100"),
    (["--uge", WEEKS, "--taerskel-volumen", "mange"], '--taerskel-volumen skal være et tal ≥ 0, ikke "mange"'),
    (["--uge", WEEKS, "--enhed", "259ukendt"], 'Enheden "259ukendt" findes hverken i konfigurationen eller i databasen'),
    (["--uge", "2026-W40"], "Ingen registreringer i 2026-W40"),
    (["--uge", WEEKS, "--sammenlign", WEEKS], "samme udvalg"),
])
def test_refusals_exit_1_with_a_danish_message(cli_env, capsys, tmp_path, args, message):
    assert main(["rapport", *args, "--ud", str(tmp_path / "ud")]) == 1
    err = capsys.readouterr().err
    assert message in err
    assert not (tmp_path / "ud").exists()


def test_missing_database_is_refused_not_created(cli_env, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("TAELLEUGE_DB", str(tmp_path / "ingen.db"))
    assert main(["rapport", "--uge", WEEKS]) == 1
    assert "findes ikke" in capsys.readouterr().err
    assert not (tmp_path / "ingen.db").exists()


def test_a_selection_is_required(cli_env, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["rapport"])
    assert exit_.value.code == 2
    assert "--uge" in capsys.readouterr().err


def test_help_has_the_definitions(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["report", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "Definitioner:" in out
    assert "Selvbetjeningsgrad: Digitale / (analoge + digitale) transaktioner × 100" in out
    assert "--taerskel-volumen" in out and "--overskriv" in out


def test_thresholds_and_units_in_process(cli_env, capsys, tmp_path):
    assert main(["report", "--uge", WEEKS, "--taerskel-grad", "50", "--taerskel-volumen", "200,5",
                 "--enhed", "259borgerservice"]) == 0
    out = capsys.readouterr().out
    assert "Tærskler: selvbetjeningsgrad 50,0 %, volumen 200,50 årlige transaktioner (valgt)" in out
    assert "259telefon" not in out and "259borgerservice" in out


def test_building_the_parser_loads_neither_exports_nor_pandas():
    """``build_parser`` runs on every start, the kiosk's too: ``rapport`` must cost it nothing."""
    import json
    import subprocess
    import sys

    from support import REPO

    probe = ("import sys, json; import tui.cli as c; c.build_parser(); "
             "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    loaded = set(json.loads(subprocess.run([sys.executable, "-c", probe], cwd=REPO, check=True,
                                           capture_output=True, text=True).stdout))
    assert not loaded & {"exports", "pandas", "numpy", "matplotlib", "openpyxl", "rich"}
