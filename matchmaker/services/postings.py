"""What enterprises post: talent needs, investment projects and investor interests."""

from datetime import UTC, datetime

from ..extensions import db
from ..models import (
    Degree,
    Enterprise,
    InterestStatus,
    InvestmentProject,
    InvestorInterest,
    NeedStatus,
    ProjectStatus,
    Region,
    Sector,
    TalentNeed,
)
from . import introductions, matching
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
