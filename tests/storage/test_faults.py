"""Files that are not ours, unwritable files and network drives: refused with Danish messages,
and the file is never changed."""

from __future__ import annotations

import os
import sqlite3

import pytest

from storage.errors import NotInitialised
from storage.placement import filesystem_type, network_warning
from storage.privacy import looks_like_cpr
from storage.store import Store


def test_a_file_that_is_not_sqlite_is_refused_and_not_changed(tmp_path):
    path = tmp_path / "taelleuge.db"
    junk = b"Dette er et regneark, ikke en database.\n" * 50
    path.write_bytes(junk)
    with pytest.raises(NotInitialised) as raised:
        Store(path, station="s", operator="o")
    assert "ikke en Tælleuge-database" in str(raised.value) and "ikke ændret" in str(raised.value)
    assert path.read_bytes() == junk


def test_a_corrupted_database_is_refused_and_not_changed(tmp_path, config, clock):
    from storage.registration import new_entry

    path = tmp_path / "taelleuge.db"
    with Store(path, station="s", operator="o", clock=clock) as store:
        store.record(new_entry(config, enhed="999borgerservice", opgave="23.05.10", kanal="PRSNLG",
                               type="OPRET", end=clock()))
    data = bytearray(path.read_bytes())
    data[:16] = b"ikke-sqlite-mere"  # the header's magic string
    path.write_bytes(bytes(data))
    with pytest.raises(NotInitialised):
        Store(path, station="s", operator="o")
    assert path.read_bytes() == bytes(data)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write any file; the check is for staff users")
def test_a_read_only_database_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "taelleuge.db"
    Store(path, station="s", operator="o").close()
    path.chmod(0o444)
    with pytest.raises(NotInitialised) as raised:
        Store(path, station="s", operator="o")
    assert "kan ikke skrives" in str(raised.value)


def test_a_read_only_database_refuses_the_write_and_keeps_the_rows(tmp_path, config, clock):
    """Even for root: a database opened read-only rejects the write inside the transaction."""
    from storage import db as dbmod
    from storage.registration import new_entry

    path = tmp_path / "taelleuge.db"
    with Store(path, station="s", operator="o", clock=clock) as store:
        store.record(new_entry(config, enhed="999borgerservice", opgave="23.05.10", kanal="PRSNLG",
                               type="OPRET", end=clock()))
        store.conn.close()
        store.conn = dbmod.connect(path, readonly=True)
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            store.record(new_entry(config, enhed="999borgerservice", opgave="23.09.02",
                                   kanal="PRSNLG", type="INFO", end=clock()))
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT opgave FROM registrations").fetchall() == [("23.05.10",)]
    conn.close()


def test_network_filesystems_are_recognised(tmp_path):
    mounts = tmp_path / "mounts"
    mounts.write_text(
        "/dev/vda / ext4 rw 0 0\n"
        "fileserver:/export /mnt/delt nfs4 rw 0 0\n"
        "//nas/kommune /mnt/smb cifs rw 0 0\n"
    )
    assert filesystem_type("/mnt/delt/taelleuge/x.db", str(mounts)) == "nfs4"
    assert "netværksdrev (nfs4)" in network_warning("/mnt/delt/taelleuge/x.db", str(mounts))
    assert "netværksdrev (cifs)" in network_warning("/mnt/smb/t.db", str(mounts))
    assert network_warning("/var/lib/taelleuge/t.db", str(mounts)) is None


@pytest.mark.parametrize("text", ["010190-1234", "0101901234", "Borger 311299 1234 ringede"])
def test_cpr_like_text_is_recognised(text):
    assert looks_like_cpr(text)


@pytest.mark.parametrize("text", ["23.05.10", "Tlf. 12345678", "999borgerservice", "2026-10-19",
                                  "320190-1234"])  # 32 January is no day
def test_ordinary_text_is_not_taken_for_a_cpr_number(text):
    assert not looks_like_cpr(text)


def test_a_staff_users_own_config_cannot_make_them_coordinator(tmp_path, monkeypatch):
    """The host's /etc/taelleuge/config.toml names the coordinator group; --config does not."""
    import argparse
    from importlib import resources

    from storage import roles, settings
    from storage.roles import NotCoordinator
    from tui.cli_store import require_coordinator_for

    demo = resources.files("storage").joinpath("demo.toml").read_text("utf-8")
    system = tmp_path / "system.toml"
    system.write_text(demo + '\n[koordinator]\ngruppe = "taelleuge-tovholder-findes-ikke"\n', "utf-8")
    own = tmp_path / "own.toml"
    own.write_text(demo, "utf-8")  # no [koordinator]: would let everyone pass
    monkeypatch.setattr(settings, "SYSTEM_CONFIG", system)
    monkeypatch.setattr(roles.os, "geteuid", lambda: 65534)  # a staff user, not root
    args = argparse.Namespace(config=str(own), db=str(tmp_path / "x.db"))
    with pytest.raises(NotCoordinator, match="forbeholdt tovholderen"):
        require_coordinator_for(args, "eksport")
    system.write_text(demo, "utf-8")  # a host without a coordinator group: nobody is singled out
    require_coordinator_for(args, "eksport")
