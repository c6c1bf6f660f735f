"""What enterprises post: talent needs, investment projects and investor interests."""

from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import (
    Degree,
    Enterprise,
    InterestStatus,
    InvestmentProject,
    InvestorInterest,
    Lead,
    LeadStatus,
    NeedStatus,
    ProjectStatus,
    Region,
    Sector,
    TalentNeed,
)
from . import introductions, matching
from .catalogue import regions_within
from .errors import DomainError
from .lookup import get_or_refuse, regions_by_ids, sectors_by_ids


def _ordered(low, high, field: str) -> None:
    if low is not None and high is not None and low > high:
        raise DomainError("range_reversed", field=field)


def _apply(obj, values: dict):
    for key, value in values.items():
        setattr(obj, key, value)
    db.session.flush()
    matching.changed(obj)
    return obj


def save_need(
    enterprise: Enterprise,
    *,
    title: str,
    description: str,
    sector_id: int,
    region_id: int,
    min_degree: str | None = None,
    headcount: int = 1,
    salary_min: int | None = None,
    salary_max: int | None = None,
    need: TalentNeed | None = None,
) -> TalentNeed:
    """Create a talent need for ``enterprise``, or update its open ``need``."""
    if need is not None and need.status is not NeedStatus.OPEN:
        raise DomainError("not_open")
    _ordered(salary_min, salary_max, "salary_max")
    values = dict(
        title=title.strip(),
        description=(description or "").strip(),
        sector=get_or_refuse(Sector, sector_id, "sector_unknown", "sector_id"),
        region=get_or_refuse(Region, region_id, "region_unknown", "region_id"),
        min_degree=Degree(min_degree) if min_degree else None,
        headcount=int(headcount),
        salary_min=salary_min,
        salary_max=salary_max,
    )
    if need is None:
        need = TalentNeed(enterprise=enterprise)
        db.session.add(need)
    return _apply(need, values)


def save_project(
    enterprise: Enterprise,
    *,
    title: str,
    description: str,
    sector_id: int,
    region_id: int,
    amount_min_wan: int | None = None,
    amount_max_wan: int | None = None,
    project: InvestmentProject | None = None,
) -> InvestmentProject:
    """Create an investment project for ``enterprise``, or update its open ``project``."""
    if project is not None and project.status is not ProjectStatus.OPEN:
        raise DomainError("not_open")
    _ordered(amount_min_wan, amount_max_wan, "amount_max_wan")
    values = dict(
        title=title.strip(),
        description=(description or "").strip(),
        sector=get_or_refuse(Sector, sector_id, "sector_unknown", "sector_id"),
        region=get_or_refuse(Region, region_id, "region_unknown", "region_id"),
        amount_min_wan=amount_min_wan,
        amount_max_wan=amount_max_wan,
    )
    if project is None:
        project = InvestmentProject(enterprise=enterprise)
        db.session.add(project)
    return _apply(project, values)


def save_interest(
    enterprise: Enterprise,
    *,
    title: str,
    description: str,
    sector_ids: list[int],
    region_ids: list[int],
    amount_min_wan: int | None = None,
    amount_max_wan: int | None = None,
    interest: InvestorInterest | None = None,
) -> InvestorInterest:
    """Create an investment interest for ``enterprise``, or update its open ``interest``."""
    if interest is not None and interest.status is not InterestStatus.OPEN:
        raise DomainError("not_open")
    _ordered(amount_min_wan, amount_max_wan, "amount_max_wan")
    values = dict(
        title=title.strip(),
        description=(description or "").strip(),
        sectors=sectors_by_ids(sector_ids),
        regions=regions_by_ids(region_ids),
        amount_min_wan=amount_min_wan,
        amount_max_wan=amount_max_wan,
    )
    if interest is None:
        interest = InvestorInterest(enterprise=enterprise)
        db.session.add(interest)
    return _apply(interest, values)


_CLOSABLE = {
    TalentNeed: (NeedStatus.OPEN, {"filled": NeedStatus.FILLED, "closed": NeedStatus.CLOSED}),
    InvestmentProject: (
        ProjectStatus.OPEN,
        {"signed": ProjectStatus.SIGNED, "closed": ProjectStatus.CLOSED},
    ),
    InvestorInterest: (InterestStatus.OPEN, {"closed": InterestStatus.CLOSED}),
}


def close_posting(posting, outcome: str = "closed"):
    """Close an open need, project or interest, with an outcome its kind allows."""
    open_status, outcomes = _CLOSABLE[type(posting)]
    if posting.status is not open_status:
        raise DomainError("not_open")
    if outcome not in outcomes:
        raise DomainError("outcome_unknown", field="outcome")
    posting.status = outcomes[outcome]
    posting.closed_at = datetime.now(UTC)
    db.session.flush()
    introductions.withdraw_open_introductions(posting)
    matching.changed(posting)  # its open suggestions go; others may take their place
    return posting


# --- open positions, as graduates look for them ------------------------------------------


def open_needs(text: str = "", sector_id: int | None = None, region_id: int | None = None):
    """Open talent needs, newest first: with ``text`` in the title, description or the
    firm's name; in a sector; in a region or anywhere below it. A query, paged by the
    caller (the filters are SQL)."""
    query = (
        select(TalentNeed)
        .where(TalentNeed.status == NeedStatus.OPEN)
        .options(
            joinedload(TalentNeed.enterprise),
            joinedload(TalentNeed.sector),
            joinedload(TalentNeed.region),
        )
        .order_by(TalentNeed.created_at.desc(), TalentNeed.id.desc())
    )
    if text:
        firms = select(Enterprise.id).where(Enterprise.name.contains(text, autoescape=True))
        query = query.where(
            or_(
                TalentNeed.title.contains(text, autoescape=True),
                TalentNeed.description.contains(text, autoescape=True),
                TalentNeed.enterprise_id.in_(firms),
            )
        )
    if sector_id is not None:
        query = query.where(TalentNeed.sector_id == sector_id)
    if region_id is not None:
        query = query.where(TalentNeed.region_id.in_(regions_within_id(region_id)))
    return query


def regions_within_id(region_id: int) -> list[int]:
    """``catalogue.regions_within`` by id (an unknown id: nothing)."""
    region = db.session.get(Region, region_id)
    return regions_within(region) if region is not None else []


def suggested_need_ids(graduate) -> set[int]:
    """The needs suggested for this graduate (one statement, ids only)."""
    if graduate is None:
        return set()
    return set(
        db.session.scalars(
            select(Lead.talent_need_id).where(
                Lead.graduate_id == graduate.id, Lead.status == LeadStatus.SUGGESTED
            )
        )
    )


def suggested_to(graduate, limit: int = 5) -> list[Lead]:
    """The open positions the matching suggested for this graduate, best first, that no
    deputy has reviewed yet (postings are public; the deputy's review decides whether the
    two are introduced)."""
    return list(
        db.session.scalars(
            select(Lead)
            .where(Lead.graduate_id == graduate.id, Lead.status == LeadStatus.SUGGESTED)
            .join(TalentNeed, TalentNeed.id == Lead.talent_need_id)
            .where(TalentNeed.status == NeedStatus.OPEN)
            .options(
                joinedload(Lead.station),
                joinedload(Lead.talent_need).joinedload(TalentNeed.enterprise),
                joinedload(Lead.talent_need).joinedload(TalentNeed.region),
            )
            .order_by(Lead.score.desc(), Lead.id)
            .limit(limit)
        )
    )


def need_for_graduate(graduate, need_id: int) -> TalentNeed | None:
    """A need's full text for a graduate: any open need, or one the graduate was
    introduced to (a closed one stays readable on their lead)."""
    need = db.session.get(TalentNeed, need_id)
    if need is None:
        return None
    if need.status is NeedStatus.OPEN:
        return need
    introduced = db.session.scalar(
        select(Lead.id).where(
            Lead.talent_need_id == need.id,
            Lead.graduate_id == (graduate.id if graduate else -1),
            Lead.status.not_in((LeadStatus.SUGGESTED, LeadStatus.DISMISSED)),
        )
    )
    return need if introduced is not None else None
