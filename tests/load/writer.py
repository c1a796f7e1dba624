"""Helper process (not a test): a writer that reports exactly what it was told is saved.

    python tests/load/writer.py cli   CONFIG DB STATION SECONDS
        runs the real CLI (``python -m tui registrer …``) again and again for SECONDS; counts each
        run that exited 0 and printed "Gemt:". Prints one JSON line {"saved": n, "problems": [...]}.
    python tests/load/writer.py store CONFIG DB STATION SECONDS
        ``Store.record`` in this process, one entry every 0-20 ms, for SECONDS; same JSON line.
    python tests/load/writer.py ids   CONFIG DB STATION STOPFILE
        ``Store.record`` in a loop (0-10 ms pause) until STOPFILE exists; prints each committed id on
        its own line, flushed, AFTER ``record`` returned (so a printed id is a promise). Exit 0 on
        STOPFILE.

Exit code 0 only if every write it attempted succeeded.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from storage.config import load  # noqa: E402
from storage.registration import new_entry  # noqa: E402
from storage.sqlite.store import SqliteStore as Store  # noqa: E402
from storage.timeutil import system_clock  # noqa: E402

UNIT = "999borgerservice"


def entry(config):
    return new_entry(config, enhed=UNIT, opgave="23.09.02", kanal="TLFIND", type="INFO",
                     end=system_clock())


def run_cli(config_path: str, db: str, station: str, seconds: float) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAELLEUGE_")}
    # The CLI's station is its own (cli:host:tty) and its operator the OS account: ``station``
    # only names this writer in its report.
    env.update(TAELLEUGE_CONFIG=config_path, TAELLEUGE_DB=db, PYTHONPATH=str(REPO))
    command = [sys.executable, "-m", "tui", "registrer", "--enhed", UNIT, "--opgave", "23.05.10",
               "--kanal", "PRSNLG", "--type", "OPRET"]
    saved, problems = 0, []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        if done.returncode == 0 and done.stdout.startswith("Gemt:"):
            saved += 1
        else:
            problems.append(f"exit {done.returncode}: {done.stderr.strip()[-300:]}")
    return {"station": station, "saved": saved, "problems": problems}


def run_store(config_path: str, db: str, station: str, seconds: float) -> dict:
    config = load(config_path)
    saved, problems = 0, []
    with Store(db, station=station, operator="store", create=False) as store:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                store.record(entry(config))
            except Exception as error:  # noqa: BLE001 - reported, and the exit code says so
                problems.append(f"{type(error).__name__}: {error}")
            else:
                saved += 1
            time.sleep(random.uniform(0, 0.02))
    return {"station": station, "saved": saved, "problems": problems}


def run_ids(config_path: str, db: str, station: str, stopfile: str) -> int:
    config = load(config_path)
    stop = Path(stopfile)
    with Store(db, station=station, operator="ids", create=False) as store:
        while not stop.exists():
            e = entry(config)
            store.record(e)  # an exception ends the process with exit 1: the test sees it
            sys.stdout.write(e.ids[0] + "\n")
            sys.stdout.flush()
            # A short random pause: still hundreds of commits a second from eight writers, but not
            # a tight loop, in which SQLite's sleeping busy handler lets one writer starve past the
            # 10 s busy_timeout (that is a benchmark question, see bench/kiosk_load.py).
            time.sleep(random.uniform(0, 0.01))
    return 0


def main() -> int:
    mode, config_path, db, station, last = sys.argv[1:6]
    if mode == "ids":
        return run_ids(config_path, db, station, last)
    result = (run_cli if mode == "cli" else run_store)(config_path, db, station, float(last))
    print(json.dumps(result), flush=True)
    return 0 if not result["problems"] else 1


if __name__ == "__main__":
    sys.exit(main())
