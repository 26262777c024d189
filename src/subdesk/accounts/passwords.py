"""Password hashing with Argon2id (argon2-cffi), with rehash on parameter upgrades."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

MIN_LENGTH = 10
MAX_LENGTH = 256


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


# A hash of nothing in particular: verifying against it when an email is unknown
# keeps sign-in timing the same for known and unknown accounts.
DUMMY_HASH = hash_password("subdesk-timing-equaliser")
