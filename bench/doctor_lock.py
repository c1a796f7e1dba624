"""How long each read of ``taelleuge doctor`` holds the database at 1M rows.

In the rollback journal a reader's lock makes every desk's commit wait, and anyone may run doctor.
Times, on the cached 1M-row file of ``totals.py`` (built on first use), each read doctor makes:
``PRAGMA quick_check`` (the default on files up to ``storage.doctor.QUICK_CHECK_MAX_BYTES``),
``PRAGMA integrity_check`` (``doctor --grundig`` only), ``Store.totals`` and ``Store.totals_by_unit``;
and ``doctor`` itself end to end. Warm page cache (each read runs twice; the second is shown too).

    .venv/bin/python bench/doctor_lock.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import time
from datetime import date
from pathlib import Path

import _common as c
import totals
from storage.doctor import QUICK_CHECK_MAX_BYTES, doctor
from storage.sqlite.store import SqliteStore as Store


def cached_file(rows: int, units: int = 20, weeks: int = 4) -> Path:
    year, week, _ = date.today().isocalendar()
    totals.CACHE.mkdir(exist_ok=True)
    path = totals.CACHE / (f"totals-{rows}-u{units}-w{weeks}-{year}W{week:02d}"
                           f"-v{totals.GENERATOR_VERSION}-s{c.schema_key()}.db")
    if not path.exists():
        building = path.with_suffix(".building")
        building.unlink(missing_ok=True)
        totals.build(building, rows, units, weeks)
        os.replace(building, path)
    return path


def timed(fn) -> tuple[float, float]:
    runs = []
    for _ in range(2):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return runs[0], runs[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    args = ap.parse_args()
    c.header(f"doctor: read locks on {args.rows:,} registrations")
    path = cached_file(args.rows)
    print(f"file {path} ({path.stat().st_size / 1e6:.0f} MB); quick_check by default up to "
          f"{QUICK_CHECK_MAX_BYTES >> 20} MB")
    conn = sqlite3.connect(path)
    with Store(path, station="bench", operator="bench", migrate=False) as store:
        for name, fn in (("PRAGMA quick_check", lambda: conn.execute("PRAGMA quick_check").fetchall()),
                         ("PRAGMA integrity_check", lambda: conn.execute("PRAGMA integrity_check").fetchall()),
                         ("Store.totals", store.totals), ("Store.totals_by_unit", store.totals_by_unit)):
            first, second = timed(fn)
            print(f"{name:<24} {first:6.3f} s  (again {second:6.3f} s)")
    conn.close()
    config = c.config()
    for thorough in (False, True):
        first, second = timed(lambda: doctor(config, path, date.today(), thorough=thorough))
        print(f"doctor{' --grundig' if thorough else '':<18} {first:6.3f} s  (again {second:6.3f} s)")


if __name__ == "__main__":
    main()
