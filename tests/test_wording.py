"""Danish counts everywhere: "1 række", "2 rækker"; never "række(r)" or "1 rækker"."""

from __future__ import annotations

import io
import re
import tokenize
from zoneinfo import ZoneInfo

from support import REPO
from storage.model import ExportRecord
from storage.wording import contacts, plural, registrations, rows

# "henvendelse(r)", "linje(r)", "opdatering(er)": a word with its plural ending in brackets.
BRACKETED = re.compile(r"[a-zæøå]{2}\((?:r|er|e)\)")
# A count straight before a plural noun in a message, not through storage.wording.
COUNT_THEN_PLURAL = re.compile(
    r"\{[^{}]+\} (?:rækker|registreringer|henvendelser|kontakter|opgaver|linjer|tælleuger|værdier|"
    r"kombinationer|prøverækker|numre|problemer|opdateringer)\b")
DOCSTRING = re.compile(r"^[rRbBuU]?('''|\"\"\")")


def sources():
    for folder in ("storage", "tui", "exports"):
        yield from sorted((REPO / folder).rglob("*.py"))


def strings(path):
    """The string literals of a module (an f-string whole), with their line numbers."""
    text = path.read_text("utf-8")
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.STRING:
            yield token.start[0], token.string


def test_the_helpers_agree_in_number():
    assert (rows(1), rows(2), rows(0)) == ("1 række", "2 rækker", "0 rækker")
    assert (registrations(1), registrations(3)) == ("1 registrering", "3 registreringer")
    assert (contacts(1), contacts(2)) == ("1 kontakt", "2 kontakter")
    assert plural(1, "tælleuge", "tælleuger") == "1 tælleuge"


def test_no_message_writes_a_plural_ending_in_brackets_or_a_count_before_a_fixed_plural():
    found = []
    for path in sources():
        for lineno, literal in strings(path):
            if DOCSTRING.match(literal):
                continue  # docstrings may name what they prevent
            if BRACKETED.search(literal) or COUNT_THEN_PLURAL.search(literal):
                found.append(f"{path.relative_to(REPO)}:{lineno}: {literal}")
    assert found == []


def test_an_export_of_one_row_says_one_row():
    record = ExportRecord(
        id="1", created_utc="2026-10-26T08:00:00.000000Z", kind="landkort-upload",
        first_day="2026-10-19", last_day="2026-10-25", start_utc="2026-10-18T22:00:00.000000Z",
        end_utc="2026-10-25T23:00:00.000000Z", units=(), sources=(), row_count=1,
        sha256="0" * 64, file_name="uge43.csv", operator="tovholder", station="cli:host")
    assert record.describe(ZoneInfo("Europe/Copenhagen")).endswith("(1 række, uge43.csv)")
