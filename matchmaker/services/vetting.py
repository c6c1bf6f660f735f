"""Who may be introduced: firms the station has verified, needs with places left,
graduates not yet hired. One rule, asked by the deputy queue, the suggestion refresh,
the introduction itself and the station's verification list.

A *hire* is a talent lead that reached hired or retained, or was closed with the
position recorded (``outcome_position``). A need with headcount N is *filled* at N
hires; a graduate with one hire is *hired*.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import Select, and_, exists, func, or_, select, union_all
from sqlalchemy.orm import aliased, joinedload

from ..extensions import db
from ..identifiers import IdentifierError, check_credit_code
from ..models import (
    Enterprise,
    InvestmentProject,
    InvestorInterest,
    Lead,
    LeadKind,
    LeadStatus,
    TalentNeed,
)
from .errors import DomainError

HIRED = (LeadStatus.HIRED, LeadStatus.RETAINED)


@cache
def _alias(model, name: str):
    """One alias per model and use, made once: an alias proxies every column of its
    table, and making a new one for each query cost milliseconds on every page."""
    return aliased(model, name=name)


# --- hires, filled needs, hired graduates (SQL) -----------------------------------------


def is_hire(lead=Lead):
    """SQL condition: ``lead`` (the table or an alias) ended in a hire."""
    return or_(
        lead.status.in_(HIRED),
        and_(lead.status == LeadStatus.CLOSED, lead.outcome_position.is_not(None)),
    )


def _hires_of_need(need_id):
    hire = _alias(Lead, "need_hire")
    return (
        select(func.count(hire.id))
        .where(hire.talent_need_id == need_id, is_hire(hire))
        .scalar_subquery()
    )


def need_filled(need_id):
    """SQL condition: the need with id ``need_id`` (a column) has all its hires."""
    need = _alias(TalentNeed, "filled_need")
    return exists().where(need.id == need_id, need.headcount <= _hires_of_need(need.id))


def graduate_hired(graduate_id):
    """SQL condition: the graduate with id ``graduate_id`` (a column) has a hire."""
    hire = _alias(Lead, "graduate_hire")
    return exists().where(hire.graduate_id == graduate_id, is_hire(hire))


def still_open(lead=Lead):
    """SQL condition: a lead whose need is not filled and whose graduate is not hired
    (investment leads always pass).

    Written as ``NOT IN`` the filled needs and the hired graduates: both lists come from
    the few hires (the status index), are worked out once per statement and hashed, so a
    filter over a station's many suggestions costs a lookup per row, whatever plan the
    rest of the statement gets (a correlated count per need could be run for every need).
    """
    return and_(
        or_(lead.talent_need_id.is_(None), lead.talent_need_id.not_in(_filled_needs())),
        or_(lead.graduate_id.is_(None), lead.graduate_id.not_in(_hired_graduates())),
    )


def _filled_needs() -> Select:
    """The ids of the filled needs: hires counted per need against its headcount."""
    hire = _alias(Lead, "filling_hire")
    return (
        select(hire.talent_need_id)
        .join(TalentNeed, TalentNeed.id == hire.talent_need_id)
        .where(is_hire(hire))
        .group_by(hire.talent_need_id, TalentNeed.headcount)
        .having(func.count(hire.id) >= TalentNeed.headcount)
    )


def _hired_graduates() -> Select:
    hire = _alias(Lead, "hired_graduate")
    return select(hire.graduate_id).where(is_hire(hire), hire.graduate_id.is_not(None))


def filled_need_ids() -> set[int]:
    """Ids of every filled need (one query, for the matching refresh)."""
    return set(db.session.scalars(_filled_needs()))


def hired_graduate_ids() -> set[int]:
    """Ids of every hired graduate (one query, for the matching refresh)."""
    return set(db.session.scalars(_hired_graduates().distinct()))


# --- verified firms ---------------------------------------------------------------------


def firms_of(lead: Lead) -> list[Enterprise]:
    """The firms on a lead: the need's, or the project's and the investor's."""
    if lead.kind is LeadKind.TALENT:
        return [lead.talent_need.enterprise]
    firms = [lead.project.enterprise, lead.interest.enterprise]
    return firms[:1] if firms[0] is firms[1] else firms


def unverified_firms(lead: Lead) -> list[Enterprise]:
    """The firms on a lead that station staff have not verified yet."""
    return [firm for firm in firms_of(lead) if not firm.verified]


def _is_filled(lead: Lead) -> bool:
    if lead.talent_need_id is None:
        return False
    return bool(db.session.scalar(select(need_filled(lead.talent_need_id))))


def _is_hired(lead: Lead) -> bool:
    if lead.graduate_id is None:
        return False
    return bool(db.session.scalar(select(graduate_hired(lead.graduate_id))))


def introducible(lead: Lead) -> bool:
    """Whether ``require_vetted`` lets this lead be introduced."""
    try:
        require_vetted(lead)
    except DomainError:
        return False
    return True


def require_vetted(lead: Lead) -> None:
    """Refuse to introduce a lead with an unverified firm, a filled need or a graduate
    already hired."""
    unverified = unverified_firms(lead)
    if unverified:
        raise DomainError("firm_not_verified", name="、".join(f.name for f in unverified))
    if _is_filled(lead):
        raise DomainError("need_filled")
    if _is_hired(lead):
        raise DomainError("graduate_hired")


# --- the station's verification list -----------------------------------------------------


def _unverified_in(query: Select, region_ids: list[int] | None) -> Select:
    query = query.where(Enterprise.verified.is_(False))
    if region_ids is not None:
        query = query.where(Enterprise.region_id.in_(region_ids))
    return query


#: What a row of a list of firms shows, loaded with the page instead of per row.
FIRM_ROWS = (
    joinedload(Enterprise.sector),
    joinedload(Enterprise.region),  # with its lineage (``Region.parent`` is joined)
)


def unverified(region_ids: list[int] | None) -> Select:
    """Unverified firms in these regions (None: everywhere), oldest first, with the
    sector and region each row shows."""
    return (
        _unverified_in(select(Enterprise), region_ids)
        .options(*FIRM_ROWS)
        .order_by(Enterprise.created_at, Enterprise.id)
    )


def unverified_count(region_ids: list[int] | None) -> int:
    """How many firms in these regions (None: everywhere) wait for verification."""
    return db.session.scalar(_unverified_in(select(func.count(Enterprise.id)), region_ids))


def waiting_on(firm_ids: list[int]) -> dict[int, int]:
    """Open suggestions per firm: suggested leads of its needs, projects or interests
    that a deputy could introduce once the firm is verified."""
    if not firm_ids:
        return {}
    sides = [
        (TalentNeed, Lead.talent_need_id),
        (InvestmentProject, Lead.project_id),
        (InvestorInterest, Lead.interest_id),
    ]
    parts = [
        select(model.enterprise_id.label("firm"), Lead.id.label("lead"))
        .select_from(Lead)
        .join(model, model.id == key)
        .where(model.enterprise_id.in_(firm_ids), Lead.status == LeadStatus.SUGGESTED)
        .where(still_open())
        for model, key in sides
    ]
    rows = union_all(*parts).subquery()
    counts = select(rows.c.firm, func.count(func.distinct(rows.c.lead))).group_by(rows.c.firm)
    return dict(db.session.execute(counts).all())


def credit_code_sound(code: str) -> bool:
    """Whether a stored credit code passes GB 32100 (format and check character)."""
    try:
        check_credit_code(code)
    except IdentifierError:
        return False
    return True
