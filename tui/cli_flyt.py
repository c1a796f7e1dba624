"""``taelleuge flyt --til postgresql://…``: move the SQLite database (``--db`` / the config's)
into a PostgreSQL database, then prove nothing was lost: the row counts of every table, and the
SHA-256 of the Landkort raw-data export of the whole period produced from each side (the same
bytes, or the move is reported as failed). Coordinator only. Idempotent and resumable
(storage.move): after a kill, or to check again, run the same command again."""

from __future__ import annotations

import argparse

from storage.errors import Refusal
from storage.open import is_server, shown

from .say import say

# The whole period: every stored time lies between these (fixed-width ISO-8601 UTC text).
_EVERYTHING = ("0000-01-01T00:00:00.000000Z", "9999-12-31T23:59:59.999999Z")


def add_flyt_parser(sub, common: argparse.ArgumentParser) -> None:
    flyt = sub.add_parser(
        "flyt", parents=[common],
        help="flyt SQLite-databasen over i PostgreSQL (kan køres igen; kontrolleres til sidst)",
        description=(
            "Kopiér alle registreringer, annulleringer, importer og eksportloggen fra SQLite-"
            "databasen (--db eller konfigurationens) til en PostgreSQL-database. Kopien sker i "
            "blokke, der hver gemmes for sig: bliver den afbrudt, så kør kommandoen igen; intet "
            "kopieres to gange. Til sidst sammenlignes antal rækker og rådataudtrækkets SHA-256 "
            "fra begge sider. Adgangskoden hører hjemme i ~/.pgpass, ikke i adressen."
        ),
    )
    flyt.add_argument("--til", required=True, metavar="postgresql://…",
                      help="PostgreSQL-databasen, fx postgresql://tovholder@db.example.dk/taelleuge")
    flyt.add_argument("--blok", type=_chunk, default=None, metavar="N",
                      help="rækker pr. blok (standard 5000)")


def _chunk(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 1_000_000:
        raise argparse.ArgumentTypeError("skriv et helt tal mellem 1 og 1000000")
    return value


def cmd_flyt(args: argparse.Namespace) -> int:
    from storage import move
    from storage.roles import authority, require_coordinator

    from .cli_store import load, open_store

    config, source_path = load(args)
    if is_server(source_path):
        raise Refusal(f"Kilden skal være en SQLite-fil; databasen er {shown(source_path)}.", "db")
    if not is_server(args.til):
        raise Refusal("--til skal være en PostgreSQL-adresse: postgresql://bruger@vært/database",
                      "til")
    # The target's login must be the coordinator's too (storage.roles): a staff login may insert
    # registrations, and would copy a whole database's rows in under its own name.
    role, _ = authority(config)
    require_coordinator(role, "Flytningen til PostgreSQL", args.til)
    with open_store(source_path) as source, open_store(args.til, create=True) as target:
        say(f"Flytter {source_path}\n     til {shown(args.til)}")
        for line in move.grant_roles(target):  # as init: staff logins can use the target
            say(line)
        results = move.move(source, target, chunk=args.blok or move.CHUNK,
                            progress=lambda table, done, total: say(
                                f"  {move.NAMES[table]}: {_n(done)} af {_n(total)}"))
        say("Kopieret (nye rækker i PostgreSQL denne gang):")
        for r in results:
            say(f"  {move.NAMES[r.table]}: {_n(r.new)} nye; {_n(r.source)} i SQLite, "
                f"{_n(r.target)} i PostgreSQL")
        counts_ok = all(r.source == r.target for r in results)
        source_file = _raadata(source, config)
        target_file = _raadata(target, config)
    if counts_ok:
        say("Kontrol af antal: ens i begge databaser.")
    else:
        different = ", ".join(f"{move.NAMES[r.table]} {_n(r.source)} mod {_n(r.target)}"
                              for r in results if r.source != r.target)
        say(f"Kontrol af antal: FORSKELLIGE ({different}). PostgreSQL-databasen har rækker, "
            "SQLite-databasen ikke har (registrerede nogen i den under flytningen?).", err=True)
    say(f"Rådataudtræk (hele perioden, UTF-8), SHA-256:\n  SQLite:     {source_file[1]} "
        f"({_rows(source_file[0])})\n  PostgreSQL: {target_file[1]} ({_rows(target_file[0])})")
    if counts_ok and source_file == target_file:
        say("Flytningen er kontrolleret: samme rækker og samme udtræk, byte for byte. Sæt nu "
            "database = \"postgresql://…\" i konfigurationen (eller TAELLEUGE_DB) på alle maskiner.")
        return 0
    say("Flytningen er IKKE bekræftet: udtrækkene er forskellige. Registrér ikke i PostgreSQL-"
        "databasen endnu; kør flyt igen, og kontakt IT, hvis forskellen består.", err=True)
    return 1


def _raadata(store, config) -> tuple[int, str]:
    """Rows and SHA-256 of the raw-data Landkort export of everything in ``store`` (not written
    anywhere: only hashed)."""
    from exports import landkort, layouts
    from storage.interface import Selection

    with store.snapshot(Selection(*_EVERYTHING)) as snap:
        written = landkort.write(snap, config, layouts.RAADATA, "utf-8", None)
    return written.rows, written.sha256


def _n(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _rows(value: int) -> str:
    return f"{_n(value)} {'række' if value == 1 else 'rækker'}"
