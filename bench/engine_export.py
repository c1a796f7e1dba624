"""The Landkort raw-data export of 1M rows from PostgreSQL against SQLite, in the same run.

The 1M-row file of bench/totals.py (``totals.cached``) is the SQLite side; its rows are copied
into a durable PostgreSQL server with storage.move (then VACUUM ANALYZE). Each round exports the
whole period from each engine, order alternating: ``Store.snapshot`` → ``exports.landkort.write``
(raadata, ISO-8859-1) into a file in a temporary directory. The two files' SHA-256 must match
(same rows, same bytes). Target (issue 10): PostgreSQL ≤ 1.2× SQLite's time.

    .venv/bin/python bench/engine_export.py [--rows 1000000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import _common as c
import _pg
import totals
from storage.interface import Selection
from storage.open import open_store

TARGET = 1.2
EVERYTHING = Selection("0000-01-01T00:00:00.000000Z", "9999-12-31T23:59:59.999999Z")


def export(location, out: Path, cfg) -> tuple[float, int, str]:
    from exports import landkort

    t = time.perf_counter()
    with open_store(location, station="bench", operator="bench") as store, \
            store.snapshot(EVERYTHING) as snap, open(out, "wb") as f:
        written = landkort.write(snap, cfg, "raadata", "iso-8859-1", f.write)
    return time.perf_counter() - t, written.rows, written.sha256


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    c.header(f"engine_export: Landkort raadata of {args.rows:,} rows, PostgreSQL vs SQLite")
    cfg = c.config()
    source = totals.cached(args.rows)
    srv = _pg.server()
    times: dict[str, list[float]] = {"sqlite": [], "postgresql": []}
    hashes: dict[str, set] = {"sqlite": set(), "postgresql": set()}
    try:
        print(_pg.settings_line(srv.url()))
        url = _pg.loaded(srv, "export", source)
        with tempfile.TemporaryDirectory(prefix="taelleuge-bench-eexport-") as tmp:
            for i in range(args.rounds):
                order = [("sqlite", source), ("postgresql", url)]
                for engine, location in (order if i % 2 == 0 else order[::-1]):
                    seconds, rows, sha = export(location, Path(tmp) / f"{engine}.csv", cfg)
                    times[engine].append(seconds)
                    hashes[engine].add(sha)
                    print(f"round {i + 1} {engine:<10}: {seconds:6.2f} s, {rows:,} rows, sha256 {sha[:16]}…")
    finally:
        srv.destroy()
    s, p = c.median(times["sqlite"]), c.median(times["postgresql"])
    same = hashes["sqlite"] == hashes["postgresql"] and len(hashes["sqlite"]) == 1
    print(f"median SQLite {s:.2f} s, PostgreSQL {p:.2f} s: PostgreSQL ÷ SQLite = {p / s:.2f}× "
          f"(target ≤ {TARGET}×: {'PASS' if p / s <= TARGET else 'FAIL'}); same bytes: {'yes' if same else 'NO'}")
    print("result: " + ("PASS" if p / s <= TARGET and same else "FAIL"))


if __name__ == "__main__":
    main()
