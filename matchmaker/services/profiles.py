"""Profiles: an enterprise's firm record and a graduate's own profile."""

from sqlalchemy import select

from ..extensions import db
from ..identifiers import IdentifierError, check_credit_code, check_email, check_phone
from ..models import Degree, Enterprise, Graduate, Region, Sector, User
from . import accounts, claims, introductions, matching
from .errors import DomainError
from .lookup import get_or_refuse, regions_by_ids, sectors_by_ids


def contact_phone(value: str | None, field: str = "phone") -> str | None:
    """A phone number in E.164 form, None when blank; invalid → ``DomainError``."""
    if not value or not value.strip():
        return None
    try:
        return check_phone(value)
    except IdentifierError as error:
        raise DomainError(error.code, field=field) from None


def contact_email(value: str | None, field: str = "email") -> str | None:
    """A normalised e-mail address, None when blank; invalid → ``DomainError``."""
    if not value or not value.strip():
        return None
    try:
        return check_email(value)
    except IdentifierError as error:
        raise DomainError(error.code, field=field) from None


def unique_credit_code(value: str, current: Enterprise | None = None) -> str:
    """A valid credit code not held by another enterprise."""
    try:
        code = check_credit_code(value)
    except IdentifierError as error:
        raise DomainError(error.code, field="credit_code", **error.params) from None
    holder = db.session.scalar(select(Enterprise).where(Enterprise.credit_code == code))
    if holder is not None and holder is not current:
        raise DomainError("credit_code_taken", field="credit_code")
    return code


def save_enterprise(
    user: User | None,
    *,
    name: str,
    credit_code: str,
    sector_id: int,
    region_id: int,
    description: str = "",
    contact_person: str = "",
    phone: str | None = None,
    email: str | None = None,
    enterprise: Enterprise | None = None,
    claim_code: str | None = None,
) -> Enterprise:
    """Create or update the firm record of ``user`` (or ``enterprise`` when given).

    A firm the station registered already (this credit code, no account) is not made
    twice: the account takes it over with the station's ``claim_code``, then saves.
    """
    if enterprise is None and user is not None:
        enterprise = user.enterprise
        if enterprise is None:
            enterprise = claims.take_held(user, claim_code, {"credit_code": credit_code})
    code = unique_credit_code(credit_code, current=enterprise)
    values = dict(
        name=name.strip(),
        credit_code=code,
        sector=get_or_refuse(Sector, sector_id, "sector_unknown", "sector_id"),
        region=get_or_refuse(Region, region_id, "region_unknown", "region_id"),
        description=(description or "").strip(),
        contact_person=(contact_person or "").strip(),
        phone=contact_phone(phone),
        email=contact_email(email),
    )
    accounts.follow_contact_phone(user, enterprise and enterprise.phone, values["phone"])
    if enterprise is None:
        enterprise = Enterprise(user=user, **values)
        db.session.add(enterprise)
    else:
        if enterprise.credit_code != code:
            enterprise.verified = False  # a new code needs a new check by the station
            enterprise.verified_at = None
        for key, value in values.items():
            setattr(enterprise, key, value)
    db.session.flush()
    return enterprise


def save_graduate(
    user: User | None,
    *,
    name: str,
    school: str,
    major: str,
    degree: str,
    graduation_year: int,
    skills: str = "",
    intro: str = "",
    hometown_id: int | None = None,
    is_returnee: bool = False,
    phone: str | None = None,
    email: str | None = None,
    wanted_sector_ids: list[int] | None = None,
    wanted_region_ids: list[int] | None = None,
    open_to_matching: bool = True,
    graduate: Graduate | None = None,
    claim_code: str | None = None,
) -> Graduate:
    """Create or update the profile of ``user`` (or ``graduate`` when given).

    A profile the station registered already (this mobile number or e-mail address, no
    account) is not made twice: the account takes it over with the station's
    ``claim_code``, then saves.
    """
    if graduate is None and user is not None:
        graduate = user.graduate
        if graduate is None:
            graduate = claims.take_held(user, claim_code, {"phone": phone, "email": email})
    hometown = None
    if hometown_id:
        hometown = get_or_refuse(Region, hometown_id, "region_unknown", "hometown_id")
    values = dict(
        name=name.strip(),
        school=school.strip(),
        major=major.strip(),
        degree=Degree(degree),
        graduation_year=int(graduation_year),
        skills=(skills or "").strip(),
        intro=(intro or "").strip(),
        hometown=hometown,
        is_returnee=bool(is_returnee),
        phone=contact_phone(phone),
        email=contact_email(email),
        wanted_sectors=sectors_by_ids(wanted_sector_ids, "wanted_sector_ids"),
        wanted_regions=regions_by_ids(wanted_region_ids, "wanted_region_ids"),
        open_to_matching=bool(open_to_matching),
    )
    accounts.follow_contact_phone(user, graduate and graduate.phone, values["phone"])
    if graduate is None:
        graduate = Graduate(user=user, **values)
        db.session.add(graduate)
    else:
        for key, value in values.items():
            setattr(graduate, key, value)
    db.session.flush()
    matching.changed(graduate)
    return graduate


def set_open_to_matching(graduate: Graduate, is_open: bool) -> Graduate:
    """Switch matching on or off for a graduate."""
    graduate.open_to_matching = bool(is_open)
    db.session.flush()
    if not is_open:
        introductions.withdraw_open_introductions(graduate)
    matching.changed(graduate)  # off: open suggestions go; on: suggestions come back
    return graduate
