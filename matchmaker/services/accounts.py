"""Accounts: registration, sign-in, and accounts that administrators create."""

import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from ..extensions import db
from ..identifiers import IdentifierError, check_email, check_mobile
from ..models import Deputy, DeputyLevel, Enterprise, Lead, LeadStatus, Role, Station, User
from ..passwords import (
    decoy_hash,
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)
from . import audit
from .errors import DomainError
from .lookup import get_or_refuse, sectors_by_ids

SELF_SERVICE_ROLES = (Role.ENTERPRISE, Role.GRADUATE)


def sign_in_name(text: str) -> tuple[str, str] | None:
    """What a person typed to sign in, as ``("email", address)`` or ``("phone", +86…)``;
    None when it is neither."""
    text = (text or "").strip()[:254]
    try:
        return ("email", check_email(text)) if "@" in text else ("phone", check_mobile(text))
    except IdentifierError:
        return None


def find_user(text: str) -> User | None:
    """The account with this e-mail address or mobile number (case and width folded)."""
    name = sign_in_name(text)
    if name is None:
        return None
    column = User.email if name[0] == "email" else User.phone
    return db.session.scalar(select(User).where(column == name[1]))


def _email_of(email: str | None) -> str | None:
    """An e-mail address no account uses yet, normalised; None when blank."""
    return _unused(email, check_email, User.email, "email", "email_taken")


def _phone_of(phone: str | None) -> str | None:
    """A mobile number no account signs in with yet, in E.164 form; None when blank."""
    return _unused(phone, check_mobile, User.phone, "phone", "phone_taken")


def _unused(value: str | None, check, column, field: str, taken: str) -> str | None:
    """``value`` normalised by ``check`` and free in ``column``; None when blank."""
    if not value or not value.strip():
        return None
    try:
        normalised = check(value)
    except IdentifierError as error:
        raise DomainError(error.code, field=field) from None
    if db.session.scalar(select(User.id).where(column == normalised)) is not None:
        raise DomainError(taken, field=field)
    return normalised


def follow_contact_phone(user: User | None, before: str | None, after: str | None) -> None:
    """Keep the account's sign-in mobile in step with its profile's contact phone.

    The account takes the profile's new number when it signed in with none or with the
    number it replaces, when that is a mobile number and no other account's. Otherwise
    the two part ways quietly: the contact phone is a contact, not an identity.
    """
    if user is None or not after or after == user.phone or user.phone not in (None, before):
        return
    try:
        mobile = check_mobile(after)
    except IdentifierError:
        return
    if db.session.scalar(select(User.id).where(User.phone == mobile, User.id != user.id)) is None:
        user.phone = mobile


def _new_user(
    email: str | None, password: str, role: Role, display_name: str, phone=None, **extra
) -> User:
    normalised, mobile = _email_of(email), _phone_of(phone)
    if normalised is None and mobile is None:
        raise DomainError("sign_in_name_required", field="phone" if email is None else "email")
    problem = password_problem(password, normalised or "", display_name)
    if problem:
        raise DomainError(problem, field="password")
    user = User(
        email=normalised,
        phone=mobile,
        password_hash=hash_password(password),
        session_token=secrets.token_hex(16),
        role=role,
        display_name=display_name.strip(),
        **extra,
    )
    db.session.add(user)
    db.session.flush()
    return user


def register(
    email: str | None,
    password: str,
    role: Role,
    display_name: str,
    station_id: int | None = None,
    phone: str | None = None,
    terms_version: str | None = None,
) -> User:
    """Self-service sign-up; only enterprises and graduates may register themselves.

    An e-mail address, a mobile number or both: either signs in. ``station_id`` records
    the station whose poster the person came through; ``terms_version`` the privacy
    policy and user agreement the person accepted (required).
    """
    if role not in SELF_SERVICE_ROLES:
        raise DomainError("role_not_self_service", field="role")
    if not terms_version:
        raise DomainError("terms_not_accepted", field="accept_terms")
    station = db.session.get(Station, station_id) if station_id else None
    user = _new_user(email, password, role, display_name, phone=phone, registered_via=station)
    accept_terms(user, terms_version)
    return user


def accept_terms(user: User, version: str) -> User:
    """Record that ``user`` accepted the privacy policy and user agreement ``version``."""
    user.terms_version, user.terms_accepted_at = version, datetime.now(UTC)
    audit.record(user, "terms_accepted", f"user:{user.id}", version=version)
    return user


MAX_FAILURES = 10
LOCK_TIME = timedelta(minutes=15)


def authenticate(name: str, password: str) -> User | None:
    """The active account for these credentials, or None. Upgrades an old hash.

    ``name`` is the e-mail address or the mobile number. Ten failures in a row lock the
    account for 15 minutes (``DomainError``), whatever address they come from; a success
    resets the count. An unknown account costs the same hashing as a known one.
    """
    user = find_user(name)
    if user is None or not user.active:
        verify_password(decoy_hash(), password)  # as long as for a real account
        return None
    now = datetime.now(UTC)
    if user.locked_until is not None and user.locked_until > now:
        raise DomainError("account_locked")
    if not verify_password(user.password_hash, password):
        _count_failure(user, now)
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins, user.locked_until = 0, None
    user.last_login_at = now
    return user


def _count_failure(user: User, now: datetime) -> None:
    # One atomic UPDATE, so concurrent attempts on several workers all count; committed
    # here because a failed sign-in writes nothing else for the request to commit.
    db.session.execute(
        update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 1)
    )
    db.session.refresh(user)
    if user.failed_logins >= MAX_FAILURES:
        user.locked_until, user.failed_logins = now + LOCK_TIME, 0
    db.session.commit()


def create_staff(email: str, password: str, display_name: str, station_id: int) -> User:
    """An account for a station's staff member, scoped to that station."""
    station = get_or_refuse(Station, station_id, "station_unknown", "station_id")
    return _new_user(email, password, Role.STAFF, display_name, station=station)


def create_admin(email: str, password: str, display_name: str) -> User:
    """An administrator account (created from the command line or by another admin)."""
    return _new_user(email, password, Role.ADMIN, display_name)


def _station_and_firm(station_id: int, enterprise_id: int | None):
    """A deputy's station and declared enterprise (None: none), or a refusal."""
    station = get_or_refuse(Station, station_id, "station_unknown", "station_id")
    enterprise = None
    if enterprise_id:
        enterprise = get_or_refuse(
            Enterprise, enterprise_id, "enterprise_unknown", "affiliated_enterprise_id"
        )
    return station, enterprise


def create_deputy(
    *,
    email: str,
    password: str,
    name: str,
    level: str,
    station_id: int,
    sector_ids: list[int],
    affiliation: str = "",
    affiliated_enterprise_id: int | None = None,
    phone: str | None = None,
) -> Deputy:
    """A deputy's account and profile, in one step."""
    station, enterprise = _station_and_firm(station_id, affiliated_enterprise_id)
    sectors = sectors_by_ids(sector_ids)
    user = _new_user(email, password, Role.DEPUTY, name)
    deputy = Deputy(
        user=user,
        name=name.strip(),
        level=DeputyLevel(level),
        station=station,
        sectors=sectors,
        affiliation=affiliation.strip(),
        affiliated_enterprise=enterprise,
        phone=phone or None,
    )
    db.session.add(deputy)
    db.session.flush()
    return deputy


def new_session_token(user: User) -> None:
    """Give the account a new session token: every session signed with the old one ends."""
    user.session_token = secrets.token_hex(16)


def change_password(user: User, current: str, new: str) -> User:
    """Check the current password, store the new one, and end every other session."""
    if not verify_password(user.password_hash, current):
        raise DomainError("password_wrong", field="current")
    return set_password(user, new)


def set_password(user: User, new: str) -> User:
    """Store a new password (the registration rules apply) and end every session; any
    reset code is spent and the lock lifted."""
    problem = password_problem(new, user.email or "", user.display_name)
    if problem:
        raise DomainError(problem, field="password")
    user.password_hash = hash_password(new)
    user.reset_code_hash = user.reset_code_expires_at = None
    user.reset_code_failures = 0
    user.failed_logins, user.locked_until = 0, None
    new_session_token(user)
    return user


def set_active(actor: User, user: User, active: bool) -> User:
    """Activate or deactivate an account; nobody can lock themselves out."""
    if actor.id == user.id and not active:
        raise DomainError("own_account")
    user.active = active
    audit.record(actor, "account_activated" if active else "account_deactivated", f"user:{user.id}")
    return user


def update_account(
    actor: User, user: User, *, display_name: str, active: bool, station_id: int | None = None
) -> User:
    """An administrator changes an account's name, whether it may sign in, and for station
    staff their station; audited with what changed (a deputy's profile: ``update_deputy``)."""
    if actor.id == user.id and not active:
        raise DomainError("own_account", field="active")
    before = _account_facts(user)
    user.display_name = display_name.strip()
    if user.role is Role.STAFF:
        user.station = get_or_refuse(Station, station_id, "station_unknown", "station_id")
    if user.active != active:
        set_active(actor, user, active)
    if user.role is Role.DEPUTY and user.deputy is not None:
        user.deputy.name = user.display_name
    after = _account_facts(user)
    _audit_changes(actor, "account_updated", f"user:{user.id}", before, after)
    db.session.flush()
    return user


def _account_facts(user: User) -> dict:
    station = user.station
    return {"display_name": user.display_name, "active": user.active,
            "station_id": station.id if station is not None else None}  # fmt: skip


def update_deputy(
    actor: User,
    deputy: Deputy,
    *,
    name: str,
    level: str,
    station_id: int,
    sector_ids: list[int],
    affiliation: str = "",
    affiliated_enterprise_id: int | None = None,
    phone: str | None = None,
) -> Deputy:
    """An administrator changes a deputy's profile: station, sectors, declared interest
    (the enterprise they work for or own) …; audited with what changed. A deputy with
    open leads stays at their station until the station's staff hand the leads over."""
    station, enterprise = _station_and_firm(station_id, affiliated_enterprise_id)
    if station.id != deputy.station_id:
        open_leads = _open_leads_of(deputy)
        if open_leads:
            raise DomainError("deputy_has_open_leads", field="station_id", count=open_leads)
    before = _deputy_facts(deputy)
    phone_changed = (phone or None) != deputy.phone
    deputy.name = name.strip()
    deputy.user.display_name = deputy.name
    deputy.level = DeputyLevel(level)
    deputy.station = station
    deputy.sectors = sectors_by_ids(sector_ids)
    deputy.affiliation = (affiliation or "").strip()
    deputy.affiliated_enterprise = enterprise
    deputy.phone = phone or None
    after = _deputy_facts(deputy) | {"phone_changed": phone_changed}
    _audit_changes(actor, "deputy_updated", f"deputy:{deputy.id}", before, after)
    db.session.flush()
    return deputy


def _open_leads_of(deputy: Deputy) -> int:
    settled = (LeadStatus.CLOSED, LeadStatus.DISMISSED)
    return db.session.scalar(
        select(func.count(Lead.id)).where(Lead.deputy_id == deputy.id, Lead.status.not_in(settled))
    )


def _deputy_facts(deputy: Deputy) -> dict:
    """What an audit entry keeps of a deputy's profile (not the phone: a personal contact)."""
    firm = deputy.affiliated_enterprise
    return {
        "name": deputy.name,
        "level": deputy.level.value,
        "station_id": deputy.station.id,
        "sector_ids": sorted(s.id for s in deputy.sectors),
        "affiliation": deputy.affiliation,
        "affiliated_enterprise_id": firm.id if firm is not None else None,
    }


def _audit_changes(actor: User, action: str, subject: str, before: dict, after: dict) -> None:
    """One audit event naming each changed field with its old and new value."""
    changed = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
    audit.record(actor, action, subject, changed=changed)
