"""A durable PostgreSQL server for the benchmarks: tests/pg_server.py's throwaway cluster, but
with fsync on (the tests' server skips it; a benchmark compares durable commits) and room for
200 writers. Reached over its Unix socket, like a kiosk on the database host."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import _common as c  # noqa: F401  (repo root on sys.path)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import pg_server as pgs  # noqa: E402

SETTINGS = {"max_connections": "260", "shared_buffers": "256MB"}


def server() -> pgs.PgServer:
    return pgs.start_server("taelleuge-bench-pg", durable=True, settings=SETTINGS)


def database(srv: pgs.PgServer, name: str) -> str:
    """A new migrated database; its postgresql:// URL (Unix socket)."""
    import psycopg

    from storage.open import open_store

    with psycopg.connect(srv.url(), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    url = srv.url(name)
    open_store(url, station="setup", operator="bench", create=True).close()
    return url


def loaded(srv: pgs.PgServer, name: str, source: Path) -> str:
    """A database holding every row of the SQLite file ``source`` (storage.move, big chunks)."""
    from storage import move
    from storage.open import open_store

    url = database(srv, name)
    t = time.perf_counter()
    with open_store(source, station="bench", operator="bench") as src, \
            open_store(url, station="bench", operator="bench") as dst:
        results = move.move(src, dst, chunk=50_000)
        dst._call(lambda conn: conn.execute("VACUUM ANALYZE"), retry=False)
    print(f"PostgreSQL copy of {source.name}: "
          + ", ".join(f"{r.table} {r.target:,}" for r in results)
          + f" in {time.perf_counter() - t:.0f} s (+ VACUUM ANALYZE)")
    return url


def settings_line(url: str) -> str:
    import psycopg

    with psycopg.connect(url) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        shown = [f"{n}={conn.execute(f'SHOW {n}').fetchone()[0]}"
                 for n in ("fsync", "synchronous_commit", "wal_sync_method", "shared_buffers",
                           "commit_delay")]
    return f"PostgreSQL {version}, Unix socket; " + ", ".join(shown)
