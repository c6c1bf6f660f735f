"""Reading leads: who sees which suggestion, and who may not act on it."""

from __future__ import annotations

from sqlalchemy import Select, func, select

from ..extensions import db
from ..models import Deputy, Lead, LeadStatus


def offer_of(lead: Lead):
    """The need or project of a lead."""
    return lead.talent_need or lead.project


def seeker_of(lead: Lead):
    """The graduate or interest of a lead."""
    return lead.graduate or lead.interest


def enterprises_of(lead: Lead) -> set[int]:
    """Ids of the enterprises on either side of a lead."""
    ids = {offer_of(lead).enterprise_id}
    if lead.interest is not None:
        ids.add(lead.interest.enterprise_id)
    return ids


def conflicted(deputy: Deputy, lead: Lead) -> bool:
    """True when the deputy declared an interest in an enterprise on the lead."""
    firm = deputy.affiliated_enterprise
    return firm is not None and firm.id in enterprises_of(lead)


def suggestions_for(deputy: Deputy) -> Select:
    """Suggested leads routed to a deputy: the deputy's station, one of their sectors.

    Best score first, then oldest first.
    """
    sector_ids = [s.id for s in deputy.sectors]
    return (
        select(Lead)
        .where(
            Lead.status == LeadStatus.SUGGESTED,
            Lead.station_id == deputy.station_id,
            Lead.sector_id.in_(sector_ids),
        )
        .order_by(Lead.score.desc(), Lead.created_at, Lead.id)
    )


def suggestion_counts(need_ids: list[int]) -> dict[int, int]:
    """Open suggestions per talent need."""
    if not need_ids:
        return {}
    query = (
        select(Lead.talent_need_id, func.count(Lead.id))
        .where(Lead.talent_need_id.in_(need_ids), Lead.status == LeadStatus.SUGGESTED)
        .group_by(Lead.talent_need_id)
    )
    return dict(db.session.execute(query).all())
