"""Print what the command line shows: every value from a config, the KLE file, an import, the
database or the environment passes :func:`storage.hostile.escape` on its way to the terminal, so
no ESC, OSC, C1 or bidi character in it can retitle, clear or reorder the coordinator's screen.

The coordinator's console (tui.console) runs the same CLI handlers in a worker thread: inside
:func:`captured` that thread's output goes to a :class:`Capture` instead of the terminal (and a
progress object of its choice replaces the terminal's bar), so the console shows exactly what the
command line would have said.
"""

from __future__ import annotations

import io
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from storage.hostile import escape

_local = threading.local()


class Capture:
    def __init__(self, progress=None, width: int | None = None):
        self.out = io.StringIO()
        self.err = io.StringIO()
        self.progress = progress
        self.width = width  # for rich tables written into the capture

    @property
    def text(self) -> str:
        return self.out.getvalue()

    @property
    def errors(self) -> str:
        return self.err.getvalue()


@contextmanager
def captured(progress=None, width: int | None = None) -> Iterator[Capture]:
    capture = Capture(progress, width)
    previous = getattr(_local, "capture", None)
    _local.capture = capture
    try:
        yield capture
    finally:
        _local.capture = previous


def current_capture() -> Capture | None:
    return getattr(_local, "capture", None)


def say(text: object = "", *, err: bool = False, end: str = "\n") -> None:
    """``print`` with every unsafe character written out (line breaks stay)."""
    capture = current_capture()
    if capture is not None:
        stream = capture.err if err else capture.out
    else:
        stream = sys.stderr if err else sys.stdout
    print(escape(str(text), keep_newlines=True), end=end, file=stream)
