"""``registrer``, ``fortryd`` and ``eksport landkort`` against hostile or mistaken input, through the
real CLI: future and impossible times, task numbers outside the package or the KLE file, CPR-like
and terminal-control answers, and the export log that names registrations made after a delivery."""

from __future__ import annotations

import hashlib
import os
import json

import pytest

from test_cli import CLI_STATION, IN_WEEK, REGISTER, UNIT, assert_refused
from test_cli import cli  # noqa: F401  (fixture)

ACCOUNT = __import__("pwd").getpwuid(__import__("os").getuid()).pw_name
WEEK = "2025-W43"

KLE_XML = """<?xml version="1.0" encoding="UTF-8"?>
<KLE-Emneplan><UdgivelsesDato>2026-08-01</UdgivelsesDato>
<Hovedgruppe><HovedgruppeNr>02</HovedgruppeNr><HovedgruppeTitel>Byggeri</HovedgruppeTitel>
  <Gruppe><GruppeNr>02.00</GruppeNr><GruppeTitel>Byggeri i alm.</GruppeTitel>
    <Emne><EmneNr>02.00.20</EmneNr><EmneTitel>BBR\u200b-registret\u202e
	 i alt</EmneTitel></Emne>
  </Gruppe>
</Hovedgruppe>
<Hovedgruppe><HovedgruppeNr>23</HovedgruppeNr><HovedgruppeTitel>Borgerservice</HovedgruppeTitel>
  <Gruppe><GruppeNr>23.05</GruppeNr><GruppeTitel>Folkeregister</GruppeTitel>
    <Emne><EmneNr>23.05.10</EmneNr><EmneTitel>Flytning</EmneTitel></Emne>
  </Gruppe>
</Hovedgruppe>
</KLE-Emneplan>
"""


def task(number: str) -> list[str]:
    return [*REGISTER[:3], "--opgave", number, *REGISTER[5:]]


def test_a_time_in_the_future_is_refused(cli):
    cli.init()
    assert_refused(cli(*REGISTER, "--tid", "01-01-2099 10:00"), "ligger i fremtiden")
    assert cli.count() == 0


@pytest.mark.parametrize("when, year", [("01-01-0999 10:00", "999"), ("01-01-0001 00:30", "1"),
                                        ("31-12-9999 23:59", "9999"), ("2101-01-01 10:00", "2101")])
def test_impossible_years_are_refused_in_danish(cli, when, year):
    cli.init()
    assert_refused(cli(*REGISTER, "--tid", when, "--proeve"), f"årstallet {year} ligger uden for 1970–2100")
    assert cli.count() == 0


@pytest.mark.parametrize("week", ["0001-W01", "9999-W52"])
def test_impossible_years_in_an_export_selection_are_refused(cli, tmp_path, week):
    cli.init()
    assert_refused(cli("eksport", "landkort", "--uge", week, "--kontroller"), "ligger uden for 1970–2100")


def test_a_task_outside_the_package_warns_and_is_saved(cli):
    cli.init()
    result = cli(*task("02.00.20"), "--tid", IN_WEEK)
    assert result.returncode == 0, result.stderr
    assert "Advarsel: KLE-nummeret 02.00.20 er ikke i 259borgerservices opgavepakke." in result.stderr
    assert cli.count() == 1


def test_with_a_kle_file_an_unknown_task_outside_the_package_is_refused(cli, tmp_path):
    (tmp_path / "kle.xml").write_text(KLE_XML, "utf-8")
    cli.config.write_text(f'kle_fil = "{tmp_path / "kle.xml"}"\n' + cli.config.read_text("utf-8"), "utf-8")
    cli.init()
    unknown = cli(*task("99.99.99"), "--tid", IN_WEEK)
    assert_refused(unknown, "KLE-nummeret 99.99.99 findes ikke i KLE-filen (udgivet 2026-08-01)")
    known = cli(*task("02.00.20"), "--tid", IN_WEEK)
    assert known.returncode == 0, known.stderr
    assert "er ikke i 259borgerservices opgavepakke" in known.stderr
    assert cli.count() == 1


def test_kle_titles_are_read_as_one_line_of_plain_text(tmp_path):
    """KL's file is an outside file: its titles reach the screen, the CLI and Excel."""
    from storage.kle import load_catalogue

    (tmp_path / "kle.xml").write_text(KLE_XML, "utf-8")
    assert load_catalogue(tmp_path / "kle.xml").title("02.00.20") == "BBR-registret i alt"


@pytest.mark.parametrize("answer", ["Over 65=010190\u20131234", "Over 65=01.01.90-1234", "Over 65=Ja\u202e",
                                    "Over 65\x1b[2J=Ja"])
def test_svar_with_a_cpr_number_or_control_characters_is_refused_unquoted(cli, answer):
    cli.init()
    result = cli(*REGISTER, "--tid", IN_WEEK, "--svar", answer)
    assert_refused(result, "--svar")
    assert "1234" not in result.stderr and "\x1b" not in result.stderr and "\u202e" not in result.stderr
    assert cli.count() == 0


def test_messages_never_pass_terminal_controls_through(cli):
    cli.init()
    result = cli("registrer", "--enhed", "\x1b]0;overtaget\x07\x1b[2J", *REGISTER[3:], "--tid", IN_WEEK)
    assert_refused(result, 'Enheden "\\x1b]0;overtaget\\x07\\x1b[2J" er ukendt')
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr


def test_export_log_registrations_and_voids_after_a_delivery_are_named(cli, tmp_path):
    cli.init()
    for _ in range(2):
        assert cli(*REGISTER, "--tid", IN_WEEK).returncode == 0
    target = tmp_path / "uge43.csv"
    done = cli("eksport", "landkort", "--uge", WEEK, "--ud", str(target))
    assert done.returncode == 0, done.stderr
    [logged] = cli.rows("exports")
    assert {k: logged[k] for k in ("kind", "first_day", "last_day", "units", "sources", "row_count",
                                   "sha256", "file_name", "operator", "station")} == {
        "kind": "landkort-upload", "first_day": "2025-10-20", "last_day": "2025-10-26", "units": "[]",
        "sources": "[]", "row_count": 2, "sha256": hashlib.sha256(target.read_bytes()).hexdigest(),
        "file_name": "uge43.csv", "operator": ACCOUNT, "station": CLI_STATION}
    assert (logged["start_utc"], logged["end_utc"]) == ("2025-10-19T22:00:00.000000Z",
                                                       "2025-10-26T23:00:00.000000Z")
    check = cli("eksport", "landkort", "--uge", WEEK, "--kontroller")
    assert check.returncode == 0 and cli.count("exports") == 1  # --kontroller delivers nothing
    assert "Eksporteret før: 20-10-2025 – 26-10-2025 eksporteret" in check.stdout
    assert "Registreret efter sidste eksport: ingen" in check.stdout

    undone = cli("fortryd", "--enhed", UNIT, "--ja")
    assert undone.returncode == 0, undone.stderr
    assert "Den afleverede fil har stadig rækken" in undone.stderr
    late = cli(*REGISTER, "--tid", IN_WEEK)
    assert late.returncode == 0, late.stderr
    assert "Advarsel: 20-10-2025 – 26-10-2025 eksporteret" in late.stderr and "(2 rækker, uge43.csv)" in late.stderr
    assert "er ikke i den afleverede fil; næste eksports kontrol viser den" in late.stderr
    assert "Gemt:" in late.stdout  # a warning, not a refusal

    check = cli("eksport", "landkort", "--uge", WEEK, "--kontroller")
    assert check.returncode == 0, check.stderr
    assert "ADVARSEL  Registreret efter sidste eksport: 1 række" in check.stdout
    assert f"{UNIT} on 22-10-2025: 1 række" in check.stdout
    assert "ADVARSEL  Annulleret efter sidste eksport: 1 række" in check.stdout

    again = tmp_path / "uge43-igen.csv"
    assert cli("eksport", "landkort", "--uge", WEEK, "--ud", str(again)).returncode == 0
    assert cli.count("exports") == 2
    check = cli("eksport", "landkort", "--uge", WEEK, "--kontroller")
    assert "Registreret efter sidste eksport: ingen" in check.stdout
    assert "Annulleret efter sidste eksport: ingen" in check.stdout
    assert check.stdout.count("Eksporteret før:") == 2
    # A late void of the late row (not in the first file, in the second) is not double-counted.
    assert cli("fortryd", "--enhed", UNIT, "--ja").returncode == 0


def test_a_registration_outside_an_exported_unit_says_nothing(cli, tmp_path):
    cli.init()
    # an empty export is refused: the phone unit has one row in the week
    assert cli("registrer", "--enhed", "259telefon", "--opgave", "29.03.04", "--kanal", "TLFIND",
               "--type", "INFO", "--tid", IN_WEEK).returncode == 0
    assert cli("eksport", "landkort", "--uge", WEEK, "--enhed", "259telefon",
               "--ud", str(tmp_path / "tlf.csv")).returncode == 0
    [logged] = cli.rows("exports")
    assert json.loads(logged["units"]) == ["259telefon"]
    result = cli(*REGISTER, "--tid", IN_WEEK)
    assert result.returncode == 0 and "eksporteret" not in result.stderr


def test_the_export_log_is_append_only(cli, tmp_path):
    import sqlite3

    cli.init()
    assert cli(*REGISTER, "--tid", IN_WEEK).returncode == 0  # an empty export is refused
    assert cli("eksport", "landkort", "--uge", WEEK, "--ud", str(tmp_path / "f.csv")).returncode == 0
    conn = sqlite3.connect(cli.db)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM exports")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE exports SET row_count = 0")


@pytest.mark.parametrize("flag, value", [("--enhed", "010190\u20131234"), ("--datakilde", "Trace\u202etool"),
                                         ("--datakilde", "=HYPERLINK(1)"), ("--datakilde", "@SUM(A1)")])
def test_export_filters_are_checked(cli, flag, value):
    cli.init()
    result = cli("eksport", "landkort", "--uge", WEEK, flag, value, "--kontroller")
    assert_refused(result, flag)
    assert value not in result.stderr


def test_doctor_shows_the_pin_hash_iterations(cli):
    from storage.pin import hash_pin

    cli.config.write_text(cli.config.read_text("utf-8") + f'\n[koordinator]\npin = "{hash_pin("123456")}"\n',
                          "utf-8")
    cli.init()
    result = cli("doctor")
    assert "Kiosk-PIN     sat som hash (pbkdf2_sha256, 200000 gentagelser)" in result.stdout


def test_names_that_look_like_markup_are_printed_as_they_are(cli):
    """Rich (the report's terminal table) reads "[...]" as markup: a task name must come out
    literally and never crash the command."""
    cli.config.write_text(cli.config.read_text("utf-8")
                          .replace('navn = "Flytning"', 'navn = "Pas [ophævet] [/]"')
                          .replace('navn = "Pas"', 'navn = "Sundhedskort [EU] [bold]x"'), "utf-8")
    cli.init()
    assert cli(*REGISTER, "--tid", IN_WEEK).returncode == 0
    assert cli(*task("23.09.02"), "--tid", IN_WEEK).returncode == 0
    result = cli("rapport", "--uge", WEEK)
    assert result.returncode == 0, result.stderr
    flat = " ".join(result.stdout.split())
    assert "Pas [ophævet] [/]" in flat and "Sundhedskort [EU] [bold]x" in flat


# -- issue 12, second round ----------------------------------------------------------------------

def test_the_same_question_answered_twice_is_refused(cli):
    cli.init()
    result = cli(*REGISTER, "--tid", IN_WEEK, "--svar", "Over 65=Ja", "--svar", "Over 65=Nej")
    assert_refused(result, '--svar er givet to gange for "Over 65" ("Ja" og "Nej")')
    assert cli.count() == 0


@pytest.mark.parametrize("pair", ["Over 65==1+1", "@Over 65=Ja", "Over 65=+Ja"])
def test_svar_with_a_formula_lead_is_refused(cli, pair):
    cli.init()
    assert_refused(cli(*REGISTER, "--tid", IN_WEEK, "--svar", pair), "må ikke begynde med")
    assert cli.count() == 0


@pytest.mark.parametrize("args, fragment", [
    (["--antal", "\uff13"], '--antal: skal være et helt tal med cifrene 0-9, ikke "\uff13"'),
    (["--antal", "\u0663"], "--antal: skal være et helt tal med cifrene 0-9"),
    (["--tid", "\uff12\uff12-10-2025 10:15"], "skal skrives som dd-mm-åååå TT:MM"),
])
def test_registrer_takes_ascii_digits_only(cli, args, fragment):
    cli.init()
    result = cli(*REGISTER, *args)
    assert result.returncode in (1, 2) and fragment in result.stderr, result.stderr
    assert cli.count() == 0


@pytest.mark.parametrize("selection", [["--uge", "2025-W\uff14\uff13"], ["--uge", "\uff12025-W43"],
                                       ["--fra", "\uff12\uff10-10-2025", "--til", "26-10-2025"]])
def test_export_selections_take_ascii_digits_only(cli, selection):
    cli.init()
    result = cli("eksport", "landkort", *selection, "--kontroller")
    assert_refused(result, "skal skrives som")


def test_report_thresholds_take_ascii_digits_only(cli):
    cli.init()
    assert_refused(cli("rapport", "--uge", WEEK, "--taerskel-grad", "\uff18\uff10"), "--taerskel-grad skal være et tal")


# -- a planted database symlink (issue 12, second round §1) --------------------------------------

@pytest.mark.parametrize("command", [["eksport", "landkort", "--uge", WEEK, "--kontroller"], ["init"], ["doctor"],
                                     REGISTER + ["--tid", IN_WEEK], ["rapport", "--uge", WEEK],
                                     ["eksport", "excel", "--uge", WEEK, "--ud", "{tmp}/x.xlsx"]])
def test_a_database_replaced_by_a_symlink_is_never_followed(cli, tmp_path, command):
    cli.init()
    victim = tmp_path / "shadow"  # stands in for a root-owned file the link points at
    victim.write_bytes(b"root:x:0:0\n")
    cli.db.unlink()
    cli.db.symlink_to(victim)
    result = cli(*[part.format(tmp=tmp_path) for part in command])
    assert result.returncode == 1, result.stdout
    assert f"Databasen {cli.db} er et symbolsk link (til {victim})" in result.stderr
    assert "Traceback" not in result.stderr
    assert victim.read_bytes() == b"root:x:0:0\n"
    assert not (tmp_path / "shadow-journal").exists() and not (tmp_path / "x.xlsx").exists()


@pytest.mark.parametrize("command", [["init"], REGISTER + ["--tid", IN_WEEK]])
def test_a_dangling_database_symlink_creates_nothing_where_it_points(cli, tmp_path, command):
    target = tmp_path / "etc-cron" / "job"
    target.parent.mkdir()
    cli.db.symlink_to(target)
    result = cli(*command)
    assert result.returncode == 1
    assert "er et symbolsk link" in result.stderr or "findes ikke" in result.stderr
    assert not target.exists() and not (tmp_path / "etc-cron" / "job-journal").exists()


# -- terminal escapes and the KLE file (issue 12, second round §6, §13) ---------------------------

HOSTILE_KLE = KLE_XML.replace("<UdgivelsesDato>2026-08-01</UdgivelsesDato>",
                              "<UdgivelsesDato>2026\u009b2J\u202e-08-01</UdgivelsesDato>").replace(
    "<EmneNr>02.00.20</EmneNr>", "<EmneNr>02.00.20\u009b2J</EmneNr>")


def plant(db, **fields) -> None:
    """A copy of the newest registration with ``fields`` changed, written with SQL (data from
    before the guards, or from someone with the database file in hand)."""
    import uuid

    import dbrows
    from storage.model import REGISTRATIONS

    row = dbrows.dict_rows(db)[-1]
    row = {c: row[c] for c in REGISTRATIONS.written}
    row.update(id=str(uuid.uuid4()), **fields)
    dbrows.insert(db, "registrations", [row])


def no_controls(text: str) -> bool:
    return not any(c in text for c in ("\x1b", "\x07", "\x9b", "\u202e"))


def test_doctor_and_the_check_escape_what_the_database_and_environment_hold(cli, tmp_path):
    folder = tmp_path / "db\x1b]0;x\x07"
    folder.mkdir()
    db = folder / "t.db"
    cli.init(db)
    assert cli(*REGISTER, "--tid", IN_WEEK, "--db", str(db)).returncode == 0
    plant(db, enhed="\x1b]0;ejet\x07\x1b[2J", kommune_navn="K\u009b2J\u202eøge")
    doctor = cli("doctor", env={"TAELLEUGE_DB": str(db)})
    assert "\\x1b]0;ejet\\x07\\x1b[2J: 1" in doctor.stdout and "db\\x1b]0;x\\x07" in doctor.stdout
    assert no_controls(doctor.stdout + doctor.stderr)
    check = cli("eksport", "landkort", "--uge", WEEK, "--kontroller", "--format", "raadata", "--db", str(db))
    assert "\\x1b]0;ejet" in check.stdout + check.stderr
    assert no_controls(check.stdout + check.stderr)


def test_hostile_kle_dates_and_numbers_never_reach_the_terminal(cli, tmp_path):
    (tmp_path / "kle.xml").write_text(HOSTILE_KLE, "utf-8")
    cli.config.write_text(f'kle_fil = "{tmp_path / "kle.xml"}"\n' + cli.config.read_text("utf-8"), "utf-8")
    cli.init()
    doctor = cli("doctor")
    assert "udgivet 2026\\x9b2J\\u202e-08-01" not in doctor.stdout  # dropped, not just escaped
    assert "udgivet 20262J-08-01" in doctor.stdout
    registered = cli(*task("02.00.20"), "--tid", IN_WEEK)  # the hostile EmneNr is not a KLE number
    assert "findes ikke i KLE-filen (udgivet 20262J-08-01)" in registered.stderr
    for result in (doctor, registered):
        assert no_controls(result.stdout + result.stderr)


@pytest.mark.parametrize("command", [["doctor"], REGISTER + ["--tid", IN_WEEK]])
def test_a_kle_file_that_is_a_fifo_is_refused_at_once(cli, tmp_path, command):
    fifo = tmp_path / "kle.xml"
    os.mkfifo(fifo)
    cli.config.write_text(f'kle_fil = "{fifo}"\n' + cli.config.read_text("utf-8"), "utf-8")
    cli.init()
    result = cli(*command)  # the old code waited for a writer until the 60 s timeout
    assert result.returncode == 1
    assert f"KLE-filen {fifo} (kle_fil i konfigurationen) er ikke en almindelig fil" in result.stdout + result.stderr


def test_a_huge_kle_file_is_refused_before_it_is_read(cli, tmp_path):
    huge = tmp_path / "kle.xml"
    with open(huge, "wb") as handle:
        handle.truncate(300 << 20)  # sparse: costs no disk
    cli.config.write_text(f'kle_fil = "{huge}"\n' + cli.config.read_text("utf-8"), "utf-8")
    cli.init()
    result = cli(*REGISTER, "--tid", IN_WEEK)
    assert_refused(result, f"KLE-filen {huge} (kle_fil i konfigurationen) er 300 MB")
    assert cli.count() == 0


def test_a_kle_file_that_is_a_folder_names_the_kle_file_in_danish(cli, tmp_path):
    folder = tmp_path / "kle"
    folder.mkdir()
    cli.config.write_text(f'kle_fil = "{folder}"\n' + cli.config.read_text("utf-8"), "utf-8")
    cli.init()
    result = cli(*REGISTER, "--tid", IN_WEEK)
    assert_refused(result, f"KLE-filen {folder} (kle_fil i konfigurationen) er en mappe, ikke en fil")
    assert "Errno" not in result.stderr and "Fejl i konfigurationen" not in result.stderr


# -- crashes and messages (issue 12, second round §11, §17) ----------------------------------------

@pytest.mark.parametrize("ud", [".", "..", "{tmp}", "{tmp}/"])
@pytest.mark.parametrize("command", [["eksport", "landkort", "--uge", WEEK], ["eksport", "landkort", "--uge", WEEK,
                                                                            "--kontroller"],
                                     ["eksport", "excel", "--uge", WEEK]])
def test_a_folder_as_the_output_is_a_message_not_a_traceback(cli, tmp_path, ud, command):
    cli.init()
    result = cli(*command, "--ud", ud.format(tmp=tmp_path))
    assert_refused(result, "er en mappe. Angiv et filnavn med --ud")


def test_an_excel_name_without_xlsx_is_quoted(cli, tmp_path):
    cli.init()
    assert_refused(cli("eksport", "excel", "--uge", WEEK, "--ud", str(tmp_path / "uge43.csv")),
                   'skal hedde noget med .xlsx, ikke "uge43.csv"')


def test_an_output_name_with_terminal_controls_is_refused(cli, tmp_path):
    cli.init()
    result = cli("eksport", "landkort", "--uge", WEEK, "--ud", str(tmp_path / "uge\x1b]0;x\x07.csv"))
    assert_refused(result, "indeholder tegnet U+001B (ESC)")
    assert "\x1b" not in result.stderr and list(tmp_path.glob("uge*")) == []
