"""Where a durable commit's time goes: raw sqlite3 commits under different journal/sync settings.

Reference only (diagnosis for ``concurrent_writers``): the app always uses the journal mode
``storage.sqlite.db.journal_choice()`` picks with ``synchronous=FULL``. Each variant writes the Store's
INSERT (one row per ``BEGIN IMMEDIATE … COMMIT``) into a file whose schema came from a ``Store``,
in alternating blocks, and reports the median commit time and the commits/s one writer can reach,
which is the ceiling for any number of writers taking turns on the file. With ``--strace`` it also
counts the syscalls per commit of the app's own setting (needs ``strace`` on PATH).

    .venv/bin/python bench/commit_breakdown.py [--rows 1000] [--strace]
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import _common as c
from storage.sqlite import db as dbmod
from storage.sqlite.store import SqliteStore as Store
from storage.timeutil import to_stored

VARIANTS = [
    ("truncate", "FULL"), ("truncate", "NORMAL"), ("truncate", "OFF"),
    ("delete", "FULL"), ("persist", "FULL"),
    ("wal", "FULL"), ("wal", "NORMAL"),
]


def row() -> tuple:
    now = to_stored(datetime.now(timezone.utc))
    return c.stored_row(
        id=str(uuid.uuid4()), kommune_nr="999", kommune_navn="Eksempelby (demo)", enhed=c.UNIT,
        opgave=c.OPGAVE, kanal=c.KANAL, type=c.TYPE, afslutning="STRAKS", blanket="NEJ",
        end_utc=now, date_only=0, datakilde="Taelleuge", station="bench", operator="bench",
        answers="{}", trial=0, created_utc=now)


def connect(path: Path, journal: str, sync: str) -> sqlite3.Connection:
    Store(path, station="bench", operator="bench").close()
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {dbmod.BUSY_TIMEOUT_MS}")
    got = conn.execute(f"PRAGMA journal_mode = {journal}").fetchone()[0]
    assert got == journal, (journal, got)
    conn.execute(f"PRAGMA synchronous = {sync}")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def commits(conn: sqlite3.Connection, n: int) -> list[float]:
    rows = [row() for _ in range(n)]
    out = []
    for r in rows:
        t = time.perf_counter_ns()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(c.INSERT, r)
        conn.execute("COMMIT")
        out.append((time.perf_counter_ns() - t) / 1e6)
    return out


STRACE_CHILD = """
import sys, time
sys.path.insert(0, {bench!r})
import commit_breakdown as b
conn = b.connect(b.Path({path!r}), {journal!r}, "FULL")
b.commits(conn, 20)
print("START", flush=True)
time.sleep(0.2)
b.commits(conn, {n})
"""


def strace_counts(tmp: Path, n: int = 200) -> None:
    if not shutil.which("strace"):
        print("strace not found; skipping syscall counts")
        return
    journal = dbmod.journal_choice().mode
    code = STRACE_CHILD.format(bench=str(Path(__file__).parent), path=str(tmp / "strace.db"),
                               journal=journal, n=n)
    # Count everything the process does, minus a run of the same script with 0 commits.
    def run(k: int) -> dict[str, int]:
        out = subprocess.run(
            ["strace", "-f", "-c", "-U", "name,calls", sys.executable, "-c",
             code.replace(f"b.commits(conn, {n})", f"b.commits(conn, {k})")],
            capture_output=True, text=True, check=True)
        counts = {}
        for line in out.stderr.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1].isdigit():
                counts[parts[0]] = int(parts[1])
        (tmp / "strace.db").unlink(missing_ok=True)
        return counts
    base, full = run(0), run(n)
    per = {k: (full.get(k, 0) - base.get(k, 0)) / n for k in full}
    shown = {k: round(v, 1) for k, v in sorted(per.items(), key=lambda kv: -kv[1]) if v >= 0.5}
    print(f"syscalls per commit (journal_mode={journal}, synchronous=FULL, strace -c, {n} commits): "
          f"{shown}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1000, help="timed commits per variant")
    ap.add_argument("--block", type=int, default=50)
    ap.add_argument("--strace", action="store_true")
    args = ap.parse_args()

    c.header("commit_breakdown: one durable commit under different journal/sync settings (reference)")
    tmp = Path(tempfile.mkdtemp(prefix="taelleuge-bench-breakdown-"))
    try:
        conns = {v: connect(tmp / f"{v[0]}-{v[1]}.db", *v) for v in VARIANTS}
        for conn in conns.values():
            commits(conn, 50)
        lat: dict[tuple[str, str], list[float]] = {v: [] for v in VARIANTS}
        orders = itertools.cycle([VARIANTS, VARIANTS[::-1]])
        done = 0
        while done < args.rows:
            n = min(args.block, args.rows - done)
            for v in next(orders):
                lat[v] += commits(conns[v], n)
            done += n
        for conn in conns.values():
            conn.close()
        app = (dbmod.journal_choice().mode, "FULL")
        print(f"{'journal':<9} {'sync':<7} {'median ms':>10} {'p99 ms':>8} {'commits/s':>10}")
        for v in VARIANTS:
            med = c.median(lat[v])
            mark = "  <- the app on this SQLite" if v == app else ""
            print(f"{v[0]:<9} {v[1]:<7} {med:>10.3f} {c.pct(lat[v], 99):>8.3f} "
                  f"{1000 / med:>10,.0f}{mark}")
        print("(wal rows are reference only: journal_choice() refuses WAL below SQLite 3.51.3)")
        if args.strace:
            print()
            strace_counts(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
