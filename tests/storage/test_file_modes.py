"""A new database and the files SQLite puts next to it are writable by the group (0660).

Kiosks, SSH users and the coordinator are different OS users sharing one file through the group
taelleuge; SQLite alone would create the database 0640 (0644 & ~umask) and copy that mode onto the
journal, so only the user who ran ``init`` could write.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from storage import new_entry
from storage.sqlite.store import SqliteStore as Store
from storage.sqlite.db import journal_choice

SIDE_FILES = ("-journal", "-wal", "-shm")


@contextmanager
def umask(value: int) -> Iterator[None]:
    old = os.umask(value)
    try:
        yield
    finally:
        os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("mask", [0o022, 0o007, 0o077], ids=["umask022", "umask007", "umask077"])
def test_a_new_database_and_its_journal_are_0660_whatever_the_umask(tmp_path, config, clock, mask):
    db = tmp_path / "taelleuge.db"
    with umask(mask), Store(db, station="s", operator="o", clock=clock) as store:
        store.record(new_entry(config, enhed="999borgerservice", opgave="23.05.10", kanal="PRSNLG",
                               type="OPRET", end=clock()))
        side = [db.with_name(db.name + suffix) for suffix in SIDE_FILES]
        present = [path for path in side if path.exists()]
        # TRUNCATE keeps the emptied -journal; WAL keeps -wal and -shm while a connection is open.
        expected = {"truncate": ["-journal"], "wal": ["-wal", "-shm"]}[journal_choice().mode]
        assert [p.name[len(db.name):] for p in present] == expected
        assert {p.name: oct(mode(p)) for p in [db, *present]} == {p.name: "0o660" for p in [db, *present]}
    # The write queue's lock file too: a member with umask 022 must not lock the others out of it.
    assert oct(mode(db.with_name(db.name + "-writelock"))) == "0o660"


def test_an_existing_database_keeps_the_mode_it_has(tmp_path, clock):
    """Only a file the store creates gets 0660: an administrator's chmod is never undone."""
    db = tmp_path / "taelleuge.db"
    with Store(db, station="s", operator="o", clock=clock):
        pass
    db.chmod(0o600)
    with umask(0o000), Store(db, station="s", operator="o", clock=clock):
        pass
    assert mode(db) == 0o600


def test_a_symlink_in_place_of_the_database_is_refused(tmp_path, clock):
    """The folder is writable by the whole group (2770, no sticky bit): a link there could make
    root's next command write into any file. Point --db/TAELLEUGE_DB/database at the real file."""
    from storage.errors import UnsafeFile

    real = tmp_path / "elsewhere.db"
    with Store(real, station="s", operator="o", clock=clock):
        pass
    before = real.read_bytes()
    link = tmp_path / "taelleuge.db"
    link.symlink_to(real)
    with pytest.raises(UnsafeFile, match="er et symbolsk link"):
        Store(link, station="s", operator="o", clock=clock, create=False)
    assert link.is_symlink() and real.read_bytes() == before
    assert not (tmp_path / "taelleuge.db-writelock").exists()
