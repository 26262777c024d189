"""Password hashing with Argon2id (argon2-cffi), with rehash on parameter upgrades.

Each hash or verification takes 64 MiB for its duration; at most `hashes_at_once` of them
run in this process at a time (`limit_hashes_at_once`, from SUBDESK_PASSWORD_HASHES_AT_ONCE),
so a burst of sign-ups or sign-ins queues instead of taking 64 MiB each at once.
"""

from __future__ import annotations

import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
_slots = threading.BoundedSemaphore(4)


def limit_hashes_at_once(count: int) -> None:
    """How many Argon2 computations this process runs at once (the rest wait their turn)."""
    global _slots  # one memory budget per process
    _slots = threading.BoundedSemaphore(max(1, count))


def hash_password(password: str) -> str:
    with _slots:
        return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        with _slots:
            return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


# A hash of nothing in particular: verifying against it when an email is unknown
# keeps sign-in timing the same for known and unknown accounts.
DUMMY_HASH = hash_password("subdesk-timing-equaliser")
