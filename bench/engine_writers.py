"""Many writer processes, PostgreSQL against SQLite in the same run: errors, lost rows, rate.

For each ``--procs`` value (default 50 and 200) both engines get the same job, one after the
other: N processes, each with its own store (``open_store``: an SQLite file in a temporary
directory, or a fresh database on a durable PostgreSQL server over its Unix socket, fsync on,
synchronous_commit on), build ``--rows`` entries up front, wait on a barrier, then call
``Store.record`` for each as fast as they can. Afterwards the parent counts rows per station:
lost = acknowledged but absent. The ratio PostgreSQL ÷ SQLite is printed for each N.
Target (issue 10): 0 errors, 0 lost, PostgreSQL ≥ 3× SQLite at 50 writers.

    .venv/bin/python bench/engine_writers.py [--procs 50 200] [--rows 1000]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import shutil
import sqlite3
import tempfile
import time
import traceback
from pathlib import Path

import _common as c
import _pg

TARGET_RATIO = 3.0


def writer(i: int, location, rows: int, barrier, results) -> None:
    out = {"i": i, "ok": 0, "errors": []}
    try:
        from storage.open import open_store

        cfg = c.config()
        store = open_store(location, station=f"bench{i}", operator="bench")
        entries = [c.entry(cfg) for _ in range(rows)]
        barrier.wait()
        for e in entries:
            try:
                store.record(e)
                out["ok"] += 1
            except Exception as exc:  # counted, not retried
                out["errors"].append(f"{type(exc).__name__}: {str(exc)[:200]}")
        store.close()
    except Exception:
        out["errors"].append(traceback.format_exc())
    results.put(out)


def per_station(location) -> dict[str, int]:
    sql = "SELECT station, count(*) FROM registrations WHERE station LIKE 'bench%' GROUP BY station"
    if isinstance(location, str):
        import psycopg

        with psycopg.connect(location) as conn:
            return dict(conn.execute(sql).fetchall())
    conn = sqlite3.connect(location)
    try:
        return dict(conn.execute(sql).fetchall())
    finally:
        conn.close()


def run(location, procs: int, rows: int) -> dict:
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(procs + 1)
    results = ctx.Queue()
    workers = [ctx.Process(target=writer, args=(i, location, rows, barrier, results))
               for i in range(procs)]
    for p in workers:
        p.start()
    try:
        barrier.wait(timeout=600)
        t0 = time.perf_counter()
        outs = [results.get(timeout=7200) for _ in workers]
        wall = time.perf_counter() - t0
    finally:
        for p in workers:
            p.join(timeout=60)
            if p.is_alive():
                p.terminate()
    counted = per_station(location)
    total = sum(counted.values())
    return {
        "wall": wall, "rows": total, "rate": total / wall,
        "errors": sum(len(o["errors"]) for o in outs),
        "first_error": next((e for o in outs for e in o["errors"]), ""),
        "lost": sum(max(0, o["ok"] - counted.get(f"bench{o['i']}", 0)) for o in outs),
        "expected": procs * rows,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--procs", type=int, nargs="+", default=[50, 200])
    ap.add_argument("--rows", type=int, nargs="+", default=[1000],
                    help="registrations per process (one value, or one per --procs value)")
    args = ap.parse_args()
    rows_for = dict(zip(args.procs, args.rows * len(args.procs) if len(args.rows) == 1 else args.rows))
    c.header(f"engine_writers: {', '.join(f'{p} x {rows_for[p]:,}' for p in args.procs)}, "
             "PostgreSQL vs SQLite")
    srv = _pg.server()
    tmp = Path(tempfile.mkdtemp(prefix="taelleuge-bench-engines-"))
    verdicts = []
    try:
        print(_pg.settings_line(srv.url()))
        for n, procs in enumerate(args.procs):
            rows = rows_for[procs]
            from storage.open import open_store

            path = tmp / f"w{procs}.db"
            open_store(path, station="setup", operator="bench", create=True).close()
            url = _pg.database(srv, f"w{procs}")
            got = {}
            for engine, location in (("sqlite", path), ("postgresql", url)):
                got[engine] = run(location, procs, rows)
                r = got[engine]
                print(f"{procs:>4} writers x {rows:,} on {engine:<10}: {r['rows']:,} of "
                      f"{r['expected']:,} rows, errors {r['errors']}, lost {r['lost']}, "
                      f"wall {r['wall']:.1f} s, {r['rate']:,.0f} registrations/s"
                      + (f"  (first error: {r['first_error']})" if r['errors'] else ""))
            ratio = got["postgresql"]["rate"] / got["sqlite"]["rate"]
            clean = all(g["errors"] == 0 and g["lost"] == 0 and g["rows"] == g["expected"]
                        for g in got.values())
            target = f" (target ≥ {TARGET_RATIO:g}× → {'PASS' if ratio >= TARGET_RATIO else 'FAIL'})" \
                if procs == 50 else ""
            print(f"{procs:>4} writers: PostgreSQL ÷ SQLite = {ratio:.2f}×{target}; "
                  f"0 errors and 0 lost on both: {'yes' if clean else 'NO'}")
            verdicts.append(clean and (procs != 50 or ratio >= TARGET_RATIO))
    finally:
        srv.destroy()
        shutil.rmtree(tmp, ignore_errors=True)
    print("result: " + ("PASS" if all(verdicts) else "FAIL"))


if __name__ == "__main__":
    main()
