"""The coordinator's full report at scale: Table 1, every workbook sheet and the quadrant PNG.

Builds a migrated file with ``--rows`` registrations (default 1,000,000) over three ISO weeks
(2025-W43..W45, across the October clock change), filled with one ``executemany`` in one
transaction: 40 tasks with skewed volumes (some counted in one or two of the weeks only), staff
channels plus imported self-service rows (``SLVBTJN``, half of them without a type; they point to
one import per week, as a municipality imports its weekly extracts), a start
time on staff rows (handling time), STRAKS and HOLD, a per-task self-service share so the tasks
spread over the quadrant, 2 % trial rows and 1 % voided rows. The config has every report
setting: a unit that counts one of the three weeks only, responsible roles, a department and a
channel policy, so every new measure runs.

Then runs ``taelleuge rapport --uge 2025-W43,2025-W44,2025-W45 --ud DIR`` ``--runs`` times, each in
a fresh interpreter (start-up and imports included in the wall time), with the child's own peak
RSS and CPU seconds (``resource.getrusage(RUSAGE_SELF)`` at its end); the same with
``--sammenlign 2025-W43``; then an in-process breakdown (SQL, frames, each file). Targets: ≤ 5 s
and ≤ 800 MB. The file is built in a child process too: a forked child inherits its parent's peak
RSS in ``ru_maxrss``, so the parent must stay small.

The generated file is cached in /tmp/taelleuge-bench-cache/, keyed by the row count, the generator
version and the number of migrations (``--clean`` removes it).

    .venv/bin/python bench/report.py [--rows 1000000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import _common as c
from storage.sqlite.schema import MIGRATION_NAMES
from storage.sqlite.store import SqliteStore as Store

# The Store's INSERT (storage.model's column list, import_id included; seq assigned per row).
from storage.sqlite.store import INSERT as _INSERT_WITH_IMPORT  # noqa: E402

CACHE = Path(tempfile.gettempdir()) / "taelleuge-bench-cache"
GENERATOR_VERSION = 3
WEEKS = "2025-W43,2025-W44,2025-W45"
FIRST_DAY = date(2025, 10, 20)  # Monday of 2025-W43; clocks go back on Sunday 26 October
ZONE = ZoneInfo("Europe/Copenhagen")
TARGET_S, TARGET_MB = 5.0, 800

TASKS = [
    ("23.05.10", "Flytning"), ("23.09.02", "Pas"), ("23.09.04", "Kørekort"),
    ("29.03.04", "Sundhedskort"), ("29.03.99", "EU-sygesikringskort"), ("29.03.12", "Valg af læge"),
    ("23.05.12", "Indrejse/udrejse"), ("23.05.05", "Navne- og adressebeskyttelse"),
    ("23.01.00", "Vielse/partnerskab"), ("32.42.08", "Begravelseshjælp"),
    ("17.20.01", "Skoleindskrivning"), ("28.09.40", "Optagelse i dagtilbud"),
    ("09.13.00", "Skadedyr (rotter)"), ("07.18.00", "Affald"), ("32.06.04", "Boligydelse"),
    ("32.06.08", "Boligsikring"), ("32.03.04", "Folkepension"), ("25.10.00", "Skat, person"),
    ("02.00.20", "BBR"), ("32.03.08", "Opsat pension"), ("32.03.10", "Varmetillæg"),
    ("32.03.12", "Personligt tillæg"), ("32.03.16", "Førtidspension"), ("32.09.00", "Børnetilskud"),
    ("32.12.00", "Børne- og ungeydelse"), ("32.15.00", "Underholdsbidrag"),
    ("32.21.00", "Enkeltydelse"), ("32.24.04", "Kontanthjælp"), ("32.30.04", "Sygedagpenge"),
    ("25.02.09", "Lån til ejendomsskat"), ("17.13.10", "SFO"), ("18.15.12", "Lån af lokaler"),
    ("27.60.00", "Hjælpemidler"), ("27.60.04", "Kropsbårne hjælpemidler"),
    ("28.09.44", "Tilskud til dagtilbud"), ("82.16.00", "Udleje af lokaler"),
    ("32.18.04", "Merudgifter børn"), ("02.34.02", "Byggetilladelse"),
    ("32.30.08", "Barselsdagpenge"), ("32.30.12", "Dagpenge ved syge børn"),
]
UNITS = ["999borgerservice", "999telefon", "999ydelse"]
STAFF_CHANNELS = [("PRSNLG", 30), ("TLFIND", 30), ("TLFUD", 8), ("EMLIND", 12), ("EMLUD", 6),
                  ("DOCIND", 6), ("DOKUD", 3), ("PPRIND", 3), ("PPRUD", 1), ("SMSIND", 1)]
TYPES = [("OPRET", 30), ("STATUS", 25), ("INFO", 20), ("VEJL", 15), ("SLVBTJN", 5), ("FEJL", 5)]


def config_text() -> str:
    channels = ", ".join(f'"{k}"' for k, _ in STAFF_CHANNELS)
    # 26 tasks and a group of 9: a level has at most 27 keys (1-9 and the letters no type uses).
    tasks = ",\n".join([f'  {{ kle = "{k}", navn = "{n}" }}' for k, n in TASKS[:26]] + [
        '  { gruppe = "Øvrige", opgaver = [' + ", ".join(
            f'{{ kle = "{k}", navn = "{n}" }}' for k, n in TASKS[26:35]) + "] }"])
    extra = {UNITS[0]: 'ansvarlig = "Teamleder, Borgerservice"\n',
             UNITS[2]: 'taelleuger = ["Uge 44"]\nansvarlig = "Afdelingsleder, Ydelser"\n'}
    units = "\n".join(
        f'[[enhed]]\nkode = "{u}"\nnavn = "{u}"\nkanal = "PRSNLG"\nkanaler = [{channels}]\n'
        f"opgaver = [\n{tasks}\n]\n{extra.get(u, '')}" for u in UNITS)
    units += (f'\n[[afdeling]]\nnavn = "Borgerservice"\nenheder = ["{UNITS[0]}", "{UNITS[1]}"]\n'
              '\n[[kanalpolitik]]\ntypeklasse = "transaktion"\nprimaer = ["SLVBTJN"]\n'
              'sekundaer = ["TLFIND", "EMLIND", "DOCIND"]\nuoensket = ["PRSNLG", "PPRIND"]\n'
              '\n[[kanalpolitik]]\ntype = "STATUS"\nprimaer = ["SLVBTJN", "TLFIND"]\n'
              'uoensket = ["PPRIND"]\n')
    prices = "\n".join(
        f'[[pris]]\nkanal = "{k}"\ntransaktion = {t}\ninformation = {i}\n'
        for k, t, i in [("PRSNLG", 95, 80), ("TLFIND", 55, 45), ("PPRIND", 90, 70),
                        ("EMLIND", 40, 35), ("DOCIND", 35, 30), ("SLVBTJN", 20, 20)])
    return (f'kommunenummer = 999\nkommunenavn = "Benchby"\ntidszone = "{ZONE.key}"\n\n{units}\n'
            '[[taelleuge]]\nnavn = "Uge 43"\nfra = 2025-10-20\ntil = 2025-10-26\n\n'
            '[[taelleuge]]\nnavn = "Uge 44"\nfra = 2025-10-27\ntil = 2025-11-02\n\n'
            '[[taelleuge]]\nnavn = "Uge 45"\nfra = 2025-11-03\ntil = 2025-11-09\n\n' + prices)


def build(path: Path, rows: int, seed: int = 20251020) -> dict:
    import numpy as np

    rng = np.random.default_rng(seed)
    Store(path, station="setup", operator="bench").close()  # schema through the migrations
    n_tasks = len(TASKS)
    popularity = 1 / np.arange(1, n_tasks + 1) ** 0.9
    task = rng.choice(n_tasks, size=rows, p=popularity / popularity.sum())
    # Some tasks are counted in one or two of the three weeks only: their factor is 52 or 26.
    weeks_of_task = np.where(np.arange(n_tasks) % 7 == 3, 1, np.where(np.arange(n_tasks) % 5 == 4, 2, 3))
    week = rng.integers(0, 3, size=rows) % weeks_of_task[task]
    day = week * 7 + rng.integers(0, 7, size=rows)
    local_seconds = rng.integers(7 * 3600, 19 * 3600, size=rows)
    offsets = np.array([
        int(datetime.combine(FIRST_DAY + timedelta(days=d), datetime.min.time(), ZONE)
            .replace(hour=12).utcoffset().total_seconds()) for d in range(21)])
    epoch0 = int(np.datetime64(FIRST_DAY.isoformat(), "s").astype("int64"))  # UTC midnight
    utc = epoch0 + day * 86400 + local_seconds - offsets[day]
    micro = rng.integers(0, 1_000_000, size=rows)
    order = np.argsort(utc, kind="stable")
    task, utc, micro, day = task[order], utc[order], micro[order], day[order]
    stamps = np.datetime_as_string(utc.astype("datetime64[s]") + micro.astype("timedelta64[us]"),
                                   unit="us")
    # Channel: a task's self-service share decides how many of its rows are SLVBTJN imports.
    share = rng.uniform(0.0, 0.95, size=n_tasks)
    self_service = rng.random(rows) < share[task] * 0.9
    k_names, k_w = zip(*STAFF_CHANNELS)
    channel = np.array(k_names)[rng.choice(len(k_names), size=rows, p=np.array(k_w) / sum(k_w))]
    t_names, t_w = zip(*TYPES)
    typ = np.array(t_names, dtype=object)[rng.choice(len(t_names), size=rows,
                                                     p=np.array(t_w) / sum(t_w))]
    channel = np.where(self_service, "SLVBTJN", channel)
    typ = np.where(self_service, np.where(rng.random(rows) < 0.5, None, "OPRET"), typ)
    unit = np.array(UNITS)[rng.integers(0, len(UNITS), size=rows)]
    unit = np.where(self_service, "", unit)
    trial = (rng.random(rows) < 0.02).astype(int)
    kle = np.array([k for k, _ in TASKS])[task]
    closing = np.where(rng.random(rows) < 0.8, "STRAKS", "HOLD")
    handling = rng.integers(5, 900, size=rows)
    starts = np.datetime_as_string(utc.astype("datetime64[s]") - handling.astype("timedelta64[s]")
                                   + micro.astype("timedelta64[us]"), unit="us")
    has_start = (unit != "") & (rng.random(rows) < 0.7)
    # Imported self-service rows: one import per week (the weekly extracts).
    import_of = np.where(unit == "", np.array(["imp-43", "imp-44", "imp-45"])[day // 7], "")
    data = [
        (f"00000000-0000-4000-8000-{i:012d}", "999", "Benchby", u, o, k, t,
         a if u else None, "NEJ" if u else None, (st + "Z") if hs else None, s + "Z", 0,
         "Taelleuge" if u else "Import", "bench", "bench", "{}", int(tr), None, None, s + "Z",
         imp or None)
        for i, (u, o, k, t, s, tr, a, st, hs, imp) in enumerate(zip(
            unit.tolist(), kle.tolist(), channel.tolist(), typ.tolist(), stamps.tolist(),
            trial.tolist(), closing.tolist(), starts.tolist(), has_start.tolist(),
            import_of.tolist()))
    ]
    voided = [data[i][0] for i in sorted(rng.choice(rows, size=rows // 100, replace=False).tolist())]
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -1000000")
    conn.execute("BEGIN IMMEDIATE")
    for ident in ("imp-43", "imp-44", "imp-45"):
        conn.execute(
            "INSERT INTO imports (id, sha256, content_sha256, file_name, layout, encoding, "
            "row_count, datakilde, station, operator, created_utc) VALUES (?, ?, ?, ?, 'raadata', "
            "'iso-8859-1', 1, 'Import', 'bench', 'bench', '2025-11-10T10:00:00.000000Z')",
            (ident, f"sha-{ident}", f"content-{ident}", f"{ident}.csv"))
    conn.executemany(_INSERT_WITH_IMPORT, data)
    conn.execute("COMMIT")
    conn.close()
    # Voids through the Store, so they carry whatever the schema asks of a void (m003's facts).
    with Store(path, station="bench", operator="bench", migrate=False) as store:
        store.void(voided, "FORTRUDT")
    return {"rows": len(data), "voids": len(voided), "self_service": int(self_service.sum())}


# What `python -m tui rapport …` does, plus the child's own peak RSS and CPU time on stderr.
PROBE = """\
import json, resource, sys
from tui.cli import main
code = main(sys.argv[1:])
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"rc": code, "maxrss_mb": usage.ru_maxrss / 1024,
                  "cpu_s": usage.ru_utime + usage.ru_stime}), file=sys.stderr)
"""


def run_report(db: Path, cfg: Path, extra: list[str]) -> tuple[float, dict]:
    """One report in a fresh interpreter: wall time as the coordinator waits for it (start-up
    and imports included), and the child's peak RSS and CPU seconds."""
    out = Path(tempfile.mkdtemp(prefix="taelleuge-bench-report-"))
    env = {**os.environ, "TAELLEUGE_DB": str(db), "TAELLEUGE_CONFIG": str(cfg),
           "TAELLEUGE_OPERATOR": "bench", "TAELLEUGE_STATION": "bench"}
    cmd = [sys.executable, "-c", PROBE, "rapport", "--uge", WEEKS, "--ud", str(out / "rapport"),
           *extra]
    t = time.perf_counter()
    done = subprocess.run(cmd, cwd=c.ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    files = sorted(p.name for p in (out / "rapport").iterdir()) if (out / "rapport").exists() else []
    shutil.rmtree(out, ignore_errors=True)
    if done.returncode != 0 or files != ["kvadrant.png", "rapport.xlsx", "tabel1.csv"]:
        sys.exit(f"report failed ({done.returncode}, files {files}):\n{done.stdout}\n{done.stderr}")
    return elapsed, json.loads(done.stderr.strip().splitlines()[-1])


def breakdown(db: Path, cfg_path: Path) -> list[str]:
    """The same work in-process, phase by phase (imports already paid)."""
    from exports.analysis import build_report
    from exports.analysis_data import weeks_selection
    from exports.report_files import write_report
    from storage.config import load
    from storage.open import open_store

    cfg = load(cfg_path)
    out = Path(tempfile.mkdtemp(prefix="taelleuge-bench-report-"))
    try:
        store = open_store(db, station="bench", operator="bench", migrate=False)
        t0 = time.perf_counter()
        report = build_report(store, cfg, weeks_selection(WEEKS))
        t1 = time.perf_counter()
        timings = write_report(report, out / "rapport", overwrite=False)
        t2 = time.perf_counter()
        store.close()
    finally:
        shutil.rmtree(out, ignore_errors=True)
    lines = [f"- SQL aggregate + frames: {t1 - t0:.2f} s "
             f"({len(report.table1)} tasks; quadrants "
             f"{report.table1['Kvadrant'].value_counts().sort_index().to_dict()})",
             f"- files: {t2 - t1:.2f} s ("
             + ", ".join(f"{name} {sec:.2f} s" for name, sec in timings.items()) + ")"]
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--clean", action="store_true", help="remove the cached files and exit")
    ap.add_argument("--build", metavar="FILE", help=argparse.SUPPRESS)  # internal: the child
    args = ap.parse_args()
    if args.build:
        print(json.dumps(build(Path(args.build), args.rows)))
        return
    CACHE.mkdir(exist_ok=True)
    db = CACHE / f"report-{args.rows}-v{GENERATOR_VERSION}-m{len(MIGRATION_NAMES)}.db"
    cfg = CACHE / f"report-v{GENERATOR_VERSION}.toml"
    if args.clean:
        gone = sorted(CACHE.glob("report-*"))
        for p in gone:
            p.unlink(missing_ok=True)
        print(f"removed {', '.join(p.name for p in gone) or 'nothing'} from {CACHE}")
        return
    c.header(f"report: taelleuge rapport on {args.rows:,} registrations over 3 weeks")
    cfg.write_text(config_text(), "utf-8")
    if db.exists():
        print(f"using cached file {db} ({db.stat().st_size / 1e6:.0f} MB); --clean removes it")
    else:
        t = time.perf_counter()
        building = db.with_suffix(".building")
        for p in (building, Path(f"{building}-journal"), Path(f"{building}-wal"),
                  Path(f"{building}-shm")):
            p.unlink(missing_ok=True)
        # In a child of its own: the parent stays small, so the children's peak RSS is theirs.
        built = subprocess.run([sys.executable, __file__, "--build", str(building),
                                "--rows", str(args.rows)], capture_output=True, text=True)
        if built.returncode != 0:
            sys.exit(f"building failed:\n{built.stderr}")
        info = json.loads(built.stdout)
        os.replace(building, db)
        print(f"built {db} in {time.perf_counter() - t:.0f} s: {info['rows']:,} rows, "
              f"{info['voids']:,} voids, {info['self_service']:,} self-service rows "
              f"({db.stat().st_size / 1e6:.0f} MB)")
    print()
    for label, extra in (("rapport --uge 2025-W43,2025-W44,2025-W45 --ud DIR", []),
                         ("the same with --sammenlign 2025-W43", ["--sammenlign", "2025-W43"])):
        times, peaks, cpu = [], [], []
        for _ in range(args.runs):
            elapsed, usage = run_report(db, cfg, extra)
            times.append(elapsed)
            peaks.append(usage["maxrss_mb"])
            cpu.append(usage["cpu_s"])
        ok = max(times) <= TARGET_S and max(peaks) <= TARGET_MB
        print(f"{label}:")
        print(f"  wall {', '.join(f'{x:.2f}' for x in times)} s (median "
              f"{statistics.median(times):.2f} s, target ≤ {TARGET_S:.0f} s); CPU "
              f"{', '.join(f'{x:.2f}' for x in cpu)} s; peak RSS {max(peaks):.0f} MB "
              f"(target ≤ {TARGET_MB} MB): {'OK' if ok else 'OVER TARGET'}")
    print()
    print("in-process breakdown (one run, imports already loaded):")
    print("\n".join(breakdown(db, cfg)))


if __name__ == "__main__":
    main()
