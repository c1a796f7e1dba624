"""The coordinator's console commands through the real CLI in a subprocess: registreringer,
fortryd --id, status (against a hand-counted fixture), and the refusal for staff."""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from storage import config as cfg
from storage import roles
from storage.registration import new_entry
from storage.sqlite.store import SqliteStore as Store
from test_cli import Cli, assert_refused
from tui.cli import _main

CPH = ZoneInfo("Europe/Copenhagen")
BS, TLF = "259borgerservice", "259telefon"


def at(day, hh=10, mm=0):
    return datetime(2025, 10, day, hh, mm, tzinfo=CPH)


@pytest.fixture
def cli(tmp_path) -> Cli:
    cli = Cli(tmp_path)
    cli.init()
    return cli


def seed(cli, rows):
    """rows: (unit, day, hour, count, extra fields)."""
    config = cfg.load(cli.config)
    ids = []
    with Store(cli.db, station="skranke-1", operator="anna") as store:
        for unit, day, hh, n, extra in rows:
            fields = dict(enhed=unit, opgave="29.03.04", kanal="TLFIND" if unit == TLF else "PRSNLG",
                          type="OPRET", end=at(day, hh), count=n)
            fields.update(extra)
            ids += store.record(new_entry(config, **fields))
    return ids


# Hand-counted week 43 2025 (Mon 20 – Sun 26 October):
#   borgerservice: Mon 6, Tue 6, Wed 1 (< 6/3: low), Thu none (empty), Fri 6; 2 trial rows Thu
#   telefon:       Tue 3 (Mon empty), one of Tue's 3 voided afterwards -> 2
WEEK = [(BS, 20, 9, 6, {}), (BS, 21, 9, 6, {}), (BS, 22, 11, 1, {}), (BS, 24, 14, 6, {}),
        (BS, 23, 10, 2, {"trial": True}), (TLF, 21, 15, 3, {})]


def test_status_prints_the_hand_counted_grid(cli, monkeypatch):
    ids = seed(cli, WEEK)
    with Store(cli.db, station="x", operator="root") as store:
        store.void([ids[-1]], "DUBLET")
    result = cli("status", "--uge", "Uge 43 2025")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Dækning Uge 43 2025: 20-10-2025 – 26-10-2025"
    header = lines[2].split()
    assert header[:1] == ["Enhed"] and header[1:15:2] == ["ma", "ti", "on", "to", "fr", "lø", "sø"]
    bs = next(line for line in lines if line.startswith(BS)).split()
    # Every weekday of the past week is due: the Thursday is empty, Wednesday low.
    assert bs[1:9] == ["6", "6", "1!", "0!", "6", "0", "0", "19"]
    tlf = next(line for line in lines if line.startswith(TLF)).split()
    assert tlf[1:9] == ["0!", "2", "0!", "0!", "0!", "0", "0", "2"]
    total = next(line for line in lines if line.startswith("I alt")).split()
    assert total[2:] == ["6", "8", "1", "0", "6", "0", "0", "21"]
    assert "Prøverækker (tælles ikke): 2" in result.stdout
    assert "24-10 14:00" in next(line for line in lines if line.startswith(BS))


def test_status_one_unit_and_bad_week(cli):
    seed(cli, WEEK)
    result = cli("status", "--uge", "2025-W43", "--enhed", TLF)
    assert result.returncode == 0, result.stderr
    assert TLF in result.stdout and BS not in result.stdout
    bad = cli("status", "--uge", "uge 99")
    assert_refused(bad, "2026-W43", 'Ugen "uge 99" er hverken en tælleuges navn eller en ISO-uge',
                   'Kendte tælleuger: "Uge 43 2025"')
    assert "Traceback" not in bad.stderr
    unknown = cli("status", "--enhed", "259ingen")
    assert unknown.returncode == 1 and "259ingen" in unknown.stderr


def import_other_unit(cli, code="336ydelse", end_utc="2025-10-21T08:00:00.000000Z"):
    """One row of a unit the config does not name, as ``import --kommune 336`` brings it."""
    with Store(cli.db, station="x", operator="root") as store:
        with store.import_batch() as batch:
            batch.add([("336", "Andetby", code, "29.03.04", "PRSNLG", "OPRET", "STRAKS", "NEJ",
                        None, end_utc, 0, "Tracetool", "{}")])
            batch.commit(sha256="a" * 64, content_sha256="b" * 64, file_name="x.csv",
                         layout="raadata", encoding="iso-8859-1", datakilde="Import",
                         station="s", operator="o")


def test_a_unit_only_the_database_has_is_accepted_by_the_filters(cli):
    seed(cli, WEEK)
    import_other_unit(cli)
    listed = cli("registreringer", "--enhed", "336ydelse")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.count("336ydelse") == 1 and BS not in listed.stdout
    status = cli("status", "--uge", "2025-W43", "--enhed", "336ydelse")
    assert status.returncode == 0, status.stderr
    row = next(line for line in status.stdout.splitlines() if line.startswith("336ydelse"))
    # Not in the config: no weeks to miss, so no empty day is flagged; marked with "*".
    assert row.split()[:10] == ["336ydelse", "*", "·", "1", "·", "·", "·", "·", "·", "1"]
    assert "* = ikke i konfigurationen" in status.stdout
    report = cli("rapport", "--uge", "2025-W43", "--enhed", "336ydelse")
    assert report.returncode == 0, report.stderr
    for command in (("registreringer", "--enhed"), ("status", "--enhed"),
                    ("rapport", "--uge", "2025-W43", "--enhed")):
        refused = cli(*command, "259ingen")
        assert refused.returncode == 1 and "Traceback" not in refused.stderr
        assert 'Enheden "259ingen" findes hverken i konfigurationen eller i databasen' in refused.stderr


def test_registreringer_lists_filters_and_pages(cli):
    ids = seed(cli, WEEK)
    result = cli("registreringer", "--enhed", TLF)
    assert result.returncode == 0, result.stderr
    assert [i for i in ids[-3:] if i in result.stdout] == ids[-3:]
    assert ids[0] not in result.stdout
    page = cli("registreringer", "--antal", "2")
    assert page.returncode == 0
    listed = [line.split()[1] for line in page.stdout.splitlines()[1:3]]
    assert listed == [ids[-1], ids[-2]]
    nxt = page.stdout.split("--foer ")[1].split()[0]
    page2 = cli("registreringer", "--antal", "2", "--foer", nxt)
    assert [line.split()[1] for line in page2.stdout.splitlines()[1:3]] == [ids[-3], ids[-4]]
    day = cli("registreringer", "--dag", "22-10-2025")
    assert ids[12] in day.stdout and day.stdout.count("\n") == 3  # header, one row, legend
    assert cli("registreringer", "--dag", "32-10-2025").returncode == 1


def test_fortryd_id_voids_one_row_with_its_reason(cli):
    ids = seed(cli, WEEK)
    target = ids[3]
    result = cli("fortryd", "--id", target, "--aarsag", "dublet", "--ja")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Annulleret (DUBLET): 1 × 29.03.04")
    voids = cli.rows("voids")
    assert [(v["registration_id"], v["reason"]) for v in voids] == [(target, "DUBLET")]
    again = cli("fortryd", "--id", target, "--aarsag", "DUBLET", "--ja")
    assert_refused(again, "allerede annulleret")
    unknown = cli("fortryd", "--id", "00000000-0000-0000-0000-000000000000", "--aarsag", "DUBLET", "--ja")
    assert_refused(unknown, "findes ikke")
    bad_reason = cli("fortryd", "--id", ids[4], "--aarsag", "FORDI", "--ja")
    assert_refused(bad_reason, "FORTRUDT, RETTELSE, DUBLET, FEJLTASTNING")
    no_terminal = cli("fortryd", "--id", ids[4], "--aarsag", "RETTELSE")
    assert_refused(no_terminal, "--ja")
    assert len(cli.rows("voids")) == 1
    # The listing marks it (with --annullerede) and leaves it out otherwise.
    assert target not in cli("registreringer").stdout
    assert target in cli("registreringer", "--annullerede").stdout


STAFF_UID = 65534


@pytest.mark.parametrize("argv, what", [
    (["status"], "Dækningen (status)"),
    (["registreringer"], "Listen over registreringer"),
    (["koordinator"], "Tovholderens skærm (koordinator)"),
    (["fortryd", "--id", "x", "--aarsag", "DUBLET", "--ja"], "Fortryd fra kommandolinjen"),
])
def test_staff_are_refused_in_danish(tmp_path, monkeypatch, capsys, argv, what):
    if os.geteuid() != 0:
        pytest.skip("plays a staff user by changing the effective uid's view; needs root")
    from test_cli import CONFIG

    db = tmp_path / "delt.db"
    Store(db, station="setup", operator="root", create=True).close()
    config = tmp_path / "config.toml"
    config.write_text(CONFIG + '\n[koordinator]\ngruppe = "tlg-ingen-saadan-gruppe"\n', encoding="utf-8")
    monkeypatch.setattr("storage.settings.SYSTEM_CONFIG", config)
    monkeypatch.setenv("TAELLEUGE_DB", str(db))
    monkeypatch.setattr(roles.os, "geteuid", lambda: STAFF_UID)
    code = _main(argv)
    err = capsys.readouterr().err
    assert code == 1 and f"{what} er forbeholdt tovholderen (gruppen tlg-ingen-saadan-gruppe)" in err
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM voids").fetchone()[0] == 0
    conn.close()


def test_koordinator_without_a_terminal_and_fortryd_without_a_target_are_refused(cli):
    result = cli("koordinator")
    assert_refused(result, "skal bruges i en terminal")
    nothing = cli("fortryd")
    assert_refused(nothing, "Giv --enhed")
    both = cli("fortryd", "--id", "x", "--enhed", BS, "--aarsag", "DUBLET", "--ja")
    assert_refused(both, "ikke begge")
