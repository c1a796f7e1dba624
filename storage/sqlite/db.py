"""Connections: pragmas, journal mode, the one way to write, and SQLite's errors in Danish.

Plain ``sqlite3`` on purpose: ``import sqlite_utils`` pulls in pandas and numpy when they are
installed, which doubles a kiosk's start time and memory. sqlite-utils is used only for migrations
(``storage.sqlite.migrations``), which run from ``taelleuge init`` or once when a file is new.

Every ``sqlite3.Error`` leaves this layer as a :class:`~storage.errors.StorageError`: the ones
about the file rather than the SQL (busy, full, read-only, corrupt, not a database, gone) typed
(:func:`translate`), classified by SQLite's error code and by looking at the files, never by
message text; any other (a constraint, bad SQL) as a plain StorageError naming SQLite's code.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..errors import (
    CorruptDatabase, DatabaseBusy, DatabaseUnreachable, DiskFull, NotTaelleugeDatabase,
    ReadOnlyDatabase, StorageError, UnsafeFile, UnsafeJournalMode,
)
from .write_queue import WriteQueue, not_a_regular_file

BUSY_TIMEOUT_MS = 10_000

# SQLite fixed a WAL-reset corruption race (several connections writing or checkpointing at once,
# which is exactly a shared kiosk host) in 3.51.3. Older libraries use the rollback journal.
WAL_SAFE_FROM = (3, 51, 3)

# SQLite's own files next to the database: SQLite opens them by name for every transaction.
SIDE_FILES = {"-journal": "rollback-journalen", "-wal": "WAL-filen", "-shm": "WAL-indekset"}


@dataclass(frozen=True)
class JournalChoice:
    mode: str
    reason: str


def journal_choice(version: tuple[int, int, int] = sqlite3.sqlite_version_info) -> JournalChoice:
    shown = ".".join(map(str, version))
    if tuple(version) >= WAL_SAFE_FROM:
        return JournalChoice("wal", f"SQLite {shown} ≥ 3.51.3 har rettelsen af WAL-reset-fejlen")
    return JournalChoice(
        "truncate",
        f"SQLite {shown} < 3.51.3 har WAL-reset-fejlen ved flere samtidige skrivere; "
        "derfor rollback-journal (TRUNCATE)",
    )


# -- the files around the database ----------------------------------------------------------------


def side_file_problem(path: str | Path) -> StorageError | None:
    """A journal, WAL or WAL-index name that is a symlink or not a regular file.

    SQLite blocks for ever on a FIFO there and refuses a symlink only with "unable to open";
    the coordinator's commands run as root, so neither may be followed. Checked before every
    connection and every write transaction (a check, then SQLite's open: a small window remains;
    the folder's permissions (2770, group taelleuge) are what keep strangers out).
    """
    for suffix, what in SIDE_FILES.items():
        side = Path(f"{path}{suffix}")
        try:
            mode = os.lstat(side).st_mode
        except OSError:
            continue
        if not stat.S_ISREG(mode):
            return not_a_regular_file(side, what)
    return None


def database_file_problem(path: str | Path) -> StorageError | None:
    """The database's own name is a symlink or not a regular file. The folder is writable by the
    whole group (2770, no sticky bit), so a member could put a link there: root's next command
    (export, init) would then write Tælleuge's schema into, or create, whatever it points at."""
    path = Path(path)
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return None  # missing: created below with O_NOFOLLOW (storage.group_file)
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        try:
            kind = f"et symbolsk link (til {os.readlink(path)})"
        except OSError:
            kind = "et symbolsk link"
    else:
        kind = "ikke en almindelig fil (en mappe, en FIFO eller en enhed)"
    return UnsafeFile(
        f"Databasen {path} er {kind}. Tælleuge åbner aldrig databasen gennem et link: en anden i "
        "gruppen kunne lede skrivningen hen til en helt anden fil. Intet er gemt eller ændret. "
        "Kontakt IT: læg den rigtige databasefil på plads, eller angiv dens rigtige sti (--db, "
        "TAELLEUGE_DB eller database i konfigurationen). Tjek, hvem der har lavet linket.",
        short="databasefilen er et link eller ikke en almindelig fil: kontakt IT",
    )


def wal_header(path: str | Path) -> bool:
    """True when the file's header says WAL (bytes 18 and 19 are 2), read without SQLite."""
    try:
        with open(path, "rb") as f:
            head = f.read(20)
    except OSError:
        return False
    return len(head) == 20 and head[:16] == b"SQLite format 3\x00" and 2 in (head[18], head[19])


def refuse_old_wal(path: str | Path, version: tuple[int, int, int] = sqlite3.sqlite_version_info) -> None:
    """An SQLite before 3.51.3 must never open a WAL file: it may corrupt it (the WAL-reset race)
    as soon as two connections write or checkpoint at once. Checked from the header bytes, before
    SQLite touches the file."""
    if tuple(version) >= WAL_SAFE_FROM or not wal_header(path):
        return
    shown = ".".join(map(str, version))
    raise UnsafeJournalMode(
        f"Databasen {path} er i WAL-tilstand, men dette program bruger SQLite {shown}. SQLite før "
        "3.51.3 har WAL-reset-fejlen, som kan ødelægge filen, når flere processer skriver på én "
        "gang, så filen er ikke åbnet. Brug Tælleuge med SQLite 3.51.3 eller nyere på denne "
        "maskine, eller få IT til at skifte filen til rollback-journal, mens ingen bruger den: "
        f"sqlite3 {path} 'PRAGMA journal_mode=TRUNCATE'",
        code="wal-before-3.51.3",
    )


def _user() -> str:
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (KeyError, ImportError):
        return str(os.geteuid())


def shared_group(folder: Path) -> str:
    """The group the database's files should belong to: the folder's own group when the folder
    is shared (setgid or group-writable, as README's 2770 folder), else README's ``taelleuge``."""
    try:
        info = os.stat(folder)
        if info.st_mode & (stat.S_ISGID | stat.S_IWGRP):
            import grp

            return grp.getgrgid(info.st_gid).gr_name
    except (OSError, KeyError):
        pass
    return "taelleuge"


def _read_only_filesystem(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def read_only_filesystem_error(path: Path) -> ReadOnlyDatabase:
    return ReadOnlyDatabase(
        f"Databasen {path} ligger på et skrivebeskyttet filsystem, så intet kan gemmes. Det sker "
        "typisk efter diskfejl, eller når disken er monteret skrivebeskyttet (ro): kontakt IT, "
        "før der registreres videre.",
        short="disken med databasen er skrivebeskyttet: kontakt IT",
    )


def diagnose(path: str | Path, *, missing_ok: bool = False) -> StorageError | None:
    """What is wrong around ``path`` for a process that must write it, found by looking at the
    files (which one, which permission), or None when nothing is.

    Used before opening a store, and to name the cause of SQLite's READONLY, CANTOPEN and IOERR
    codes, which do not say whether it was the database, its journal or the folder.
    """
    path = Path(path)
    unsafe = database_file_problem(path)
    if unsafe is not None:
        return unsafe
    try:
        if not path.exists():
            if path.parent.is_dir() and not os.access(path.parent, os.W_OK | os.X_OK):
                return _folder_error(path.parent, _user())
            return None if missing_ok else gone_error(path)
        if _read_only_filesystem(path.parent):
            return read_only_filesystem_error(path)
        unsafe = side_file_problem(path)
        if unsafe is not None:
            return unsafe
        user = _user()
        sides = [Path(f"{path}{suffix}") for suffix in SIDE_FILES]
        for candidate in (path, *(s for s in sides if s.exists())):
            if not os.access(candidate, os.R_OK | os.W_OK):
                group = shared_group(path.parent)
                return ReadOnlyDatabase(
                    f"{candidate} kan ikke skrives af brugeren {user}, så intet kan gemmes. Sæt "
                    f"brugeren i gruppen {group} (som root: usermod -aG {group} {user}; brugeren "
                    f"logger derefter ud og ind igen), og giv filen gruppe-skriveret: "
                    f"chgrp {group} {candidate} && chmod g+rw {candidate}",
                    short=f"{candidate.name} kan ikke skrives (rettigheder): kontakt IT",
                )
        journal = sides[0]
        if not journal.exists() and not os.access(path.parent, os.W_OK | os.X_OK):
            return _folder_error(path.parent, user)
    except OSError:
        return None
    return None


def _folder_error(folder: Path, user: str) -> ReadOnlyDatabase:
    group = shared_group(folder)
    return ReadOnlyDatabase(
        f"Mappen {folder} kan ikke skrives af brugeren {user}, så SQLite kan ikke lave databasen "
        f"eller sin journal der, og intet kan gemmes. Sæt brugeren i gruppen {group} (som root: "
        f"usermod -aG {group} {user}; brugeren logger derefter ud og ind igen), og giv mappen "
        f"gruppe-skriveret: chgrp {group} {folder} && chmod 2770 {folder}",
        short=f"mappen {folder.name} kan ikke skrives (rettigheder): kontakt IT",
    )


def file_identity(path: Path) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def file_replaced(conn: sqlite3.Connection) -> bool:
    """The file at the connection's path is no longer the one it opened: deleted (and perhaps
    made again by ``init``), or another file moved into its place. The connection would go on
    writing into the old inode, which nobody will ever read. One stat(): cheap before a write."""
    path, opened = getattr(conn, "path", None), getattr(conn, "identity", None)
    if path is None or opened is None:
        return False
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return True
    except OSError:
        return False  # unreachable for another reason: SQLite's own error says which
    return (info.st_dev, info.st_ino) != opened


def replaced_error(path: Path) -> DatabaseUnreachable:
    """The file this process opened is no longer at its path, and no usable one is there."""
    return DatabaseUnreachable(
        f"Databasefilen {path} er slettet, omdøbt eller erstattet, mens programmet kørte. Intet er "
        "gemt. Luk programmet, og kontakt IT: filen skal ligge på sin plads (taelleuge init laver "
        "en ny), før der registreres videre.",
        short="databasefilen er slettet eller flyttet: kontakt IT",
    )


def gone_error(path: Path) -> DatabaseUnreachable:
    return DatabaseUnreachable(
        f"Databasefilen {path} findes ikke (længere), eller mappen kan ikke nås. Intet er gemt. "
        "Er filen slettet eller flyttet, så kontakt IT; kør taelleuge doctor for at se stien.",
        short="databasefilen findes ikke (længere): kontakt IT",
    )


# -- SQLite's errors, translated ------------------------------------------------------------------

_BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = 5, 6, 8, 10, 11, 13, 14, 26
_PERM, _AUTH = 3, 23
_READONLY_DBMOVED = _READONLY | (4 << 8)
_READONLY_DIRECTORY = _READONLY | (6 << 8)


def translate(error: BaseException, path: str | Path | None) -> StorageError | None:
    """The typed error for an SQLite error about the file, or None for any other error.

    Classified by ``sqlite_errorcode`` (primary code ``& 0xff``, plus extended codes), with the
    files around ``path`` inspected where the code alone does not say which file or why.
    """
    if isinstance(error, StorageError):
        return error
    code = getattr(error, "sqlite_errorcode", None)
    if not isinstance(error, sqlite3.Error) or code is None:
        return None
    name = getattr(error, "sqlite_errorname", "") or str(code)
    primary = code & 0xFF
    where = Path(path) if path is not None else None
    shown = str(where) if where is not None else "Databasen"
    if primary in (_BUSY, _LOCKED):
        seconds = BUSY_TIMEOUT_MS // 1000
        find = f"fuser -v {where} {where}-writelock" if where is not None else "fuser -v DATABASEFIL"
        return DatabaseBusy(
            f"{'Databasen ' + str(where) if where is not None else 'Databasen'} er optaget: en "
            f"anden proces har holdt den låst i mere end {seconds} sekunder (SQLite: {name}). "
            f"Intet er gemt. Prøv igen om lidt; sker det igen, så find processen med: {find}",
            code=name,
        )
    if primary == _FULL:
        from ..temp_space import full_temp_folder, sqlite_temp_dir, temp_full_message

        temp = full_temp_folder(sqlite_temp_dir(), where.parent if where is not None else None)
        if temp is not None:  # a temporary table (an import's staging rows) filled TMPDIR
            return DiskFull(f"{temp_full_message(temp, 'SQLite')} (SQLite: {name})", code=name)
        folder = f" ({where.parent})" if where is not None else ""
        return DiskFull(
            f"Disken med databasen {shown}{folder} er fuld (SQLite: {name}). Intet er gemt, og "
            "databasen er uændret. Frigør plads på disken, og prøv igen.",
            code=name,
        )
    if primary == _CORRUPT:
        return CorruptDatabase(
            f"Databasefilen {shown} er beskadiget (SQLite: {name}). Intet er gemt, og filen er "
            "ikke ændret. Kør taelleuge doctor; finder integritetstjekket fejl, så læg en "
            "sikkerhedskopi tilbage.",
            code=name,
        )
    if primary == _NOTADB:
        return NotTaelleugeDatabase(
            f"{shown} er ikke en Tælleuge-database: filen er ikke en SQLite-database (SQLite: "
            f"{name}). Filen er ikke ændret. Tjek stien (--db eller TAELLEUGE_DB); er det den "
            "rigtige fil, så kør taelleuge doctor.",
            code=name,
        )
    if code == _READONLY_DBMOVED:
        return DatabaseUnreachable(
            f"Databasefilen {shown} er slettet, omdøbt eller erstattet, mens programmet kørte "
            f"(SQLite: {name}). Intet er gemt. Luk programmet, og kontakt IT: filen skal ligge "
            "på sin plads, før der registreres videre.",
            short="databasefilen er slettet eller flyttet: kontakt IT",
            code=name,
        )
    if primary not in (_READONLY, _IOERR, _CANTOPEN, _PERM, _AUTH):
        return None
    found = diagnose(where) if where is not None else None
    if found is not None:
        found.code = name
        return found
    if primary == _IOERR and where is not None and _no_space(where.parent):
        return DiskFull(
            f"Disken med databasen {where} ({where.parent}) er fuld (SQLite: {name}). Intet er "
            "gemt. Frigør plads på disken, og prøv igen.",
            code=name,
        )
    if primary == _IOERR:
        return DatabaseUnreachable(
            f"Disken svarer med en I/O-fejl for {shown} (SQLite: {name}). Intet er gemt. Det er en "
            "disk- eller netværksfejl: kontakt IT, og kør taelleuge doctor.",
            short="I/O-fejl på disken med databasen: kontakt IT",
            code=name,
        )
    if primary == _CANTOPEN:
        return DatabaseUnreachable(
            f"{shown} kan ikke åbnes (SQLite: {name}). Intet er gemt. Tjek, at filen og mappen "
            f"findes og kan læses og skrives af gruppen "
            f"{shared_group(where.parent) if where is not None else 'taelleuge'}; kør "
            "taelleuge doctor.",
            short="databasefilen kan ikke åbnes: kontakt IT",
            code=name,
        )
    file = where if where is not None else "DATABASEFIL"
    group = shared_group(where.parent) if where is not None else "taelleuge"
    return ReadOnlyDatabase(
        f"{shown} er åbnet skrivebeskyttet, så intet kan gemmes (SQLite: {name}). Tjek, at "
        f"filen kan skrives af gruppen {group} (chgrp {group} {file} && chmod g+rw {file}), "
        "og at disken ikke er monteret skrivebeskyttet.",
        short="databasen kan ikke skrives (skrivebeskyttet): kontakt IT",
        code=name,
    )


def _no_space(folder: Path) -> bool:
    try:
        return os.statvfs(folder).f_bavail == 0
    except OSError:
        return False


def typed_error(error: sqlite3.Error, path: str | Path | None) -> StorageError:
    """:func:`translate`, or for an error that is not about the file (a constraint, SQL this
    program should not have sent) a plain :class:`StorageError` naming SQLite's code: nothing
    leaves the engine as a ``sqlite3`` exception."""
    typed = translate(error, path)
    if typed is not None:
        return typed
    name = getattr(error, "sqlite_errorname", None) or type(error).__name__
    return StorageError(
        f"Databasen afviste handlingen (SQLite: {name}). Intet er gemt. Kør taelleuge doctor, og "
        "kontakt tovholderen, hvis det sker igen.",
        short=f"databasen afviste handlingen ({name}): kontakt tovholderen",
        code=name,
    )


@contextmanager
def translated(path: str | Path | None) -> Iterator[None]:
    """Every SQLite error inside the block leaves it as a :class:`StorageError` (:func:`typed_error`),
    with the original as its ``__cause__``."""
    try:
        yield
    except sqlite3.Error as error:
        raise typed_error(error, path) from error


# -- connections ----------------------------------------------------------------------------------


class Connection(sqlite3.Connection):
    """A connection that knows its file (for messages), which file that was when it was opened
    (device and inode, :func:`file_replaced`) and its write queue (:func:`write_txn`)."""

    path: Path | None = None
    identity: tuple[int, int] | None = None
    queue: WriteQueue | None = None

    def close(self) -> None:
        if self.queue is not None:
            self.queue.close()
            self.queue = None
        super().close()


def path_of(conn: sqlite3.Connection) -> Path | None:
    return getattr(conn, "path", None)


def connect(path: str | Path, *, readonly: bool = False) -> sqlite3.Connection:
    """Open a connection with the project's pragmas.

    ``isolation_level=None`` stops Python from opening transactions behind our back: every write
    goes through :func:`write_txn`, which says ``BEGIN IMMEDIATE`` itself. ``check_same_thread``
    is off because the TUI writes from a worker thread; :class:`storage.sqlite.store.Store` serialises
    use of the connection with a lock.
    """
    path = Path(path)
    unsafe = database_file_problem(path) or side_file_problem(path)
    if unsafe is not None:
        raise unsafe
    refuse_old_wal(path)
    with translated(path):
        target, uri = (f"{path.resolve().as_uri()}?mode=ro", True) if readonly else (str(path), False)
        conn = sqlite3.connect(
            target,
            uri=uri,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
            check_same_thread=False,
            factory=Connection,
        )
        conn.path = path
        conn.identity = file_identity(path)
        if not readonly:
            conn.queue = WriteQueue(f"{path}-writelock")  # next to SQLite's own -journal file
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if not readonly:
                _set_journal_mode(conn, journal_choice().mode)
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            # Without it INSERT OR REPLACE deletes the old row without firing the append-only trigger.
            conn.execute("PRAGMA recursive_triggers = ON")
        except BaseException:
            conn.close()
            raise
    return conn


def connect_checked(path: str | Path) -> sqlite3.Connection:
    """``connect`` for a file that must be a database: a file that is not SQLite at all fails here
    as :class:`NotTaelleugeDatabase` (the journal-mode pragma is the first thing that reads the
    header), a damaged one as :class:`CorruptDatabase`."""
    return connect(path)


def _set_journal_mode(conn: sqlite3.Connection, wanted: str) -> None:
    current = conn.execute("PRAGMA journal_mode").fetchone()[0].lower()
    if current == wanted:
        return
    try:
        conn.execute(f"PRAGMA journal_mode = {wanted}")
    except sqlite3.OperationalError:
        # Leaving WAL needs the file to ourselves; another process has it open. Keep going in the
        # mode the file is in: `taelleuge doctor` shows the mode actually in force.
        pass


def journal_mode(conn: sqlite3.Connection) -> str:
    return conn.execute("PRAGMA journal_mode").fetchone()[0].lower()


@contextmanager
def read_txn(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One short read transaction: every query inside sees the same committed state.

    Keep it short: in the rollback journal a reader's lock makes every writer's commit wait.
    """
    with translated(path_of(conn)):
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            if conn.in_transaction:
                conn.execute("COMMIT")


@contextmanager
def write_txn(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE … COMMIT``: take the write lock before the first read.

    A deferred ``BEGIN`` that reads and then writes fails at once with SQLITE_BUSY when another
    process wrote in between, without waiting for ``busy_timeout``; IMMEDIATE waits its turn.
    With ``synchronous=FULL`` the row is on disk when COMMIT returns.

    Writers first queue on a kernel file lock next to the database (:mod:`storage.sqlite.write_queue`),
    for at most ``BUSY_TIMEOUT_MS``, the bound SQLite's own lock has too.
    """
    path = path_of(conn)
    queue = getattr(conn, "queue", None)
    if path is not None:
        unsafe = side_file_problem(path)
        if unsafe is not None:
            raise unsafe
    queued = queue.acquire(BUSY_TIMEOUT_MS / 1000) if queue is not None else False
    try:
        if file_replaced(conn):  # never a write into a file that is gone (the store reopens first)
            raise replaced_error(path)
        with translated(path):
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                _rollback(conn)
                raise
    finally:
        if queued:
            queue.release()


def _rollback(conn: sqlite3.Connection) -> None:
    if not conn.in_transaction:
        return
    try:
        conn.execute("ROLLBACK")
    except sqlite3.Error:
        # SQLite rolls back by itself after errors such as a full disk; the first error is the one
        # to report, and a hot journal is rolled back by the next connection.
        pass
