"""Telling people: notifications in the inbox (and by e-mail, see ``matchmaker.outbox``),
and the reminder before an introduction's consent deadline."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Lead, LeadStatus, Notification, User
from . import introductions as intro

REMINDER = "consent_reminder"


def notify(users: Iterable[User], kind: str, lead: Lead | None = None, **params) -> int:
    """Add a notification of ``kind`` for each of ``users`` (params: codes only)."""
    count = 0
    for user in users:
        db.session.add(Notification(user_id=user.id, kind=kind, lead=lead, params=params))
        count += 1
    return count


def remind_unanswered(at: datetime | None = None, days: int | None = None) -> int:
    """Remind each side that has not answered an introduction whose deadline is within
    ``days`` (``CONSENT_REMINDER_DAYS``); once per side and lead. Safe to repeat."""
    moment = at or datetime.now(UTC)
    window = timedelta(days=current_app.config["CONSENT_REMINDER_DAYS"] if days is None else days)
    due = db.session.scalars(
        select(Lead)
        .where(
            Lead.status == LeadStatus.INTRODUCED,
            Lead.answer_by > moment,
            Lead.answer_by <= moment + window,
        )
        .options(selectinload(Lead.consents))
        .order_by(Lead.id)
    ).all()
    reminded = _reminded({lead.id for lead in due})
    return sum(notify(_unanswered(lead, reminded), REMINDER, lead) for lead in due)


def _unanswered(lead: Lead, reminded: set[tuple[int, int]]) -> list[User]:
    """The sides of ``lead`` with no consent row yet and no reminder yet."""
    answered = {consent.party for consent in lead.consents}
    return [
        user
        for user in intro.side_users(lead)
        if intro.party_of(lead, user) not in answered and (lead.id, user.id) not in reminded
    ]


def _reminded(lead_ids: set[int]) -> set[tuple[int, int]]:
    if not lead_ids:
        return set()
    rows = db.session.execute(
        select(Notification.lead_id, Notification.user_id).where(
            Notification.kind == REMINDER, Notification.lead_id.in_(lead_ids)
        )
    )
    return {(lead_id, user_id) for lead_id, user_id in rows}
