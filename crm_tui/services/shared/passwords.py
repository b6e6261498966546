"""Argon2id with OWASP's minimum parameters (19 MiB, 2 passes, 1 lane): ~19 ms here, not ~156."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from crm_tui.errors import InvalidInput

HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
MIN_OPERATOR_PASSWORD = 10
_DUMMY_HASH = "$argon2id$v=19$m=19456,t=2,p=1$2OcrCsKaNNdRcKEAtruilw$P0G9Hbd7rpV9euCju86jT/IZyTzJuzkSvJCM90saW5A"
"""A hash of a phrase nobody types, with HASHER's parameters (a test checks them): verifying against
it spends the same time as a real check. Written out rather than hashed at import, which cost every
command ~20-80 ms before it did anything."""


def hash_secret(secret: str) -> str:
    return HASHER.hash(secret)


def verify_secret(stored_hash: str | None, secret: str) -> bool:
    """True if `secret` matches; spends the same time when there is no stored hash."""
    try:
        return HASHER.verify(stored_hash or _DUMMY_HASH, secret) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def check_operator_password(password: str, *, field: str = "password") -> str:
    if len(password) < MIN_OPERATOR_PASSWORD:
        raise InvalidInput(
            f"An operator password has at least {MIN_OPERATOR_PASSWORD} characters.",
            fields={field: f"At least {MIN_OPERATOR_PASSWORD} characters."},
        )
    if password.strip() != password or not password.strip():
        raise InvalidInput(
            "A password cannot start or end with spaces.", fields={field: "No leading or trailing spaces."}
        )
    return password
