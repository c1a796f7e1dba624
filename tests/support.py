"""Paths and helpers shared by test modules (importable: `pythonpath = ["tests"]`)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SAMPLES = SHARED / "samples"
