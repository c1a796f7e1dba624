"""Output that cannot be written, and paths and streams that are not what the command expects:
a Danish message, exit 1 (or 2 for bad usage), no traceback, and nothing left behind: no
``.tmp`` file, no half file, no replaced device."""

from __future__ import annotations

import os
import resource
import stat
import subprocess
import sys

import pytest

from exports.safe_write import SafeFile
from landkort_fixtures import *  # noqa: F401,F403
from landkort_fixtures import register
from storage.errors import OutputError, Refusal

IS_ROOT = os.geteuid() == 0
WEEK = ("--uge", "2026-W43")


def leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp") or p.name.startswith("."))


def assert_clean_refusal(done: subprocess.CompletedProcess, code: int = 1) -> None:
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr and done.stderr.strip(), done.stderr


@pytest.fixture
def week(lk_store, lk_config):
    """A few rows in the count week (through the real store)."""
    for minute in range(10, 40):
        register(lk_store, lk_config, f"20-10-2026 09:{minute:02d}")
    return lk_store


# -- a full disk, a file size limit ---------------------------------------------------------------


@pytest.fixture
def small_tmpfs(tmp_path):
    """A real 256 KB filesystem, or a skip where mounting is not allowed."""
    if not IS_ROOT:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k,mode=0777", "tmpfs", str(mnt)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def fill(folder) -> None:
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for chunk in (1 << 16, 4096, 512, 1):
            while True:
                try:
                    os.write(fd, b"\0" * chunk)
                except OSError:
                    break
    finally:
        os.close(fd)


def test_abort_on_a_full_disk_removes_the_temporary_file_and_does_not_raise(small_tmpfs):
    """Buffered bytes that cannot be flushed made ``close()`` raise before the unlink."""
    fill(small_tmpfs)
    out = SafeFile(small_tmpfs / "uge.csv", overwrite=False)
    out.write(b"x" * 100)  # still in Python's buffer: the disk is only asked at close
    out.abort()
    assert leftovers(small_tmpfs) == [] and not (small_tmpfs / "uge.csv").exists()


def test_a_commit_on_a_full_disk_is_a_danish_error_and_leaves_nothing(small_tmpfs):
    fill(small_tmpfs)
    with pytest.raises(OutputError) as raised:
        with SafeFile(small_tmpfs / "uge.csv", overwrite=False) as out:
            out.write(b"x" * 100)
            out.commit()
    assert "disken er fuld" in str(raised.value) and "uge.csv" in str(raised.value)
    assert leftovers(small_tmpfs) == [] and not (small_tmpfs / "uge.csv").exists()


@pytest.mark.parametrize("command", [["eksport", "landkort", *WEEK], ["eksport", "excel", *WEEK]],
                         ids=["landkort", "excel"])
def test_export_onto_a_full_disk_exits_1_in_danish_and_leaves_nothing(cli, week, small_tmpfs, command):
    fill(small_tmpfs)
    target = small_tmpfs / ("uge.xlsx" if "excel" in command else "uge.csv")
    done = cli(*command, "--ud", target)
    assert_clean_refusal(done)
    assert "kunne ikke skrives: disken er fuld" in done.stderr
    assert sorted(p.name for p in small_tmpfs.iterdir()) == ["filler"]


def test_report_onto_a_full_disk_exits_1_in_danish_and_leaves_nothing(cli, week, small_tmpfs):
    fill(small_tmpfs)
    done = cli("rapport", *WEEK, "--ud", small_tmpfs / "rapport")
    assert_clean_refusal(done)
    assert "disken er fuld" in done.stderr
    assert sorted(p.name for p in small_tmpfs.iterdir()) == ["filler"]


def limit_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))  # Python ignores SIGXFSZ: EFBIG


@pytest.mark.parametrize("command", [["eksport", "landkort", *WEEK], ["eksport", "excel", *WEEK]],
                         ids=["landkort", "excel"])
def test_export_past_a_file_size_limit_exits_1_in_danish_and_leaves_nothing(cli, week, tmp_path, command):
    """The same fault without mounting anything: RLIMIT_FSIZE makes the write fail (EFBIG)."""
    out = tmp_path / "out"
    out.mkdir()
    target = out / ("uge.xlsx" if "excel" in command else "uge.csv")
    done = cli(*command, "--ud", target, preexec_fn=limit_file_size)
    assert_clean_refusal(done)
    assert f"Filen {target} kunne ikke skrives" in done.stderr and "filstørrelse" in done.stderr
    assert list(out.iterdir()) == []


# -- --overskriv replaces regular files only ------------------------------------------------------


def _fifo(path):
    os.mkfifo(path)


def _device(path):
    os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # what /dev/null is


def _directory(path):
    path.mkdir()


def _link_to_fifo(path):
    os.mkfifo(path.with_name("fifo"))
    path.symlink_to(path.with_name("fifo"))


@pytest.mark.parametrize("make", [_fifo, _device, _directory, _link_to_fifo],
                         ids=["fifo", "device", "directory", "symlink"])
def test_overskriv_never_replaces_what_is_not_a_regular_file(cli, week, tmp_path, make):
    if make is _device and not IS_ROOT:
        pytest.skip("mknod needs root")
    target = tmp_path / "uge.csv"
    make(target)
    before = os.lstat(target)
    done = cli("eksport", "landkort", *WEEK, "--ud", target, "--overskriv")
    assert_clean_refusal(done)
    assert "ikke en almindelig fil" in done.stderr or "er en mappe" in done.stderr
    after = os.lstat(target)
    assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)
    assert leftovers(tmp_path) == []


def test_overskriv_still_replaces_a_regular_file(cli, week, tmp_path):
    target = tmp_path / "uge.csv"
    target.write_text("gammel")
    done = cli("eksport", "landkort", *WEEK, "--ud", target, "--overskriv")
    assert done.returncode == 0, done.stderr
    assert target.read_bytes().startswith(b"Kommune;") or b";" in target.read_bytes()


def test_the_last_moment_check_refuses_a_fifo_that_appeared_meanwhile(tmp_path):
    target = tmp_path / "uge.csv"
    out = SafeFile(target, overwrite=True)
    out.write(b"data")
    os.mkfifo(target)
    with pytest.raises(Refusal, match="FIFO"):
        out.commit()
    out.abort()
    assert stat.S_ISFIFO(os.lstat(target).st_mode) and leftovers(tmp_path) == []


# -- paths that are no paths -----------------------------------------------------------------------


@pytest.mark.parametrize("command", [["eksport", "landkort", *WEEK], ["eksport", "excel", *WEEK],
                                     ["rapport", *WEEK]], ids=["landkort", "excel", "rapport"])
def test_an_empty_ud_is_bad_usage_in_danish(cli, command):
    done = cli(*command, "--ud", "")
    assert_clean_refusal(done, code=2)
    assert "--ud: må ikke være tom" in done.stderr and "fejl:" in done.stderr


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_300_character_file_name_is_refused_in_danish(cli, week, tmp_path, suffix):
    command = ["eksport", "excel" if suffix == ".xlsx" else "landkort", *WEEK]
    done = cli(*command, "--ud", tmp_path / ("a" * 300 + suffix))
    assert_clean_refusal(done)
    assert "for lang" in done.stderr
    assert list(p for p in tmp_path.iterdir() if p.name.startswith("a")) == []


def test_a_300_character_database_name_is_refused_in_danish(cli, tmp_path):
    done = cli("doctor", "--db", tmp_path / ("d" * 300 + ".db"))
    assert_clean_refusal(done)
    assert "navnet er for langt" in done.stderr


def test_a_database_path_that_runs_through_a_file_is_refused_in_danish(cli, tmp_path):
    (tmp_path / "fil").write_text("x")
    done = cli("init", "--db", tmp_path / "fil" / "sub" / "t.db")
    assert_clean_refusal(done)
    assert "ikke en mappe" in done.stderr


# -- the streams the output goes to ----------------------------------------------------------------


def test_output_to_a_reader_that_went_away_ends_quietly(cli, week):
    """``taelleuge doctor | head -1`` once the reader has gone: SIGPIPE's exit code, no traceback."""
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run([sys.executable, "-m", "tui", "doctor"], env=cli.env, stdout=write,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write)
    assert done.returncode == 141
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr


def test_a_terminal_that_cannot_show_danish_letters_gets_question_marks_not_a_traceback(cli, week):
    env = {**cli.env, "PYTHONIOENCODING": "ascii", "PYTHONUTF8": "0", "LC_ALL": "C", "LANG": "C"}
    done = subprocess.run([sys.executable, "-m", "tui", "doctor"], env=env, capture_output=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert b"Traceback" not in done.stderr
    assert b"T?lleuger" in done.stdout  # "Tælleuger", as well as ASCII can
    refused = subprocess.run([sys.executable, "-m", "tui", "fortryd", "--enhed", "999skranke"],
                             env=env, capture_output=True, timeout=120)
    assert refused.returncode == 1 and b"Traceback" not in refused.stderr
    assert refused.stderr.startswith(b"taelleuge: ")


def test_argparse_speaks_danish(cli):
    missing = cli("eksport")
    assert missing.returncode == 2
    assert "fejl: disse argumenter mangler: FORMAT" in missing.stderr and "brug:" in missing.stderr
    unknown = cli("doctor", "--hvad")
    assert unknown.returncode == 2 and "ukendte argumenter: --hvad" in unknown.stderr
    choice = cli("eksport", "landkort", *WEEK, "--format", "pdf")
    assert choice.returncode == 2 and "ugyldigt valg: 'pdf'" in choice.stderr
    number = cli("registrer", "--enhed", "x", "--opgave", "x", "--kanal", "x", "--type", "x",
                 "--antal", "tre")
    assert number.returncode == 2 and "--antal: skal være et helt tal med cifrene 0-9, ikke \"tre\"" in number.stderr
    helped = cli("--help")
    assert helped.returncode == 0 and "vis denne hjælp og afslut" in helped.stdout
    assert "tilvalg:" in helped.stdout and "usage" not in helped.stdout
    for done in (missing, unknown, choice, number):
        assert "error" not in done.stderr and "required" not in done.stderr


# -- a database on a read-only mount (issue 12, second round §12) ---------------------------------


@pytest.fixture
def read_only_db(week, lk_db, tmp_path):
    """The week's database on a real tmpfs, remounted read-only."""
    if not IS_ROOT:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    mnt = tmp_path / "ro"
    mnt.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m,mode=0777", "tmpfs", str(mnt)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        week.close()
        (mnt / "uge.db").write_bytes(lk_db.read_bytes())
        remount = subprocess.run(["mount", "-o", "remount,ro", str(mnt)], capture_output=True, text=True)
        assert remount.returncode == 0, remount.stderr
        yield mnt / "uge.db"
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


@pytest.mark.engines("sqlite")  # a database file on a read-only mount
def test_reading_commands_work_on_a_read_only_database_and_say_so(cli, read_only_db, tmp_path):
    db = ("--db", read_only_db)
    check = cli("eksport", "landkort", *WEEK, "--kontroller", *db)
    assert check.returncode == 0, check.stderr
    assert "Rækker" in check.stdout or "rækker" in check.stdout
    assert "ligger på et skrivebeskyttet filsystem, så den kun læses her. Intet kan registreres" in check.stderr
    excel = cli("eksport", "excel", *WEEK, "--ud", tmp_path / "uge.xlsx", *db)
    assert excel.returncode == 0, excel.stderr
    assert "Rækker: 30" in excel.stdout and (tmp_path / "uge.xlsx").exists()
    landkort = cli("eksport", "landkort", *WEEK, "--ud", tmp_path / "uge.csv", *db)
    assert landkort.returncode == 0, landkort.stderr
    assert "Rækker: 30" in landkort.stdout
    assert "eksporten kunne ikke noteres i databasen" in landkort.stderr  # the log needs a writable file
    sample = tmp_path / "tjek.csv"
    sample.write_bytes((tmp_path / "uge.csv").read_bytes().replace(b"999;", b"998;"))
    imported = cli("import", sample, "--kontroller", "--kommune", "998", *db)
    assert imported.returncode == 0, imported.stderr
    assert "Kontrolleret (intet importeret)" in imported.stdout
    assert "Resultat: 30 nye rækker ville blive importeret, 0 fandtes allerede" in imported.stdout


@pytest.mark.engines("sqlite")  # a database file on a read-only mount
def test_writing_commands_on_a_read_only_database_are_refused_in_danish(cli, read_only_db):
    done = cli("registrer", "--enhed", "999borgerservice", "--opgave", "23.05.10", "--kanal", "PRSNLG",
               "--type", "OPRET", "--proeve", "--svar", "Taler borgeren dansk?=Ja",
               "--db", read_only_db)
    assert_clean_refusal(done)
    assert "skrivebeskyttet filsystem" in done.stderr


# -- a full temporary folder (issue 12, second round §14) ------------------------------------------


def test_a_full_tmpdir_does_not_stop_an_excel_export(cli, week, small_tmpfs, tmp_path):
    """The streaming writer (exports/xlsx_stream.py) writes straight into the target's own
    temporary file: unlike openpyxl's worksheets, nothing goes through TMPDIR."""
    fill(small_tmpfs)
    target = tmp_path / "uge.xlsx"
    done = subprocess.run([sys.executable, "-m", "tui", "eksport", "excel", *WEEK, "--ud", str(target)],
                          env={**cli.env, "TMPDIR": str(small_tmpfs)}, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert target.stat().st_size > 0 and leftovers(tmp_path) == []


@pytest.mark.engines("sqlite")  # SQLite's staging table spilling to TMPDIR
def test_a_full_tmpdir_under_an_import_check_is_named_not_the_databases_disk(cli, week, small_tmpfs, tmp_path):
    """The staging table spills to SQLite's temporary file once it outgrows the page cache."""
    line = ("Eksempelby;999;999borgerservice;23.05.10;PRSNLG;OPRET;STRAKS;NEJ;19-10-2026 {t};"
            "19-10-2026 {t};19-10-2026 {t};Tracetool{n};\r\n")
    lines = [line.format(t=f"{h:02d}:{m:02d}:{s:02d}", n=i % 7)
             for i, (h, m, s) in enumerate((h, m, s) for h in range(8, 20) for m in range(60) for s in range(0, 60, 1))]
    path = tmp_path / "stor.csv"
    path.write_bytes(("Kommune;ID;Enhed;Opgave;Kanal;Type;Afslutning;Blanket;Dato;StartTidspunkt;SlutTidspunkt;"
                      "Datakilde;\r\n" + "".join(lines[:40_000])).encode("utf-8"))
    fill(small_tmpfs)
    done = subprocess.run([sys.executable, "-m", "tui", "import", str(path), "--kontroller", "--stille"],
                          env={**cli.env, "TMPDIR": str(small_tmpfs), "SQLITE_TMPDIR": str(small_tmpfs)},
                          capture_output=True, text=True, timeout=300)
    assert_clean_refusal(done)
    assert f"Den midlertidige mappe {small_tmpfs} er fuld" in done.stderr, done.stderr
    assert "Disken med databasen" not in done.stderr


def test_the_report_to_a_reader_that_went_away_exits_141_like_the_others(cli, week):
    """``taelleuge rapport --uge W | head -1``: rich used to exit 1 without a word."""
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run([sys.executable, "-m", "tui", "rapport", *WEEK], env=cli.env, stdout=write,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write)
    assert done.returncode == 141, done.stderr
    assert "Traceback" not in done.stderr


# -- cosmetic leftovers (issue 12, second round §17) -----------------------------------------------


def test_init_on_a_full_disk_leaves_nothing_and_says_so(cli, small_tmpfs):
    fill(small_tmpfs)
    done = cli("init", "--db", small_tmpfs / "ny.db")
    assert_clean_refusal(done)
    assert f"Databasen {small_tmpfs / 'ny.db'} blev ikke oprettet: disken er fuld" in done.stderr
    assert "fjernet igen" in done.stderr and "uændret" not in done.stderr
    assert sorted(p.name for p in small_tmpfs.iterdir()) == ["filler"]
