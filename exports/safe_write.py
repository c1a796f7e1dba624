"""Write a file so that nobody ever sees half of it, and nothing is overwritten by accident.

The bytes go to a hidden temporary file in the target's own folder (so the final step is a rename
on one file system), are flushed to disk, and only then take the target's name. Without
``overwrite`` the last step is a hard link, which fails if the name was taken in the meantime;
the existing file is left exactly as it was. ``overwrite`` replaces regular files only, never a
device, a FIFO, a folder or a symlink. A write that fails (a full disk, a file size limit) removes
the temporary file and says so in Danish.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import tempfile
import time
from pathlib import Path

from storage.errors import OutputError, Refusal, os_error_message, os_reason

# ".<name>.<8 random>.tmp": what the temporary file adds to the target's name.
_TEMP_EXTRA = len("..") + 8 + len(".tmp")

_KINDS = ((stat.S_ISLNK, "et symbolsk link"), (stat.S_ISDIR, "en mappe"),
          (stat.S_ISFIFO, "en FIFO (navngivet rør)"), (stat.S_ISCHR, "en enhedsfil"),
          (stat.S_ISBLK, "en enhedsfil"), (stat.S_ISSOCK, "en sokkel"))


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "ikke en almindelig fil")


def _not_regular(target: Path, mode: int) -> Refusal:
    return Refusal(
        f"{target} er {_kind(mode)}, ikke en almindelig fil, og erstattes ikke (heller ikke med "
        "--overskriv). Angiv et andet filnavn med --ud.",
        "ud",
    )


def check_target(target: Path, *, overwrite: bool) -> Path:
    """Refuse before any work is done: a folder that does not exist, a folder as target, a name
    too long for the file system, an existing file without ``overwrite``, and anything but a
    regular file with it."""
    target = Path(target).expanduser()
    try:
        try:
            existing = os.lstat(target)
        except FileNotFoundError:
            existing = None
        if existing is not None and stat.S_ISDIR(existing.st_mode):
            raise Refusal(f"{target} er en mappe. Angiv et filnavn med --ud.", "ud")
        if not target.parent.is_dir():
            raise Refusal(f"Mappen {target.parent} findes ikke. Opret den først.", "ud")
        limit = os.pathconf(target.parent, "PC_NAME_MAX") - _TEMP_EXTRA - len(".kontrol.txt")
        if len(os.fsencode(target.name)) > limit:
            raise Refusal(
                f"Filnavnet er for langt ({len(os.fsencode(target.name))} byte; højst {limit} her, "
                "fordi en midlertidig fil og kontrolrapporten får navne, der er lidt længere). "
                "Vælg et kortere navn.",
                "ud",
            )
        if not os.access(target.parent, os.W_OK | os.X_OK):
            raise Refusal(f"Der kan ikke skrives i mappen {target.parent}.", "ud")
    except OSError as error:
        raise Refusal(os_error_message(error, f"Filen {target} kan ikke bruges"), "ud") from None
    if existing is not None and not overwrite:
        raise Refusal(
            f"Filen {target} findes allerede og er ikke ændret. Vælg et andet navn, eller brug "
            "--overskriv for at erstatte den.",
            "ud",
        )
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        raise _not_regular(target, existing.st_mode)
    return target


class SafeFile:
    """A temporary file that becomes ``target`` on :meth:`commit` and vanishes on :meth:`abort`.

    Also a context manager: leaving the block without ``commit`` removes the temporary file.
    """

    def __init__(self, target: Path, *, overwrite: bool):
        self.target = check_target(target, overwrite=overwrite)
        self.overwrite = overwrite
        remove_stale_temporaries(self.target)
        try:
            fd, name = tempfile.mkstemp(prefix=f".{self.target.name}.", suffix=".tmp",
                                        dir=self.target.parent)
        except OSError as error:
            raise OutputError(f"Filen {self.target} kan ikke laves: {os_reason(error)}. Intet er "
                              "skrevet.") from error
        self.temp = Path(name)
        # mkstemp makes 0600; give the final file the mode any new file would get (umask).
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        self.file = os.fdopen(fd, "wb")
        self.size = 0
        self.done = False

    def __enter__(self) -> SafeFile:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if not self.done:
            self.abort()
            if isinstance(exc, OSError):  # a writer that used ``file`` directly (openpyxl)
                raise self._failed(exc) from exc

    def _failed(self, error: OSError) -> OutputError:
        self.abort()
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            # openpyxl keeps each worksheet in TMPDIR until the end: that may be what is full.
            from storage.temp_space import full_temp_folder, python_temp_dir, temp_full_message

            temp = full_temp_folder(python_temp_dir(), self.target.parent)
            if temp is not None:
                return OutputError(f"Filen {self.target} kunne ikke skrives. "
                                   + temp_full_message(temp, "Excel-skrivningen"))
        return OutputError(
            f"Filen {self.target} kunne ikke skrives: {os_reason(error)}. Intet er gemt under det "
            "navn, og den halve midlertidige fil er slettet igen."
        )

    def write(self, data: bytes) -> None:
        try:
            self.file.write(data)
        except OSError as error:
            raise self._failed(error) from error
        self.size += len(data)

    def reset(self) -> None:
        """Start the temporary file over (nothing of it was ever visible)."""
        self.file.seek(0)
        self.file.truncate()
        self.size = 0

    def commit(self) -> Path:
        try:
            self.file.flush()
            os.fsync(self.file.fileno())
            self.file.close()
            publish(self.temp, self.target, overwrite=self.overwrite)
        except OSError as error:
            raise self._failed(error) from error
        self.done = True
        return self.target

    def abort(self) -> None:
        """Remove the temporary file. Never raises: closing flushes what is still buffered, and
        on a full disk that fails too; the bytes are thrown away anyway."""
        self.done = True
        try:
            if not self.file.closed:
                self.file.close()  # closes the descriptor even when the flush fails
        except OSError:
            pass
        finally:
            try:
                self.temp.unlink(missing_ok=True)
            except OSError:
                pass


# A temporary file of a write that was killed (SIGKILL, power) is never removed by that write;
# the next write of the same name removes the writer's own ones once they are this old.
STALE_AFTER_SECONDS = 3600
_RANDOM = re.compile(r"[a-z0-9_]{8}")  # what tempfile.mkstemp puts between prefix and suffix


def remove_stale_temporaries(target: Path) -> list[Path]:
    """Remove ``.<name>.XXXXXXXX.tmp`` files next to ``target`` that this user owns and that are
    older than an hour: nothing a running write could still be using. Returns what it removed."""
    prefix, removed = f".{target.name}.", []
    now = time.time()
    try:
        names = os.listdir(target.parent)
    except OSError:
        return removed
    for name in names:
        if not (name.startswith(prefix) and name.endswith(".tmp")
                and _RANDOM.fullmatch(name[len(prefix):-len(".tmp")])):
            continue
        path = target.parent / name
        try:
            info = os.lstat(path)
            if (stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid()
                    and now - info.st_mtime > STALE_AFTER_SECONDS):
                path.unlink()
                removed.append(path)
        except OSError:
            continue
    return removed


def publish(temp: Path, target: Path, *, overwrite: bool) -> None:
    """Give a finished temporary file its final name (same folder)."""
    try:
        if overwrite:
            try:  # checked again at the last moment: only a regular file is ever replaced
                mode = os.lstat(target).st_mode
            except FileNotFoundError:
                mode = None
            if mode is not None and not stat.S_ISREG(mode):
                raise _not_regular(target, mode)
            os.replace(temp, target)
        else:
            try:
                os.link(temp, target)  # atomic, and fails if the name is taken
            except FileExistsError:
                raise Refusal(
                    f"Filen {target} blev oprettet af en anden imens og er ikke ændret. "
                    "Vælg et andet navn, eller brug --overskriv.",
                    "ud",
                ) from None
            except OSError:
                # A file system without hard links: check, then rename (a tiny window remains).
                if target.exists():
                    raise Refusal(f"Filen {target} findes allerede og er ikke ændret.", "ud") from None
                os.rename(temp, target)
            temp.unlink(missing_ok=True)
        _sync_dir(target.parent)
    finally:
        temp.unlink(missing_ok=True)


def write_bytes(target: Path, data: bytes, *, overwrite: bool) -> Path:
    with SafeFile(target, overwrite=overwrite) as out:
        out.write(data)
        return out.commit()


def _sync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
