"""Excel export at scale, three writers compared, and how long an export keeps a writer waiting.

Builds the database of ``bench/export_import.py`` (rows in ISO week 2026-W43, five units, a start
time on every row, one local question) for each size in ``--sizes`` (default 200,000 and
1,000,000), then, each in a fresh interpreter with its own wall time, CPU time and peak memory:

``stream``      the app: ``taelleuge eksport excel --uge 2026-W43 --ud FILE --stille`` (the cell
                XML cached per column and value, ``exports/xlsx_stream.py``)
``xlsxwriter``  the same rows (``exports.excel.row_values``) through xlsxwriter's constant-memory
                mode, one ``write_string``/``write_number``/``write_datetime`` per cell
``openpyxl``    the same rows through openpyxl's write-only mode (what the app used before)

``--writers`` picks them (``openpyxl`` at 1M rows takes minutes). Then the lock check: while the
app exports (Excel, and Landkort raw data), a writer in this process commits a trial row every
100 ms (``BEGIN IMMEDIATE`` … ``COMMIT``, ``busy_timeout`` 30 s) and records how long each commit
waited; the longest wait is the longest the export held the database. Targets: Excel export of
1M rows ≤ 30 s; longest lock ≤ 2 s.

    .venv/bin/pip install -e '.[bench]'     # xlsxwriter, for the comparison only
    .venv/bin/python bench/excel_export.py [--sizes 200000,1000000] [--writers stream,xlsxwriter,openpyxl]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import _common as c
from export_import import CONFIG

EXCEL_TARGET_S = 30.0
LOCK_TARGET_S = 2.0

PHASE = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
started = time.perf_counter()
{body}
seconds = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({{"seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime,
                  "maxrss_mb": usage.ru_maxrss / 1024, "rc": rc}}))
"""

APP = """
from tui.cli import main
rc = main({argv!r})
"""

# The other writers: same snapshot, same row values, one library call per cell.
LIBRARY = """
from datetime import datetime, timezone
from exports import excel
from storage.config import load
from storage.interface import Selection
from storage.sqlite.store import SqliteStore as Store
from storage.timeutil import local_range_bounds, parse_iso_week

config = load({config!r})
first, last = parse_iso_week("2026-W43")
start, end = local_range_bounds(first, last, config.zone)
with Store({db!r}, station="bench", operator="bench", migrate=False) as store:
    with store.snapshot(Selection(start, end)) as snap:
        columns, questions = excel.columns_of(config, snap)
        rows = excel.row_values(snap, config, questions)
        if {writer!r} == "xlsxwriter":
            import xlsxwriter
            wb = xlsxwriter.Workbook({out!r}, {{"constant_memory": True}})
            ws = wb.add_worksheet("Registreringer")
            fmt = wb.add_format({{"num_format": excel.DATE_FORMAT}})
            bold = wb.add_format({{"bold": True}})
            for i, (name, width) in enumerate(columns):
                ws.set_column(i, i, width)
                ws.write_string(0, i, name, bold)
            ws.freeze_panes(1, 0)
            put_s, put_n, put_d = ws.write_string, ws.write_number, ws.write_datetime
            r = 0
            for values in rows:
                r += 1
                for i, v in enumerate(values):
                    if v is None:
                        continue
                    if i < 2:
                        put_d(r, i, v, fmt)
                    elif isinstance(v, int):
                        put_n(r, i, v)
                    else:
                        put_s(r, i, v)
            ws.autofilter(0, 0, r, len(columns) - 1)
            wb.close()
        else:
            from openpyxl import Workbook
            from openpyxl.cell import WriteOnlyCell
            wb = Workbook(write_only=True)
            ws = wb.create_sheet("Registreringer")
            ws.freeze_panes = "A2"
            ws.append([name for name, _ in columns])
            d0, d1 = WriteOnlyCell(ws), WriteOnlyCell(ws)
            d0.number_format = d1.number_format = excel.DATE_FORMAT
            for values in rows:
                d0.value = values[0]
                if values[1] is not None:
                    d1.value = values[1]
                    values[1] = d1
                values[0] = d0
                ws.append(values)
            wb.save({out!r})
rc = 0
"""


def phase(body: str, env: dict[str, str]) -> dict:
    code = PHASE.format(root=str(c.ROOT), body=body)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          cwd=c.ROOT)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"phase failed:\n{done.stdout}\n{done.stderr}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    if figures["rc"] != 0:
        raise SystemExit(f"the command exited {figures['rc']}:\n{done.stdout}\n{done.stderr}")
    figures["wall"] = wall
    return figures


class WaitingWriter(threading.Thread):
    """Commits a trial row (outside the exported week) every ``interval`` seconds and records
    how long each ``BEGIN IMMEDIATE … COMMIT`` took."""

    def __init__(self, db: Path, interval: float = 0.1):
        super().__init__(daemon=True)
        self.db, self.interval = db, interval
        self.waits: list[float] = []
        self.errors: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        conn = sqlite3.connect(self.db, isolation_level=None, timeout=30)
        conn.execute("PRAGMA busy_timeout = 30000")
        i = 0
        while not self.stop.is_set():
            i += 1
            started = time.perf_counter()
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute(c.INSERT, c.stored_row(
                    id=f"bench-writer-{os.getpid()}-{i}-{time.time_ns()}", kommune_nr="999",
                    kommune_navn="Eksempelby", enhed="999borgerservice", opgave="23.05.10",
                    kanal="PRSNLG", type="OPRET", afslutning="STRAKS", blanket="NEJ",
                    end_utc="2026-12-01T10:00:00.000000Z", date_only=0, datakilde="Taelleuge",
                    station="bench", operator="bench", answers="{}", trial=1,
                    created_utc="2026-12-01T10:00:00.000000Z"))
                conn.execute("COMMIT")
            except sqlite3.Error as error:
                self.errors.append(str(error))
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
            self.waits.append(time.perf_counter() - started)
            self.stop.wait(self.interval)
        conn.close()


def with_writer(db: Path, body: str, env: dict[str, str]) -> tuple[dict, WaitingWriter]:
    writer = WaitingWriter(db)
    writer.start()
    time.sleep(0.3)
    try:
        figures = phase(body, env)
    finally:
        writer.stop.set()
        writer.join()
    return figures, writer


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="200000,1000000")
    ap.add_argument("--writers", default="stream,xlsxwriter,openpyxl")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    writers = [w.strip() for w in args.writers.split(",")]
    c.header("Excel export at scale, and the longest lock an export holds (bench/excel_export.py)")
    folder = Path(tempfile.mkdtemp(prefix="taelleuge-bench-excel-"))
    config = folder / "config.toml"
    config.write_text(CONFIG, "utf-8")
    try:
        print("| rows | writer | time (s) | CPU (s) | wall incl. start-up (s) | peak RSS (MB) "
              "| file (MB) | ratio to stream |")
        print("|---|---|---|---|---|---|---|---|")
        results: dict[tuple[int, str], dict] = {}
        for size in sizes:
            db = folder / f"week-{size}.db"
            # Built in a child, so this process stays small: a child started from it inherits
            # its peak RSS in ru_maxrss.
            subprocess.run([sys.executable, str(Path(__file__).with_name("export_import.py")),
                            "--build", str(db), "--rows", str(size)], check=True,
                           capture_output=True)
            env = {**os.environ, "TAELLEUGE_CONFIG": str(config), "TAELLEUGE_DB": str(db),
                   "TAELLEUGE_OPERATOR": "bench", "TAELLEUGE_STATION": "bench"}
            for writer in writers:
                out = folder / f"{writer}-{size}.xlsx"
                if writer == "stream":
                    body = APP.format(argv=["eksport", "excel", "--uge", "2026-W43", "--ud",
                                            str(out), "--stille"])
                else:
                    body = LIBRARY.format(config=str(config), db=str(db), out=str(out),
                                          writer=writer)
                f = results[size, writer] = phase(body, env)
                f["mb"] = out.stat().st_size / 1e6
                base = results.get((size, "stream"))
                ratio = f"{f['seconds'] / base['seconds']:.2f}" if base else "-"
                print(f"| {size:,} | {writer} | {f['seconds']:.2f} | {f['cpu']:.2f} | "
                      f"{f['wall']:.2f} | {f['maxrss_mb']:.0f} | {f['mb']:.1f} | {ratio} |",
                      flush=True)
                out.unlink()
        print()
        size = max(sizes)
        db = folder / f"week-{size}.db"
        env = {**os.environ, "TAELLEUGE_CONFIG": str(config), "TAELLEUGE_DB": str(db),
               "TAELLEUGE_OPERATOR": "bench", "TAELLEUGE_STATION": "bench"}
        print(f"lock check on {size:,} rows (a writer commits every 100 ms during the export):")
        print("| export | time (s) | commits | longest commit wait (s) | errors | target |")
        print("|---|---|---|---|---|---|")
        worst = 0.0
        for label, argv in (
            ("eksport excel", ["eksport", "excel", "--uge", "2026-W43", "--ud",
                               str(folder / "lock.xlsx"), "--stille"]),
            ("eksport landkort raadata", ["eksport", "landkort", "--uge", "2026-W43", "--format",
                                          "raadata", "--ud", str(folder / "lock.csv"), "--stille"]),
        ):
            f, writer = with_writer(db, APP.format(argv=argv), env)
            longest = max(writer.waits) if writer.waits else 0.0
            worst = max(worst, longest)
            print(f"| {label} | {f['seconds']:.2f} | {len(writer.waits)} | {longest:.2f} | "
                  f"{len(writer.errors)} | ≤ {LOCK_TARGET_S:.0f} s |", flush=True)
        print()
        excel_1m = results.get((size, "stream"))
        ok_time = excel_1m is not None and excel_1m["seconds"] <= EXCEL_TARGET_S
        print(f"Excel export of {size:,} rows: {excel_1m['seconds']:.2f} s (target ≤ "
              f"{EXCEL_TARGET_S:.0f} s): {'OK' if ok_time else 'OVER TARGET'}" if excel_1m else "")
        print(f"longest lock held by an export: {worst:.2f} s (target ≤ {LOCK_TARGET_S:.0f} s): "
              f"{'OK' if worst <= LOCK_TARGET_S else 'OVER TARGET'}")
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        if args.keep:
            print(f"kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
