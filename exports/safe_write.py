"""Write a file so that nobody ever sees half of it, and nothing is overwritten by accident.

The bytes go to a hidden temporary file in the target's own folder (so the final step is a rename
on one file system), are flushed to disk, and only then take the target's name. Without
``overwrite`` the last step is a hard link, which fails if the name was taken in the meantime;
the existing file is left exactly as it was.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from storage.errors import Refusal


def check_target(target: Path, *, overwrite: bool) -> Path:
    """Refuse before any work is done: a folder that does not exist, a folder as target, or an
    existing file without ``overwrite``."""
    target = Path(target).expanduser()
    if target.is_dir():
        raise Refusal(f"{target} er en mappe. Angiv et filnavn med --ud.", "ud")
    if not target.parent.is_dir():
        raise Refusal(f"Mappen {target.parent} findes ikke. Opret den først.", "ud")
    if not os.access(target.parent, os.W_OK | os.X_OK):
        raise Refusal(f"Der kan ikke skrives i mappen {target.parent}.", "ud")
    if target.exists() and not overwrite:
        raise Refusal(
            f"Filen {target} findes allerede og er ikke ændret. Vælg et andet navn, eller brug "
            "--overskriv for at erstatte den.",
            "ud",
        )
    return target


class SafeFile:
    """A temporary file that becomes ``target`` on :meth:`commit` and vanishes on :meth:`abort`.

    Also a context manager: leaving the block without ``commit`` removes the temporary file.
    """

    def __init__(self, target: Path, *, overwrite: bool):
        self.target = check_target(target, overwrite=overwrite)
        self.overwrite = overwrite
        fd, name = tempfile.mkstemp(prefix=f".{self.target.name}.", suffix=".tmp", dir=self.target.parent)
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

    def __exit__(self, *exc: object) -> None:
        if not self.done:
            self.abort()

    def write(self, data: bytes) -> None:
        self.file.write(data)
        self.size += len(data)

    def reset(self) -> None:
        """Start the temporary file over (nothing of it was ever visible)."""
        self.file.seek(0)
        self.file.truncate()
        self.size = 0

    def commit(self) -> Path:
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        publish(self.temp, self.target, overwrite=self.overwrite)
        self.done = True
        return self.target

    def abort(self) -> None:
        self.done = True
        if not self.file.closed:
            self.file.close()
        self.temp.unlink(missing_ok=True)


def publish(temp: Path, target: Path, *, overwrite: bool) -> None:
    """Give a finished temporary file its final name (same folder)."""
    try:
        if overwrite:
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
