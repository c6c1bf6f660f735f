"""Setting a forgotten password: a signed link by e-mail, or a one-time code from staff.

The e-mailed link carries a token signed with the app's secret key, bound to the account
and to a fingerprint of its current password hash: once the password changes (this
link used, or any other way) every older link is dead. It lasts 30 minutes from the
moment the e-mail is written. Nothing of it is stored.

A one-time code is for people without e-mail: an administrator (any account) or a
station's staff (their station's people only) issues it, sees it once, and the person
enters it with their e-mail or mobile number. It is stored hashed, lasts 24 hours, and
five wrong tries void it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from ..extensions import db
from ..models import Deputy, Enterprise, Graduate, Notification, Role, Station, User
from ..passwords import decoy_hash, hash_password, verify_password
from . import accounts, audit, codes
from .catalogue import station_area
from .clock import now
from .errors import DomainError

LINK_LIFETIME = timedelta(minutes=30)
CODE_LIFETIME = timedelta(hours=24)
CODE_MAX_FAILURES = 5
MAX_TOKEN_LENGTH = 400


# --- the e-mailed link -----------------------------------------------------------------


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def _fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:24]


def link_token(user: User) -> str:
    """A signed token that sets ``user``'s password once, within 30 minutes."""
    return _signer().dumps({"u": user.id, "f": _fingerprint(user)})


def user_of_token(token: str) -> User:
    """The account a reset token is for; ``DomainError`` when it has expired
    (``reset_link_expired``), was used (``reset_link_used``) or is not one of ours."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise DomainError("reset_link_invalid")
    try:
        payload = _signer().loads(token, max_age=int(LINK_LIFETIME.total_seconds()))
    except SignatureExpired:
        raise DomainError("reset_link_expired") from None
    except BadData:
        raise DomainError("reset_link_invalid") from None
    ident = payload.get("u") if isinstance(payload, dict) else None
    plausible = isinstance(ident, int) and not isinstance(ident, bool) and 0 < ident < 2**31
    user = db.session.get(User, ident) if plausible else None
    if user is None or not user.active:
        raise DomainError("reset_link_invalid")
    if not secrets.compare_digest(str(payload.get("f")), _fingerprint(user)):
        raise DomainError("reset_link_used")
    return user


def reset_by_link(token: str, password: str) -> User:
    """Set the password of the token's account; every session of it ends."""
    user = user_of_token(token)
    accounts.set_password(user, password)
    audit.record(user, "password_reset", f"user:{user.id}", via="e-mail")
    return user


def request_link(address: str) -> bool:
    """Write the reset e-mail (a notification, sent by the outbox) when ``address`` is an
    active account's; True if one was written. Runs on the queue, never in the request,
    so the page answers alike (and as fast) whether or not the account exists."""
    name = accounts.sign_in_name(address)
    user = accounts.find_user(address) if name and name[0] == "email" else None
    if user is None or not user.active:
        return False
    db.session.add(Notification(user=user, kind="password_reset"))
    audit.record(None, "password_reset_requested", f"user:{user.id}")
    return True


# --- the one-time code -------------------------------------------------------------------


def in_station_care(user: User, station: Station) -> bool:
    """Whether ``user`` is one of ``station``'s people: a deputy of the station, or an
    enterprise or graduate of its area (the firm's region, the graduate's hometown: as
    the staff pages find them) or registered through its poster."""
    if user.role is Role.DEPUTY:
        deputy_station = select(Deputy.station_id).where(Deputy.user_id == user.id)
        return db.session.scalar(deputy_station) == station.id
    area = station_area(station)
    if user.role is Role.ENTERPRISE:
        region = db.session.scalar(
            select(Enterprise.region_id).where(Enterprise.user_id == user.id)
        )
        return region in area or user.registered_via_id == station.id
    if user.role is Role.GRADUATE:
        home = db.session.scalar(select(Graduate.hometown_id).where(Graduate.user_id == user.id))
        return home in area or user.registered_via_id == station.id
    return False  # staff and administrators: only an administrator


def issue_code(actor: User, name: str) -> tuple[User, str]:
    """A new one-time code for the account signing in as ``name``; returns the account
    and the code in clear (shown once, never stored). An older code stops working.

    An administrator may issue one for any account, station staff for their station's
    people only; any other account is ``account_not_in_care``, as an unknown one is.
    """
    user = accounts.find_user(name)
    allowed = user is not None and (
        actor.role is Role.ADMIN
        or (actor.role is Role.STAFF and actor.station and in_station_care(user, actor.station))
    )
    if not allowed:
        raise DomainError("account_not_in_care", field="account")
    code = codes.new_code()
    user.reset_code_hash = hash_password(code)
    user.reset_code_expires_at = now() + CODE_LIFETIME
    user.reset_code_failures = 0
    audit.record(actor, "reset_code_issued", f"user:{user.id}")
    return user, codes.display(code)


def reset_by_code(name: str, code: str, password: str) -> User:
    """Set the password of the account ``name`` with its one-time code.

    Every refusal of the pair is the same ``reset_code_wrong`` (unknown account, no code,
    expired, wrong); a wrong code counts, and the fifth voids it. A refused new password
    leaves the code as it was, to try again.
    """
    user = accounts.find_user(name)
    live = (
        user is not None
        and user.active
        and user.reset_code_hash is not None
        and user.reset_code_expires_at is not None
        and user.reset_code_expires_at > now()
    )
    stored = user.reset_code_hash if live else decoy_hash()
    if not verify_password(stored, codes.plain(code)) or not live:
        if live:
            _count_wrong_code(user)
        raise DomainError("reset_code_wrong")
    accounts.set_password(user, password)
    audit.record(user, "password_reset", f"user:{user.id}", via="code")
    return user


def _count_wrong_code(user: User) -> None:
    codes.count_wrong_try(
        User, user.id, User.reset_code_failures, CODE_MAX_FAILURES,
        {User.reset_code_hash: None, User.reset_code_expires_at: None},
    )  # fmt: skip
