"""The app installed where other users can run it, once per session (building it takes ~15 s)."""

from __future__ import annotations

import shutil

import pytest

from taelleuge_harness import CannotInstall, Installation, can_drop_to_nobody, install_for_everyone, shared_dir


@pytest.fixture(scope="session")
def installed() -> Installation:
    """A wheel of this checkout in a venv under a 0755 folder in /tmp: the tests that run the CLI
    as another user run this, so they pass from a checkout those users cannot read."""
    reason = can_drop_to_nobody()
    if reason:
        pytest.skip(reason)
    where = shared_dir("taelleuge-installed-", mode=0o755)
    try:
        try:
            installation = install_for_everyone(where)
        except CannotInstall as error:
            pytest.skip(str(error))
        yield installation
    finally:
        shutil.rmtree(where, ignore_errors=True)
