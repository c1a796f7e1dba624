"""Durable commit latency: ``Store.record`` against raw ``sqlite3`` with the same pragmas.

Three paths, each on its own file in a temporary directory (so every file grows at the same pace):

* ``raw``               raw ``sqlite3`` connection with the project's pragmas (busy_timeout, the
                        journal mode ``storage.sqlite.db.journal_choice()`` picks, synchronous=FULL,
                        foreign_keys=ON); ``BEGIN IMMEDIATE``; the same INSERT statement the Store
                        uses with a pre-built row tuple; ``COMMIT``. The schema comes from opening a
                        ``Store`` on that file first (then closing it).
* ``record``            ``Store.record(entry)`` with an entry built by ``new_entry`` *before* the
                        timer starts (storage API cost only).
* ``new_entry+record``  ``new_entry(...)`` then ``Store.record(...)``, both timed (what a kiosk
                        keypress pays, validation included).

The paths run in alternating blocks (order rotated every round) so disk noise hits all of them.
Target: API/raw ≤ 1.5× (median and p99).

    .venv/bin/python bench/commit_latency.py [--rows 3000] [--block 25]
"""

from __future__ import annotations

import argparse
import gc
import itertools
import shutil
import sqlite3
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import _common as c
from storage.sqlite import db as dbmod
from storage.sqlite.store import SqliteStore as Store
from storage.timeutil import to_stored

TARGET = 1.5


def raw_connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), isolation_level=None, timeout=dbmod.BUSY_TIMEOUT_MS / 1000)
    conn.execute(f"PRAGMA busy_timeout = {dbmod.BUSY_TIMEOUT_MS}")
    conn.execute(f"PRAGMA journal_mode = {dbmod.journal_choice().mode}")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def pragmas(conn: sqlite3.Connection) -> str:
    return ", ".join(
        f"{p}={conn.execute(f'PRAGMA {p}').fetchone()[0]}"
        for p in ("journal_mode", "synchronous", "busy_timeout", "foreign_keys")
    )


def raw_row(cfg) -> tuple:
    now = to_stored(datetime.now(timezone.utc))
    return c.stored_row(
        id=str(uuid.uuid4()), kommune_nr=cfg.kommune_nr, kommune_navn=cfg.kommune_navn,
        enhed=c.UNIT, opgave=c.OPGAVE, kanal=c.KANAL, type=c.TYPE, afslutning="STRAKS",
        blanket="NEJ", end_utc=now, date_only=0, datakilde="Taelleuge", station="bench",
        operator="bench", answers="{}", trial=0, created_utc=now)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=3000, help="timed commits per path (default 3000)")
    ap.add_argument("--block", type=int, default=25, help="commits per block before switching path")
    ap.add_argument("--warmup", type=int, default=50, help="untimed commits per path first")
    args = ap.parse_args()

    c.header("commit_latency: Store.record vs raw sqlite3 (durable commit)")
    cfg = c.config()
    tmp = Path(tempfile.mkdtemp(prefix="taelleuge-bench-commit-"))
    try:
        api_rec = Store(tmp / "api_record.db", station="bench", operator="bench")
        api_full = Store(tmp / "api_full.db", station="bench", operator="bench")
        Store(tmp / "raw.db", station="bench", operator="bench").close()  # schema only
        raw = raw_connect(tmp / "raw.db")
        print(f"pragmas raw   : {pragmas(raw)}")
        print(f"pragmas Store : {pragmas(api_rec.conn)}")

        times: dict[str, list[float]] = {"raw": [], "record": [], "new_entry+record": []}
        validate: list[float] = []  # new_entry alone, inside the full path

        def run_raw(n: int, keep: bool) -> None:
            rows = [raw_row(cfg) for _ in range(n)]
            for row in rows:
                t0 = time.perf_counter_ns()
                raw.execute("BEGIN IMMEDIATE")
                raw.execute(c.INSERT, row)
                raw.execute("COMMIT")
                t1 = time.perf_counter_ns()
                if keep:
                    times["raw"].append((t1 - t0) / 1e6)

        def run_record(n: int, keep: bool) -> None:
            entries = [c.entry(cfg) for _ in range(n)]
            for e in entries:
                t0 = time.perf_counter_ns()
                api_rec.record(e)
                t1 = time.perf_counter_ns()
                if keep:
                    times["record"].append((t1 - t0) / 1e6)

        def run_full(n: int, keep: bool) -> None:
            for _ in range(n):
                t0 = time.perf_counter_ns()
                e = c.entry(cfg)
                t1 = time.perf_counter_ns()
                api_full.record(e)
                t2 = time.perf_counter_ns()
                if keep:
                    times["new_entry+record"].append((t2 - t0) / 1e6)
                    validate.append((t1 - t0) / 1e6)

        runners = {"raw": run_raw, "record": run_record, "new_entry+record": run_full}
        for fn in runners.values():
            fn(args.warmup, False)
        gc.collect()

        orders = itertools.cycle(list(itertools.permutations(runners)))
        done = 0
        t_start = time.perf_counter()
        while done < args.rows:
            n = min(args.block, args.rows - done)
            for name in next(orders):
                runners[name](n, True)
            done += n
        elapsed = time.perf_counter() - t_start

        counts = {
            "raw": raw.execute("SELECT count(*) FROM registrations").fetchone()[0],
            "record": api_rec.conn.execute("SELECT count(*) FROM registrations").fetchone()[0],
            "new_entry+record": api_full.conn.execute("SELECT count(*) FROM registrations").fetchone()[0],
        }
        raw.close()
        api_rec.close()
        api_full.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"timed commits per path: {args.rows} (blocks of {args.block}, order rotated), "
          f"total timed phase {elapsed:.1f} s")
    print(f"rows in files (incl. {args.warmup} warm-up): {counts}")
    print()
    print(f"{'path':<18} {'median ms':>10} {'p99 ms':>8} {'mean ms':>8} {'max ms':>8}")
    stats = {}
    for name, vals in times.items():
        stats[name] = (c.median(vals), c.pct(vals, 99))
        print(f"{name:<18} {stats[name][0]:>10.3f} {stats[name][1]:>8.3f} "
              f"{sum(vals) / len(vals):>8.3f} {max(vals):>8.3f}")
    print(f"{'(new_entry alone)':<18} {c.median(validate):>10.3f} {c.pct(validate, 99):>8.3f}")
    print()
    rm, rp = stats["raw"]
    for name in ("record", "new_entry+record"):
        m, p = stats[name]
        ok = m / rm <= TARGET and p / rp <= TARGET
        print(f"ratio {name}/raw: median {m / rm:.2f}x, p99 {p / rp:.2f}x  "
              f"(target <= {TARGET}x: {'PASS' if ok else 'FAIL'})")


if __name__ == "__main__":
    main()
