"""Cold start of ``taelleuge`` to its first frame on a real terminal, its memory and its modules.

Each run spawns the real entry point (``taelleuge kiosk --enhed …`` and ``taelleuge --enhed …``:
the console script's ``tui.cli.main``) on a fresh 80x24 pseudo-terminal, on the built-in demo
config and a fresh database, and reads what it draws. Two moments are timed from the spawn:

- **first frame**: the desk's task list is on the terminal ("Trin 1"): the first key works;
- **with numbers**: the header shows today's count ("I dag"), read by the first panel load.

At "with numbers" the child's peak RSS (``VmHWM``) is read from /proc; then it gets SIGTERM (its
normal stop) and writes the modules it ever imported, which are checked against the ones the kiosk
path must not load (pandas/numpy/matplotlib/sqlite_utils, the unit picker, PIN hashing,
logging.handlers). A bare Textual app (one ``Static``) is measured the same way in the same run, so
the host's speed is factored in: the ratio kiosk / bare is the stable figure on a shared host.

Targets (issue 9): first frame ≤ 0.5 s, ≤ 60 MB.

    .venv/bin/python bench/kiosk_startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

import _common as c

# The console script's code plus a list of the modules at exit (atexit runs on the SIGTERM stop).
ENTRY = r'''
import sys, atexit
_to = sys.argv[1]
def _modules():
    with open(_to, "w") as out:
        out.write("\n".join(sorted(sys.modules)))
atexit.register(_modules)
sys.argv = ["taelleuge", *sys.argv[2:]]
from tui.cli import main
sys.exit(main())
'''

BARE = r'''
import signal, sys, atexit
_to = sys.argv[1]
def _modules():
    with open(_to, "w") as out:
        out.write("\n".join(sorted(sys.modules)))
atexit.register(_modules)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
from textual.app import App
from textual.widgets import Static
class Bare(App):
    def compose(self):
        yield Static("Trin 1 I dag")
Bare().run()
'''

HEAVY = ("pandas", "numpy", "matplotlib", "sqlite_utils")
# Not needed to show the desk for a known unit, 2-4 ms of start-up each: the dialogs (unit
# picker), PIN hashing (hashlib/hmac: OpenSSL), logging.handlers; PostgreSQL and the exports.
# (socket is not on the list: asyncio, and so Textual, imports it in any case.)
KIOSK_NEVER = ("tui.screens.dialogs", "hashlib", "hmac", "logging.handlers", "psycopg", "exports")
ESCAPES = re.compile(rb"\x1b(\[[0-9;?<=>$]*[ -/]*[@-~]|[()][0-9A-Za-z]|[=>78])")


def run_once(code: str, args: list[str], env: dict[str, str], tmp: str) -> dict:
    modules = os.path.join(tmp, "modules.txt")
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, modules, *args], stdin=slave,
                            stdout=slave, stderr=slave, env=env, cwd=tmp, start_new_session=True)
    os.close(slave)
    out, marks, rss = b"", {}, None
    try:
        deadline = t0 + 30
        while "numbers" not in marks and time.perf_counter() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                out += os.read(master, 65536)
                text = ESCAPES.sub(b"", out).decode("utf-8", "replace")
                now = time.perf_counter() - t0
                if "frame" not in marks and "Trin 1" in text:
                    marks["frame"] = now
                if "frame" in marks and "I dag" in text:
                    marks["numbers"] = now
                    with open(f"/proc/{proc.pid}/status") as status:
                        rss = next(int(line.split()[1]) / 1024 for line in status
                                   if line.startswith("VmHWM:"))
        proc.send_signal(signal.SIGTERM)
        while proc.poll() is None:  # keep reading: a full pty would block its last frame
            if select.select([master], [], [], 0.1)[0]:
                try:
                    os.read(master, 65536)
                except OSError:
                    break
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    if "numbers" not in marks:
        raise SystemExit(f"no frame within 30 s from {args}: {ESCAPES.sub(b'', out)[-800:]!r}")
    loaded = set(Path(modules).read_text().split()) if os.path.exists(modules) else set()
    return {"frame": marks["frame"], "numbers": marks["numbers"], "rss_mb": rss, "modules": loaded}


def summary(name: str, results: list[dict]) -> str:
    frame = [r["frame"] for r in results]
    numbers = [r["numbers"] for r in results]
    rss = [r["rss_mb"] for r in results]
    return (f"{name:<28} first frame median {c.median(frame):.3f} s (min {min(frame):.3f}, "
            f"max {max(frame):.3f})   with numbers {c.median(numbers):.3f} s   "
            f"peak RSS median {c.median(rss):.1f} MB (max {max(rss):.1f})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    c.header("kiosk: cold start of taelleuge to its first frame on a pty, peak memory, modules")
    with tempfile.TemporaryDirectory(prefix="taelleuge-bench-start-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TAELLEUGE_", "TEXTUAL_"))}
        env.update(TAELLEUGE_DB=os.path.join(tmp, "start.db"), TERM="xterm-256color",
                   PYTHONPATH=str(c.ROOT))
        subprocess.run([sys.executable, "-m", "tui", "init"], env=env, cwd=tmp, check=True,
                       capture_output=True)
        commands = {"taelleuge kiosk --enhed": (ENTRY, ["kiosk", "--enhed", c.UNIT]),
                    "taelleuge --enhed": (ENTRY, ["--enhed", c.UNIT]),
                    "bare Textual app": (BARE, [])}
        for code, argv in commands.values():
            run_once(code, argv, env, tmp)  # warms the OS file cache and the .pyc files
        results: dict[str, list[dict]] = {name: [] for name in commands}
        for _ in range(args.runs):  # interleaved, so a change in the host's load hits all alike
            for name, (code, argv) in commands.items():
                results[name].append(run_once(code, argv, env, tmp))
    for name, runs in results.items():
        print(summary(name, runs))
    bare_frame = c.median([r["frame"] for r in results["bare Textual app"]])
    bare_rss = c.median([r["rss_mb"] for r in results["bare Textual app"]])
    print()
    verdicts = []
    for name in ("taelleuge kiosk --enhed", "taelleuge --enhed"):
        runs = results[name]
        frame = c.median([r["frame"] for r in runs])
        rss = c.median([r["rss_mb"] for r in runs])
        loaded = set.union(*(r["modules"] for r in runs))
        heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY)
        never = sorted(m for m in KIOSK_NEVER if m in loaded)
        ok = frame <= 0.5 and rss <= 60 and not heavy
        verdicts.append(ok)
        print(f"{name}: target first frame ≤ 0.5 s: {frame:.3f} s = {frame / 0.5:.2f}× of budget; "
              f"≤ 60 MB: {rss:.1f} MB = {rss / 60:.2f}× of budget → {'PASS' if ok else 'FAIL'}")
        print(f"  ratio to the bare Textual app in this run: start {frame / bare_frame:.2f}×, "
              f"memory {rss / bare_rss:.2f}× (host speed factored out)")
        print(f"  heavy modules loaded: {', '.join(heavy) or 'none'}; of the kiosk's never-list: "
              f"{', '.join(never) or 'none'}; modules in all: {len(loaded)}")
    print("result: " + ("PASS" if all(verdicts) else "FAIL"))


if __name__ == "__main__":
    main()
