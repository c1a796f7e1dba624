"""Writers killed with SIGKILL at random moments while the others keep writing.

A writer prints each id only after ``Store.record`` returned: every printed id is a promise the
file must keep. The killed writers may have committed one row they had not printed yet, never
more; the survivors must keep writing after the kills (a killed writer's hot journal must not block
them) and their rows must match their output exactly. Bounded: a few seconds.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "deploy"))
from taelleuge_harness import (  # noqa: E402
    PYTHON, cli_env, integrity, kill_all, query, run_cli, wait_until, write_config,
)

HERE = Path(__file__).resolve().parent
WRITERS = 8
VICTIMS = 4

pytestmark = pytest.mark.slow


def printed(path: Path) -> list[str]:
    """Complete lines only: a line without its newline was never promised."""
    text = path.read_text()
    lines = text.split("\n")
    return [line for line in lines[:-1] if line]


def test_sigkilled_writers_lose_nothing_they_reported_and_the_rest_keep_writing(tmp_path):
    config = write_config(tmp_path / "config.toml")
    db = tmp_path / "kill.db"
    assert run_cli(["init"], cli_env(config, db)).returncode == 0
    stop = tmp_path / "stop"
    outputs = {f"w{i}": tmp_path / f"w{i}.out" for i in range(WRITERS)}
    procs: dict[str, subprocess.Popen] = {}
    seed = random.randrange(1 << 30)
    print(f"random seed: {seed}")  # shown by pytest when the test fails
    rng = random.Random(seed)
    try:
        for name, out in outputs.items():
            with out.open("w") as handle:
                procs[name] = subprocess.Popen(
                    [PYTHON, str(HERE / "writer.py"), "ids", str(config), str(db), name, str(stop)],
                    stdout=handle, stderr=subprocess.PIPE, text=True)

        def progressed(names, targets):
            dead = {n: procs[n].stderr.read()[-1500:] for n in names if procs[n].poll() is not None}
            assert not dead, f"writers died: {dead}"
            return all(len(printed(outputs[n])) >= targets[n] for n in names)

        wait_until(lambda: progressed(procs, dict.fromkeys(procs, 5)), 60,
                   "every writer to commit a few rows")
        victims = rng.sample(sorted(procs), VICTIMS)
        for name in victims:  # at a random moment: 1-40 more commits, then 0-5 ms into the next
            target = {name: len(printed(outputs[name])) + rng.randint(1, 40)}
            wait_until(lambda: progressed([name], target), 30, f"{name} to commit more")
            time.sleep(rng.uniform(0, 0.005))
            procs[name].send_signal(signal.SIGKILL)
            procs[name].wait(timeout=10)
        survivors = [n for n in procs if n not in victims]
        target = {n: len(printed(outputs[n])) + 20 for n in survivors}
        wait_until(lambda: progressed(survivors, target), 60,
                   "the survivors to keep writing after the kills")
        stop.touch()
        codes = {n: procs[n].wait(timeout=30) for n in survivors}
    finally:
        stop.touch()
        kill_all(p.pid for p in procs.values() if p.poll() is None)

    errors = {n: procs[n].stderr.read()[-2000:] for n in survivors if codes[n] != 0}
    assert codes == {n: 0 for n in survivors}, errors
    assert all(procs[n].returncode == -signal.SIGKILL for n in victims)

    in_file = {}
    for station, rid in query(db, "SELECT station, id FROM registrations"):
        in_file.setdefault(station, set()).add(rid)
    for name in survivors:
        assert in_file.get(name, set()) == set(printed(outputs[name])), name
    for name in victims:
        promised = set(printed(outputs[name]))
        assert promised <= in_file.get(name, set()), f"{name}: a reported row is missing"
        # At most the one row committed between COMMIT and the print that SIGKILL cut off.
        assert len(in_file.get(name, set()) - promised) <= 1, name
    assert set(in_file) == set(procs)
    assert integrity(db) == "ok"
    journal = db.with_name(db.name + "-journal")
    assert not journal.exists() or journal.stat().st_size == 0  # no transaction left half done
