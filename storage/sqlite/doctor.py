"""``taelleuge doctor``'s database part for an SQLite file: size, modes, placement, journal mode,
schema, integrity and row counts; problems named with their fix."""

from __future__ import annotations

import sqlite3
import stat

from .. import doctor as neutral
from ..errors import NotTaelleugeDatabase, TaelleugeError
from ..placement import network_warning
from . import db as dbmod
from .store import SqliteStore, schema_status

# ``PRAGMA quick_check`` reads the whole file: 0.48 s of read lock at 1M rows (455 MB), which the
# desks' commits wait behind in the rollback journal. By default it runs on files up to
# storage.doctor.neutral.QUICK_CHECK_MAX_BYTES (~0.07 s); the full integrity_check (3.9 s at 1M rows)
# only with ``doctor --grundig``.


def doctor_database(report, db_path, thorough: bool = False) -> None:
    """The database part of ``taelleuge doctor`` (storage.doctor.Report) for an SQLite file.
    ``thorough``: the full integrity_check, else a quick_check on files up to
    neutral.QUICK_CHECK_MAX_BYTES."""
    report.add("Database", db_path)
    report.add("SQLite", sqlite3.sqlite_version)
    try:
        exists = db_path.exists()
    except PermissionError:  # a folder on the way (2770) is closed to this user
        report.problems.append(f"Databasen {db_path} kan ikke nås: en mappe på vejen er lukket for "
                               "brugeren. Sæt brugeren i gruppen "
                               f"{dbmod.shared_group(db_path.parent)} (som root: usermod -aG "
                               f"{dbmod.shared_group(db_path.parent)} BRUGER) og log ind igen.")
        return
    if not exists:
        report.problems.append(f"Databasen {db_path} findes ikke. Kør: taelleuge init")
        return
    report.add("Størrelse", f"{db_path.stat().st_size / 1_048_576:.1f} MB")
    if db_path.stat().st_mode & stat.S_IWOTH:
        report.problems.append(f"Databasefilen {db_path} kan skrives af alle brugere på maskinen, "
                               f"ikke kun af gruppen: chmod o-rw {db_path}")
    warning = network_warning(db_path)
    if warning:
        report.problems.append(warning)
    try:
        conn = dbmod.connect_checked(db_path)
        schema_status(conn)  # reads the header: a damaged file fails here, not half-way below
    except NotTaelleugeDatabase as error:
        report.problems.append(
            f"{error} Er det den rigtige databasefil, er dens start (SQLite-hovedet) beskadiget: "
            "læg en sikkerhedskopi tilbage."
        )
        return
    except (TaelleugeError, sqlite3.DatabaseError) as error:
        report.problems.append(str(dbmod.translate(error, db_path) or error))
        return
    try:
        choice = dbmod.journal_choice()
        mode = dbmod.journal_mode(conn)
        report.add("Journal", f"{mode} ({choice.reason})")
        if mode != choice.mode:
            report.problems.append(
                f"Journal-tilstanden er {mode}, men skulle være {choice.mode}: en anden proces har "
                "filen åben i den gamle tilstand. Luk alle og kør taelleuge doctor igen."
            )
        status = schema_status(conn)
        report.add("Skema", f"version {status.version} ({', '.join(status.applied) or 'tomt'})")
        if status.pending:
            report.problems.append(f"Skemaet mangler {', '.join(status.pending)}. Kør: taelleuge init")
        size = db_path.stat().st_size
        if thorough or size <= neutral.QUICK_CHECK_MAX_BYTES:
            check = "integrity_check" if thorough else "quick_check"
            result = [row[0] for row in conn.execute(f"PRAGMA {check}")]
            report.add("Integritet", f"{', '.join(result)} ({check})")
            if result != ["ok"]:
                report.problems.append(f"{check} fandt fejl i databasefilen: læg en "
                                       "sikkerhedskopi tilbage, før der registreres videre")
        else:
            result = ["ok"]
            report.add("Integritet", f"ikke kontrolleret: filen er over {neutral.QUICK_CHECK_MAX_BYTES >> 20} "
                                     "MB, og tjekket ville få skrankerne til at vente. Tovholderen "
                                     "kan køre taelleuge doctor --grundig, helst uden for åbningstid")
    except sqlite3.DatabaseError as error:
        # Typed: a database locked past the timeout is busy, not damaged.
        typed = dbmod.translate(error, db_path)
        result = [getattr(error, "sqlite_errorname", "") or "fejl"]
        report.problems.append(str(typed) if typed else
                               f"Databasen kunne ikke kontrolleres (SQLite: {result[0]}).")
        return
    finally:
        conn.close()
    if result != ["ok"] or status.pending:
        return  # counting rows in a damaged file would only fail again
    try:
        with SqliteStore(db_path, station="doctor", operator="doctor", migrate=False) as store:
            totals = store.totals()
            by_unit = store.totals_by_unit()
    except TaelleugeError as error:  # e.g. a user who may read the file but not write it
        report.problems.append(str(error))
        return
    report.add("Rækker", ", ".join(f"{k} {v}" for k, v in totals.items()))
    for unit, n in by_unit.items():
        report.add("", f"  {unit or '(uden enhed)'}: {n}")
