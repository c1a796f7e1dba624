"""Small helpers for the storage tests: TOML files in tmp_path and raw row counts."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def write_toml(tmp_path) -> Callable[..., Path]:
    """Write TOML text to a file in tmp_path and return its path."""

    def write(text: str, name: str = "config.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def raw_count(path: Path, table: str = "registrations", where: str = "1", args: tuple = ()) -> int:
    """Count rows through a fresh, plain sqlite3 connection (not the store's own)."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"SELECT count(*) FROM {table} WHERE {where}", args).fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def count_rows() -> Callable[..., int]:
    return raw_count
