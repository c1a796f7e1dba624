"""Exports, the import check and the report next to a kiosk that keeps committing, at 1M rows.

What the desks feel: a writer process commits a registration every ``--pace`` seconds (its own
``Store``, the real ``busy_timeout``) while each command below runs in its own subprocess. The
writer's longest commit is the longest time any read of the command kept it from committing (plus
the commit itself); in the rollback journal a reader's lock holds every commit back. Before the
keyset snapshot (``storage.sqlite.snapshot``) an export held one read transaction for its whole write, so
the longest commit was the export's whole run, and past 10 s it failed ("database is locked").

Commands, on the week 43 file of ``bench/export_import.py`` (1M rows, 5 units, 1 % voided):

``landkort``   eksport landkort --format raadata --ud FILE (all 1M rows)
``kontroller`` eksport landkort --kontroller (reads everything, writes nothing)
``excel``      eksport excel --enhed 999skranke (200k rows: openpyxl takes most of a minute)
``rapport``    rapport --uge 2026-W43 --ud DIR
``import``     import FILE --kontroller (the landkort file: every line checked against the database)

Also, for comparison, the two ways to take a snapshot that were measured before choosing keyset
paging: one ``SELECT`` over all rows in one transaction (what the export did), and SQLite's backup
API copying the whole file in one step.

    .venv/bin/python bench/export_lock.py [--rows 1000000] [--only landkort,excel] [--no-cache]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common as c
import export_import as ei

CACHE = Path(tempfile.gettempdir()) / "taelleuge-bench-cache"
TARGET_HOLD_S = 2.0

WRITER = """
import json, sys, threading, time
sys.path.insert(0, {root!r})
from datetime import datetime, timezone
from storage.registration import new_entry
from storage.settings import demo_config
from storage.sqlite.store import SqliteStore as Store

store = Store({db!r}, station="bench-kiosk", operator="bench")
config = demo_config(datetime.now().date())
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.readline(), stop.set()), daemon=True).start()
waits, failures = [], []
print("ready", flush=True)
while not stop.is_set():
    entry = new_entry(config, enhed="999borgerservice", opgave="23.05.10", kanal="PRSNLG",
                      type="OPRET", end=datetime.now(timezone.utc), trial=True)
    started = time.perf_counter()
    try:
        store.record(entry)
    except Exception as error:
        failures.append(type(error).__name__)
    waits.append(time.perf_counter() - started)
    time.sleep({pace})
print(json.dumps({{"waits": waits, "failures": failures}}))
"""


def database(rows: int, cache: bool) -> tuple[Path, Path | None]:
    """The week file with 1 % of its rows voided; cached between runs (keyed by rows and schema)."""
    folder = CACHE if cache else Path(tempfile.mkdtemp(prefix="taelleuge-bench-lock-"))
    folder.mkdir(exist_ok=True)
    db = folder / f"export-lock-{rows}-{c.schema_key()}.db"
    if not db.exists():
        started = time.perf_counter()
        partial = db.with_suffix(".partial")
        for leftover in folder.glob(partial.name + "*"):
            leftover.unlink()
        subprocess.run([sys.executable, str(Path(ei.__file__)), "--build", str(partial), "--rows",
                        str(rows)], check=True, capture_output=True, text=True)
        conn = sqlite3.connect(partial, isolation_level=None)
        conn.execute("BEGIN")
        conn.execute(
            "INSERT INTO voids (id, registration_id, reason, station, operator, created_utc, enhed, "
            "trial, end_utc, type, kanal, seq) SELECT lower(hex(randomblob(16))), id, 'FORTRUDT', "
            "'bench', 'bench', '2026-10-23T15:00:00.000000Z', enhed, trial, end_utc, type, kanal, "
            "seq FROM registrations WHERE seq % 100 = 7")  # each void's seq: unique, in order
        conn.execute("COMMIT")
        conn.close()
        partial.rename(db)
        for leftover in folder.glob(partial.name + "-*"):  # the build's -writelock, -journal
            leftover.unlink()
        print(f"built {rows:,} rows in {time.perf_counter() - started:.1f} s "
              f"({db.stat().st_size / 1e6:.0f} MB) at {db}")
    else:
        print(f"using cached {db} ({db.stat().st_size / 1e6:.0f} MB); --no-cache to rebuild")
    return db, None if cache else folder


def fresh_copy(db: Path, work: Path) -> Path:
    """Each command runs on its own copy: the writer's rows must not pile up in the cache."""
    copy = work / "week.db"
    for suffix in ("", "-journal", "-wal", "-shm", "-writelock"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(db, copy)
    return copy


def run_with_writer(name: str, argv: list[str], db: Path, env: dict, pace: float) -> dict:
    writer = subprocess.Popen([sys.executable, "-c", WRITER.format(root=str(c.ROOT), db=str(db), pace=pace)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline().strip() == "ready"
    time.sleep(0.5)  # a few uncontended commits first
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "tui", *argv], env=env, cwd=c.ROOT,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - started
    writer.stdin.write("stop\n")
    writer.stdin.flush()
    result = json.loads(writer.stdout.readline())
    writer.wait()
    if done.returncode != 0:
        print(done.stdout, done.stderr, file=sys.stderr)
        raise SystemExit(f"{name}: exit {done.returncode}")
    waits = result["waits"]
    return {"name": name, "seconds": seconds, "commits": len(waits), "failures": len(result["failures"]),
            "median_ms": c.median(waits) * 1000, "p99_ms": c.pct(waits, 99) * 1000,
            "max_ms": max(waits) * 1000}


def one_transaction(db: Path) -> float:
    """The old way: every row of the week read in one read transaction."""
    conn = sqlite3.connect(db, isolation_level=None)
    started = time.perf_counter()
    conn.execute("BEGIN")
    for _ in conn.execute("SELECT * FROM registrations ORDER BY end_utc"):
        pass
    conn.execute("COMMIT")
    conn.close()
    return time.perf_counter() - started


def backup_api(db: Path, work: Path) -> tuple[float, int]:
    """The other candidate: SQLite's backup API, the whole file in one step (a stepwise backup
    starts over whenever another connection writes, so with kiosks writing it never ends)."""
    target = work / "backup.db"
    src, dst = sqlite3.connect(db), sqlite3.connect(target)
    started = time.perf_counter()
    src.backup(dst)
    seconds = time.perf_counter() - started
    size = target.stat().st_size
    src.close()
    dst.close()
    target.unlink()
    return seconds, size


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--pace", type=float, default=0.05, help="seconds between the writer's commits")
    ap.add_argument("--only", default="", help="comma-separated subset of the commands")
    ap.add_argument("--no-cache", action="store_true")
    args = ap.parse_args()
    c.header("Longest lock hold of exports, import check and report (bench/export_lock.py)")
    db, temp_folder = database(args.rows, cache=not args.no_cache)
    work = Path(tempfile.mkdtemp(prefix="taelleuge-bench-lock-work-"))
    try:
        config = work / "config.toml"
        config.write_text(ei.CONFIG, "utf-8")
        out = work / "uge.csv"
        commands = {
            "landkort": ["eksport", "landkort", "--uge", "2026-W43", "--format", "raadata", "--ud", str(out),
                         "--overskriv", "--stille"],
            "kontroller": ["eksport", "landkort", "--uge", "2026-W43", "--kontroller", "--stille"],
            "excel": ["eksport", "excel", "--uge", "2026-W43", "--enhed", "999skranke", "--ud",
                      str(work / "uge.xlsx"), "--overskriv", "--stille"],
            "rapport": ["rapport", "--uge", "2026-W43", "--ud", str(work / "rapport"), "--overskriv"],
            "import": ["import", str(out), "--kontroller", "--stille"],
        }
        wanted = [n for n in (args.only.split(",") if args.only else commands) if n]
        if "import" in wanted and "landkort" not in wanted:
            wanted.insert(0, "landkort")  # the import check reads the file the export writes
        results = []
        for name in wanted:
            copy = fresh_copy(db, work)
            env = {**os.environ, "TAELLEUGE_CONFIG": str(config), "TAELLEUGE_DB": str(copy),
                   "TAELLEUGE_OPERATOR": "bench", "TAELLEUGE_STATION": "bench"}
            results.append(run_with_writer(name, commands[name], copy, env, args.pace))
            r = results[-1]
            print(f"{name}: {r['seconds']:.1f} s; writer {r['commits']} commits, {r['failures']} failed, "
                  f"median {r['median_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, max {r['max_ms']:.1f} ms",
                  flush=True)
        print()
        print(f"| command ({args.rows:,} rows) | run (s) | writer commits | failed | commit median ms "
              f"| p99 ms | max ms | max ≤ {TARGET_HOLD_S:.0f} s |")
        print("|---|---|---|---|---|---|---|---|")
        for r in results:
            ok = "PASS" if r["failures"] == 0 and r["max_ms"] <= TARGET_HOLD_S * 1000 else "FAIL"
            print(f"| {r['name']} | {r['seconds']:.1f} | {r['commits']} | {r['failures']} | "
                  f"{r['median_ms']:.1f} | {r['p99_ms']:.1f} | {r['max_ms']:.0f} | {ok} |")
        print()
        copy = fresh_copy(db, work)
        print(f"for comparison: all rows in one read transaction {one_transaction(copy):.2f} s "
              "(the writer's wait under the old export, before any file work)")
        seconds, size = backup_api(copy, work)
        print(f"for comparison: backup API, whole file in one step {seconds:.2f} s, {size / 1e6:.0f} MB "
              "of temporary disk per export")
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if temp_folder is not None:
            shutil.rmtree(temp_folder, ignore_errors=True)


if __name__ == "__main__":
    main()
