"""A graduate's rights over their personal information (PIPL): see it all, take it away.

``personal_data`` gathers everything held about a graduate: the profile, the consents,
the introductions and who viewed their contact details. ``erase`` deletes the account:
personal fields are scrubbed, anonymous facts (degree, major, year) stay for the
statistics, consents end (a photo of their signed paper form is deleted) and open leads
are closed.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import (
    ConsentParty,
    ContactView,
    Graduate,
    Lead,
    LeadStatus,
    Notification,
    TalentNeed,
    User,
)
from ..passwords import hash_password, verify_password
from . import audit
from .errors import DomainError
from .introductions import end_for_erasure
from .leads import offer_of

ERASED_NAME = "已注销"


def personal_data(graduate: Graduate) -> dict:
    """Everything held about a graduate, as plain data (for JSON and CSV downloads)."""
    leads = db.session.scalars(
        select(Lead)
        .where(Lead.graduate_id == graduate.id)
        .options(
            selectinload(Lead.consents),
            joinedload(Lead.talent_need).joinedload(TalentNeed.enterprise),
        )
        .order_by(Lead.id)
    ).all()
    views = db.session.scalars(
        select(ContactView)
        .where(ContactView.subject_id == graduate.user_id)
        .options(joinedload(ContactView.viewer))
        .order_by(ContactView.viewed_at)
    ).all()
    return {
        "profile": {
            "name": graduate.name,
            "school": graduate.school,
            "major": graduate.major,
            "degree": graduate.degree.value,
            "graduation_year": graduate.graduation_year,
            "skills": graduate.skills,
            "intro": graduate.intro,
            "hometown": graduate.hometown.path if graduate.hometown else None,
            "is_returnee": graduate.is_returnee,
            "phone": graduate.phone,
            "email": graduate.email,
            "wanted_sectors": [s.name_zh for s in graduate.wanted_sectors],
            "wanted_regions": [r.path for r in graduate.wanted_regions],
            "open_to_matching": graduate.open_to_matching,
            "account_email": graduate.user.email if graduate.user else None,
        },
        "introductions": [_lead_row(lead) for lead in leads],
        "consents": [
            {
                "lead": c.lead_id,
                "decision": c.decision.value,
                "fields": c.fields,
                "purpose": c.purpose,
                "notice_version": c.notice_version,
                "decided_at": c.decided_at.isoformat(),
                "withdrawn_at": c.withdrawn_at.isoformat() if c.withdrawn_at else None,
            }
            for lead in leads
            for c in lead.consents
            if c.user_id == graduate.user_id
        ],
        "contact_views": [
            {"viewer": v.viewer.display_name, "lead": v.lead_id, "at": v.viewed_at.isoformat()}
            for v in views
        ],
    }


def _lead_row(lead: Lead) -> dict:
    need = offer_of(lead)
    return {
        "lead": lead.id,
        "need": need.title,
        "enterprise": need.enterprise.name,
        "status": lead.status.value,
        "suggested_at": lead.created_at.isoformat(),
        "introduced_at": lead.introduced_at.isoformat() if lead.introduced_at else None,
    }


def erase(graduate: Graduate, password: str) -> None:
    """Delete a graduate's account: scrub, keep anonymous facts, close open leads."""
    user = graduate.user
    if user is None or not verify_password(user.password_hash, password):
        raise DomainError("password_wrong", field="password")
    scrub(graduate)
    audit.record(None, "account_erased", f"graduate:{graduate.id}")


def scrub(graduate: Graduate) -> None:
    """Remove the personal fields of a graduate and end everything tied to them."""
    now = datetime.now(UTC)
    for lead in db.session.scalars(select(Lead).where(Lead.graduate_id == graduate.id)):
        for consent in lead.consents:
            if consent.withdrawn_at is None:
                consent.withdrawn_at = now
            if consent.party is ConsentParty.GRADUATE:
                consent.photo = None  # their signed form: their name and signature
        if lead.status is LeadStatus.SUGGESTED:
            db.session.delete(lead)
        else:
            end_for_erasure(lead)
    graduate.name, graduate.school, graduate.skills, graduate.intro = ERASED_NAME, "", "", ""
    graduate.phone = graduate.email = None
    graduate.hometown = None
    graduate.tokens = None
    graduate.open_to_matching = False
    graduate.wanted_regions = []
    if graduate.user is not None:
        _close_account(graduate.user)


def _close_account(user: User) -> None:
    user.email = f"erased-{user.id}@invalid.example"
    user.phone = user.reset_code_hash = user.reset_code_expires_at = None
    user.display_name = ERASED_NAME
    user.password_hash = hash_password(secrets.token_urlsafe(24))
    user.session_token = secrets.token_hex(16)
    user.active = False


INACTIVE_AFTER = timedelta(days=730)  # 24 months without signing in or editing
GRACE = timedelta(days=30)


def _last_active(graduate: Graduate) -> datetime:
    # Sign-ins and creation, not ``updated_at``: the system itself writes to profiles
    # (tokens, notices), which says nothing about the person.
    moments = [graduate.created_at]
    if graduate.user is not None and graduate.user.last_login_at is not None:
        moments.append(graduate.user.last_login_at)
    return max(moments)


def sweep_inactive(now: datetime | None = None) -> dict[str, int]:
    """Flag and notify profiles inactive for 24 months; anonymise those still inactive
    30 days after the notice. Safe to run again and again."""
    now = now or datetime.now(UTC)
    counts = {"notified": 0, "anonymised": 0}
    candidates = db.session.scalars(select(Graduate).where(Graduate.name != ERASED_NAME))
    for graduate in candidates:
        idle = now - _last_active(graduate) >= INACTIVE_AFTER
        notified = graduate.inactive_notified_at
        if not idle:
            graduate.inactive_notified_at = None  # came back: the clock starts again
        elif notified is None:
            graduate.inactive_notified_at = now
            if graduate.user is not None:
                db.session.add(Notification(user_id=graduate.user.id, kind="inactive"))
            counts["notified"] += 1
        elif now - notified >= GRACE:
            scrub(graduate)
            audit.record(None, "inactive_anonymised", f"graduate:{graduate.id}")
            counts["anonymised"] += 1
    return counts
