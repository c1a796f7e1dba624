"""The coordinator's console at 1M rows: its reads, its mode switches and filter changes in the
real app (headless), and what its refresh costs a kiosk's commit.

Uses a temporary copy of the cached 1M-row file ``bench/totals.py`` builds (20 units, 4 weeks
ending with the current ISO week, 1 % voided, 2 % trial), so this run's writes stay out of it.

1. ``Store.registrations`` per filter (none, unit, day, unit+day, station, task, channel, type,
   a data source no row has, include voided, the second page): median and max of ``--calls``.
   The same for ``exports.coverage.coverage`` (the Dækning grid of the current week), a cell's
   drill-down and the Overblik read.
2. In ``tui.console.app.CoordinatorApp`` under ``App.run_test`` (80x24): a mode key → the mode's
   data read and drawn (``workers.wait_for_complete`` then a pause for the frame); a filter typed
   into Registreringer and Enter → the new page drawn. Target: ≤ 100 ms each. Pilot's own
   cost (its waits for idle around every key) is timed with a key nothing binds: the app's part
   is the figure minus that floor.
3. A kiosk's commit latency (``Store.record``, another process, its own connection) in alternating
   blocks: without the console, and while a console process re-reads Dækning every
   ``--refresh`` seconds as the app does (5 s; today's column, the whole week every 12th time)
   and back-to-back whole-week reads (the worst case, not a target).
   Target: median and p99 with ≤ 1.2× without (same run).

    .venv/bin/python bench/console.py [--rows 1000000] [--calls 20] [--commits 300] [--refresh 1]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import shutil
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import _common as c
import totals

from storage.query import RegistrationQuery
from storage.sqlite.store import SqliteStore as Store


def ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000


def cpu(c0: float) -> float:
    return (time.process_time() - c0) * 1000


def reads(path: Path, cfg, calls: int) -> None:
    from exports.coverage import cell_detail, chosen_week, coverage
    from tui.console.overview import duplicates_warning, outside_warning, read_overview

    today = date.today()
    unit = "999borgerservice"
    with Store(path, station="bench-console", operator="bench") as store:
        station = store.latest(enhed=unit, limit=1)[0].station
        first_page = store.registrations(RegistrationQuery(), limit=200)
        cases = [
            ("no filter", RegistrationQuery(), None),
            ("unit", RegistrationQuery(enhed=unit), None),
            ("day (today)", RegistrationQuery(day=today, zone=cfg.zone), None),
            ("day 3 weeks ago", RegistrationQuery(day=today - timedelta(days=21), zone=cfg.zone), None),
            ("unit + day", RegistrationQuery(enhed=unit, day=today - timedelta(days=2), zone=cfg.zone), None),
            ("station", RegistrationQuery(station=station), None),
            ("task", RegistrationQuery(opgave="32.24.04"), None),
            ("channel (1 %)", RegistrationQuery(kanal="SMSIND"), None),
            ("type", RegistrationQuery(type="FEJL"), None),
            ("data source no row has", RegistrationQuery(datakilde="Import"), None),
            ("unit + task + channel", RegistrationQuery(enhed="999enhed19", opgave="02.00.20",
                                                        kanal="PPRUD"), None),
            ("include voided", RegistrationQuery(include_voided=True), None),
            ("second page", RegistrationQuery(), first_page.next_before),
        ]
        print(f"## Store.registrations, 200 rows a page ({calls} calls each)")
        print(f"{'filter':<28} {'rows':>5} {'median ms':>10} {'max ms':>8}")
        for label, query, before in cases:
            times = []
            for _ in range(calls):
                t0 = time.perf_counter()
                page = store.registrations(query, before_seq=before, limit=200)
                times.append(ms(t0))
            print(f"{label:<28} {len(page.rows):>5} {c.median(times):>10.1f} {max(times):>8.1f}")
        first, last, name = chosen_week(cfg, today)
        others = [
            ("coverage (Dækning, week)", lambda: coverage(store, cfg, first, last, today)),
            ("cell detail (unit, today)", lambda: cell_detail(store, cfg, unit, today)),
            ("overview (Overblik)", lambda: read_overview(store, cfg, today)),
            ("overview: rows outside weeks", lambda: outside_warning(store, cfg, today)),
            ("overview: duplicates (week)", lambda: duplicates_warning(store, cfg, today)),
        ]
        print()
        print(f"{'read':<28} {'':>5} {'median ms':>10} {'max ms':>8}")
        for label, fn in others:
            times = []
            for _ in range(calls):
                t0 = time.perf_counter()
                fn()
                times.append(ms(t0))
            print(f"{label:<28} {'':>5} {c.median(times):>10.1f} {max(times):>8.1f}")


def in_app(path: Path, cfg, rounds: int) -> None:
    from textual.widgets import Input

    from tui.console.app import CoordinatorApp
    from storage.timeutil import system_clock

    async def settle(app, pilot):
        await app.workers.wait_for_complete()
        await pilot.pause()

    async def run() -> dict[str, list[float]]:
        found: dict[str, list[float]] = {}
        with Store(path, station="bench-console", operator="bench") as store:
            app = CoordinatorApp(cfg, store, clock=system_clock)
            async with app.run_test(size=(80, 24)) as pilot:
                await settle(app, pilot)
                await pilot.press("f6")
                await settle(app, pilot)
                for _ in range(rounds * 3):  # Pilot's own cost: a key no mode binds
                    t0, c0 = time.perf_counter(), time.process_time()
                    await pilot.press("z")
                    await settle(app, pilot)
                    found.setdefault("floor: a key nothing binds", []).append((ms(t0), cpu(c0)))
                for _ in range(rounds):
                    for key, mode in (("f2", "Dækning"), ("f3", "Registreringer"), ("f4", "Importer"),
                                      ("f1", "Overblik"), ("f6", "Eksport"), ("f5", "Tal")):
                        t0, c0 = time.perf_counter(), time.process_time()
                        await pilot.press(key)
                        await settle(app, pilot)
                        found.setdefault(f"mode switch → {mode}", []).append((ms(t0), cpu(c0)))
                    await pilot.press("f3")
                    await settle(app, pilot)
                    for text in ("enhed=999telefon", "kanal=SMSIND", f"dag={date.today():%d-%m-%Y}",
                                 "type=FEJL", ""):
                        field = app.screen.query_one("#r-filter", Input)
                        field.value = text
                        field.focus()
                        t0, c0 = time.perf_counter(), time.process_time()
                        await pilot.press("enter")
                        await settle(app, pilot)
                        found.setdefault(f"filter '{text or '(none)'}'", []).append((ms(t0), cpu(c0)))
                    t0, c0 = time.perf_counter(), time.process_time()
                    await pilot.press("n")
                    await settle(app, pilot)
                    found.setdefault("next page", []).append((ms(t0), cpu(c0)))
        return found

    found = asyncio.run(run())
    print()
    print(f"## In the app (80x24, headless; {rounds} rounds): key → data read and drawn")
    print("(wall: what a user waits on this host now; CPU: this process's CPU time, all threads,")
    print(" which other load on the host does not inflate as much)")
    print(f"{'action':<32} {'wall median':>11} {'wall max':>9} {'CPU median':>11}")
    for label, pairs in found.items():
        walls, cpus = [w for w, _ in pairs], [u for _, u in pairs]
        print(f"{label:<32} {c.median(walls):>11.1f} {max(walls):>9.1f} {c.median(cpus):>11.1f}")


def _kiosk(path: str, n: int, conn) -> None:
    cfg = c.config()
    lat = []
    with Store(path, station="bench-kiosk", operator="kiosk") as store:
        for _ in range(n):
            entry = c.entry(cfg)
            t0 = time.perf_counter()
            store.record(entry)
            lat.append(ms(t0))
            time.sleep(0.02)  # a busy desk: 50 commits a second across the municipality
    conn.send(lat)


def _console(path: str, refresh: float, stop) -> None:
    """What the Dækning mode reads: the week, then today only, the week again every 12th time
    (tui.console.coverage); back-to-back (refresh 0) the whole week every time."""
    from exports.coverage import chosen_week, coverage, refresh_day
    from tui.console.coverage import FULL_EVERY

    cfg = c.config()
    today = date.today()
    first, last, _ = chosen_week(cfg, today)
    with Store(path, station="bench-console", operator="bench") as store:
        cov = coverage(store, cfg, first, last, today)
        ticks = 0
        while not stop.is_set():
            ticks += 1
            if not refresh or ticks % FULL_EVERY == 0:
                cov = coverage(store, cfg, first, last, today)
            else:
                cov = refresh_day(store, cfg, cov, today, today)
            if refresh:
                stop.wait(refresh)


def commits(path: Path, block: int, blocks: int, refresh: float) -> None:
    ctx = multiprocessing.get_context("spawn")
    results: dict[str, list[float]] = {}
    variants = [("without console", None), (f"console every {refresh:g} s", refresh),
                ("console back-to-back", 0.0)]
    for round_ in range(blocks):
        for label, every in variants[round_ % 3:] + variants[:round_ % 3]:
            stop = ctx.Event()
            reader = None
            if every is not None:
                reader = ctx.Process(target=_console, args=(str(path), every, stop))
                reader.start()
                time.sleep(1.0)  # the console is up and reading
            here, there = ctx.Pipe()
            kiosk = ctx.Process(target=_kiosk, args=(str(path), block, there))
            kiosk.start()
            results.setdefault(label, []).extend(here.recv())
            kiosk.join()
            stop.set()
            if reader:
                reader.join()
    print()
    print(f"## A kiosk's commit (Store.record, {blocks} alternating blocks of {block})")
    base = results["without console"]
    print(f"{'':<26} {'n':>5} {'median ms':>10} {'p99 ms':>8} {'× median':>9} {'× p99':>7}")
    for label, lat in results.items():
        print(f"{label:<26} {len(lat):>5} {c.median(lat):>10.2f} {c.pct(lat, 99):>8.2f} "
              f"{c.median(lat) / c.median(base):>9.2f} {c.pct(lat, 99) / c.pct(base, 99):>7.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--calls", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--commits", type=int, default=1200, help="per variant")
    ap.add_argument("--refresh", type=float, default=5.0)
    ap.add_argument("--skip", nargs="*", default=[], choices=["reads", "app", "commits"])
    args = ap.parse_args()
    c.header("The coordinator's console at scale")
    cached = totals.cached(args.rows)
    tmp = Path(tempfile.mkdtemp(prefix="taelleuge-bench-console-"))
    try:
        path = tmp / "console.db"
        shutil.copyfile(cached, path)
        cfg = c.config()
        if "reads" not in args.skip:
            reads(path, cfg, args.calls)
        if "app" not in args.skip:
            in_app(path, cfg, args.rounds)
        if "commits" not in args.skip:
            block = 100
            commits(path, block, max(3, args.commits // block), args.refresh)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    os.environ.setdefault("TEXTUAL_FPS", "240")
    main()
