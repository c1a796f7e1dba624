"""Temporary file in the target folder, then rename; never an overwrite without asking."""

from __future__ import annotations

import os
import stat

import pytest

from exports.safe_write import SafeFile, write_bytes
from storage.errors import Refusal


def names(folder):
    return sorted(p.name for p in folder.iterdir())


def test_nothing_visible_until_commit(tmp_path):
    target = tmp_path / "uge.csv"
    with SafeFile(target, overwrite=False) as out:
        out.write(b"half")
        assert not target.exists()
        assert out.temp.parent == tmp_path and out.temp.name.startswith(".uge.csv.")
        out.write(b" and whole")
        out.commit()
    assert target.read_bytes() == b"half and whole"
    assert names(tmp_path) == ["uge.csv"]


def test_leaving_without_commit_leaves_nothing(tmp_path):
    target = tmp_path / "uge.csv"
    with pytest.raises(RuntimeError):
        with SafeFile(target, overwrite=False) as out:
            out.write(b"half")
            raise RuntimeError("stopped")
    assert names(tmp_path) == []


def test_existing_file_is_refused_before_any_work(tmp_path):
    target = tmp_path / "uge.csv"
    target.write_bytes(b"old")
    with pytest.raises(Refusal, match="findes allerede og er ikke ændret"):
        SafeFile(target, overwrite=False)
    assert names(tmp_path) == ["uge.csv"] and target.read_bytes() == b"old"


def test_a_file_that_appears_meanwhile_is_not_overwritten(tmp_path):
    target = tmp_path / "uge.csv"
    out = SafeFile(target, overwrite=False)
    out.write(b"new")
    target.write_bytes(b"someone else's")
    with pytest.raises(Refusal, match="oprettet af en anden imens"):
        out.commit()
    assert target.read_bytes() == b"someone else's"
    assert names(tmp_path) == ["uge.csv"]


def test_overwrite_when_asked(tmp_path):
    target = tmp_path / "uge.csv"
    target.write_bytes(b"old")
    write_bytes(target, b"new", overwrite=True)
    assert target.read_bytes() == b"new" and names(tmp_path) == ["uge.csv"]


def test_mode_follows_the_umask(tmp_path):
    old = os.umask(0o007)
    try:
        write_bytes(tmp_path / "uge.csv", b"x", overwrite=False)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "uge.csv").stat().st_mode) == 0o660


@pytest.mark.parametrize("make, message", [
    (lambda p: p / "mangler" / "uge.csv", "findes ikke"),
    (lambda p: p, "er en mappe"),
])
def test_bad_targets(tmp_path, make, message):
    with pytest.raises(Refusal, match=message):
        SafeFile(make(tmp_path), overwrite=False)


def test_a_killed_writes_old_temporary_file_is_removed_by_the_next_write(tmp_path):
    """SIGKILL during an export leaves ``.x.xlsx.XXXXXXXX.tmp``; the next write of that name
    removes the user's own ones older than an hour, and nothing else."""
    import os
    import time

    from exports.safe_write import SafeFile

    old = tmp_path / ".uge.xlsx.ab12cd_3.tmp"
    fresh = tmp_path / ".uge.xlsx.zz99yy88.tmp"  # a write that may still be running
    other = tmp_path / ".andet.xlsx.ab12cd34.tmp"
    mine = tmp_path / ".uge.xlsx.notmine.tmp"  # not tempfile's pattern
    for path in (old, fresh, other, mine):
        path.write_bytes(b"half")
    hour_ago = time.time() - 3700
    for path in (old, other, mine):
        os.utime(path, (hour_ago, hour_ago))
    with SafeFile(tmp_path / "uge.xlsx", overwrite=False) as out:
        out.write(b"data")
        out.commit()
    assert not old.exists()
    assert fresh.exists() and other.exists() and mine.exists()
    assert (tmp_path / "uge.xlsx").read_bytes() == b"data"
