"""Reading leads: who sees which suggestion, and who may not act on it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, and_, case, false, func, or_, select, union
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import (
    Deputy,
    Enterprise,
    Graduate,
    InvestmentProject,
    InvestorInterest,
    Lead,
    LeadStatus,
    Role,
    Station,
    TalentNeed,
    User,
)
from . import vetting
from .sqltime import DAY, epoch_seconds


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


@dataclass(frozen=True)
class QueueFilter:
    """What a deputy narrows the review queue to (every field optional)."""

    kind: str | None = None  # "talent" or "investment"
    sector_id: int | None = None
    colour: str | None = None  # "green", "amber", "red", or "overdue" (amber and red)
    text: str = ""  # in a need's or project's title, a firm's name, a graduate's major
    need_id: int | None = None
    project_id: int | None = None
    order: str = "score"  # "score", "oldest" or "newest"


ORDERS = {
    "score": (Lead.score.desc(), Lead.created_at, Lead.id),
    "oldest": (Lead.created_at, Lead.id),
    "newest": (Lead.created_at.desc(), Lead.id.desc()),
}


def suggestions_for(
    deputy: Deputy, wanted: QueueFilter | None = None, declared: bool = False
) -> Select:
    """Suggested leads the deputy may review: the deputy's station, one of their sectors,
    not deferred to a later day, the need not filled and the graduate not hired, none
    involving a firm the deputy declared (with ``declared``: only those, which other
    deputies review); narrowed by ``wanted``. Best score first by default; both sides'
    cards loaded with the page.
    """
    wanted = wanted or QueueFilter()
    sector_ids = [s.id for s in deputy.sectors]
    if wanted.sector_id is not None:
        sector_ids = [i for i in sector_ids if i == wanted.sector_id]
    query = select(Lead).where(
        Lead.status == LeadStatus.SUGGESTED,
        Lead.station_id == deputy.station_id,
        Lead.sector_id.in_(sector_ids),
        or_(Lead.deferred_until.is_(None), Lead.deferred_until <= datetime.now(UTC).date()),
        vetting.still_open(),
    )
    firm = deputy.affiliated_enterprise_id
    if declared:
        query = query.where(_involves(firm) if firm is not None else false())
    elif firm is not None:
        query = query.where(~_involves(firm))
    if wanted.kind in ("talent", "investment"):
        query = query.where(Lead.kind == wanted.kind)
    if wanted.need_id is not None:
        query = query.where(Lead.talent_need_id == wanted.need_id)
    if wanted.project_id is not None:
        query = query.where(Lead.project_id == wanted.project_id)
    if wanted.colour in COLOURS:
        query = query.where(COLOURS[wanted.colour]())
    if wanted.text:
        query = query.where(_mentions(wanted.text))
    order = ORDERS.get(wanted.order, ORDERS["score"])
    return query.options(*CARDS).order_by(*order)


#: The review age colours (三色督办) as SQL, as ``age_mark`` tells them for one lead.
COLOURS = {
    "green": lambda: ~overdue(1),
    "amber": lambda: and_(overdue(1), ~overdue(2)),
    "red": lambda: overdue(2),
    "overdue": lambda: overdue(1),
}


def _involves(enterprise_id: int):
    """SQL: the lead has this firm on either side."""
    return or_(
        Lead.talent_need_id.in_(
            select(TalentNeed.id).where(TalentNeed.enterprise_id == enterprise_id)
        ),
        Lead.project_id.in_(
            select(InvestmentProject.id).where(InvestmentProject.enterprise_id == enterprise_id)
        ),
        Lead.interest_id.in_(
            select(InvestorInterest.id).where(InvestorInterest.enterprise_id == enterprise_id)
        ),
    )


def _mentions(text: str):
    """SQL: ``text`` appears in the need's or project's title, a firm's name, or the
    graduate's major or school (what a deputy weighing a suggestion may see)."""
    firms = select(Enterprise.id).where(Enterprise.name.contains(text, autoescape=True))
    needs = select(TalentNeed.id).where(
        or_(TalentNeed.title.contains(text, autoescape=True), TalentNeed.enterprise_id.in_(firms))
    )
    projects = select(InvestmentProject.id).where(
        or_(
            InvestmentProject.title.contains(text, autoescape=True),
            InvestmentProject.enterprise_id.in_(firms),
        )
    )
    interests = select(InvestorInterest.id).where(InvestorInterest.enterprise_id.in_(firms))
    graduates = select(Graduate.id).where(
        or_(Graduate.major.contains(text, autoescape=True),
            Graduate.school.contains(text, autoescape=True))
    )  # fmt: skip
    return or_(
        Lead.talent_need_id.in_(needs),
        Lead.project_id.in_(projects),
        Lead.interest_id.in_(interests),
        Lead.graduate_id.in_(graduates),
    )


#: Statuses a deputy follows up after the sides are in contact (待跟进).
FOLLOW_UP = (
    LeadStatus.CONNECTED, LeadStatus.INTERVIEWING, LeadStatus.NEGOTIATING, LeadStatus.HIRED,
    LeadStatus.RETAINED, LeadStatus.SIGNED, LeadStatus.FUNDS_ARRIVED, LeadStatus.IN_PRODUCTION,
    LeadStatus.NO_DEAL, LeadStatus.DECLINED, LeadStatus.LAPSED, LeadStatus.WITHDRAWN,
)  # fmt: skip
#: A deputy's own leads by what they wait for: the sides' answers, or the deputy.
STATES = {
    "waiting": (LeadStatus.INTRODUCED,),
    "follow_up": FOLLOW_UP,
    "closed": (LeadStatus.CLOSED,),
}


def capped_count(query: Select, cap: int = 500) -> int:
    """Rows of ``query``, counted up to ``cap + 1`` (a count past the cap says "cap+")."""
    return db.session.scalar(
        select(func.count()).select_from(query.order_by(None).limit(cap + 1).subquery())
    )


def workload(deputy: Deputy) -> dict[str, int]:
    """A deputy's workbench: suggestions to review (and how many are overdue), own
    introductions waiting for the sides' answers, and those to follow up or close."""
    return workloads([deputy])[deputy.id]


def workloads(deputies: list[Deputy]) -> dict[int, dict[str, int]]:
    """``workload`` of each deputy (their sectors loaded), counted in one statement, so
    a station's page costs the same whatever the number of its deputies or leads."""
    if not deputies:
        return {}
    late = overdue(1)
    columns = [
        _capped(query).label(f"{name}_{deputy.id}")
        for deputy in deputies
        for name, query in work_lists(deputy, late).items()
    ]
    row = db.session.execute(select(*columns)).one()._mapping
    return {
        deputy.id: {name: row[f"{name}_{deputy.id}"] for name in WORK_LISTS} for deputy in deputies
    }


#: The lists of a deputy's workbench, in the order it shows them.
WORK_LISTS = ("review", "overdue", "declared", "waiting", "follow_up")


def work_lists(deputy: Deputy, late=None) -> dict[str, Select]:
    """Each list the workbench counts, as the query a page of it shows (``late``: the
    overdue condition, when the caller made it already)."""
    own = select(Lead).where(Lead.deputy_id == deputy.id).options(*CARDS)
    own = own.order_by(Lead.status_changed_at.desc(), Lead.id.desc())
    late = overdue(1) if late is None else late
    return {
        "review": suggestions_for(deputy),
        "overdue": suggestions_for(deputy).where(late),
        "declared": suggestions_for(deputy, declared=True),
        "waiting": own.where(Lead.status.in_(STATES["waiting"])),
        "follow_up": own.where(Lead.status.in_(STATES["follow_up"])),
    }


def _capped(query: Select, cap: int = 500):
    """SQL: the rows of ``query`` counted up to ``cap + 1``, as a scalar."""
    counted = query.order_by(None).limit(cap + 1).subquery()
    return select(func.count()).select_from(counted).scalar_subquery()


def _places(path):
    """A region and its ancestors (a card shows the region's label, or its city)."""
    return path  # a region comes with its lineage (``Region.parent`` is joined)


#: What the cards of a lead show, loaded with the page instead of per card: the lead's
#: own row joined to station and sector only, then each side in a query of its own (one
#: statement joining every side takes PostgreSQL tens of milliseconds just to plan).
CARDS = (
    joinedload(Lead.station),
    joinedload(Lead.sector),
    selectinload(Lead.talent_need).options(
        joinedload(TalentNeed.enterprise),
        joinedload(TalentNeed.sector),
        _places(joinedload(TalentNeed.region)),
    ),
    selectinload(Lead.graduate).options(_places(joinedload(Graduate.hometown))),
    selectinload(Lead.project).options(
        joinedload(InvestmentProject.enterprise),
        joinedload(InvestmentProject.sector),
        _places(joinedload(InvestmentProject.region)),
    ),
    selectinload(Lead.interest).options(
        joinedload(InvestorInterest.enterprise), selectinload(InvestorInterest.sectors)
    ),
)


def suggestion_counts(need_ids: list[int]) -> dict[int, int]:
    """Open suggestions per talent need (none once it is filled)."""
    if not need_ids:
        return {}
    query = (
        select(Lead.talent_need_id, func.count(Lead.id))
        .where(Lead.talent_need_id.in_(need_ids), Lead.status == LeadStatus.SUGGESTED)
        .where(vetting.still_open())
        .group_by(Lead.talent_need_id)
    )
    return dict(db.session.execute(query).all())


HIDDEN_FROM_SIDES = (LeadStatus.SUGGESTED, LeadStatus.DISMISSED)
#: Every status past review, named (``IN`` is answered by the status index; ``NOT IN``
#: would read every suggestion).
PAST_REVIEW = tuple(s for s in LeadStatus if s not in HIDDEN_FROM_SIDES)


def leads_for(user: User, limit: int = 200) -> list[Lead]:
    """The first ``limit`` leads of ``followed_by(user)``."""
    return list(db.session.scalars(followed_by(user).limit(limit)))


def followed_by(user: User, state: str | None = None) -> Select:
    """The leads a user follows, newest change first: a side's introductions, a deputy's,
    a station's (past review, and its red suggestions), or for an administrator the red
    suggestions everywhere; with ``state`` (a key of ``STATES``), only those waiting for
    the sides, to follow up, or closed. Filtered in SQL, so a page of it is a page of the
    answer."""
    if user.role is Role.ADMIN:
        return red_query()
    query = select(Lead).order_by(Lead.status_changed_at.desc(), Lead.id.desc())
    if state in STATES:
        query = query.where(Lead.status.in_(STATES[state]))
    if user.role is Role.GRADUATE:
        graduate_id = user.graduate.id if user.graduate else -1
        return query.where(Lead.graduate_id == graduate_id, Lead.status.in_(PAST_REVIEW))
    if user.role is Role.ENTERPRISE:
        mine = _of_enterprise(user.enterprise.id if user.enterprise else -1)
        return query.where(mine, Lead.status.in_(PAST_REVIEW))
    if user.role is Role.DEPUTY:
        return query.where(Lead.deputy_id == user.deputy.id)
    return query.where(Lead.id.in_(_shown_to_staff(user.station_id)))


def waiting_for(user: User, limit: int = 50) -> list[Lead]:
    """Introductions waiting for this side's answer (consent or decline), oldest first."""
    from . import introductions as intro  # introductions imports this module

    query = followed_by(user, "waiting").order_by(None).order_by(Lead.introduced_at, Lead.id)
    found = db.session.scalars(query.options(*CARDS).limit(limit)).unique()
    return [lead for lead in found if intro.awaiting_answer(lead, intro.party_of(lead, user))]


def _of_enterprise(enterprise_id: int):
    needs = select(TalentNeed.id).where(TalentNeed.enterprise_id == enterprise_id)
    projects = select(InvestmentProject.id).where(InvestmentProject.enterprise_id == enterprise_id)
    interests = select(InvestorInterest.id).where(InvestorInterest.enterprise_id == enterprise_id)
    return or_(
        Lead.talent_need_id.in_(needs),
        Lead.project_id.in_(projects),
        Lead.interest_id.in_(interests),
    )


def _shown_to_staff(station_id: int):
    """What a station's staff watch: every lead past review, and the red suggestions
    (two index scans, not a filter over every suggestion of the station)."""
    mine = Lead.station_id == station_id
    return union(
        select(Lead.id).where(mine, Lead.status.in_(PAST_REVIEW)),
        select(Lead.id).where(mine, red()),
    )


def overdue(times: int, at: datetime | None = None):
    """SQL: the lead is older than ``times`` its station's review deadline (7 days when
    it has no station), as ``age_mark`` says for one lead."""
    deadline = (
        select(Station.review_deadline_days)
        .where(Station.id == Lead.station_id)
        .correlate_except(Station)
    ).scalar_subquery()
    at = at or datetime.now(UTC)
    age = at.timestamp() - epoch_seconds(Lead.created_at)
    # implied by the exact test, and answered by an index: no deadline is shorter
    shortest = db.session.scalar(select(func.min(Station.review_deadline_days)))
    bound = at - timedelta(days=times * min(shortest or 7, 7))
    return and_(Lead.created_at < bound, age > times * func.coalesce(deadline, 7) * DAY)


def red(at: datetime | None = None):
    """SQL: a suggestion nobody reviewed within twice its deadline (三色督办: red), still
    open (not left behind by a filled need or a hired graduate)."""
    return and_(Lead.status == LeadStatus.SUGGESTED, overdue(2, at), vetting.still_open())


def red_suggestions(limit: int = 200) -> list[Lead]:
    """The red suggestions, oldest first (the query pages and filters in SQL)."""
    return list(db.session.scalars(red_query().limit(limit)))


def red_query() -> Select:
    return select(Lead).where(red()).order_by(Lead.created_at, Lead.id)


# --- review age (三色督办) --------------------------------------------------------------


def age_mark(lead: Lead, at: datetime | None = None) -> str:
    """``green``, ``amber`` past the station's review deadline, ``red`` past twice it."""
    days = (lead.station.review_deadline_days if lead.station else 7) or 7
    age = ((at or datetime.now(UTC)) - lead.created_at).total_seconds() / 86400
    if age > 2 * days:
        return "red"
    if age > days:
        return "amber"
    return "green"


# --- the station's watch list (督办) ------------------------------------------------------

#: Leads nobody waits on any more: they take no colour.
SETTLED = (LeadStatus.CLOSED, LeadStatus.DISMISSED)


def _waiting_since():
    """SQL: since when the lead waits for its next step: a suggestion since it was made,
    a lead past review since its last change."""
    return case(
        (Lead.status == LeadStatus.SUGGESTED, Lead.created_at), else_=Lead.status_changed_at
    )


def stalled(times: int, at: datetime | None = None):
    """SQL: an unsettled lead waiting longer than ``times`` its station's review deadline
    for its next step, as ``watch_mark`` says for one lead."""
    deadline = (
        select(Station.review_deadline_days)
        .where(Station.id == Lead.station_id)
        .correlate_except(Station)
    ).scalar_subquery()
    age = (at or datetime.now(UTC)).timestamp() - epoch_seconds(_waiting_since())
    return and_(Lead.status.not_in(SETTLED), age > times * func.coalesce(deadline, 7) * DAY)


#: The watch list's colours (三色督办) as SQL, as ``watch_mark`` tells them for one lead.
WATCH_COLOURS = {
    "green": lambda: and_(Lead.status.not_in(SETTLED), ~stalled(1)),
    "amber": lambda: and_(stalled(1), ~stalled(2)),
    "red": lambda: stalled(2),
}
#: The watch list's status groups: red suggestions, then a deputy's own leads by state.
WATCH_GROUPS = {"suggested": (LeadStatus.SUGGESTED,), **STATES}


def watch_mark(lead: Lead, at: datetime | None = None) -> str | None:
    """``green``, ``amber`` or ``red`` by how long the lead waits for its next step against
    its station's review deadline (once, twice); None for a closed or dismissed lead."""
    if lead.status in SETTLED:
        return None
    since = lead.created_at if lead.status is LeadStatus.SUGGESTED else lead.status_changed_at
    days = (lead.station.review_deadline_days if lead.station else 7) or 7
    age = ((at or datetime.now(UTC)) - since).total_seconds() / 86400
    return "red" if age > 2 * days else "amber" if age > days else "green"


def waiting_days(lead: Lead, at: datetime | None = None) -> int:
    """Whole days the lead waits for its next step (as ``watch_mark`` measures it)."""
    since = lead.created_at if lead.status is LeadStatus.SUGGESTED else lead.status_changed_at
    return max(0, ((at or datetime.now(UTC)) - since).days)


@dataclass(frozen=True)
class WatchFilter:
    """What staff narrow the watch list to (every field optional)."""

    group: str | None = None  # a key of WATCH_GROUPS
    colour: str | None = None  # a key of WATCH_COLOURS
    deputy_id: int | None = None


def watched_by(user: User, wanted: WatchFilter | None = None) -> Select:
    """``followed_by`` a station's staff, narrowed in SQL, with what each row shows."""
    wanted = wanted or WatchFilter()
    query = followed_by(user)
    if wanted.group in WATCH_GROUPS:
        query = query.where(Lead.status.in_(WATCH_GROUPS[wanted.group]))
    if wanted.colour in WATCH_COLOURS:
        query = query.where(WATCH_COLOURS[wanted.colour]())
    if wanted.deputy_id is not None:
        query = query.where(Lead.deputy_id == wanted.deputy_id)
    return query.options(*CARDS, joinedload(Lead.deputy))
