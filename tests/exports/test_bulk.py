"""The store's import batch: staging takes no lock on the shared data; the write is one
transaction (both engines)."""

from __future__ import annotations

import pytest

import dbrows
from landkort_fixtures import *  # noqa: F401,F403
from landkort_fixtures import count, register
from storage.errors import Refusal, StorageError

ROW = ("999", "Eksempelby", "999skranke", "23.05.10", "PRSNLG", "OPRET", "STRAKS", "NEJ", None,
       "2026-10-20T08:00:00.000000Z", 0, "Tracetool", "{}")
META = dict(sha256="a" * 64, content_sha256="b" * 64, file_name="x.csv", layout="raadata",
            encoding="iso-8859-1", datakilde="Import", station="s", operator="o")


def test_kiosks_can_write_while_a_file_is_staged(lk_store, lk_config, lk_db):
    seen = []

    def rows():
        for i in range(1000):
            if i == 500:
                # Another process writes in the middle of staging: no wait, no "database is locked".
                dbrows.insert(lk_db, "imports", [dict(
                    id="other", sha256="c", content_sha256="d", file_name="f", layout="upload",
                    encoding="utf-8", row_count=1, datakilde="x", station="s", operator="o",
                    created_utc="t")], wait=False)
                seen.append("wrote")
            yield ROW

    with lk_store.import_batch() as batch:
        assert batch.add(rows()) == 1000
        assert seen == ["wrote"]
        assert count(lk_db) == 0  # staged, not written
        record = batch.commit(**META)
    assert count(lk_db) == 1000 and record.row_count == 1000
    ids = [r[0] for r in dbrows.query(lk_db, "SELECT id FROM registrations ORDER BY seq")]
    assert len(set(ids)) == 1000 and all(len(i) == 36 and i[14] == "4" for i in ids)  # UUID text form


def test_a_failing_write_leaves_nothing(lk_store, lk_config, lk_db):
    register(lk_store, lk_config, "20-10-2026 09:00:00")
    bad = ROW[:3] + ("23.5",) + ROW[4:]  # the schema's CHECK refuses it inside the transaction
    with lk_store.import_batch() as batch:
        batch.add([ROW, ROW, bad])
        with pytest.raises(StorageError):  # typed by the engine, the driver's error as its cause
            batch.commit(**META)
    assert count(lk_db) == 1 and count(lk_db, "imports") == 0


def test_duplicate_hash_refused_inside_the_transaction(lk_store, lk_db):
    with lk_store.import_batch() as batch:
        batch.add([ROW])
        batch.commit(**META)
    with lk_store.import_batch() as batch:
        batch.add([ROW, ROW])
        with pytest.raises(Refusal, match="allerede importeret"):
            batch.commit(**{**META, "sha256": "e" * 64})  # same content hash
    assert count(lk_db) == 1 and count(lk_db, "imports") == 1
