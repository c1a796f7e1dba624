"""Logging to the journal (through syslog's /dev/log), never to stderr: Textual draws there.

Through the C library's syslog (the ``syslog`` module), not ``logging.handlers.SysLogHandler``:
the same ``taelleuge[pid]: …`` lines in the journal, without loading logging.handlers (and the
socket/pickle/queue machinery it brings) into every kiosk's cold start.
"""

from __future__ import annotations

import logging
import os

LOG = logging.getLogger("taelleuge")


class JournalHandler(logging.Handler):
    """One syslog line per record, at the record's level (facility user, ident taelleuge)."""

    def __init__(self) -> None:
        super().__init__()
        import syslog

        self._syslog = syslog
        syslog.openlog("taelleuge", syslog.LOG_PID, syslog.LOG_USER)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._syslog.syslog(priority(record.levelno), self.format(record))
        except Exception:  # noqa: BLE001 - logging must never stop the desk
            self.handleError(record)


def priority(level: int) -> int:
    """The syslog priority of a logging level (as SysLogHandler maps them)."""
    import syslog

    if level >= logging.CRITICAL:
        return syslog.LOG_CRIT
    if level >= logging.ERROR:
        return syslog.LOG_ERR
    if level >= logging.WARNING:
        return syslog.LOG_WARNING
    if level >= logging.INFO:
        return syslog.LOG_INFO
    return syslog.LOG_DEBUG


def setup() -> logging.Logger:
    if LOG.handlers:
        return LOG
    LOG.setLevel(logging.INFO)
    LOG.propagate = False
    handler: logging.Handler = JournalHandler() if os.path.exists("/dev/log") else logging.NullHandler()
    LOG.addHandler(handler)
    return LOG
