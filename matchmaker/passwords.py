"""Password hashing with argon2id, at a cost read from the app's settings."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

# OWASP ASVS 5.0 (Appendix C, via the OWASP password storage guidance) asks argon2id
# for at least 19 MiB of memory, 2 iterations and 1 degree of parallelism.
ASVS_MIN_MEMORY_KIB = 19 * 1024
ASVS_MIN_TIME_COST = 2
ASVS_MIN_PARALLELISM = 1


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(
        time_cost=cfg["ARGON2_TIME_COST"],
        memory_cost=cfg["ARGON2_MEMORY_COST_KIB"],
        parallelism=cfg["ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    """Return an argon2id hash (salted, with its parameters encoded in the string)."""
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches ``password_hash``; never raises for a mismatch."""
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the stored hash was made at a cost other than the current one."""
    return _hasher().check_needs_rehash(password_hash)
