"""Small helpers for the storage tests: TOML files in tmp_path and raw row counts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import dbrows


@pytest.fixture
def write_toml(tmp_path) -> Callable[..., Path]:
    """Write TOML text to a file in tmp_path and return its path."""

    def write(text: str, name: str = "config.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def raw_count(path: Path | str, table: str = "registrations", where: str = "1=1",
              args: tuple = ()) -> int:
    """Count rows through a fresh connection of its own (not the store's), on either engine."""
    return dbrows.count(path, table, where, args)


@pytest.fixture
def count_rows() -> Callable[..., int]:
    return raw_count
