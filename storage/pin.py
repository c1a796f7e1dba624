"""The coordinator's PIN, kept in the config only as a salted PBKDF2 hash.

``pbkdf2_sha256$<iterations>$<salt, base64>$<digest, base64>``. The iteration count is bounded both
ways: too few makes the hash cheap to guess, too many lets a config freeze the kiosk for minutes on
every PIN attempt (a PIN check runs on the kiosk itself).
"""

from __future__ import annotations

import base64
import binascii
import os

# hashlib and hmac are imported where a PIN is hashed or checked: loading OpenSSL costs a kiosk
# 2-4 ms of its cold start, and a kiosk only checks a PIN when someone wants to leave it.

SCHEME = "pbkdf2_sha256"
ITERATIONS = 200_000
MIN_ITERATIONS = 100_000
MAX_ITERATIONS = 2_000_000
MIN_SALT_BYTES = 8
DIGEST_BYTES = 32


def hash_pin(pin: str, *, salt: bytes | None = None, iterations: int = ITERATIONS) -> str:
    import hashlib

    salt = salt or os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode("utf-8"), salt, iterations)
    return "$".join([SCHEME, str(iterations), _b64(salt), _b64(digest)])


def hash_problem(stored: str) -> str | None:
    """Why ``stored`` is not a usable PIN hash (Danish, for the config check), or None."""
    parts = stored.split("$")
    if len(parts) != 4 or parts[0] != SCHEME:
        return (f"skal være hash-linjen fra 'taelleuge pin' ({SCHEME}$…$…$…), aldrig selve "
                "PIN-koden")
    _, iterations, salt, digest = parts
    if not iterations.isascii() or not iterations.isdigit() or len(iterations) > 9:
        return f"antallet af gentagelser skal være et helt tal, ikke {iterations[:20]!r}"
    if not MIN_ITERATIONS <= int(iterations) <= MAX_ITERATIONS:
        return (f"antallet af gentagelser skal ligge mellem {MIN_ITERATIONS} og {MAX_ITERATIONS}, "
                f"ikke {int(iterations)}; lav en ny linje med 'taelleuge pin'")
    try:
        salt_bytes = base64.b64decode(salt, validate=True)
        digest_bytes = base64.b64decode(digest, validate=True)
    except (binascii.Error, ValueError):
        return "salt og hash skal være base64; lav en ny linje med 'taelleuge pin'"
    if len(salt_bytes) < MIN_SALT_BYTES or len(digest_bytes) != DIGEST_BYTES:
        return "salt eller hash har forkert længde; lav en ny linje med 'taelleuge pin'"
    return None


def iterations_of(stored: str) -> int | None:
    parts = stored.split("$")
    return int(parts[1]) if len(parts) == 4 and parts[1].isascii() and parts[1].isdigit() else None


def check_pin(pin: str, stored: str | None) -> bool:
    import hashlib
    import hmac

    if not stored:
        return False
    try:
        scheme, iterations, salt, digest = stored.split("$")
        if scheme != SCHEME or not 1 <= int(iterations) <= MAX_ITERATIONS:
            return False  # never let a hash make the kiosk compute for minutes
        expected = base64.b64decode(digest)
        actual = hashlib.pbkdf2_hmac("sha256", pin.encode("utf-8"), base64.b64decode(salt), int(iterations))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(expected, actual)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
