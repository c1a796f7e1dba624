"""A bare clone tests itself: the samples the suite reads are in the repository, byte-exact."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from support import REPO, SAMPLES

CSV = SAMPLES / "raadata-sample.csv"


def test_the_samples_are_inside_the_repository():
    assert SAMPLES.resolve().is_relative_to(REPO.resolve())
    names = {p.name for p in SAMPLES.iterdir()}
    assert {"README.md", "kle-emneplan-sample.xml", "raadata-sample.csv"} <= names


def test_the_raw_data_sample_is_iso_8859_1_with_crlf_as_landkort_writes_it():
    data = CSV.read_bytes()
    assert data.count(b"\n") > 100 and data.count(b"\r\n") == data.count(b"\n")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # æøå as single ISO-8859-1 bytes
    assert "æ" in data.decode("iso-8859-1")


@pytest.mark.skipif(shutil.which("git") is None or not (REPO / ".git").exists(),
                    reason="not a git checkout")
def test_git_never_converts_the_samples_line_endings():
    done = subprocess.run(["git", "-C", str(REPO), "check-attr", "text", "--", str(CSV.relative_to(REPO))],
                          capture_output=True, text=True, check=True)
    assert done.stdout.strip().endswith(": text: unset")
