"""Password hashing with argon2id, at a cost read from the app's settings."""

import secrets
from functools import lru_cache
from pathlib import Path

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


def decoy_hash() -> str:
    """A hash no password matches, at the current cost: checked when there is no account,
    so that the answer takes as long as for a real one."""
    cfg = current_app.config
    cost = (cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_COST_KIB"], cfg["ARGON2_PARALLELISM"])
    return _decoy(cost)


@lru_cache(maxsize=4)
def _decoy(cost: tuple) -> str:
    return PasswordHasher(*cost).hash(secrets.token_urlsafe(16))


def needs_rehash(password_hash: str) -> bool:
    """True when the stored hash was made at a cost other than the current one."""
    return _hasher().check_needs_rehash(password_hash)


# --- what a password must not be ------------------------------------------------------

MIN_LENGTH, MAX_LENGTH = 8, 128
COMMON_FILE = Path(__file__).resolve().parents[1] / "data" / "common_passwords.txt"
#: Words anyone would guess for this service: its names and its places.
CONTEXT_WORDS = (
    "matchmaker", "产才对接", "人大", "renda", "rendadaibiao", "人大代表", "daibiao", "lianluo",
    "联络站", "lianluozhan", "henan", "河南", "xuchang", "许昌", "yanling", "鄢陵", "puyang",
    "濮阳", "xinyang", "信阳", "zhengzhou", "郑州", "huamu", "花木",
)  # fmt: skip


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    lines = COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().lower() for line in lines if line.strip() and not line.startswith("#")
    )


def password_problem(password: str, email: str = "", name: str = "") -> str | None:
    """Why a password is refused (a message code), or None when it is acceptable.

    At least 8 characters and at most 128, no composition rules (ASVS 5.0); refused when
    it is a common password, or little more than a word tied to this service, its
    places, or the person's own e-mail or name.
    """
    if len(password) < MIN_LENGTH or len(password) > MAX_LENGTH:
        return "password_length"
    lowered = password.lower()
    if lowered in _common() or len(set(lowered)) <= 2:
        return "password_common"
    personal = [email.split("@")[0].lower(), name.lower().replace(" ", "")]
    for word in (*CONTEXT_WORDS, *(p for p in personal if len(p) >= 3)):
        if word and word in lowered and len(lowered.replace(word, "")) < MIN_LENGTH:
            return "password_guessable"
    return None
