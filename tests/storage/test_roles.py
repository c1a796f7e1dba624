"""Who the coordinator is cannot be decided by the caller's own config or environment.

On a host with /etc/taelleuge/config.toml, that file names the group and staff may use no other
config (so their unit, kommune, channels and tasks stay the host's). Without it, a group counts
only from a file root controls; no group, or a group in a user's own file, makes only the
database's owner (and root) the coordinator. Run in-process through the real command line with
the effective uid of a staff user (65534) and SYSTEM_CONFIG pointed at a file in tmp_path.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timezone
from importlib import resources

import pytest

from storage import roles, settings
from storage.registration import new_entry
from storage.sqlite.store import SqliteStore as Store
from tui.cli import _main

STAFF_UID = 65534
NO_SUCH_GROUP = "tlg-ingen-saadan-gruppe"
DEMO = resources.files("storage").joinpath("demo.toml").read_text("utf-8")
REGISTER = ["registrer", "--opgave", "23.05.10", "--type", "OPRET", "--proeve"]


PHONE_ANSWER = ["--svar", "Taler borgeren dansk?=Ja"]  # the demo phone desk's required question


def register(unit: str) -> list[str]:
    return [*REGISTER, "--enhed", unit,
            *(["--kanal", "TLFIND", *PHONE_ANSWER] if unit == "999telefon" else ["--kanal", "PRSNLG"])]


def config_text(*, group: str | None = None, map_root: bool = False) -> str:
    text = DEMO
    if map_root:  # the test process's real account (identity.account) belongs to the first unit
        text = text.replace('kode = "999borgerservice"\n', 'kode = "999borgerservice"\nbrugere = ["root"]\n', 1)
    return text + (f'\n[koordinator]\ngruppe = "{group}"\n' if group else "")


@pytest.fixture
def place(tmp_path, monkeypatch):
    if os.geteuid() != 0:
        pytest.skip("the test plays a staff user by changing the effective uid's view; needs root")
    db = tmp_path / "delt.db"
    Store(db, station="setup", operator="root", create=True).close()  # owned by root, as on a host
    monkeypatch.setenv("TAELLEUGE_DB", str(db))
    return tmp_path, db


def as_staff(monkeypatch):
    monkeypatch.setattr(roles.os, "geteuid", lambda: STAFF_UID)


def run(capsys, *argv):
    code = _main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def count(db) -> int:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM registrations").fetchone()[0]


def write(path, text, *, owner: int = 0, mode: int = 0o644):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    os.chown(path, owner, -1)
    path.chmod(mode)
    return path


# -- a host with its own config -----------------------------------------------------------------

@pytest.fixture
def host(place, monkeypatch):
    tmp, db = place
    system = write(tmp / "etc" / "config.toml", config_text(group=NO_SUCH_GROUP, map_root=True))
    monkeypatch.setattr(settings, "SYSTEM_CONFIG", system)
    own = write(tmp / "egen.toml", config_text(), owner=STAFF_UID)  # no group, no user mapping
    return tmp, db, system, own


@pytest.mark.parametrize("how", ["--config", "TAELLEUGE_CONFIG"])
def test_staff_cannot_use_a_config_of_their_own_on_a_host(host, monkeypatch, capsys, how):
    tmp, db, system, own = host
    as_staff(monkeypatch)
    flag = ["--config", str(own)] if how == "--config" else []
    if how == "TAELLEUGE_CONFIG":
        monkeypatch.setenv("TAELLEUGE_CONFIG", str(own))
    for argv in (register("999telefon"), ["eksport", "landkort", "--uge", "2026-W43", "--kontroller"],
                 ["fortryd", "--enhed", "999telefon"], ["doctor"]):
        code, _, err = run(capsys, *argv, *flag)
        assert code == 1, argv
        assert f"Denne maskine bruger {system}; kun tovholderen kan bruge en anden konfiguration" in err
    assert count(db) == 0


def test_staff_keep_the_hosts_unit_rule_when_they_name_the_host_config_itself(host, monkeypatch, capsys):
    tmp, db, system, own = host
    as_staff(monkeypatch)
    link = tmp / "link.toml"
    link.symlink_to(system)
    monkeypatch.setenv("TAELLEUGE_CONFIG", str(link))  # another name for the same file
    code, _, err = run(capsys, *register("999borgerservice"))
    assert code == 0, err
    code, _, err = run(capsys, *register("999telefon"))
    assert code == 1 and "hører til 999borgerservice" in err
    code, _, err = run(capsys, "eksport", "landkort", "--uge", "2026-W43", "--kontroller")
    assert code == 1 and f"Eksport er forbeholdt tovholderen (gruppen {NO_SUCH_GROUP})" in err
    assert count(db) == 1


def test_the_coordinator_may_use_another_config(host, capsys):
    tmp, db, system, own = host
    code, _, err = run(capsys, *register("999telefon"), "--config", str(own))
    assert code == 0, err
    assert count(db) == 1


# -- no host config: TAELLEUGE_CONFIG from /etc/environment, or a personal set-up -----------------

def test_a_root_controlled_config_names_the_group(place, monkeypatch, capsys):
    tmp, db = place
    it = write(tmp / "srv" / "config.toml", config_text(group=NO_SUCH_GROUP))
    monkeypatch.setenv("TAELLEUGE_CONFIG", str(it))
    as_staff(monkeypatch)
    code, _, err = run(capsys, "eksport", "landkort", "--uge", "2026-W43", "--kontroller")
    assert code == 1 and f"Eksport er forbeholdt tovholderen (gruppen {NO_SUCH_GROUP})" in err


def test_a_staff_config_without_a_group_does_not_open_a_shared_database(place, monkeypatch, capsys):
    tmp, db = place
    own = write(tmp / "egen.toml", config_text(), owner=STAFF_UID)
    monkeypatch.setenv("TAELLEUGE_CONFIG", str(own))
    as_staff(monkeypatch)
    for argv, what in ((["eksport", "landkort", "--uge", "2026-W43", "--kontroller"], "Eksport"),
                       (["fortryd", "--enhed", "999telefon"], "Fortryd fra kommandolinjen"),
                       (["init"], "Opsætning af databasen")):
        code, _, err = run(capsys, *argv)
        assert code == 1, argv
        assert (f"{what} er forbeholdt tovholderen. Konfigurationen {own} nævner ingen tovholdergruppe "
                f"([koordinator] gruppe), og databasen {db} tilhører root, så kun root må det.") in err
        assert "root og root" not in err


def test_a_group_in_a_file_staff_can_change_counts_only_on_their_own_database(place, monkeypatch, capsys):
    tmp, db = place
    # "root" is a group this process is in: a staff user would name their own group.
    own = write(tmp / "egen.toml", config_text(group="root"), owner=STAFF_UID)
    monkeypatch.setenv("TAELLEUGE_CONFIG", str(own))
    as_staff(monkeypatch)
    code, _, err = run(capsys, "eksport", "landkort", "--uge", "2026-W43", "--kontroller")
    assert code == 1 and "kan ændres af andre end root, så dens tovholdergruppe gælder kun brugerens " \
                         f"egen database, og {db} tilhører root" in err
    os.chown(db, STAFF_UID, -1)  # their own database: a personal set-up
    with Store(db, station="setup", operator="root") as store:  # a week without rows is refused
        store.record(new_entry(settings.demo_config(date(2026, 10, 21)), enhed="999borgerservice",
                               opgave="23.05.10", kanal="PRSNLG", type="OPRET",
                               end=datetime(2026, 10, 21, 9, 0, tzinfo=timezone.utc)))
    code, _, err = run(capsys, "eksport", "landkort", "--uge", "2026-W43", "--kontroller")
    assert code == 0, err


def test_a_personal_setup_without_a_group_works_as_before(place, monkeypatch, capsys):
    tmp, db = place
    own = write(tmp / "egen.toml", config_text(), owner=STAFF_UID)
    os.chown(db, STAFF_UID, -1)
    monkeypatch.setenv("TAELLEUGE_CONFIG", str(own))
    as_staff(monkeypatch)
    code, _, err = run(capsys, *register("999telefon"))
    assert code == 0, err
    code, out, err = run(capsys, "fortryd", "--enhed", "999telefon", "--ja")
    assert code == 0 and out.startswith("Annulleret:"), err


# -- doctor ---------------------------------------------------------------------------------------

def test_doctor_flags_a_shared_host_without_a_coordinator_group(place, monkeypatch, capsys):
    tmp, db = place
    monkeypatch.setenv("TAELLEUGE_CONFIG", str(write(tmp / "c.toml", config_text(map_root=True))))
    code, out, err = run(capsys, "doctor")
    assert code == 1
    assert "nævner ingen tovholdergruppe, men databasen deles af flere brugere" in err


def test_doctor_flags_a_coordinator_group_the_host_does_not_have(place, monkeypatch, capsys):
    tmp, db = place
    monkeypatch.setenv("TAELLEUGE_CONFIG", str(write(tmp / "c.toml", config_text(group=NO_SUCH_GROUP))))
    code, out, err = run(capsys, "doctor")
    assert code == 1
    assert f"Tovholdergruppen {NO_SUCH_GROUP} ([koordinator] gruppe i" in err and "findes ikke på maskinen" in err


def test_doctor_flags_a_host_config_others_can_change(place, monkeypatch, capsys):
    tmp, db = place
    system = write(tmp / "etc" / "config.toml", config_text(group="root"), mode=0o664)
    monkeypatch.setattr(settings, "SYSTEM_CONFIG", system)
    code, out, err = run(capsys, "doctor")
    assert code == 1 and f"{system} kan ændres af andre end root" in err


def test_the_thorough_check_is_the_coordinators(place, monkeypatch, capsys):
    tmp, db = place
    monkeypatch.setenv("TAELLEUGE_CONFIG", str(write(tmp / "c.toml", config_text(group=NO_SUCH_GROUP))))
    code, out, err = run(capsys, "doctor")
    assert "Integritet    ok (quick_check)" in out
    code, out, err = run(capsys, "doctor", "--grundig")
    assert "Integritet    ok (integrity_check)" in out and "skrankerne kan vente" in err
    as_staff(monkeypatch)
    code, out, err = run(capsys, "doctor", "--grundig")
    assert code == 1 and "Det grundige tjek (doctor --grundig) er forbeholdt tovholderen" in err
    assert "Integritet" not in out


# -- the registration screen (issue 12, second round §3) ----------------------------------------

@pytest.fixture
def screen(place, monkeypatch):
    """A root-controlled config that maps this process's account (root) to 999borgerservice and
    names a group nobody is in; the app itself is not started (its runner records the call)."""
    from tui import kiosk_main

    tmp, db = place
    monkeypatch.setenv("TAELLEUGE_CONFIG", str(write(tmp / "c.toml", config_text(group=NO_SUCH_GROUP,
                                                                                   map_root=True))))
    started: list[dict] = []
    monkeypatch.setattr(kiosk_main, "_run", lambda config, path, enhed, **kw: started.append(
        {"enhed": enhed, **kw}) or 0)
    return started


@pytest.mark.parametrize("how", ["--enhed", "TAELLEUGE_ENHED"])
def test_staff_open_the_screen_only_for_their_own_unit(screen, monkeypatch, capsys, how):
    as_staff(monkeypatch)
    argv = ["--enhed", "999telefon"] if how == "--enhed" else []
    if how == "TAELLEUGE_ENHED":
        monkeypatch.setenv("TAELLEUGE_ENHED", "999telefon")
    code, _, err = run(capsys, *argv)
    assert code == 1 and "hører til 999borgerservice og kan kun registrere for den enhed, ikke for " \
                         "999telefon" in err
    assert screen == []
    code, _, err = run(capsys, "--enhed", "999borgerservice")
    assert code == 0, err
    assert screen[-1]["enhed"] == "999borgerservice"


def test_the_coordinator_opens_the_screen_for_any_unit(screen, capsys):
    code, _, err = run(capsys, "--enhed", "999telefon")  # README's `taelleuge --enhed E`
    assert code == 0, err
    assert screen == [{"enhed": "999telefon", "station": screen[0]["station"], "locked": False,
                       "console_flag": None}]


def test_an_unknown_unit_at_the_top_level_is_a_refusal_not_a_usage_error(screen, capsys):
    code, _, err = run(capsys, "--enhed", "999ingen")
    assert code == 1 and 'Enheden "999ingen" er ukendt' in err


def test_the_unlocked_screen_ignores_a_station_from_the_environment(screen, monkeypatch, capsys):
    from storage import identity

    monkeypatch.setenv("TAELLEUGE_STATION", "ssh:10.9.9.9:pts9:20260101T000000Z:1")
    assert run(capsys, "--enhed", "999borgerservice")[0] == 0
    assert screen[-1]["station"] == identity.terminal_station()
    monkeypatch.setenv("TAELLEUGE_STATION", "skranke-1")
    assert run(capsys, "kiosk", "--enhed", "999borgerservice")[0] == 0
    assert screen[-1]["station"] == "skranke-1" and screen[-1]["locked"] is True


def test_the_kiosk_services_account_takes_the_unit_its_service_names(screen, monkeypatch, capsys):
    """kiosk.service runs as an account no unit lists; a mapped staff user gets their unit only."""
    import pwd

    as_staff(monkeypatch)
    code, _, err = run(capsys, "kiosk", "--enhed", "999telefon")
    assert code == 1 and "hører til 999borgerservice" in err  # root is mapped in this config
    monkeypatch.setattr(pwd, "getpwuid", lambda uid: pwd.struct_passwd(
        ("kiosk", "x", uid, uid, "", "/", "/usr/sbin/nologin")))
    code, _, err = run(capsys, "kiosk", "--enhed", "999telefon")
    assert code == 0, err
    assert screen[-1]["enhed"] == "999telefon"


def test_doctor_flags_a_database_everyone_may_write(place, monkeypatch, capsys):
    tmp, db = place
    monkeypatch.setenv("TAELLEUGE_CONFIG", str(write(tmp / "c.toml", config_text(group="root"))))
    db.chmod(0o666)
    code, out, err = run(capsys, "doctor")
    assert code == 1 and f"Databasefilen {db} kan skrives af alle brugere" in err


# -- registrer: the unit from the mapping, staff's batch limit, an exported week -----------------

def with_week(text: str) -> tuple[str, str, str]:
    """The config with a count week holding the last hour; the week and an hour ago as --tid."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    moment = datetime.now(ZoneInfo("Europe/Copenhagen")) - timedelta(hours=1)
    year, week, _ = moment.isocalendar()
    first = date.fromisocalendar(year, week, 1)
    last = date.fromisocalendar(year, week, 7)
    text += f'\n[[taelleuge]]\nnavn = "Uge {week}"\nfra = {first}\ntil = {last}\n'
    return text, f"{year}-W{week:02d}", f"{moment:%d-%m-%Y %H:%M}"


def counted(unit: str) -> list[str]:
    return ["registrer", "--opgave", "23.05.10", "--type", "OPRET",
            *(["--kanal", "TLFIND", *PHONE_ANSWER] if unit == "999telefon" else ["--kanal", "PRSNLG"])]


def test_staff_mapped_to_one_unit_may_leave_out_enhed(host, monkeypatch, capsys):
    tmp, db, system, own = host
    as_staff(monkeypatch)
    code, out, err = run(capsys, *REGISTER, "--kanal", "PRSNLG")
    assert code == 0, err
    assert out.startswith("Gemt:")
    import sqlite3

    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT enhed FROM registrations").fetchall() == [("999borgerservice",)]


def test_without_enhed_and_without_a_mapping_the_known_units_are_named(place, monkeypatch, capsys):
    tmp, db = place
    monkeypatch.setenv("TAELLEUGE_CONFIG", str(write(tmp / "c.toml", config_text())))
    code, _, err = run(capsys, *REGISTER, "--kanal", "PRSNLG")
    assert code == 1
    assert "Angiv enheden med --enhed" in err and "999borgerservice, 999telefon" in err
    assert count(db) == 0


def test_staff_batches_stop_at_500_the_coordinators_do_not(host, monkeypatch, capsys):
    tmp, db, system, own = host
    code, _, err = run(capsys, *register("999telefon"), "--antal", "501")  # root: the coordinator
    assert code == 0, err
    as_staff(monkeypatch)
    code, _, err = run(capsys, *register("999borgerservice"), "--antal", "501")
    assert code == 1
    assert "--antal 501 er mere, end der kan registreres på én gang fra skranken (højst 500)" in err
    assert count(db) == 501
    code, _, err = run(capsys, *register("999borgerservice"), "--antal", "500")
    assert code == 0, err
    assert count(db) == 1001


def test_staff_are_told_in_plain_danish_when_the_week_was_already_exported(place, monkeypatch, capsys):
    tmp, db = place
    text, week, when = with_week(config_text(group=NO_SUCH_GROUP, map_root=True))
    system = write(tmp / "etc" / "config.toml", text)
    monkeypatch.setattr(settings, "SYSTEM_CONFIG", system)
    code, _, err = run(capsys, *counted("999borgerservice"), "--enhed", "999borgerservice", "--tid", when)
    assert code == 0, err
    code, _, err = run(capsys, "eksport", "landkort", "--uge", week, "--ud", str(tmp / "uge.csv"))
    assert code == 0, err
    as_staff(monkeypatch)
    code, out, err = run(capsys, *counted("999borgerservice"), "--tid", when)
    assert code == 0, err
    assert out.startswith("Gemt:")
    assert "Bemærk: Tovholderen har allerede eksporteret disse dage" in err
    assert "Sig det til tovholderen, så ugen kan eksporteres igen." in err
    assert count(db) == 2
