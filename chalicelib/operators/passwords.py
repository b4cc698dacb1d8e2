"""Password hashes: Argon2id (argon2-cffi), verified in constant time, rehashed when the
parameters change.

The parameters are OWASP's first choice for Argon2id (19 MiB, 2 passes, 1 lane): about 0.1 s
of one core, which a Lambda of any size has, and RFC 9106's variant. A login for a name that
does not exist verifies against a hash made once per container, so it costs the same time as
a wrong password and answers the same.
"""
from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify(stored: str | None, password: str) -> bool:
    """True if ``password`` matches ``stored``; with ``stored`` None (no such operator) the same
    work is done against a stand-in hash, and the answer is False."""
    try:
        return HASHER.verify(stored or _stand_in(), password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """The hash was made with other parameters than ``HASHER``'s: store a new one at login."""
    try:
        return HASHER.check_needs_rehash(stored)
    except InvalidHashError:
        return True


@cache
def _stand_in() -> str:
    return HASHER.hash("no operator has this password: it only spends the time of a check")
