"""``taelleuge doctor``'s database part for an SQLite file: size, placement, journal mode, schema,
integrity and row counts; problems named with their fix."""

from __future__ import annotations

import sqlite3

from ..errors import NotTaelleugeDatabase, TaelleugeError
from ..placement import network_warning
from . import db as dbmod
from .store import SqliteStore, schema_status


def doctor_database(report, db_path) -> None:
    """The database part of ``taelleuge doctor`` (storage.doctor.Report) for an SQLite file."""
    report.add("Database", db_path)
    report.add("SQLite", sqlite3.sqlite_version)
    try:
        exists = db_path.exists()
    except PermissionError:  # a folder on the way (2770) is closed to this user
        report.problems.append(f"Databasen {db_path} kan ikke nås: en mappe på vejen er lukket for "
                               "brugeren. Tjek, at brugeren er i gruppen taelleuge.")
        return
    if not exists:
        report.problems.append(f"Databasen {db_path} findes ikke. Kør: taelleuge init")
        return
    report.add("Størrelse", f"{db_path.stat().st_size / 1_048_576:.1f} MB")
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
        result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        report.add("Integritet", ", ".join(result))
        if result != ["ok"]:
            report.problems.append("integrity_check fandt fejl i databasefilen: læg en "
                                   "sikkerhedskopi tilbage, før der registreres videre")
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
