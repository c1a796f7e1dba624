"""Many writer processes on one file: errors, lost rows and the total registration rate.

``--procs`` processes (default 50) each open their own ``Store(path, station=f"bench{i}",
operator="bench")``, build ``--rows`` entries (default 1,000) with ``new_entry`` up front, wait on a
barrier, then call ``Store.record`` for each as fast as they can. Afterwards the parent counts the
rows per station: lost rows = rows a process was told were written (``record`` returned) that are
not in the file. Targets: 0 errors, 0 lost rows, ≥ 1,000 registrations/s.

Every writer also reports how long its ``record`` calls took; together with the single-writer
commit time (measured first, same file, same pragmas; the median of several short solo runs, since
one run moves with the host's disk) this shows how much of the wall time the write
lock was actually busy and how much it sat free while waiters slept in SQLite's busy handler.

The Store queues its writers on a kernel file lock (``storage.sqlite.db.write_txn``); this benchmark
found the starvation that led to it (SQLite's busy handler let waiters sleep up to 100 ms while the
holder retook the lock). Its earlier ``--mode spin|flock`` diagnostics are in bench/RESULTS.md.

    .venv/bin/python bench/concurrent_writers.py [--procs 50] [--rows 1000]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import shutil
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

import _common as c
from storage.sqlite.store import SqliteStore as Store

TARGET_RATE = 1000.0


def writer(i: int, path: str, rows: int, barrier, results) -> None:
    out = {"i": i, "ok": 0, "errors": [], "lat": [], "t0": 0.0, "t1": 0.0}
    try:
        cfg = c.config()
        store = Store(path, station=f"bench{i}", operator="bench")
        entries = [c.entry(cfg) for _ in range(rows)]
        barrier.wait()
        out["t0"] = time.perf_counter()
        for e in entries:
            t = time.perf_counter()
            try:
                store.record(e)
            except Exception as exc:  # counted, not retried: the benchmark is about errors
                frame = traceback.extract_tb(exc.__traceback__)[-1]
                where = f"{Path(frame.filename).name}:{frame.lineno} {frame.line or ''}".strip()
                out["errors"].append(f"{type(exc).__name__}: {exc} (at: {where})")
                continue
            out["lat"].append(time.perf_counter() - t)
            out["ok"] += 1
        out["t1"] = time.perf_counter()
        store.close()
    except Exception:
        out["errors"].append(traceback.format_exc())
    results.put(out)


SOLO_RUNS = 5  # the ceiling comes from several short solo runs: one run moves with the host


def single_writer_commit_ms(path: Path, n: int = 100) -> float:
    """Median uncontended Store.record time on this file (the lock's minimum hold per commit):
    one solo run."""
    cfg = c.config()
    with Store(path, station="solo", operator="bench") as store:
        entries = [c.entry(cfg) for _ in range(n)]
        lat = []
        for e in entries:
            t = time.perf_counter()
            store.record(e)
            lat.append(time.perf_counter() - t)
    return c.median(lat) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--procs", type=int, default=50)
    ap.add_argument("--rows", type=int, default=1000, help="registrations per process")
    args = ap.parse_args()

    c.header(f"concurrent_writers: {args.procs} processes x {args.rows} registrations")
    tmp = Path(tempfile.mkdtemp(prefix="taelleuge-bench-writers-"))
    procs: list = []
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the cleanup below on kill
    try:
        path = tmp / "writers.db"
        Store(path, station="setup", operator="bench").close()  # migrate once, before the fork
        solo_runs = [single_writer_commit_ms(path) for _ in range(SOLO_RUNS)]
        solo_ms = c.median(solo_runs)

        ctx = mp.get_context("fork")
        barrier = ctx.Barrier(args.procs + 1)
        results = ctx.Queue()
        procs = [
            ctx.Process(target=writer, args=(i, str(path), args.rows, barrier, results))
            for i in range(args.procs)
        ]
        for p in procs:
            p.start()
        barrier.wait(timeout=300)
        t0 = time.perf_counter()
        outs = [results.get(timeout=3600) for _ in procs]
        t1 = time.perf_counter()
        for p in procs:
            p.join()

        with Store(path, station="check", operator="bench") as store:
            per_station = dict(store.conn.execute(
                "SELECT station, count(*) FROM registrations WHERE station LIKE 'bench%' "
                "GROUP BY station"
            ).fetchall())
            total = sum(per_station.values())
            integrity = store.conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()
                p.join()
        shutil.rmtree(tmp, ignore_errors=True)

    expected = args.procs * args.rows
    errors = sum(len(o["errors"]) for o in outs)
    ok = sum(o["ok"] for o in outs)
    lost = sum(max(0, o["ok"] - per_station.get(f"bench{o['i']}", 0)) for o in outs)
    extra = sum(max(0, per_station.get(f"bench{o['i']}", 0) - o["ok"]) for o in outs)
    exact = sum(per_station.get(f"bench{o['i']}", 0) == args.rows for o in outs)
    wall = t1 - t0
    last_done = max(o["t1"] for o in outs) - t0 if outs else wall
    rate = total / wall
    lat = [x * 1000 for o in outs for x in o["lat"]]
    busy = total * solo_ms / 1000  # seconds the write lock must be held, at the solo commit time

    print(f"uncontended Store.record on this file: median {solo_ms:.3f} ms of {SOLO_RUNS} solo runs "
          f"(each run's median: {', '.join(f'{x:.3f}' for x in solo_runs)} ms) "
          f"(=> at most ~{1000 / solo_ms:,.0f} commits/s if writers hand over with no gap; "
          f"{1000 / max(solo_runs):,.0f}-{1000 / min(solo_runs):,.0f}/s over the runs)")
    print(f"errors: {errors}")
    kinds: dict[str, int] = {}
    for o in outs:
        for err in o["errors"]:
            kinds[err.strip().splitlines()[-1]] = kinds.get(err.strip().splitlines()[-1], 0) + 1
    for kind, n in sorted(kinds.items(), key=lambda kv: -kv[1]):
        print(f"  {n} x {kind}")
    if errors:
        hit = sorted((len(o["errors"]), o["i"]) for o in outs if o["errors"])
        print(f"  writers with errors: {len(hit)} of {args.procs} (worst: writer {hit[-1][1]}, "
              f"{hit[-1][0]} errors)")
    print(f"rows in file: {total} of {expected}; record() returned ok: {ok}; "
          f"failed writes (raised, row absent): {expected - ok}")
    print(f"lost rows (record() returned but row absent): {lost}; unexpected extra rows: {extra}")
    print(f"processes with exactly {args.rows} rows: {exact} of {args.procs}")
    print(f"integrity_check: {integrity}")
    print(f"wall time (barrier -> all results in): {wall:.2f} s (last writer done at {last_done:.2f} s)")
    print(f"rate: {rate:,.0f} registrations/s (target >= {TARGET_RATE:,.0f}/s)")
    if lat:
        print(f"per-record latency under contention: median {c.median(lat):.1f} ms, "
              f"p99 {c.pct(lat, 99):.1f} ms, max {max(lat):.1f} ms")
    print(f"write lock busy (rows x solo commit time): ~{busy:.2f} s of {wall:.2f} s wall "
          f"= {100 * busy / wall:.0f}% (idle/hand-over gaps ~{max(0.0, wall - busy):.2f} s)")
    print(f"ceiling at the solo commit time: {1000 / solo_ms:,.0f}/s; achieved "
          f"{100 * rate / (1000 / solo_ms):.0f}% of it")
    checks = {
        "errors == 0": errors == 0,
        "rows == expected (no lost or failed writes)": lost == 0 and total == expected,
        f"rate >= {TARGET_RATE:,.0f}/s": rate >= TARGET_RATE,
    }
    print("result: " + ("PASS" if all(checks.values()) else "FAIL") + " ("
          + "; ".join(f"{k}: {'ok' if v else 'FAIL'}" for k, v in checks.items()) + ")")


if __name__ == "__main__":
    main()
