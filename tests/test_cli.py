"""The real command line in a subprocess: init, doctor, registrer/register, fortryd/undo."""

from __future__ import annotations

import os
import pwd
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo
from pathlib import Path

import pytest

from storage import config as cfg
from storage import identity
from storage.sqlite.db import journal_choice
from storage.codebook import load_builtin
from storage.registration import new_entry
from storage.sqlite.schema import MIGRATION_NAMES
from storage.sqlite.store import SqliteStore as Store

from support import REPO, SAMPLES
UNIT = "259borgerservice"

CONFIG = """
kommunenummer = 259
kommunenavn = "Køge"
tidszone = "Europe/Copenhagen"

[[enhed]]
kode = "259borgerservice"
navn = "Borgerservice"
kanal = "PRSNLG"
kanaler = ["PRSNLG", "TLFIND", "PPRIND"]
opgaver = [
  { kle = "23.05.10", navn = "Flytning" },
  { kle = "23.09.02", navn = "Pas" },
  { gruppe = "Sundhed", opgaver = [{ kle = "29.03.04", navn = "Sundhedskort" }] },
]

[[enhed.spoergsmaal]]
tekst = "Over 65"
svar = ["Ja", "Nej"]
paakraevet = false  # the tests below register without --svar; see test_register_required_question

[[enhed]]
kode = "259telefon"
navn = "Telefonen"
kanal = "TLFIND"
opgaver = [{ kle = "29.03.04", navn = "Sundhedskort" }]

[[taelleuge]]
navn = "Uge 43 2025"
fra = 2025-10-20
til = 2025-10-26
"""

ZONE = ZoneInfo("Europe/Copenhagen")
IN_WEEK = "22-10-2025 10:15"  # CEST: 08:15Z
OUTSIDE = "03-11-2025 10:15"


def label(code: str) -> str:
    """The channel's label as the codebook words it (e.g. "Papirbrev, ind")."""
    return load_builtin().channels[code].label


ACCOUNT = pwd.getpwuid(os.getuid()).pw_name
CLI_STATION = f"cli:{identity.host()}"  # no terminal in a subprocess: cli:host

REGISTER = ["registrer", "--enhed", UNIT, "--opgave", "23.05.10", "--kanal", "PRSNLG", "--type", "OPRET"]


class Cli:
    def __init__(self, tmp_path: Path):
        self.tmp = tmp_path
        self.db = tmp_path / "cli.db"
        self.config = tmp_path / "config.toml"
        self.config.write_text(CONFIG, encoding="utf-8")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("TAELLEUGE_")}
        self.env.update(
            HOME=str(tmp_path / "home"),
            XDG_DATA_HOME=str(tmp_path / "xdg"),
            TAELLEUGE_DB=str(self.db),
            TAELLEUGE_CONFIG=str(self.config),
            # Set on purpose: the command line must ignore both (the OS account is the operator,
            # the station is cli:host:tty).
            TAELLEUGE_OPERATOR="cli-tester",
            TAELLEUGE_STATION="cli-station",
            PYTHONDONTWRITEBYTECODE="1",
        )

    def __call__(self, *args: str, env: dict | None = None, drop: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
        environment = {**self.env, **(env or {})}
        for name in drop:
            environment.pop(name, None)
        return subprocess.run(
            [sys.executable, "-m", "tui", *args], cwd=REPO, env=environment,
            capture_output=True, text=True, timeout=60,
        )

    def init(self, db: Path | None = None) -> None:
        """``taelleuge init``: every other command refuses a database that does not exist."""
        args = ("init",) if db is None else ("init", "--db", str(db))
        result = self(*args)
        assert result.returncode == 0, result.stderr

    def count(self, table: str = "registrations", db: Path | None = None) -> int:
        conn = sqlite3.connect(db or self.db)
        try:
            return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        finally:
            conn.close()

    def rows(self, table: str = "registrations", db: Path | None = None) -> list[dict]:
        conn = sqlite3.connect(db or self.db)
        conn.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY rowid")]
        finally:
            conn.close()

    def seed(self, n: int = 1) -> None:
        """Write ``n`` registrations in-process (faster than a subprocess each)."""
        config = cfg.load(self.config)
        with Store(self.db, station="seed", operator="seed") as store:
            for _ in range(n):
                store.record(new_entry(config, enhed=UNIT, opgave="23.09.02", kanal="TLFIND", type="VEJL",
                                       end=datetime(2025, 10, 21, 9, 0, tzinfo=timezone.utc)))


@pytest.fixture
def cli(tmp_path) -> Cli:
    return Cli(tmp_path)


def assert_refused(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("taelleuge: ")
    for fragment in fragments:
        assert fragment in result.stderr
    assert "Gemt" not in result.stdout


# --------------------------------------------------------------------------------------------
# init and doctor


def test_init_twice(cli):
    first = cli("init")
    assert first.returncode == 0, first.stderr
    assert f"Database: {cli.db} (oprettet)" in first.stdout
    assert f"Skema: version {len(MIGRATION_NAMES)} (anvendt nu: {', '.join(MIGRATION_NAMES)})" in first.stdout
    assert f"Journal: {journal_choice().mode}" in first.stdout
    assert f"Konfiguration: {cli.config} (2 enheder, 1 tælleuge)" in first.stdout
    assert cli.db.exists()

    second = cli("init")
    assert second.returncode == 0, second.stderr
    assert "(fandtes)" in second.stdout
    assert f"Skema: version {len(MIGRATION_NAMES)} (var allerede opdateret)" in second.stdout
    assert cli.count("_sqlite_migrations") == len(MIGRATION_NAMES)


def test_doctor(cli):
    cli.seed(2)
    result = cli("doctor")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    choice = journal_choice()
    assert f"SQLite        {sqlite3.sqlite_version}" in out
    assert f"Journal       {choice.mode} ({choice.reason})" in out
    assert f"Skema         version {len(MIGRATION_NAMES)} ({', '.join(MIGRATION_NAMES)})" in out
    assert "Integritet    ok" in out
    assert "Rækker        registreringer 2, prøve 0, annullerede 0" in out
    assert f"  {UNIT}: 2" in out
    assert "Kommune       259 Køge" in out
    assert "Tidszone      Europe/Copenhagen" in out
    assert f"{UNIT}  Borgerservice" in out
    assert "fast kanal PRSNLG; kanaler PRSNLG TLFIND PPRIND" in out
    assert "[1] 23.05.10 Flytning" in out
    assert "[2] 23.09.02 Pas" in out
    assert "[3] Sundhed (gruppe)" in out
    assert "[1] 29.03.04 Sundhedskort" in out
    assert "spørgsmål: Over 65 (Ja / Nej)" in out
    assert "Uge 43 2025  20-10-2025 – 26-10-2025  (afsluttet)" in out
    assert result.stderr == ""


def test_doctor_on_a_missing_database(cli):
    result = cli("doctor")
    assert result.returncode == 1
    assert f"PROBLEM: Databasen {cli.db} findes ikke. Kør: taelleuge init" in result.stderr
    assert "Traceback" not in result.stderr
    assert "Enheder" in result.stdout  # the rest of the report is still shown
    assert not cli.db.exists()


def test_doctor_warns_about_retired_kle_numbers(cli, tmp_path):
    samples = SAMPLES / "kle-emneplan-sample.xml"
    config = tmp_path / "with-kle.toml"
    config.write_text(
        f'kle_fil = "{samples}"\n' + CONFIG.replace('{ kle = "23.09.02", navn = "Pas" }',
                                                      '{ kle = "99.01.04", navn = "Udgået" }'),
        encoding="utf-8",
    )
    cli.seed(0)
    result = cli("doctor", "--config", str(config))
    assert "KLE-fil" in result.stdout and "udgivet 2026-08-01" in result.stdout
    assert "99.01.04" in result.stdout and "udgået 01-11-2025" in result.stdout
    assert "23.05.10 findes ikke i KLE-filen" in result.stdout


# --------------------------------------------------------------------------------------------
# registrer


def test_register(cli):
    cli.init()
    result = cli(*REGISTER, "--tid", IN_WEEK, "--afslutning", "hold", "--blanket", "ja", "--svar", "Over 65=Nej")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Gemt: 1 × 23.05.10 Flytning · PRSNLG {label('PRSNLG')} · OPRET · ")
    assert "HOLD" in result.stdout and "blanket JA" in result.stdout
    assert UNIT in result.stdout and "22-10-2025 10:15" in result.stdout
    [row] = cli.rows()
    assert {k: row[k] for k in ("kommune_nr", "enhed", "opgave", "kanal", "type", "afslutning", "blanket",
                                "end_utc", "station", "operator", "datakilde", "trial", "batch_id")} == {
        "kommune_nr": "259", "enhed": UNIT, "opgave": "23.05.10", "kanal": "PRSNLG", "type": "OPRET",
        "afslutning": "HOLD", "blanket": "JA", "end_utc": "2025-10-22T08:15:00.000000Z",
        "station": CLI_STATION, "operator": ACCOUNT, "datakilde": "Taelleuge", "trial": 0,
        "batch_id": None,
    }
    assert row["answers"] == '{"Over 65": "Nej"}'


def test_register_required_question(cli):
    """A required question (paakraevet, the default) cannot be left out on the command line: the
    refusal names the question and its answers, and nothing is written."""
    cli.config.write_text(CONFIG.replace("paakraevet = false", "paakraevet = true"), encoding="utf-8")
    cli.init()
    refused = cli(*REGISTER, "--tid", IN_WEEK)
    assert_refused(refused, 'Spørgsmålet "Over 65" er påkrævet i 259borgerservice',
                   "Mulige svar: Ja, Nej", '--svar "Over 65=Ja"')
    assert cli.count() == 0
    done = cli(*REGISTER, "--tid", IN_WEEK, "--svar", "Over 65=Ja")
    assert done.returncode == 0, done.stderr
    assert [row["answers"] for row in cli.rows()] == ['{"Over 65": "Ja"}']


def test_register_outside_the_units_own_weeks_needs_proeve(cli):
    """A unit that counts only in its own weeks (taelleuger): a row on another count week's day
    would be left out of the report, so it is refused unless it is a trial row."""
    own = CONFIG.replace('kanaler = ["PRSNLG", "TLFIND", "PPRIND"]',
                         'kanaler = ["PRSNLG", "TLFIND", "PPRIND"]\ntaelleuger = ["Uge 44 2025"]')
    own += '\n[[taelleuge]]\nnavn = "Uge 44 2025"\nfra = 2025-10-27\ntil = 2025-11-02\n'
    cli.config.write_text(own, encoding="utf-8")
    cli.init()
    refused = cli(*REGISTER, "--tid", IN_WEEK)
    assert_refused(refused, "22-10-2025 ligger uden for 259borgerservices tælleuger (Uge 44 2025",
                   "Kun prøveregistrering er mulig (på kommandolinjen: --proeve)")
    assert cli.count() == 0
    trial = cli(*REGISTER, "--tid", IN_WEEK, "--proeve")
    assert trial.returncode == 0, trial.stderr
    assert [row["trial"] for row in cli.rows()] == [1]
    other = cli("registrer", "--enhed", "259telefon", "--opgave", "29.03.04", "--kanal", "TLFIND",
                "--type", "VEJL", "--tid", IN_WEEK)  # a unit without own weeks counts in all
    assert other.returncode == 0, other.stderr
    assert [row["trial"] for row in cli.rows()] == [1, 0]


def test_register_lower_case_codes_are_accepted(cli):
    cli.init()
    result = cli("registrer", "--enhed", UNIT, "--opgave", "23.05", "--kanal", "tlfind", "--type", "vejl",
                 "--tid", IN_WEEK)
    assert result.returncode == 0, result.stderr
    [row] = cli.rows()
    assert (row["opgave"], row["kanal"], row["type"]) == ("23.05.00", "TLFIND", "VEJL")


def test_register_batch(cli):
    cli.init()
    result = cli(*REGISTER, "--tid", IN_WEEK, "--antal", "5")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Gemt: 5 × 23.05.10")
    rows = cli.rows()
    assert len(rows) == 5
    batch = {r["batch_id"] for r in rows}
    assert len(batch) == 1 and None not in batch


def test_register_trial_outside_the_week(cli):
    cli.init()
    # Two days ago (--tid goes back 14 days at most), which is outside the config's count week.
    local = (datetime.now(ZONE) - timedelta(days=2)).replace(hour=10, minute=15, second=0, microsecond=0)
    recent = f"{local:%d-%m-%Y %H:%M}"
    result = cli(*REGISTER, "--tid", recent, "--proeve")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Gemt: PRØVE · 1 × 23.05.10")
    [row] = cli.rows()
    assert row["trial"] == 1
    assert row["end_utc"] == local.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000000Z")
    alias = cli(*REGISTER, "--tid", recent, "--trial")
    assert alias.returncode == 0, alias.stderr
    assert cli.count() == 2


REFUSED = {
    "unknown channel": (["--kanal", "FAXIND", "--tid", IN_WEEK], ['Kanalen "FAXIND" er ukendt', "PRSNLG"]),
    "import-only channel": (["--kanal", "SLVBTJN", "--tid", IN_WEEK], ['Kanalen "SLVBTJN"', "import"]),
    "unknown type": (["--type", "OPRETTE", "--tid", IN_WEEK], ['Typen "OPRETTE" er ukendt', "STATUS"]),
    "bad afslutning": (["--afslutning", "senere", "--tid", IN_WEEK], ['"SENERE"', "STRAKS, HOLD"]),
    "malformed KLE": (["--opgave", "23.5", "--tid", IN_WEEK], ['KLE-nummeret "23.5" har forkert form']),
    "unknown unit": (["--enhed", "259skranke", "--tid", IN_WEEK], ['Enheden "259skranke" er ukendt', UNIT]),
    "outside the week": (["--tid", OUTSIDE], ["03-11-2025 ligger uden for tælleugerne", "Uge 43 2025"]),
    "answer not allowed": (["--tid", IN_WEEK, "--svar", "Over 65=Måske"], ['Svaret "Måske"', "Ja, Nej"]),
    "malformed answer": (["--tid", IN_WEEK, "--svar", "Over 65"], ['--svar skal skrives som SPØRGSMÅL=SVAR']),
    "count 0": (["--tid", IN_WEEK, "--antal", "0"], ["ikke 0"]),
}


@pytest.mark.parametrize("extra, fragments", list(REFUSED.values()), ids=list(REFUSED))
def test_register_refusals(cli, extra, fragments):
    cli.seed(1)
    args = list(REGISTER)
    for flag, value in zip(extra[::2], extra[1::2]):
        if flag in args:
            args[args.index(flag) + 1] = value
        else:
            args += [flag, value]
    result = cli(*args)
    assert_refused(result, *fragments)
    assert cli.count() == 1


def test_register_with_a_bad_config_file(cli, tmp_path):
    cli.seed(1)
    bad = tmp_path / "bad.toml"
    bad.write_text(CONFIG.replace("kommunenummer = 259", "kommunenummer = 25"), encoding="utf-8")
    result = cli(*REGISTER, "--tid", IN_WEEK, env={"TAELLEUGE_CONFIG": str(bad)})
    assert_refused(result, "Fejl i konfigurationen", str(bad), "kommunenummer", "ikke 25")
    missing = cli(*REGISTER, "--tid", IN_WEEK, env={"TAELLEUGE_CONFIG": str(tmp_path / "nope.toml")})
    assert_refused(missing, str(tmp_path / "nope.toml"), "findes ikke")
    assert cli.count() == 1


def test_bad_usage_exits_2(cli):
    result = cli("registrer", "--enhed", UNIT)
    assert result.returncode == 2
    assert "--opgave" in result.stderr
    assert not cli.db.exists()


def test_register_with_a_malformed_time(cli):
    cli.seed(1)
    result = cli(*REGISTER, "--tid", "i morgen kl 10")
    assert_refused(result, 'Tidspunktet "i morgen kl 10"', "dd-mm-åååå")
    assert cli.count() == 1


# --------------------------------------------------------------------------------------------
# fortryd / undo


def test_undo(cli):
    cli.seed(1)
    assert cli(*REGISTER, "--tid", IN_WEEK, "--antal", "2").returncode == 0
    result = cli("fortryd", "--enhed", UNIT, "--ja")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Annulleret: 2 × 23.05.10 Flytning · PRSNLG")
    assert "22-10-2025 10:15" in result.stdout
    voids = cli.rows("voids")
    assert len(voids) == 2
    assert {(v["reason"], v["operator"], v["station"]) for v in voids} == {("FORTRUDT", ACCOUNT, CLI_STATION)}
    assert cli.count() == 3  # nothing deleted

    second = cli("fortryd", "--enhed", UNIT, "--grund", "dublet", "--ja")
    assert second.returncode == 0, second.stderr
    assert second.stdout.startswith("Annulleret: 1 × 23.09.02 Pas")
    assert cli.rows("voids")[-1]["reason"] == "DUBLET"

    nothing = cli("fortryd", "--enhed", UNIT, "--ja")
    assert_refused(nothing, f"{UNIT} har ingen registreringer at fortryde")
    assert cli.count("voids") == 3


def test_undo_refusals(cli):
    cli.seed(1)
    assert_refused(cli("fortryd", "--enhed", UNIT, "--grund", "fordi"), 'Ukendt grund "fordi"', "FORTRUDT")
    assert_refused(cli("fortryd", "--enhed", "259skranke"), 'Enheden "259skranke" er ukendt')
    assert cli.count("voids") == 0


def test_english_aliases(cli):
    cli.init()
    result = cli("register", "--enhed", UNIT, "--opgave", "23.09.02", "--kanal", "PPRIND", "--type", "STATUS",
                 "--tid", IN_WEEK)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Gemt: 1 × 23.09.02 Pas · PPRIND {label('PPRIND')} · STATUS · ")
    undo = cli("undo", "--enhed", UNIT, "--ja")
    assert undo.returncode == 0, undo.stderr
    assert undo.stdout.startswith("Annulleret: 1 × 23.09.02 Pas")
    assert cli.count() == 1 and cli.count("voids") == 1


def test_db_flag_after_the_subcommand(cli, tmp_path):
    other = tmp_path / "other.db"
    cli.init(db=other)
    result = cli(*REGISTER, "--tid", IN_WEEK, "--db", str(other))
    assert result.returncode == 0, result.stderr
    assert cli.count(db=other) == 1
    assert not cli.db.exists()  # TAELLEUGE_DB was not used
    before = cli("--db", str(other), *REGISTER, "--tid", IN_WEEK)
    assert before.returncode == 0, before.stderr
    assert cli.count(db=other) == 2
    assert not cli.db.exists()
    undo = cli("fortryd", "--enhed", UNIT, "--db", str(other), "--ja")
    assert undo.returncode == 0, undo.stderr
    assert cli.count("voids", db=other) == 1


def test_config_flag_after_the_subcommand(cli, tmp_path):
    cli.init()
    other = tmp_path / "other.toml"
    other.write_text(CONFIG.replace("kommunenummer = 259", "kommunenummer = 147"), encoding="utf-8")
    result = cli(*REGISTER, "--tid", IN_WEEK, "--config", str(other))
    assert result.returncode == 0, result.stderr
    assert cli.rows()[0]["kommune_nr"] == "147"


# --------------------------------------------------------------------------------------------
# The built-in demo


def test_demo_config(cli, tmp_path):
    drop = ("TAELLEUGE_CONFIG", "TAELLEUGE_DB")
    init = cli("init", drop=drop)
    assert init.returncode == 0, init.stderr
    demo_db = tmp_path / "xdg" / "taelleuge" / "demo.db"
    assert f"Database: {demo_db} (oprettet)" in init.stdout
    assert "indbygget demo-konfiguration (3 enheder, 1 tælleuge)" in init.stdout
    assert demo_db.exists()

    result = cli("registrer", "--enhed", "999telefon", "--opgave", "23.05.10", "--kanal", "TLFIND",
                 "--type", "OPRET", "--svar", "Taler borgeren dansk?=Ja", drop=drop)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Gemt: 1 × 23.05.10 Flytning")
    assert cli.count(db=demo_db) == 1
    [row] = cli.rows(db=demo_db)
    assert row["kommune_nr"] == "999" and row["trial"] == 0


@pytest.fixture
def restore_umask():
    old = os.umask(0o022)
    os.umask(old)
    yield
    os.umask(old)


def test_demo_week_follows_the_local_day(monkeypatch, restore_umask, capsys):
    from tui import cli as cli_main
    from tui import cli_store

    monday_0030_local = datetime(2026, 10, 25, 23, 30, tzinfo=timezone.utc)  # Mon 26 Oct 00:30 CET
    monkeypatch.setattr(cli_store, "system_clock", lambda: monday_0030_local)
    assert cli_main.main(["init"]) == 0
    code = cli_main.main(["registrer", "--enhed", "999borgerservice", "--opgave", "23.05.10",
                          "--kanal", "PRSNLG", "--type", "OPRET"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Gemt:" in captured.out


def test_commands_other_than_init_refuse_a_missing_database(cli):
    for args in (REGISTER + ["--tid", IN_WEEK], ["fortryd", "--enhed", UNIT]):
        result = cli(*args)
        assert_refused(result, "findes ikke", "taelleuge init")
    assert not cli.db.exists()


# --------------------------------------------------------------------------------------------
# The screen needs a terminal


@pytest.mark.parametrize("argv", [[], ["kiosk"], ["--demo"]], ids=["skaerm", "kiosk", "demo"])
def test_the_screen_without_a_terminal_refuses_in_danish_instead_of_hanging(cli, argv):
    """Piped, redirected or run from cron: no screen that waits forever for keys or writes
    escape codes into a file."""
    cli.init()
    done = subprocess.run([sys.executable, "-m", "tui", *argv, "--enhed", UNIT.replace("259", "999")
                           if argv == ["--demo"] else UNIT],
                          cwd=REPO, env=cli.env, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=60)
    assert_refused(done, "Skærmen skal bruges i en terminal", "tastaturet (stdin)",
                   "skærmen (stdout)", "taelleuge registrer")
    assert "\x1b" not in done.stdout and done.stdout == ""


def test_demo_refuses_a_database_or_config_of_its_own(cli):
    done = cli("--demo", "--db", str(cli.tmp / "other.db"))
    assert_refused(done, "--demo bruger altid den indbyggede demo", "udelad --db")
    assert not (cli.tmp / "other.db").exists()


# --------------------------------------------------------------------------------------------
# doctor: the host around the config and the database


def with_users(cli, *users: str) -> None:
    listed = ", ".join(f'"{u}"' for u in users)
    cli.config.write_text(CONFIG.replace('kanal = "PRSNLG"\n', f'kanal = "PRSNLG"\nbrugere = [{listed}]\n', 1),
                          encoding="utf-8")


def test_doctor_names_mapped_users_the_host_does_not_have(cli):
    with_users(cli, ACCOUNT, "tlg-ingen-saadan")
    cli.init()
    cli.db.parent.chmod(0o2770)
    done = cli("doctor")
    assert done.returncode == 1
    assert ("PROBLEM: Brugeren tlg-ingen-saadan (brugere i enheden 259borgerservice i "
            f"{cli.config}) findes ikke på maskinen") in done.stderr
    assert "adduser tlg-ingen-saadan" in done.stderr
    assert f"Brugeren {ACCOUNT} " not in done.stderr


def test_doctor_wants_the_shared_database_folder_setgid_and_group_writable(cli):
    with_users(cli, ACCOUNT)
    cli.init()
    cli.db.parent.chmod(0o755)
    done = cli("doctor")
    assert done.returncode == 1
    assert f"PROBLEM: Databasemappen {cli.db.parent} (rettigheder 0755) kan ikke skrives af gruppen" \
        in done.stderr
    assert f"chmod 2770 {cli.db.parent}" in done.stderr

    cli.db.parent.chmod(0o2770)
    done = cli("doctor")
    assert "Databasemappen" not in done.stderr


def test_doctor_leaves_a_personal_database_folder_alone(cli):
    cli.init()
    cli.db.parent.chmod(0o700)
    done = cli("doctor")
    assert "Databasemappen" not in done.stderr and done.returncode == 0, done.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root for a small tmpfs in a mount namespace")
def test_doctor_warns_when_the_databases_filesystem_is_nearly_full(cli, tmp_path):
    small = tmp_path / "small"
    small.mkdir()
    db = small / "t.db"
    python = sys.executable
    script = (f"mount -t tmpfs -o size=4m small {small} && {python} -m tui init --db {db} >/dev/null "
              f"&& {python} -m tui doctor --db {db}")
    done = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
                          cwd=REPO, env=cli.env, capture_output=True, text=True, timeout=120)
    if "mount" in done.stderr and "permission denied" in done.stderr.lower():
        pytest.skip("mount namespaces are not allowed here")
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"MB fri på filsystemet med databasen ({small})" in done.stderr
    assert "Frigør plads" in done.stderr


# --------------------------------------------------------------------------------------------
# Messages name their fix


def test_init_ends_by_saying_running_kiosks_need_a_restart(cli):
    done = cli("init")
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().splitlines()[-1].startswith("Kørende kiosker og SSH-logins")
    assert "systemctl restart taelleuge-kiosk" in done.stdout


def test_a_missing_config_names_where_the_path_comes_from(cli):
    done = cli("doctor", "--config", str(cli.tmp / "ingen.toml"))
    assert_refused(done, "filen findes ikke. Ret stien (--config eller TAELLEUGE_CONFIG")


def test_the_demo_database_missing_points_at_demo(cli):
    done = cli("registrer", "--enhed", "999telefon", "--opgave", "23.05.10", "--kanal", "TLFIND",
               "--type", "OPRET", "--svar", "Taler borgeren dansk?=Ja",
               drop=("TAELLEUGE_CONFIG", "TAELLEUGE_DB"))
    assert_refused(done, "Demo-databasen", "findes ikke endnu", "taelleuge --demo")


def test_a_missing_database_says_who_creates_it_and_where_the_path_comes_from(cli):
    done = cli(*REGISTER, "--proeve")
    assert_refused(done, f"Databasen {cli.db} findes ikke. Kør: taelleuge init (det gør tovholderen)",
                   "--db, TAELLEUGE_DB")


@pytest.mark.skipif(os.geteuid() != 0, reason="drops to uid 65534 to meet a closed folder")
def test_an_unreadable_config_says_who_must_read_it_and_the_chmod(tmp_path):
    config = tmp_path / "closed" / "config.toml"
    config.parent.mkdir(mode=0o700)
    config.write_text(CONFIG, encoding="utf-8")
    probe = ("import os, sys; from storage.config import load; from storage.errors import ConfigError\n"
             "os.setgid(65534); os.setuid(65534)\n"
             "try: load(sys.argv[1])\n"
             "except ConfigError as error: print(error)\n")
    done = subprocess.run([sys.executable, "-c", probe, str(config)], cwd=REPO, capture_output=True,
                          text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert "filen kan ikke læses af denne bruger (adgang nægtet (rettigheder))" in done.stdout, done.stderr
    assert f"chmod 644 {config}" in done.stdout
