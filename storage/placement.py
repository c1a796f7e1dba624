"""Where the database file lives: SQLite's locking needs a local filesystem, never NFS or SMB."""

from __future__ import annotations

from pathlib import Path

from .open import is_server

NETWORK_FILESYSTEMS = {"nfs", "nfs4", "cifs", "smb3", "smbfs", "fuse.sshfs", "9p", "ceph",
                       "glusterfs", "afs", "fuse.glusterfs", "lustre", "davfs", "fuse.davfs2"}


def filesystem_type(path: Path, mounts: str = "/proc/mounts") -> str | None:
    """The type of the filesystem holding ``path`` (the longest matching mount point)."""
    target = Path(path).resolve()
    best, kind = -1, None
    try:
        lines = Path(mounts).read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        parts = line.split()
        if len(parts) < 3:
            continue
        point = parts[1].replace("\\040", " ")
        if (target == Path(point) or Path(point) in target.parents) and len(point) > best:
            best, kind = len(point), parts[2]
    return kind


def network_warning(path: Path, mounts: str = "/proc/mounts") -> str | None:
    if is_server(path):
        return None  # a database server, not a file: the network is its business
    kind = filesystem_type(Path(path).parent, mounts)
    if kind in NETWORK_FILESYSTEMS:
        return (f"Databasen ligger på et netværksdrev ({kind}). SQLite kan miste data der, når flere "
                "skriver samtidig: flyt den til en lokal disk, fx /var/lib/taelleuge.")
    return None
