"""One durable commit through the storage API against the raw driver with the same settings, on
both engines, in one run.

Four paths in alternating blocks (order rotated every round, so the host's disk noise hits all):
* ``sqlite raw``  sqlite3 with the project's pragmas, BEGIN IMMEDIATE, the Store's INSERT, COMMIT
  (bench/commit_latency.py's raw path; schema made by a Store first);
* ``sqlite API``  ``SqliteStore.record(entry)`` (entry built before the timer);
* ``pg raw``      psycopg on the same conninfo the engine uses (storage.postgres.connect.conninfo:
  connect_timeout, keepalives, lock_timeout), autocommit, synchronous_commit on; BEGIN, the
  engine's INSERT … ON CONFLICT (id) DO NOTHING with a pre-built row, COMMIT;
* ``pg API``      ``PgStore.record(entry)`` (entry built before the timer).
PostgreSQL is a durable server (fsync on) over its Unix socket. Target (issue 10): API ÷ raw ≤ 1.2×
on each engine, median and p99.

    .venv/bin/python bench/engine_commit.py [--rows 2000] [--block 25]
"""

from __future__ import annotations

import argparse
import gc
import itertools
import shutil
import tempfile
import time
from pathlib import Path

import _common as c
import _pg
from commit_latency import raw_connect, raw_row
from storage.open import open_store

TARGET = 1.2


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=2000, help="timed commits per path")
    ap.add_argument("--block", type=int, default=25)
    ap.add_argument("--warmup", type=int, default=50)
    args = ap.parse_args()
    c.header("engine_commit: Store.record vs the raw driver, SQLite and PostgreSQL")
    import psycopg

    from storage.postgres import connect as pgconnect
    from storage.postgres.store import _INSERT as PG_INSERT

    cfg = c.config()
    srv = _pg.server()
    tmp = Path(tempfile.mkdtemp(prefix="taelleuge-bench-ecommit-"))
    try:
        print(_pg.settings_line(srv.url()))
        open_store(tmp / "raw.db", station="bench", operator="bench", create=True).close()
        sraw = raw_connect(tmp / "raw.db")
        sapi = open_store(tmp / "api.db", station="bench", operator="bench", create=True)
        raw_url, api_url = _pg.database(srv, "raw"), _pg.database(srv, "api")
        praw = psycopg.connect(pgconnect.conninfo(raw_url), autocommit=True)
        praw.execute("SET synchronous_commit = on")
        papi = open_store(api_url, station="bench", operator="bench")
        times: dict[str, list[float]] = {k: [] for k in ("sqlite raw", "sqlite API", "pg raw", "pg API")}

        def timed(name: str, keep: bool, work, items) -> None:
            for item in items:
                t0 = time.perf_counter_ns()
                work(item)
                t1 = time.perf_counter_ns()
                if keep:
                    times[name].append((t1 - t0) / 1e6)

        def sqlite_raw(row):
            sraw.execute("BEGIN IMMEDIATE")
            sraw.execute(c.INSERT, row)
            sraw.execute("COMMIT")

        def pg_raw(row):
            with praw.transaction():
                praw.execute(PG_INSERT, row)

        runners = {
            "sqlite raw": lambda n, keep: timed("sqlite raw", keep, sqlite_raw, [raw_row(cfg) for _ in range(n)]),
            "sqlite API": lambda n, keep: timed("sqlite API", keep, sapi.record, [c.entry(cfg) for _ in range(n)]),
            "pg raw": lambda n, keep: timed("pg raw", keep, pg_raw, [raw_row(cfg) for _ in range(n)]),
            "pg API": lambda n, keep: timed("pg API", keep, papi.record, [c.entry(cfg) for _ in range(n)]),
        }
        for run in runners.values():
            run(args.warmup, False)
        gc.collect()
        orders = itertools.cycle(list(itertools.permutations(runners)))
        done = 0
        while done < args.rows:
            n = min(args.block, args.rows - done)
            for name in next(orders):
                runners[name](n, True)
            done += n
        sraw.close(), sapi.close(), praw.close(), papi.close()
    finally:
        srv.destroy()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"timed commits per path: {args.rows} (blocks of {args.block}, order rotated)")
    print(f"{'path':<12} {'median ms':>10} {'p99 ms':>8} {'mean ms':>8} {'max ms':>8}")
    stats = {}
    for name, vals in times.items():
        stats[name] = (c.median(vals), c.pct(vals, 99))
        print(f"{name:<12} {stats[name][0]:>10.3f} {stats[name][1]:>8.3f} "
              f"{sum(vals) / len(vals):>8.3f} {max(vals):>8.3f}")
    verdicts = []
    for engine in ("sqlite", "pg"):
        (am, ap_), (rm, rp) = stats[f"{engine} API"], stats[f"{engine} raw"]
        ok = am / rm <= TARGET and ap_ / rp <= TARGET
        verdicts.append(ok)
        print(f"{engine}: API ÷ raw median {am / rm:.2f}×, p99 {ap_ / rp:.2f}× "
              f"(target ≤ {TARGET}×: {'PASS' if ok else 'FAIL'})")
    print("result: " + ("PASS" if all(verdicts) else "FAIL"))


if __name__ == "__main__":
    main()
