"""Cold start of a kiosk process to its first interactive frame, its peak memory and its modules.

Spawns a fresh interpreter per run that builds the app exactly as ``taelleuge kiosk`` does and runs
it with the headless driver; an auto-pilot waits until the registration screen has its live panel
(the first frame a user can act on), then reports the time since the parent spawned it, the
child's peak RSS, and whether pandas, numpy, matplotlib or sqlite_utils were ever imported.
A bare Textual app is measured the same way in the same run for comparison.

Targets (issue 3): ≤ 0.5 s and ≤ 60 MB, without pandas/numpy/matplotlib.

    .venv/bin/python bench/kiosk_startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import _common as c

KIOSK = r'''
import json, resource, sys, time
t_spawn = float(sys.argv[1])
from storage import settings
from storage.sqlite.store import SqliteStore as Store
from storage.timeutil import system_clock
from tui.kiosk_main import choose_unit
from tui.app import make_app
from tui.screens.register import RegisterScreen
from datetime import date
config = settings.demo_config(date.today())
store = Store(sys.argv[2], station="bench", operator="bench")
app = make_app(config, store, clock=system_clock, enhed=choose_unit("999borgerservice", config))
result = {}
async def probe(pilot):
    while not (isinstance(app.screen, RegisterScreen) and app.screen.panel is not None):
        await pilot.pause(0.001)
    await pilot.pause()
    result["seconds"] = time.time() - t_spawn
    app.exit()
app.run(headless=True, size=(80, 24), auto_pilot=probe)
result["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
result["modules"] = sorted({m.split(".")[0] for m in sys.modules} & {"pandas", "numpy", "matplotlib", "sqlite_utils"})
print(json.dumps(result))
'''

BARE = r'''
import json, resource, sys, time
t_spawn = float(sys.argv[1])
from textual.app import App
from textual.widgets import Static
class Bare(App):
    def compose(self):
        yield Static("hej")
result = {}
async def probe(pilot):
    await pilot.pause()
    result["seconds"] = time.time() - t_spawn
    app.exit()
app = Bare()
app.run(headless=True, size=(80, 24), auto_pilot=probe)
result["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
result["modules"] = sorted({m.split(".")[0] for m in sys.modules} & {"pandas", "numpy", "matplotlib", "sqlite_utils"})
print(json.dumps(result))
'''


def run(code: str, db: str) -> dict:
    env = dict(os.environ, TEXTUAL_ANIMATIONS="none")
    t = time.time()
    out = subprocess.run([sys.executable, "-c", code, repr(t), db], cwd=c.ROOT, env=env,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    c.header("kiosk: cold start to first interactive frame, peak memory, loaded modules")
    with tempfile.TemporaryDirectory(prefix="taelleuge-bench-start-") as tmp:
        db = os.path.join(tmp, "start.db")
        run(KIOSK, db)  # creates and migrates the file; also warms the OS file cache
        kiosk = [run(KIOSK, db) for _ in range(args.runs)]
        bare = [run(BARE, db) for _ in range(args.runs)]
    for name, results in (("kiosk", kiosk), ("bare Textual app", bare)):
        secs = [r["seconds"] for r in results]
        rss = [r["rss_mb"] for r in results]
        mods = sorted({m for r in results for m in r["modules"]}) or ["none"]
        print(f"{name:<17} start median {c.median(secs):.3f} s (max {max(secs):.3f})   "
              f"peak RSS median {c.median(rss):.1f} MB (max {max(rss):.1f})   heavy modules: {', '.join(mods)}")
    k_s, b_s = c.median([r["seconds"] for r in kiosk]), c.median([r["seconds"] for r in bare])
    k_m, b_m = c.median([r["rss_mb"] for r in kiosk]), c.median([r["rss_mb"] for r in bare])
    print(f"kiosk / bare: start {k_s / b_s:.2f}×, memory {k_m / b_m:.2f}×")
    print(f"target: start ≤ 0.5 s ({k_s / 0.5:.2f}× of budget), memory ≤ 60 MB ({k_m / 60:.2f}× of budget)")


if __name__ == "__main__":
    main()
