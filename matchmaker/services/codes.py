"""One-time codes a person is handed or told: a password reset code, a profile's claim
code. Twelve letters and digits of an alphabet without 0/O, 1/I/L (about 59 bits), shown
in groups of four, typed back in any case, width or spacing; wrong tries counted
against the code, which a fixed number of them voids."""

from __future__ import annotations

import secrets

from sqlalchemy import update

from ..extensions import db
from ..identifiers import normalise_text

#: No 0/O, 1/I/L: a code read out over the counter is typed back right.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 12  # about 59 bits


def new_code() -> str:
    """A fresh code, in its plain form."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def display(code: str) -> str:
    """A code in groups of four, as it is read out: ``ABCD-EFGH-JKMN``."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def plain(text: str | None) -> str:
    """A code as typed or scanned (any case, width, spaces or dashes) in its plain form."""
    folded = normalise_text(text or "").upper()[:64]
    return "".join(ch for ch in folded if ch not in " -")


def count_wrong_try(model, ident: int, failures, limit: int, void: dict) -> None:
    """Count one wrong try against the code of row ``ident`` (its ``failures`` column), and
    at ``limit`` tries set ``void``'s values, which void it. Two atomic UPDATEs, committed
    here: the request rolls back its refusal, the count stays."""
    db.session.execute(update(model).where(model.id == ident).values({failures: failures + 1}))
    db.session.execute(update(model).where(model.id == ident, failures >= limit).values(void))
    db.session.commit()
