"""Read side at scale: today's and this week's totals, the week's matrix and a station's latest rows.

Builds a file with ``--rows`` registrations (default 1,000,000) through the Store's migrations,
filled with one ``executemany`` in one transaction: ``--units`` units (default 20, sizes skewed
1/sqrt(rank) so the biggest unit holds ~14 %), ``--weeks`` ISO weeks ending with the current one
(default 4), every day of the week 07–19 local time (Europe/Copenhagen), realistic type/kanal mix,
2 % trial rows, some "N times" batches and 1 % of rows voided through the ``voids`` table.

Then, on a fresh ``Store``, times ``--calls`` calls (default 200) each of ``count_day`` (today),
``count_range`` (this week), ``matrix`` (this week) and ``latest(station=…, limit=10)`` for the
biggest unit and a mid-sized one, and prints ``EXPLAIN QUERY PLAN`` for the exact SQL the Store ran
(captured with a trace callback). Target: ≤ 5 ms for today's and this week's totals.

``--diagnose`` also times variants of this week's count for the biggest unit to show where the
time goes: the per-row ``NOT EXISTS`` void check the m001 Store ran; the range count without any
void check; the range count minus the voided rows counted from a side table (unit, trial, end_utc)
on a copy of the file (what m003's columns on ``voids`` allow); the per-row check on a copy with
``id`` added to the unit/time index. Reference only.

The generated file is cached in /tmp/taelleuge-bench-cache/ keyed by the parameters, the
current ISO week and the migration list (``--no-cache`` builds in a temporary directory and deletes it; ``--clean``
removes the cache).

    .venv/bin/python bench/totals.py [--rows 1000000] [--calls 200] [--no-cache]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

import _common as c
from storage.model import REGISTRATIONS
from storage.registration import VOID_REASONS
from storage.sqlite.store import SqliteStore as Store
from storage.timeutil import iso_week_days, local_range_bounds, to_stored

CACHE = Path(tempfile.gettempdir()) / "taelleuge-bench-cache"
GENERATOR_VERSION = 1
TARGET_MS = 5.0

TYPES = [("OPRET", 30), ("STATUS", 25), ("INFO", 25), ("VEJL", 15), ("FEJL", 5)]
CHANNELS = [("PRSNLG", 30), ("TLFIND", 30), ("TLFUD", 8), ("EMLIND", 12), ("EMLUD", 6),
            ("DOCIND", 6), ("DOKUD", 3), ("PPRIND", 3), ("PPRUD", 1), ("SMSIND", 1)]
OPGAVER = ["23.05.10", "23.09.02", "23.09.04", "29.03.04", "29.03.12", "32.06.04", "32.03.04",
           "25.10.00", "02.00.20", "32.24.04"]


def unit_codes(n: int) -> list[str]:
    base = ["999borgerservice", "999telefon", "999ydelse"]
    return (base + [f"999enhed{k:02d}" for k in range(len(base), n)])[:n]


def build(path: Path, rows: int, units: int, weeks: int, seed: int = 20261019) -> dict:
    cfg = c.config()
    zone = cfg.zone
    rng = random.Random(seed)
    Store(path, station="setup", operator="bench").close()  # schema through the migrations

    codes = unit_codes(units)
    weights = [1 / (k + 1) ** 0.5 for k in range(units)]
    year, week, _ = date.today().isocalendar()
    monday = iso_week_days(year, week)[0] - timedelta(weeks=weeks - 1)
    days = [monday + timedelta(days=d) for d in range(7 * weeks)]
    day_starts = [datetime.combine(d, datetime.min.time(), zone) for d in days]
    stations = {u: [f"{u}-k{n}" for n in range(1, 4)] for u in codes}
    t_names, t_w = zip(*TYPES)
    k_names, k_w = zip(*CHANNELS)

    # (end moment, unit) in time order: rowid order follows time as it would in production.
    moments = sorted(
        (rng.choice(day_starts) + timedelta(seconds=rng.uniform(7 * 3600, 19 * 3600)), u)
        for u in rng.choices(codes, weights, k=rows)
    )
    data = []
    batch_left, batch_id, batch_row = 0, None, None
    for moment, u in moments:
        if batch_left:  # the rest of an "N times" entry: identical row, new id
            batch_left -= 1
            data.append((str(uuid.UUID(int=rng.getrandbits(128), version=4)),) + batch_row[1:])
            continue
        end = to_stored(moment)
        start = to_stored(moment - timedelta(seconds=rng.randint(20, 900)))
        trial = 1 if rng.random() < 0.02 else 0
        batch_id = None
        if rng.random() < 0.003:
            batch_left = rng.randint(1, 9)
            batch_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        typ = rng.choices(t_names, t_w)[0]
        row = c.stored_row(
            id=str(uuid.UUID(int=rng.getrandbits(128), version=4)), kommune_nr=cfg.kommune_nr,
            kommune_navn=cfg.kommune_navn, enhed=u, opgave=rng.choice(OPGAVER),
            kanal=rng.choices(k_names, k_w)[0], type=typ,
            afslutning="STRAKS" if rng.random() < 0.9 else "HOLD", blanket="NEJ", start_utc=start,
            end_utc=end, date_only=0, datakilde="Taelleuge", station=rng.choice(stations[u]),
            operator=f"user{rng.randint(1, 200):03d}",
            answers=json.dumps({"Taler borgeren dansk?": "Ja"}) if u == codes[0]
            and rng.random() < 0.3 else "{}", trial=trial, batch_id=batch_id, created_utc=end)
        batch_row = row
        data.append(row)
    data = data[:rows]
    voided = rng.sample(range(len(data)), k=len(data) // 100)
    reasons = list(VOID_REASONS)
    col = {name: i for i, name in enumerate(REGISTRATIONS.written)}
    voids = [(str(uuid.UUID(int=rng.getrandbits(128), version=4)), rng.choice(reasons),
              data[i][col["station"]], data[i][col["operator"]], data[i][col["created_utc"]], n,
              data[i][col["id"]]) for n, i in enumerate(sorted(voided), 1)]

    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -1000000")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(c.INSERT, data)
    # Whatever else the migrations put on voids (m003 copies the counted facts of the voided row)
    # is copied from the registration, as Store._write_voids does.
    void_cols = [r[1] for r in conn.execute("PRAGMA table_info(voids)")]
    reg_cols = {r[1] for r in conn.execute("PRAGMA table_info(registrations)")}
    base = ["id", "registration_id", "reason", "station", "operator", "created_utc", "seq"]
    extra = [col for col in void_cols if col not in base and col in reg_cols]
    conn.executemany(
        f"INSERT INTO voids ({', '.join(base + extra)}) "
        f"SELECT ?, id, ?, ?, ?, ?, ?{''.join(', ' + col for col in extra)} "
        "FROM registrations WHERE id = ?", voids)
    conn.execute("COMMIT")
    conn.close()
    return {"rows": len(data), "voids": len(voids), "units": codes, "first_day": days[0],
            "last_day": days[-1]}


def cached_path(rows: int, units: int = 20, weeks: int = 4, folder: Path = CACHE) -> Path:
    """The one cached file for these parameters: every benchmark that needs the 1M-row file
    (this one, ``kiosk_latency.py``) asks here, so it is built once per week and schema."""
    year, week, _ = date.today().isocalendar()
    return folder / (f"totals-{rows}-u{units}-w{weeks}-{year}W{week:02d}"
                     f"-v{GENERATOR_VERSION}-s{c.schema_key()}.db")


def cached(rows: int, units: int = 20, weeks: int = 4, folder: Path = CACHE) -> Path:
    """The cached file, built first if it is missing (under a temporary name, so an interrupted
    build is never taken for a finished one)."""
    path = cached_path(rows, units, weeks, folder)
    if path.exists():
        print(f"using cached file {path} ({path.stat().st_size / 1e6:.0f} MB); "
              f"bench/totals.py --clean removes it")
        return path
    folder.mkdir(exist_ok=True)
    t = time.perf_counter()
    building = path.with_suffix(".building")
    for p in (building, Path(f"{building}-journal"), Path(f"{building}-writelock")):
        p.unlink(missing_ok=True)
    info = build(building, rows, units, weeks)
    os.replace(building, path)
    Path(f"{building}-writelock").unlink(missing_ok=True)  # the Store's write queue, of the build
    print(f"built {path} in {time.perf_counter() - t:.0f} s: {info['rows']:,} rows, "
          f"{info['voids']:,} voids, {units} units, "
          f"{info['first_day']}..{info['last_day']} ({path.stat().st_size / 1e6:.0f} MB)")
    return path


def timed(fn, calls: int) -> tuple[float, list[float], object]:
    t = time.perf_counter_ns()
    result = fn()
    first = (time.perf_counter_ns() - t) / 1e6
    lat = []
    for _ in range(calls):
        t = time.perf_counter_ns()
        fn()
        lat.append((time.perf_counter_ns() - t) / 1e6)
    return first, lat, result


def plan(conn: sqlite3.Connection, sql: str, params: tuple = ()) -> list[str]:
    return [row[-1] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)]


def diagnose(path: Path, unit: str, first: date, last: date, zone, calls: int) -> None:
    """Where this week's count spends its time (reference only; nothing here is app code)."""
    start, end = local_range_bounds(first, last, zone)
    args = (unit, 0, start, end)
    rng = "enhed = ? AND trial = ? AND end_utc >= ? AND end_utc < ?"
    per_row = (f"SELECT count(*) FROM registrations r WHERE {rng} "
               "AND NOT EXISTS (SELECT 1 FROM voids v WHERE v.registration_id = r.id)")
    variants = [  # (label, sql, params, run on the copy with the extra index)
        ("per-row NOT EXISTS void check (m001 query)", per_row, args, False),
        ("range count, no void check (lower bound)",
         f"SELECT count(*) FROM registrations r WHERE {rng}", args, False),
        ("range count - voided range count (copy)",
         f"SELECT (SELECT count(*) FROM registrations r WHERE {rng}) - "
         f"(SELECT count(*) FROM bench_void_keys WHERE {rng})", args * 2, True),
        ("per-row NOT EXISTS, index + id (copy)", per_row, args, True),
    ]
    tmp = Path(tempfile.mkdtemp(prefix="taelleuge-bench-totals-diag-"))
    try:
        copy = tmp / "copy.db"
        shutil.copyfile(path, copy)
        conn = sqlite3.connect(str(copy), isolation_level=None)
        t = time.perf_counter()
        conn.execute("CREATE INDEX bench_unit_time_id "
                     "ON registrations (enhed, trial, end_utc, type, kanal, id)")
        built = time.perf_counter() - t
        # What voids would need to carry for a subtraction: the voided row's unit, trial flag and
        # time (a side table here; in the app that would be columns on voids, written with the void).
        conn.execute("CREATE TABLE bench_void_keys AS SELECT r.enhed, r.trial, r.end_utc "
                     "FROM voids v JOIN registrations r ON r.id = v.registration_id")
        conn.execute("CREATE INDEX bench_void_keys_i ON bench_void_keys (enhed, trial, end_utc)")
        conn.close()
        orig = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        alt = sqlite3.connect(f"{copy.resolve().as_uri()}?mode=ro", uri=True)
        print(f"diagnosis: this week's count for {unit} ({calls} calls each); "
              f"extra index built on the copy in {built:.1f} s")
        print(f"{'variant':<48} {'result':>7} {'median ms':>10} {'p99 ms':>8}  plan")
        for name, sql, params, on_copy in variants:
            conn = alt if on_copy else orig
            _, lat, result = timed(lambda: conn.execute(sql, params).fetchone()[0], calls)
            how = "; ".join(plan(conn, sql, params))
            print(f"{name:<48} {result:>7} {c.median(lat):>10.3f} {c.pct(lat, 99):>8.3f}  {how}")
        orig.close()
        alt.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--units", type=int, default=20)
    ap.add_argument("--weeks", type=int, default=4)
    ap.add_argument("--calls", type=int, default=200)
    ap.add_argument("--diagnose", action="store_true",
                    help="time variants of the week count (reference; copies the file once)")
    ap.add_argument("--no-cache", action="store_true", help="build in a temp dir and delete it")
    ap.add_argument("--clean", action="store_true", help="remove the cache directory and exit")
    args = ap.parse_args()
    if args.clean:
        shutil.rmtree(CACHE, ignore_errors=True)
        print(f"removed {CACHE}")
        return

    c.header(f"totals: read queries on {args.rows:,} registrations")
    cfg = c.config()
    today = date.today()
    year, week, _ = today.isocalendar()
    first, last = iso_week_days(year, week)
    tmp = None
    if args.no_cache:
        tmp = Path(tempfile.mkdtemp(prefix="taelleuge-bench-totals-"))
        path = cached(args.rows, args.units, args.weeks, folder=tmp)
    else:
        path = cached(args.rows, args.units, args.weeks)
    try:

        codes = unit_codes(args.units)
        with Store(path, station="bench", operator="bench", migrate=False) as store:
            totals = store.totals()
            per_unit = store.totals_by_unit()
            print(f"file totals: {totals}")
            big = codes[0]
            mid = codes[args.units // 2]
            station = store.conn.execute(
                "SELECT station FROM registrations WHERE enhed = ? ORDER BY rowid DESC LIMIT 1",
                (big,)).fetchone()[0]
            print(f"biggest unit {big}: {per_unit.get(big, 0):,} live rows; "
                  f"mid unit {mid}: {per_unit.get(mid, 0):,}; today = {today} "
                  f"({today:%A}), week {first}..{last}, zone {cfg.zone.key}")
            print()

            def statements(fn) -> list[str]:
                traced: list[str] = []
                store.conn.set_trace_callback(traced.append)
                try:
                    fn()
                finally:
                    store.conn.set_trace_callback(None)
                return [t for t in traced if t.lstrip().upper().startswith("SELECT")]

            for name, fn in (
                ("count_day / count_range", lambda: store.count_day(big, today, cfg.zone)),
                ("matrix", lambda: store.matrix(big, first, last, cfg.zone)),
                ("latest(station)", lambda: store.latest(station=station, limit=10)),
            ):
                for sql in statements(fn):
                    print(f"EXPLAIN QUERY PLAN {name}:\n  {sql}")
                    for line in plan(store.conn, sql):
                        print(f"    {line}")
            print()

        # Fresh connection for the timings: the first call includes opening the page cache.
        with Store(path, station="bench", operator="bench", migrate=False) as store:
            cases = []
            for label, unit in (("biggest", big), ("mid", mid)):
                cases += [
                    (f"count_day today [{label}]", True,
                     lambda u=unit: store.count_day(u, today, cfg.zone)),
                    (f"count_range week [{label}]", True,
                     lambda u=unit: store.count_range(u, first, last, cfg.zone)),
                    (f"matrix week [{label}]", False,
                     lambda u=unit: sum(store.matrix(u, first, last, cfg.zone).values())),
                ]
            cases.append(("latest(station, 10)", False,
                          lambda: len(store.latest(station=station, limit=10))))
            print(f"{args.calls} calls each (after one untimed-in-stats first call):")
            print(f"{'query':<28} {'result':>8} {'first ms':>9} {'median ms':>10} {'p99 ms':>8} "
                  f"{'max ms':>8}  target")
            fails = []
            for name, targeted, fn in cases:
                first_ms, lat, result = timed(fn, args.calls)
                med, p99 = c.median(lat), c.pct(lat, 99)
                verdict = "-"
                if targeted:
                    ok = med <= TARGET_MS and p99 <= TARGET_MS
                    verdict = f"<= {TARGET_MS:g} ms median & p99: {'PASS' if ok else 'FAIL'}"
                    if not ok:
                        fails.append(name)
                shown = result if isinstance(result, int) else "?"
                print(f"{name:<28} {shown:>8} {first_ms:>9.2f} {med:>10.3f} {p99:>8.3f} "
                      f"{max(lat):>8.3f}  {verdict}")
            print()
            print("result: " + ("PASS" if not fails else f"FAIL ({', '.join(fails)})"))
        if args.diagnose:
            print()
            diagnose(path, big, first, last, cfg.zone, args.calls)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
