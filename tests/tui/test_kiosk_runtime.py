"""What the entry point sets up for a quick desk: Textual's frame rate and the frozen heap; and
the journal handler that replaced logging.handlers.

The speed itself is measured in bench/kiosk_latency.py (no timed assertions here).
"""

from __future__ import annotations

import gc
import logging
import syslog

import pytest

from support import run_kiosk_entry, settle
from tui import kiosk_main, logs


@pytest.mark.slow
def test_the_kiosk_entry_paints_at_240_frames_a_second_and_freezes_the_heap_when_the_desk_is_up(
        tmp_path):
    found = run_kiosk_entry(tmp_path)
    assert kiosk_main.FRAME_RATE == 240
    assert found["fps"] == 240  # Textual's default is 60: a change waited up to 16.7 ms
    assert found["frozen"] > 0  # full collections no longer walk the whole start-up heap


def test_tune_runtime_keeps_a_frame_rate_it_finds_in_the_environment(monkeypatch):
    monkeypatch.setenv("TEXTUAL_FPS", "30")
    kiosk_main.tune_runtime()
    import os

    assert os.environ["TEXTUAL_FPS"] == "30"
    monkeypatch.delenv("TEXTUAL_FPS")
    kiosk_main.tune_runtime()
    assert os.environ["TEXTUAL_FPS"] == "240"


async def test_an_app_built_for_tests_never_freezes_the_test_process(kiosk):
    # Frozen objects are never collected: hundreds of test apps would stay in memory.
    before = gc.get_freeze_count()
    app = kiosk()
    async with app.run_test() as pilot:
        await settle(app, pilot)
        assert app.screen.panel is not None
    assert gc.get_freeze_count() == before


class Recorder:
    """Stands in for the C library's syslog, which would write to this machine's journal."""

    def __init__(self):
        self.lines = []

    def syslog(self, priority, message):
        self.lines.append((priority, message))


def test_the_journal_handler_writes_each_record_at_its_level():
    handler = logs.JournalHandler()
    handler._syslog = recorder = Recorder()
    log = logging.getLogger("taelleuge.test-journal")
    log.addHandler(handler)
    log.propagate = False
    log.setLevel(logging.INFO)
    try:
        log.warning("afsluttet med %d henvendelse(r) IKKE GEMT", 2)
        log.info("start: enhed=%s", "999borgerservice")
        log.error("fejl")
    finally:
        log.removeHandler(handler)
    assert recorder.lines == [
        (syslog.LOG_WARNING, "afsluttet med 2 henvendelse(r) IKKE GEMT"),
        (syslog.LOG_INFO, "start: enhed=999borgerservice"),
        (syslog.LOG_ERR, "fejl"),
    ]
