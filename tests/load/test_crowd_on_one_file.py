"""Twenty kiosks driven with Pilot and twenty CLI writers on ONE database file, all at once.

Each process reports what it was told is saved; the file must hold exactly that, per station and in
total, and every process must exit 0 (a "database is locked" anywhere fails the test). Bounded:
the writers run for a few seconds each (about 15 s wall on a 2-core machine).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "deploy"))
from taelleuge_harness import ACCOUNT, PYTHON, cli_env, integrity, kill_all, query, run_cli, write_config  # noqa: E402

HERE = Path(__file__).resolve().parent
KIOSKS = 20
CLI_WRITERS = 10  # the real `python -m tui registrer`, run again and again
STORE_WRITERS = 10  # Store.record loops in their own processes
KIOSK_SECONDS = 2  # after each app has started
WRITER_SECONDS = 5

pytestmark = pytest.mark.slow


def test_twenty_pilot_kiosks_and_twenty_cli_writers_lose_nothing(tmp_path):
    config = write_config(tmp_path / "config.toml")
    db = tmp_path / "crowd.db"
    init = run_cli(["init"], cli_env(config, db))
    assert init.returncode == 0, init.stderr

    commands = {f"kiosk{i}": [PYTHON, str(HERE / "pilot_kiosk.py"), str(config), str(db), f"kiosk{i}",
                              str(KIOSK_SECONDS)] for i in range(KIOSKS)}
    commands |= {f"cli{i}": [PYTHON, str(HERE / "writer.py"), "cli", str(config), str(db), f"cli{i}",
                             str(WRITER_SECONDS)] for i in range(CLI_WRITERS)}
    commands |= {f"store{i}": [PYTHON, str(HERE / "writer.py"), "store", str(config), str(db),
                               f"store{i}", str(WRITER_SECONDS)] for i in range(STORE_WRITERS)}
    procs = {}
    try:
        for name, command in commands.items():
            procs[name] = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                           text=True, cwd=tmp_path)
        results = {name: (p.communicate(timeout=180), p.returncode) for name, p in procs.items()}
    finally:
        kill_all(p.pid for p in procs.values() if p.poll() is None)

    failures = {name: (rc, err[-3000:]) for name, ((out, err), rc) in results.items() if rc != 0}
    assert failures == {}, f"processes that did not exit 0: {failures}"
    reported = {}
    for name, ((out, _), _) in results.items():
        report = json.loads(out.strip().splitlines()[-1])
        assert report["station"] == name and report["problems"] == []
        reported[name] = report["saved"]

    # Per station: nothing lost, nothing extra, nobody else's rows. The CLI writers share the
    # command line's station (cli:host, no terminal here), so they are counted together.
    in_file = dict(query(db, "SELECT CASE WHEN station LIKE 'cli:%' THEN 'cli' ELSE station END, "
                             "count(*) FROM registrations GROUP BY 1"))
    expected = {name: n for name, n in reported.items() if not name.startswith("cli")}
    expected["cli"] = sum(n for name, n in reported.items() if name.startswith("cli"))
    assert in_file == expected
    assert sum(in_file.values()) == sum(reported.values())
    assert all(n > 0 for n in reported.values()), reported  # every process got its writes in
    assert integrity(db) == "ok"
    # The kiosk rows carry the kiosk's identity and unit; the CLI rows the OS account running it.
    kinds = set(query(db, "SELECT substr(station, 1, 3), operator, enhed FROM registrations"))
    assert kinds == {("kio", "pilot", "999borgerservice"), ("cli", ACCOUNT, "999borgerservice"),
                     ("sto", "store", "999borgerservice")}
