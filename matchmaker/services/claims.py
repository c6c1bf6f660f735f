"""People and firms a station registered, taking over their profile with an account.

A station imports its rosters or types people in; those profiles have no account. The
station's staff give each one an invitation carrying a one-time claim code (printed,
read out, or sent by the QR code on it). Claiming asks for the code and for what the
station has on file — the mobile number, or the e-mail address, or for a firm its
credit code — and then a password: the account is made and the profile is its own.

One rule decides when a new account or a new profile is really a profile the station
already holds (``held_by_station``), and every path asks it: sign-up, the graduate's
profile form and the firm's profile form refuse to make a second profile and ask for the
code instead; the claim page and those forms take the code (``claim``). The mobile
number alone never hands over a profile: nobody has proven it is theirs, so the code
is the proof. The other way round, a roster row for a person or firm that already has
an account is matched to that profile and leaves it as its owner wrote it (imports).

Codes are kept only as their SHA-256 (12 characters of a 31-letter alphabet, about
59 bits), so the code alone finds its invitation and nothing readable is stored. A
code works once and for ``CLAIM_LIFETIME``; five claims of it with the wrong details
void it; a new invitation for the same profile voids the older ones.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update

from ..extensions import db
from ..identifiers import (
    IdentifierError,
    check_credit_code,
    check_email,
    check_mobile,
)
from ..models import (
    Consent,
    ConsentParty,
    Enterprise,
    Graduate,
    InvestmentProject,
    InvestorInterest,
    Lead,
    ProfileClaim,
    Role,
    Station,
    TalentNeed,
    User,
)
from . import accounts, audit, codes
from .catalogue import station_area
from .clock import now
from .errors import DomainError

CLAIM_LIFETIME = timedelta(days=30)
CLAIM_MAX_FAILURES = 5

Profile = Graduate | Enterprise


@dataclass(frozen=True)
class Invitation:
    """An invitation just issued: the profile, the code in clear (shown this once), and
    when it ends."""

    profile: Profile
    code: str
    expires_at: datetime

    @property
    def is_firm(self) -> bool:
        return isinstance(self.profile, Enterprise)


# --- which profiles a station may invite ----------------------------------------------


def in_station_care(profile: Profile, station: Station) -> bool:
    """Whether ``profile`` is one of ``station``'s people: a graduate whose hometown is in
    the station's area or whom its roster brought in, a firm whose place is in the area
    (as the station's registers list them)."""
    if isinstance(profile, Graduate):
        brought = profile.registered_by_id == station.id
        return brought or profile.hometown_id in set(station_area(station))
    return profile.region_id in set(station_area(station))


def _may_invite(actor: User, profile: Profile) -> bool:
    if actor.role is Role.ADMIN:
        return True
    return (
        actor.role is Role.STAFF
        and actor.station is not None
        and in_station_care(profile, actor.station)
    )


def issue(actor: User, profile: Profile) -> Invitation:
    """A new invitation for a profile without an account; older ones stop working.

    Station staff invite their station's people, an administrator anyone; a profile
    that already has an account is ``profile_has_account``.
    """
    if not _may_invite(actor, profile):
        raise DomainError("profile_not_in_care")
    if profile.user_id is not None:
        raise DomainError("profile_has_account")
    _void_open(profile)
    code = codes.new_code()
    expires = now() + CLAIM_LIFETIME
    db.session.add(
        ProfileClaim(
            code_sha256=_digest(code),
            issued_by=actor,
            expires_at=expires,
            **_owner(profile),
        )
    )
    audit.record(actor, "claim_code_issued", _subject(profile))
    db.session.flush()
    return Invitation(profile, codes.display(code), expires)


def open_invitation(profile: Profile) -> ProfileClaim | None:
    """The invitation of ``profile`` that still works, if any (to show its end date)."""
    return db.session.scalar(_open_claims(profile).order_by(ProfileClaim.id.desc()).limit(1))


def open_invitations(profiles: list[Profile]) -> dict[tuple[str, int], datetime]:
    """For a page of profiles: when each one's invitation that still works ends, keyed
    ``("graduate", id)`` or ``("enterprise", id)`` (one query for the page)."""
    people = [p.id for p in profiles if isinstance(p, Graduate)]
    firms = [p.id for p in profiles if isinstance(p, Enterprise)]
    if not people and not firms:
        return {}
    rows = db.session.execute(
        select(ProfileClaim.graduate_id, ProfileClaim.enterprise_id, ProfileClaim.expires_at).where(
            or_(ProfileClaim.graduate_id.in_(people), ProfileClaim.enterprise_id.in_(firms)),
            ProfileClaim.used_at.is_(None),
            ProfileClaim.voided_at.is_(None),
            ProfileClaim.expires_at > now(),
        )
    )
    return {("graduate", g) if g else ("enterprise", e): ends for g, e, ends in rows}


def _open_claims(profile: Profile):
    column = (
        ProfileClaim.graduate_id if isinstance(profile, Graduate) else ProfileClaim.enterprise_id
    )
    return select(ProfileClaim).where(
        column == profile.id,
        ProfileClaim.used_at.is_(None),
        ProfileClaim.voided_at.is_(None),
        ProfileClaim.expires_at > now(),
    )


def _void_open(profile: Profile) -> None:
    for claim in db.session.scalars(_open_claims(profile)):
        claim.voided_at = now()


def _owner(profile: Profile) -> dict:
    if isinstance(profile, Graduate):
        return {"graduate": profile}
    return {"enterprise": profile}


def _subject(profile: Profile) -> str:
    kind = "graduate" if isinstance(profile, Graduate) else "enterprise"
    return f"{kind}:{profile.id}"


def _digest(code: str) -> str:
    return hashlib.sha256(codes.plain(code).encode()).hexdigest()


# --- the one rule: is this someone the station already holds? ---------------------------


def held_by_station(
    role: Role, *, phone: str | None = None, email: str | None = None,
    credit_code: str | None = None,
) -> Profile | None:  # fmt: skip
    """The profile without an account that a new account or profile with these details
    would duplicate: a graduate with this mobile number or e-mail address on file, a
    firm with this credit code (or this mobile number or e-mail address on file).
    Details that do not parse match nothing (the forms report them)."""
    phone, email = _parsed(check_mobile, phone), _parsed(check_email, email)
    model = {Role.GRADUATE: Graduate, Role.ENTERPRISE: Enterprise}.get(role)
    if model is None:
        return None
    keys = []
    if phone:
        keys.append(model.phone == phone)
    if email:
        keys.append(model.email == email)
    if model is Enterprise:
        code = _parsed(check_credit_code, credit_code)
        if code:
            keys.append(Enterprise.credit_code == code)
    if not keys:
        return None
    query = select(model).where(model.user_id.is_(None), or_(*keys)).order_by(model.id).limit(1)
    return db.session.scalar(query)


def _parsed(check, value: str | None) -> str | None:
    if not value or not str(value).strip():
        return None
    try:
        return check(value)
    except IdentifierError:
        return None


def held_claim(role: Role, code: str | None, details: dict) -> tuple[ProfileClaim, Profile] | None:
    """For a new account or profile with these ``details`` (``held_by_station``'s): None
    when no station holds such a profile and no claim ``code`` is given; else the checked
    invitation and its profile, to ``spend`` and ``take``. A held profile without a code is
    ``claim_code_needed`` on the detail that matched; a code that does not fit,
    ``claim_code_wrong`` (see ``check``)."""
    held = held_by_station(role, **details)
    if held is None and not codes.plain(code):
        return None
    if held is not None and not codes.plain(code):
        field = next((k for k, v in details.items() if matches(held, [v])), next(iter(details)))
        raise DomainError("claim_code_needed", field=field)
    return check(code, list(details.values()))


# --- claiming ------------------------------------------------------------------------


def matches(profile: Profile, typed: list[str | None]) -> bool:
    """Whether one of the details typed is the mobile number, e-mail address or (a firm)
    credit code the station has on file for ``profile``."""
    known = {profile.phone, profile.email}
    if isinstance(profile, Enterprise):
        known.add(profile.credit_code)
    known.discard(None)
    for text in typed:
        text = (text or "").strip()[:254]
        checks = (check_mobile, check_email, check_credit_code)
        if text and any(_parsed(check, text) in known for check in checks):
            return True
    return False


def _live(code: str | None) -> tuple[ProfileClaim | None, Profile | None]:
    """The invitation of ``code`` and its profile, when it still works."""
    plain = codes.plain(code)
    if len(plain) != codes.LENGTH:
        return None, None
    record = db.session.scalar(
        select(ProfileClaim).where(ProfileClaim.code_sha256 == _digest(plain))
    )
    if record is None or record.used_at or record.voided_at or record.expires_at <= now():
        return record, None
    profile = record.graduate or record.enterprise
    return record, (profile if profile is not None and profile.user_id is None else None)


def check(code: str | None, typed: list[str | None]) -> tuple[ProfileClaim, Profile]:
    """The invitation of ``code`` and its profile, when it works and ``typed`` holds a
    detail the station has on file; else ``claim_code_wrong`` (the same for every case).

    A refusal for wrong details counts against the code (the fifth voids it) and is
    committed at once, so call this before writing anything else.
    """
    record, profile = _live(code)
    if profile is None:
        raise DomainError("claim_code_wrong", field="claim_code")
    if not matches(profile, typed):
        _count_wrong(record)
        raise DomainError("claim_code_wrong", field="claim_code")
    return record, profile


def spend(record: ProfileClaim) -> None:
    """Spend the invitation (after ``check``), before any account is made: one
    conditional UPDATE that holds the row, so of two claims at once the second waits,
    finds it spent, and is ``claim_code_wrong`` without writing anything."""
    spent = db.session.execute(
        update(ProfileClaim)
        .where(ProfileClaim.id == record.id, ProfileClaim.used_at.is_(None),
               ProfileClaim.voided_at.is_(None))
        .values(used_at=now())
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    if spent.rowcount != 1:
        raise DomainError("claim_code_wrong", field="claim_code")


def take(record: ProfileClaim, profile: Profile, user: User) -> Profile:
    """Give ``user`` the profile of a spent invitation. Answers a deputy recorded for
    the side become the account's."""
    wanted = Role.GRADUATE if isinstance(profile, Graduate) else Role.ENTERPRISE
    if user.role is not wanted or (user.graduate or user.enterprise) is not None:
        raise DomainError("claim_wrong_account", field="claim_code")
    db.session.flush()  # the new account's id
    model = type(profile)
    linked = db.session.execute(
        update(model)
        .where(model.id == profile.id, model.user_id.is_(None))
        .values(user_id=user.id)
        .execution_options(synchronize_session=False)
    )
    if linked.rowcount != 1:
        raise DomainError("claim_code_wrong", field="claim_code")
    db.session.execute(
        update(ProfileClaim).where(ProfileClaim.id == record.id).values(used_by_id=user.id)
    )
    db.session.expire(user)
    db.session.refresh(profile)
    db.session.refresh(record)
    _void_open(profile)
    _adopt_offline_consents(profile, user)
    audit.record(user, "profile_claimed", _subject(profile))
    return profile


def claim(code: str | None, typed: list[str | None], user: User) -> Profile:
    """Give ``user``, signed in without a profile, the profile the code invites to."""
    record, profile = check(code, typed)
    spend(record)
    return take(record, profile, user)


def claim_with_new_account(
    code: str | None,
    on_file: str,
    *,
    password: str,
    terms_version: str | None,
    email: str | None = None,
) -> tuple[User, Profile]:
    """Make the account and claim the profile in one step (the claim page).

    The account signs in with the mobile number on file (if the station has one that no
    account uses yet) and with ``email`` when given, else the e-mail address on file; it
    is named after the profile. Nothing is written when the code is refused.
    """
    record, profile = check(code, [on_file])
    spend(record)
    role = Role.GRADUATE if isinstance(profile, Graduate) else Role.ENTERPRISE
    mobile = _parsed(check_mobile, profile.phone)
    if mobile and db.session.scalar(select(User.id).where(User.phone == mobile)) is not None:
        mobile = None  # someone signs in with it already: the account is by e-mail
    if not (email or "").strip() and mobile is None:
        email = profile.email
    name = (
        profile.name if isinstance(profile, Graduate) else (profile.contact_person or profile.name)
    )
    user = accounts.register(
        email=email or None, phone=mobile, password=password, role=role,
        display_name=name[:50], terms_version=terms_version,
    )  # fmt: skip
    return user, take(record, profile, user)


def _count_wrong(record: ProfileClaim) -> None:
    codes.count_wrong_try(
        ProfileClaim, record.id, ProfileClaim.failures, CLAIM_MAX_FAILURES,
        {ProfileClaim.voided_at: now()},
    )  # fmt: skip


def _adopt_offline_consents(profile: Profile, user: User) -> int:
    """Consents a deputy recorded for this side before it had an account become the
    account's: it sees them in its consent log and data export, and may withdraw them."""
    if isinstance(profile, Graduate):
        mine = (Consent.party == ConsentParty.GRADUATE) & Consent.lead_id.in_(
            select(Lead.id).where(Lead.graduate_id == profile.id)
        )
    else:
        firm = profile.id
        offers = select(Lead.id).where(
            or_(
                Lead.talent_need_id.in_(
                    select(TalentNeed.id).where(TalentNeed.enterprise_id == firm)
                ),
                Lead.project_id.in_(
                    select(InvestmentProject.id).where(InvestmentProject.enterprise_id == firm)
                ),
            )
        )
        interests = select(Lead.id).where(
            Lead.interest_id.in_(
                select(InvestorInterest.id).where(InvestorInterest.enterprise_id == firm)
            )
        )
        offering = Consent.party.in_([ConsentParty.EMPLOYER, ConsentParty.PROJECT_OWNER])
        mine = (offering & Consent.lead_id.in_(offers)) | (
            (Consent.party == ConsentParty.INVESTOR) & Consent.lead_id.in_(interests)
        )
    result = db.session.execute(
        update(Consent)
        .where(mine, Consent.user_id.is_(None))
        .values(user_id=user.id)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def sign_up(claim_code: str | None = None, **details) -> User:
    """Self-service sign-up (``accounts.register``'s details), never a second profile: a
    graduate whose mobile number or e-mail address a station already holds gives the
    station's claim code, and the account takes that profile."""
    found = held_claim(
        details.get("role"),
        claim_code,
        {"phone": details.get("phone"), "email": details.get("email")},
    )
    if found is not None:
        spend(found[0])  # before the account exists: of two at once, one wins
    user = accounts.register(**details)
    if found is not None:
        take(*found, user)
    return user


def take_held(user: User, code: str | None, details: dict) -> Profile | None:
    """A new profile's form: the profile a station holds under ``details``, taken over by
    ``user`` with the claim ``code``; None when there is none and no code is given."""
    found = held_claim(user.role, code, details)
    if found is None:
        return None
    spend(found[0])
    return take(*found, user)


def recorded_for(user: User) -> int:
    """How many answers a deputy recorded for ``user`` before the account existed."""
    return db.session.scalar(
        select(func.count(Consent.id)).where(
            Consent.user_id == user.id, Consent.recorded_by_id.is_not(None)
        )
    )
