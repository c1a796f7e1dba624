"""The coordinator's PIN, kept in the config only as a salted PBKDF2 hash."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

ITERATIONS = 200_000


def hash_pin(pin: str, *, salt: bytes | None = None, iterations: int = ITERATIONS) -> str:
    salt = salt or os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode("utf-8"), salt, iterations)
    return "$".join(["pbkdf2_sha256", str(iterations), _b64(salt), _b64(digest)])


def check_pin(pin: str, stored: str | None) -> bool:
    if not stored:
        return False
    try:
        scheme, iterations, salt, digest = stored.split("$")
        if scheme != "pbkdf2_sha256":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.pbkdf2_hmac("sha256", pin.encode("utf-8"), base64.b64decode(salt), int(iterations))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(expected, actual)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
