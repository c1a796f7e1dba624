"""``flyt``: copy an SQLite database into a PostgreSQL one, so a municipality that started small
can grow without losing a row.

Tables in the order their references need (imports before the registrations that name them,
registrations in commit order so a restore follows the row it restores, then voids and the export
log), in chunks, each its own transaction (storage.postgres.load): a copy killed midway is simply
run again, and a second run adds nothing (every row keeps its UUID). Before writing into a target
that already holds rows, every chunk is first compared with it (nothing written): a target with
rows of another municipality, or an id with other content, is refused before anything is copied.

``seq`` is not copied: the server numbers the rows in the order they arrive, which is the
source's order. The Landkort check (tui.cli_flyt) compares the files both sides export.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .errors import Refusal
from .model import EXPORTS, IMPORTS, REGISTRATIONS, VOIDS, Table

CHUNK = 5000
TABLES: tuple[Table, ...] = (IMPORTS, REGISTRATIONS, VOIDS, EXPORTS)
NAMES = {"imports": "importer", "registrations": "registreringer", "voids": "annulleringer",
         "exports": "eksporter"}


@dataclass
class Copied:
    table: str
    source: int  # rows in the source
    new: int = 0  # rows this run wrote into the target
    target: int = 0  # rows in the target afterwards


def grant_roles(target) -> list[str]:
    """What ``init`` does for a new server database besides the schema: the roles and their
    grants on the tables (as far as this login may; else the SQL for a DBA). Without them,
    staff logins cannot even read the schema version."""
    from .postgres.admin import role_lines, setup_roles

    return role_lines(setup_roles(target))


def move(source, target, *, chunk: int = CHUNK,
         progress: Callable[[str, int, int], None] | None = None) -> list[Copied]:
    """Copy every row of ``source`` (an SqliteStore) into ``target`` (a PgStore).
    ``progress(table, rows done, rows in all)`` after each committed chunk."""
    from .postgres import load
    from .sqlite import dump

    if source.engine != "sqlite" or target.engine != "postgresql":
        raise Refusal("flyt kopierer en SQLite-database over i en PostgreSQL-database.", "til")
    others = load.kommuner(target) - dump.kommuner(source)
    if others:
        raise Refusal(
            f"Måldatabasen har registreringer fra en anden kommune ({', '.join(sorted(others))}). "
            "Intet er kopieret. Flyt til en tom Tælleuge-database.", "til")
    results = [Copied(t.name, dump.count(source, t)) for t in TABLES]
    if any(load.count(target, t) for t in TABLES):  # a rerun, or someone else's rows: compare first
        for table in TABLES:
            ours = sum(load.copy_chunk(target, table, rows, check_only=True)
                       for rows in dump.chunks(source, table, chunk))
            foreign = load.count(target, table) - ours
            if foreign > 0:  # the check at the end could never pass: refuse before copying
                raise Refusal(
                    "Måldatabasen har rækker, som ikke kommer fra denne SQLite-database "
                    f"({NAMES[table.name]}: {foreign}; registreret direkte i PostgreSQL, eller "
                    "flyttet fra en anden fil). Intet er kopieret. Flyt til en tom Tælleuge-database, eller den "
                    "som en tidligere flytning af samme fil skrev i.", "til")
    for table, result in zip(TABLES, results):
        done = 0
        for rows in dump.chunks(source, table, chunk):
            result.new += load.copy_chunk(target, table, rows)
            done += len(rows)
            if progress:
                progress(table.name, done, max(result.source, done))
    for table, result in zip(TABLES, results):
        result.source = dump.count(source, table)  # what verification compares (a kiosk may write)
        result.target = load.count(target, table)
    return results
