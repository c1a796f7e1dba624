"""Logging to the journal (through syslog's /dev/log), never to stderr: Textual draws there."""

from __future__ import annotations

import logging
import logging.handlers
import os

LOG = logging.getLogger("taelleuge")


def setup() -> logging.Logger:
    if LOG.handlers:
        return LOG
    LOG.setLevel(logging.INFO)
    LOG.propagate = False
    if os.path.exists("/dev/log"):
        try:
            handler: logging.Handler = logging.handlers.SysLogHandler(address="/dev/log")
            handler.setFormatter(logging.Formatter("taelleuge[%(process)d]: %(message)s"))
        except OSError:
            handler = logging.NullHandler()
    else:
        handler = logging.NullHandler()
    LOG.addHandler(handler)
    return LOG
