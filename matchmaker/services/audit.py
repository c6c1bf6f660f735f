"""The audit trail: sensitive actions, append-only (the database refuses changes)."""

from flask import g, has_request_context

from ..extensions import db
from ..models import AuditEvent, User


def record(actor: User | None, action: str, subject: str = "", **detail) -> AuditEvent:
    """Add an audit event for ``action`` on ``subject`` (e.g. ``"lead:12"``)."""
    request_id = g.get("request_id", "") if has_request_context() else ""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        subject=subject[:80],
        detail=detail,
        request_id=request_id,
    )
    db.session.add(event)
    return event
