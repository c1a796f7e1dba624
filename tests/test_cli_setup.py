"""The coordinator's setup commands through the real command line in a subprocess:
``init --config FIL --kommune NR``, ``opsaetning`` (one test per kind of mistake) and ``historik``."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from storage import config as cfg
from storage import roles
from storage.registration import new_entry
from storage.sqlite.store import SqliteStore as Store
from support import REPO, SAMPLES

CPH = ZoneInfo("Europe/Copenhagen")
KLE_SAMPLE = SAMPLES / "kle-emneplan-sample.xml"
# §9 of the domain reference: KL's 2013 package and the two "also common" tasks.
KL2013_NUMBERS = {
    "17.13.10", "17.20.01", "23.05.10", "28.09.40", "29.03.04", "29.03.99", "09.13.00", "18.15.12",
    "23.01.00", "23.05.05", "23.05.12", "23.09.02", "23.09.04", "25.02.09", "27.60.00", "27.60.04",
    "28.09.44", "29.03.12", "32.42.08", "82.16.00", "32.03.12", "32.21.00", "32.24.04", "32.30.04",
    "02.00.20", "27.45.00", "32.18.04", "32.18.08", "32.18.12", "25.10.00", "27.37.04", "32.03.04",
    "32.03.08", "32.03.10", "32.03.14", "32.03.16", "32.03.20", "32.06.04", "32.06.08", "32.06.12",
    "32.09.00", "32.12.00", "32.15.00", "32.30.08", "32.30.12", "02.34.02", "07.18.00",
}


class Cli:
    def __init__(self, tmp_path: Path):
        self.tmp = tmp_path
        self.db = tmp_path / "setup.db"
        self.config = tmp_path / "config.toml"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("TAELLEUGE_")}
        self.env.update(HOME=str(tmp_path / "home"), XDG_DATA_HOME=str(tmp_path / "xdg"),
                        TAELLEUGE_DB=str(self.db), PYTHONDONTWRITEBYTECODE="1")

    def __call__(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "tui", *args], cwd=REPO, env=self.env,
                              capture_output=True, text=True, timeout=60)

    def check(self, text: str, *extra: str) -> subprocess.CompletedProcess:
        self.config.write_text(text, encoding="utf-8")
        return self("opsaetning", "--config", str(self.config), *extra)


@pytest.fixture
def cli(tmp_path) -> Cli:
    return Cli(tmp_path)


# -- init --config FIL --kommune NR ---------------------------------------------------------------


def test_init_writes_a_starter_config_that_loads_and_passes_the_setup_check(cli):
    target = cli.tmp / "ny.toml"
    result = cli("init", "--config", str(target), "--kommune", "259", "--navn", "Køge")
    assert result.returncode == 0, result.stderr
    assert not cli.db.exists()  # a starter config, not a database
    text = target.read_text("utf-8")
    assert "# Tælleuge: kommunens konfiguration" in text and "kommunenummer = 259" in text
    config = cfg.load(target)
    assert (config.kommune_nr, config.kommune_navn) == ("259", "Køge")
    assert len(config.weeks) == 1 and (config.weeks[0].last - config.weeks[0].first).days == 6
    [unit] = config.units.values()
    assert unit.code == "259borgerservice" and unit.packages == ("kl2013",)
    assert {t.kle for t in unit.tasks()} == KL2013_NUMBERS
    assert dict((t.kle, t.name) for t in unit.tasks())["29.03.99"] == "EU-sygesikringskort"

    check = cli("opsaetning", "--config", str(target))
    assert check.returncode == 0, check.stdout
    notes = [line for line in check.stdout.splitlines() if line.startswith(("Bemærk", "PROBLEM"))]
    assert notes == [
        "Bemærk: Ingen KLE-fil (--kle FIL eller kle_fil i konfigurationen): opgaverne er ikke tjekket mod KLE.",
        f"Bemærk: Databasen {cli.db} findes ikke endnu (opret den med taelleuge init).",
    ]
    assert "Enhed 259borgerservice: Borgerservice (pakker: kl2013)" in check.stdout
    assert cli("init", "--config", str(target)).returncode == 0  # the database, from the new config
    again = cli("opsaetning", "--config", str(target))
    assert again.returncode == 0 and "findes ikke endnu" not in again.stdout


def test_init_never_overwrites_a_config(cli):
    target = cli.tmp / "findes.toml"
    target.write_text("# mit arbejde\n", encoding="utf-8")
    link = cli.tmp / "link.toml"
    link.symlink_to(cli.tmp / "intet.toml")  # dangling: writing would create its target
    for path in (target, link):
        result = cli("init", "--config", str(path), "--kommune", "259")
        assert result.returncode == 1
        assert f"{path} findes allerede; init overskriver aldrig en konfiguration" in result.stderr
    assert target.read_text("utf-8") == "# mit arbejde\n"
    assert not (cli.tmp / "intet.toml").exists()


@pytest.mark.parametrize("kommune", ["25", "2590", "abc", "099", "２５９", ""])
def test_init_refuses_a_municipality_number_that_is_not_three_digits(cli, kommune):
    target = cli.tmp / "ny.toml"
    result = cli("init", "--config", str(target), "--kommune", kommune)
    assert result.returncode == 1
    assert "--kommune skal være kommunens tre-cifrede nummer" in result.stderr
    assert "Traceback" not in result.stderr and not target.exists()


def test_init_refuses_a_name_the_config_would_refuse(cli):
    target = cli.tmp / "ny.toml"
    result = cli("init", "--config", str(target), "--kommune", "259", "--navn", "=HYPERLINK(1)")
    assert result.returncode == 1 and "--navn må ikke begynde med =" in result.stderr
    assert "intet er skrevet" in result.stderr
    assert not target.exists()


def test_init_with_kommune_needs_a_config_file(cli):
    result = cli("init", "--kommune", "259")
    assert result.returncode == 1 and "angiv filen med --config FIL" in result.stderr
    assert not cli.db.exists()


# -- opsaetning: a good config, then one test per kind of mistake ----------------------------------

HEAD = """
kommunenummer = 259
kommunenavn = "Køge"
"""
WEEK = """
[[taelleuge]]
navn = "Uge 43"
fra = 2026-10-19
til = 2026-10-25
"""


def unit(code: str = "259skranke", tasks: str = '[{ kle = "99.01.00", navn = "Prøveopgave" }]',
         extra: str = "") -> str:
    return f"""
[[enhed]]
kode = "{code}"
navn = "Skranken"
kanal = "PRSNLG"
kanaler = ["PRSNLG", "TLFIND"]
opgaver = {tasks}
{extra}
"""


GOOD = HEAD + WEEK + """
[[pakke]]
navn = "fælles"
[[pakke.opgave]]
kle = "99.02.00"
navn = "Fælles opgave"
""" + unit(tasks='[{ kle = "99.01.00", navn = "Prøveopgave" }, { gruppe = "Gruppe", opgaver = ['
           '{ kle = "98.10.05", navn = "Underopgave" }, { kle = "98.10", navn = "Gruppeniveau" }] }]', extra='pakker = ["fælles"]\n'
           '[[enhed.spoergsmaal]]\ntekst = "Alder"\nsvar = ["Under 65", "Over 65"]\npaakraevet = false')


def test_setup_check_passes_a_good_config_and_shows_each_screen(cli):
    result = cli.check(GOOD, "--kle", str(KLE_SAMPLE))
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "PROBLEM" not in out and out.rstrip().endswith("Opsætningen er i orden.")
    screen = out[out.index("Enhed 259skranke"):]
    for line in ("Enhed 259skranke: Skranken (pakker: fælles)", "  Kanaler: PRSNLG (fast), TLFIND",
                 "  Tælleuger: Uge 43", "  Opgaver (4):", "    1  99.02.00  Fælles opgave",
                 "    2  99.01.00  Prøveopgave", "    3  Gruppe (gruppe)", "       1  98.10.05  Underopgave",
                 "       2  98.10.00  Gruppeniveau",
                 "  Typer (trin 2): o OPRET  s STATUS  i INFO  v VEJL  d SLVBTJN  f FEJL",
                 "  Spørgsmål: Alder: 1 Under 65, 2 Over 65 (0 springer over)"):
        assert line + "\n" in screen


def assert_problem(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 1, result.stdout
    problems = [line for line in result.stdout.splitlines() if line.startswith("PROBLEM: ")]
    assert any(all(f in line for f in fragments) for line in problems), problems
    assert "Traceback" not in result.stderr


def test_setup_check_finds_a_unit_without_tasks(cli):
    text = HEAD + WEEK + unit() + unit("259tom", tasks="[]")
    assert_problem(cli.check(text), "Enheden 259tom har ingen opgaver")


def test_setup_check_finds_a_kle_number_twice_in_a_unit(cli):
    tasks = '[{ kle = "99.01.00", navn = "En" }, { gruppe = "G", opgaver = [{ kle = "99.01", navn = "To" }] }]'
    assert_problem(cli.check(HEAD + WEEK + unit(tasks=tasks)),
                   "Enheden 259skranke har KLE-nummeret 99.01.00 to gange")


def test_setup_check_finds_a_kle_number_in_two_packages_of_a_unit(cli):
    packs = "".join(f'\n[[pakke]]\nnavn = "{n}"\nopgaver = [{{ kle = "99.02.00", navn = "X" }}]\n'
                    for n in ("a", "b"))
    text = HEAD + WEEK + packs + unit(extra='pakker = ["a", "b"]')
    assert_problem(cli.check(text), "Enheden 259skranke har KLE-nummeret 99.02.00 to gange")


def test_setup_check_finds_an_unknown_package(cli):
    assert_problem(cli.check(HEAD + WEEK + unit(extra='pakker = ["findes-ikke"]')),
                   'Enheden 259skranke bruger pakken "findes-ikke", som ikke findes')


def test_setup_check_finds_overlapping_count_weeks(cli):
    more = '\n[[taelleuge]]\nnavn = "Uge 43-44"\nfra = 2026-10-24\ntil = 2026-11-01\n'
    assert_problem(cli.check(HEAD + WEEK + more + unit()), 'Tælleugerne "Uge 43" og "Uge 43-44" overlapper')


def test_setup_check_finds_an_empty_count_week(cli):
    empty = '\n[[taelleuge]]\nnavn = "Baglæns"\nfra = 2026-11-20\ntil = 2026-11-16\n'
    assert_problem(cli.check(HEAD + WEEK + empty + unit()), 'Tælleugen "Baglæns" er tom')


def test_setup_check_finds_a_config_without_count_weeks(cli):
    assert_problem(cli.check(HEAD + unit()), "Der er ingen tælleuger")


def test_setup_check_finds_a_question_without_answers(cli):
    question = '[[enhed.spoergsmaal]]\ntekst = "Alder"\nsvar = ["Ukendt"]'
    assert_problem(cli.check(HEAD + WEEK + unit(extra=question)),
                   'Enheden 259skranke: spørgsmålet "Alder" har ikke mindst to svar')


def test_setup_check_finds_a_task_the_kle_file_does_not_know(cli):
    tasks = '[{ kle = "99.01.00", navn = "Kendt" }, { kle = "97.01.00", navn = "Ukendt" }]'
    result = cli.check(HEAD + WEEK + unit(tasks=tasks), "--kle", str(KLE_SAMPLE))
    assert_problem(result, "Enheden 259skranke, opgaven 97.01.00 Ukendt", "findes ikke i KLE-filen")
    assert "99.01.00 Kendt:" not in result.stdout


def test_setup_check_finds_a_retired_task(cli):
    tasks = '[{ kle = "99.01.04", navn = "Gammel opgave" }]'
    assert_problem(cli.check(HEAD + WEEK + unit(tasks=tasks), "--kle", str(KLE_SAMPLE)),
                   "opgaven 99.01.04 Gammel opgave", "er udgået 01-11-2025")


def test_setup_check_finds_a_unit_with_rows_that_the_config_no_longer_has(cli):
    old = cli.tmp / "gammel.toml"
    old.write_text(HEAD + WEEK + unit() + unit("259gammel"), encoding="utf-8")
    config = cfg.load(old)
    with Store(cli.db, station="seed", operator="seed", create=True) as store:
        for code in ("259skranke", "259gammel"):
            store.record(new_entry(config, enhed=code, opgave="99.01.00", kanal="PRSNLG", type="OPRET",
                                   end=datetime(2026, 10, 21, 10, 0, tzinfo=CPH)))
    result = cli.check(HEAD + WEEK + unit())
    assert_problem(result, "Enheden 259gammel har 1 registrering i databasen, men står ikke længere i "
                           "konfigurationen")
    assert "259skranke har" not in result.stdout


def test_setup_check_notes_a_unit_that_only_imports_brought(cli):
    """Another municipality's unit imported with --kommune 336 is not a unit that left the config:
    a note, not a problem (exit 0)."""
    with Store(cli.db, station="seed", operator="seed", create=True) as store:
        with store.import_batch() as batch:
            batch.add([("336", "Andetby", "336ydelse", "99.01.00", "PRSNLG", "OPRET", "STRAKS",
                        "NEJ", None, "2026-10-21T08:00:00.000000Z", 0, "Tracetool", "{}")])
            batch.commit(sha256="a" * 64, content_sha256="b" * 64, file_name="x.csv",
                         layout="raadata", encoding="iso-8859-1", datakilde="Import",
                         station="s", operator="o")
    result = cli.check(HEAD + WEEK + unit())
    assert result.returncode == 0, result.stdout
    assert ("Bemærk: Enheden 336ydelse har 1 registrering i databasen, alle importerede, og står "
            "ikke i konfigurationen") in result.stdout
    assert "PROBLEM" not in result.stdout


def test_setup_check_reports_a_broken_file_without_a_traceback(cli):
    result = cli.check("kommunenummer = \n")
    assert result.returncode == 1 and "ikke gyldig TOML (linje 1" in result.stdout
    assert "Traceback" not in result.stderr


# -- historik -------------------------------------------------------------------------------------


def seed_history(cli: Cli) -> tuple[str, str]:
    """A batch of three voided, one row voided then restored, by a frozen clock."""
    cli.config.write_text(HEAD + WEEK + unit() + unit("259telefon"), encoding="utf-8")
    config = cfg.load(cli.config)
    moments = iter([datetime(2026, 10, 21, 8, m, tzinfo=timezone.utc) for m in range(0, 60, 5)])
    with Store(cli.db, station="kiosk:tty1", operator="skranke1", create=True,
               clock=lambda: next(moments)) as store:
        store.record(new_entry(config, enhed="259skranke", opgave="99.01.00", kanal="PRSNLG", type="OPRET",
                               end=datetime(2026, 10, 21, 9, 58, tzinfo=CPH), count=3))
        [single] = store.record(new_entry(config, enhed="259telefon", opgave="99.01.00", kanal="TLFIND",
                                          type="VEJL", end=datetime(2026, 10, 21, 9, 59, tzinfo=CPH)))
        store.undo_last(enhed="259skranke", reason="DUBLET")  # 10:10 local
        store.void([single], "FEJLTASTNING")  # 10:15
        store.station, store.operator = "cli:vaert", "tovholder"
        [restored] = store.restore([single])  # 10:20
    return single, restored


def test_history_shows_who_when_why_and_what(cli):
    seed_history(cli)
    result = cli("historik", "--config", str(cli.config))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "21-10-2026 10:10:00  annulleret: DUBLET (Registreret to gange)",
        "    af skranke1 på kiosk:tty1",
        "    3 × 99.01.00 Prøveopgave · PRSNLG Personligt fremmøde, ind · OPRET · STRAKS · blanket NEJ · "
        "259skranke · 21-10-2026 09:58",
        "21-10-2026 10:15:00  annulleret: FEJLTASTNING (Forkert opgave, kanal eller type)",
        "    af skranke1 på kiosk:tty1",
        "    1 × 99.01.00 Prøveopgave · TLFIND Telefon, ind · VEJL · STRAKS · blanket NEJ · 259telefon · "
        "21-10-2026 09:59",
        "21-10-2026 10:20:00  genskabt (bragt tilbage efter en annullering)",
        "    af tovholder på cli:vaert",
        "    1 × 99.01.00 Prøveopgave · TLFIND Telefon, ind · VEJL · STRAKS · blanket NEJ · 259telefon · "
        "21-10-2026 09:59",
        "4 annullerede rækker, 1 genskabte.",
    ]


def test_history_by_unit_and_by_day(cli):
    seed_history(cli)
    phone = cli("historik", "--config", str(cli.config), "--enhed", "259telefon")
    assert phone.returncode == 0 and "DUBLET" not in phone.stdout
    assert "FEJLTASTNING" in phone.stdout and "genskabt" in phone.stdout
    day = cli("historik", "--config", str(cli.config), "--dag", "22-10-2026")
    assert day.returncode == 0 and day.stdout == "Ingen annulleringer eller genskabelser den 22-10-2026.\n"
    same = cli("historik", "--config", str(cli.config), "--dag", "2026-10-21", "--enhed", "259skranke")
    assert same.stdout.count("annulleret:") == 1 and "DUBLET" in same.stdout
    bad = cli("historik", "--config", str(cli.config), "--dag", "i går")
    assert bad.returncode == 1 and "skal skrives som dd-mm-åååå" in bad.stderr


def test_history_is_for_the_coordinator_only(tmp_path, monkeypatch, capsys):
    if os.geteuid() != 0:
        pytest.skip("plays a staff user by changing the effective uid's view; needs root")
    from tui.cli import _main

    db = tmp_path / "delt.db"
    Store(db, station="setup", operator="root", create=True).close()
    config = tmp_path / "config.toml"
    config.write_text(HEAD + WEEK + unit() + '\n[koordinator]\ngruppe = "tlg-ingen-saadan-gruppe"\n',
                      encoding="utf-8")
    monkeypatch.setattr(roles.os, "geteuid", lambda: 65534)
    code = _main(["historik", "--config", str(config), "--db", str(db)])
    err = capsys.readouterr().err
    assert code == 1 and "historik er forbeholdt tovholderen (gruppen tlg-ingen-saadan-gruppe)" in err


def test_setup_check_survives_values_of_the_wrong_type(cli):
    text = HEAD + """
[[taelleuge]]
navn = "Uge 43"
fra = 2026-10-19T08:00:00
til = 2026-10-25

[[enhed]]
kode = "259skranke"
navn = "Skranken"
kanal = "PRSNLG"
pakker = [1, { a = 2 }, "ingen"]
spoergsmaal = [{ tekst = "Alder", svar = "Ja" }]
"""
    result = cli.check(text)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert 'PROBLEM: Tælleugen "Uge 43" mangler datoer' in result.stdout
    assert 'PROBLEM: Enheden 259skranke bruger pakken "ingen", som ikke findes.' in result.stdout
    assert 'spørgsmålet "Alder" har ikke mindst to svar' in result.stdout
    assert "PROBLEM: Konfigurationen kan ikke indlæses: " in result.stdout


def test_setup_check_writes_no_terminal_control_from_the_config(cli):
    text = HEAD + WEEK + unit(code="259\\u001b]0;hacked\\u0007skranke", tasks="[]")  # TOML escapes
    result = cli.check(text)
    assert result.returncode == 1 and "har ingen opgaver" in result.stdout
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout


def test_setup_check_notes_two_tasks_of_one_name_without_failing(cli):
    tasks = '[{ kle = "99.01.00", navn = "Pas" }, { kle = "99.02.00", navn = "pas" }]'
    result = cli.check(HEAD + WEEK + unit(tasks=tasks))
    assert result.returncode == 0, result.stdout
    assert ('Bemærk: Enheden 259skranke har 2 opgaver med navnet "Pas" (99.01.00, 99.02.00); '
            "personalet kan ikke se forskel på dem.") in result.stdout


def test_history_shows_an_undone_import_as_one_entry(cli, tmp_path):
    """``import --fortryd`` voids every row of the import at once: one entry naming the import
    (its number and file) and the row count, not one entry per row."""
    from exports import importer, past_imports

    cli.config.write_text(HEAD + WEEK + unit(), encoding="utf-8")
    config = cfg.load(cli.config)
    lines = ["Kommune;ID;Enhed;Opgave;Kanal;Type;Afslutning;Blanket;Dato;Datakilde;"]
    lines += [f"Køge;259;259skranke;99.01.00;PRSNLG;OPRET;STRAKS;NEJ;21-10-2026 09:{m:02d}:00;Web;"
              for m in range(25)]
    source = tmp_path / "uge43.csv"
    source.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    moments = iter([datetime(2026, 10, 22, 8, m, tzinfo=timezone.utc) for m in range(0, 60, 5)])
    with Store(cli.db, station="cli:vaert", operator="tovholder", create=True,
               clock=lambda: next(moments)) as store:
        assert importer.run(store, config, source).record.row_count == 25
        past_imports.undo(store, 1, "DUBLET")
    result = cli("historik", "--config", str(cli.config))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "22-10-2026 10:05:00  annulleret: DUBLET (Registreret to gange)",
        "    af tovholder på cli:vaert",
        '    import 1 ("uge43.csv"): 25 rækker annulleret',
        "25 annullerede rækker, 0 genskabte.",
    ]
