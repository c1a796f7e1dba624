"""Many kiosks at a realistic but pressing pace on one file, for a minute: commit latency, errors,
lost rows and the total rate.

``--procs`` processes (default 50) each act like one kiosk (or SSH session): their own
``Store(path, station=f"kiosk{i}", …)`` on one shared file, a unit each (the demo's three units in
turn), and a loop until ``--seconds`` (default 60) have passed:

1. pause a random 0..``--pause-ms`` ms (default 200: a fast operator on a busy day; a real
   counter desk is far slower), then build the entry with ``new_entry`` as the screen does;
2. ``Store.record(entry)`` — timed: the *commit latency*;
3. ``Store.latest_entries(station)`` — what the screen's worker reads before it says "Gemt"; the
   two together are the *saved-on-screen latency*;
4. every 20 s, a full ``load_panel`` read, as the screen's periodic refresh does.

A write that raises is counted as an error and retried with the same entry (same ids, so a retry
can never double-count) after 2 s, as the kiosk's automatic retry does, up to 5 times. Afterwards
the parent compares, per station, the rows each process was told were saved with the rows in the
file: lost rows = acknowledged but absent; extra rows = present but never acknowledged (a retry
after an error that had in fact committed would be caught by the ids, so this must stay 0 too).

    .venv/bin/python bench/kiosk_load.py [--procs 50] [--seconds 60] [--pause-ms 200]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

import _common as c
from storage.registration import new_entry
from storage.sqlite.store import SqliteStore as Store
from storage.timeutil import system_clock
from tui.panel_data import load_panel

RETRY_AFTER = 2.0  # seconds, as tui.screens.register.RETRY_AFTER
MAX_TRIES = 5
PANEL_EVERY = 20.0  # seconds, as tui.screens.register.PANEL_REFRESH


def kiosk(i: int, path: str, seconds: float, pause_ms: float, barrier, results) -> None:
    out = {"i": i, "saved": 0, "rows": 0, "errors": [], "gave_up": 0, "commit": [], "screen": [],
           "read": [], "panel": [], "t0": 0.0, "t1": 0.0}
    try:
        cfg = c.config()
        unit = list(cfg.units.values())[i % len(cfg.units)]
        tasks = unit.tasks()
        types = list(cfg.codebook.types)
        rng = random.Random(i)
        store = Store(path, station=f"kiosk{i}", operator="bench", create=False)
        barrier.wait()
        out["t0"] = start = time.perf_counter()
        next_panel = start
        deadline = start + seconds
        while time.perf_counter() < deadline:
            time.sleep(rng.uniform(0, pause_ms / 1000))
            if time.perf_counter() >= next_panel:
                t = time.perf_counter()
                load_panel(store, cfg, unit.code, system_clock())
                out["panel"].append(time.perf_counter() - t)
                next_panel += PANEL_EVERY
            now = system_clock()
            entry = new_entry(cfg, enhed=unit.code, opgave=rng.choice(tasks).kle, kanal=unit.channel,
                              type=rng.choice(types[:4]), start=now, end=now)
            for attempt in range(MAX_TRIES):
                t = time.perf_counter()
                try:
                    store.record(entry)
                    t_commit = time.perf_counter()
                    store.latest_entries(station=store.station)
                    t_screen = time.perf_counter()
                except Exception as exc:  # noqa: BLE001 - counted; the kiosk retries the same entry
                    out["errors"].append(f"{type(exc).__name__}: {exc}")
                    if attempt + 1 == MAX_TRIES:
                        out["gave_up"] += 1
                    else:
                        time.sleep(RETRY_AFTER)
                    continue
                out["commit"].append(t_commit - t)
                out["screen"].append(t_screen - t)
                out["read"].append(t_screen - t_commit)
                out["saved"] += 1
                out["rows"] += entry.count
                break
        out["t1"] = time.perf_counter()
        store.close()
    except Exception:  # noqa: BLE001
        out["errors"].append(traceback.format_exc())
    results.put(out)


def ms(values: list[float], p: float) -> str:
    return f"{c.pct(values, p) * 1000:.1f}" if values else "-"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--procs", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--pause-ms", type=float, default=200.0, help="max random pause between entries")
    args = ap.parse_args()

    c.header(f"kiosk_load: {args.procs} kiosk processes x {args.seconds:g} s, "
             f"pause 0-{args.pause_ms:g} ms between entries")
    tmp = Path(tempfile.mkdtemp(prefix="taelleuge-bench-kiosk-load-"))
    procs: list = []
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the cleanup below on kill
    try:
        path = tmp / "kiosk-load.db"
        Store(path, station="setup", operator="bench").close()  # `taelleuge init`, before the fork
        ctx = mp.get_context("fork")
        barrier = ctx.Barrier(args.procs + 1)
        results = ctx.Queue()
        procs = [ctx.Process(target=kiosk, args=(i, str(path), args.seconds, args.pause_ms, barrier,
                                                 results)) for i in range(args.procs)]
        for p in procs:
            p.start()
        barrier.wait(timeout=300)
        t0 = time.perf_counter()
        outs = [results.get(timeout=args.seconds + 600) for _ in procs]
        wall = time.perf_counter() - t0
        for p in procs:
            p.join()
        with Store(path, station="check", operator="bench", create=False) as store:
            per_station = dict(store.conn.execute(
                "SELECT station, count(*) FROM registrations GROUP BY station").fetchall())
            integrity = store.conn.execute("PRAGMA integrity_check").fetchone()[0]
            journal = store.conn.execute("PRAGMA journal_mode").fetchone()[0]
        size_mb = path.stat().st_size / 1_048_576
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()
                p.join()
        shutil.rmtree(tmp, ignore_errors=True)

    acknowledged = sum(o["rows"] for o in outs)
    in_file = sum(n for s, n in per_station.items() if s.startswith("kiosk"))
    lost = sum(max(0, o["rows"] - per_station.get(f"kiosk{o['i']}", 0)) for o in outs)
    extra = sum(max(0, per_station.get(f"kiosk{o['i']}", 0) - o["rows"]) for o in outs)
    errors = [e for o in outs for e in o["errors"]]
    kinds = Counter(e.strip().splitlines()[-1] for e in errors)
    gave_up = sum(o["gave_up"] for o in outs)
    commit = [x for o in outs for x in o["commit"]]
    screen = [x for o in outs for x in o["screen"]]
    read = [x for o in outs for x in o["read"]]
    panel = [x for o in outs for x in o["panel"]]
    active = max(o["t1"] for o in outs) - min(o["t0"] for o in outs) if outs else wall
    per_proc = sorted(o["saved"] for o in outs)

    print(f"journal_mode in force: {journal}; file after the run: {size_mb:.1f} MB, "
          f"integrity_check: {integrity}")
    print(f"registrations acknowledged: {acknowledged}; rows in file: {in_file}; "
          f"lost (acknowledged, absent): {lost}; extra (present, never acknowledged): {extra}")
    print(f"errors: {len(errors)} (entries given up after {MAX_TRIES} tries: {gave_up})")
    for kind, n in kinds.most_common():
        print(f"  {n} x {kind}")
    print(f"rate: {in_file / active:,.1f} registrations/s over {active:.1f} s "
          f"({in_file / active / max(1, args.procs):.2f}/s per kiosk; "
          f"per-kiosk saved min/median/max {per_proc[0]}/{c.median(per_proc):.0f}/{per_proc[-1]})")
    print(f"commit latency (Store.record): p50 {ms(commit, 50)} ms, p90 {ms(commit, 90)} ms, "
          f"p99 {ms(commit, 99)} ms, max {max(commit) * 1000:.1f} ms  (n={len(commit)})")
    print(f"saved-on-screen latency (record + latest_entries): p50 {ms(screen, 50)} ms, "
          f"p99 {ms(screen, 99)} ms, max {max(screen) * 1000:.1f} ms")
    slow_reads = sum(x >= 5 for x in read)
    print(f"post-commit read alone (latest_entries, a reader queued behind writers): "
          f"p50 {ms(read, 50)} ms, p99 {ms(read, 99)} ms, max {max(read) * 1000:.1f} ms; "
          f"reads >= 5 s: {slow_reads} (busy_timeout is 10 s; past it the read raises "
          f"'database is locked')")
    if panel:
        print(f"full panel read (every {PANEL_EVERY:g} s per kiosk): p50 {ms(panel, 50)} ms, "
              f"p99 {ms(panel, 99)} ms (n={len(panel)})")
    over = sum(x > 0.3 for x in screen)
    print(f"saves slower than 0.3 s (the screen then says 'venter på databasen'): {over} "
          f"({100 * over / max(1, len(screen)):.2f}%)")
    ok = not errors and lost == 0 and extra == 0 and integrity == "ok"
    print("result: " + ("PASS" if ok else "FAIL") + " (0 errors, 0 lost, 0 extra, integrity ok)")


if __name__ == "__main__":
    main()
