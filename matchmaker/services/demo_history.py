"""A history for the demo: some suggestions taken through every step, as deputies and
the two sides would have taken them, so that a first look shows the whole product.

Run once after the suggestions are ranked (``flask seed-demo-history``, which ``make run``
calls): it does nothing when any lead is past suggestion already. Every step goes through
``services.introductions``, with its rules: only verified firms, the routed deputy, the
sides' own consent. The demo's fixed logins come first, so the demo deputy, firm and
graduate each find their own introductions under 我的对接.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from ..extensions import db
from ..models import Deputy, Lead, LeadKind, LeadStatus, User
from . import introductions as intro
from . import vetting
from .clock import now, today

#: The fixed demo logins, whose leads are walked first.
PREFERRED = ("deputy@demo.example", "enterprise@demo.example", "graduate@demo.example")


@dataclass
class Walk:
    """One lead's story: its kind, and the steps after the introduction."""

    kind: LeadKind
    name: str
    steps: Callable[[Lead, User, list[User]], None]


def _agree(lead: Lead, deputy: User, sides: list[User]) -> None:
    for user in sides:
        intro.consent(lead, user, True, intro.NOTICE_VERSION)


def _connected(lead, deputy, sides) -> None:
    _agree(lead, deputy, sides)


def _interviewing(lead, deputy, sides) -> None:
    _agree(lead, deputy, sides)
    intro.start_follow_up(lead, deputy, "已约定面试时间")


def _hired(lead, deputy, sides) -> None:
    _interviewing(lead, deputy, sides)
    intro.record_hire(lead, sides[0], today(), lead.talent_need.title, "试用期三个月")


def _hired_and_closed(lead, deputy, sides) -> None:
    _hired(lead, deputy, sides)
    intro.close_out(lead, deputy, "已录用，回访确认到岗，销号")
    intro.confirm_outcome(lead, sides[0])


def _declined(lead, deputy, sides) -> None:
    intro.consent(lead, sides[-1], False, intro.NOTICE_VERSION)


def _lapsed(lead, deputy, sides) -> None:
    lead.answer_by = now() - timedelta(hours=1)  # nobody answered by the deadline
    db.session.flush()
    intro.lapse_overdue()


def _signed(lead, deputy, sides) -> None:
    _agree(lead, deputy, sides)
    intro.start_follow_up(lead, deputy, "双方已进行实地考察")
    low = lead.project.amount_min_wan or 500
    intro.record_signing(lead, deputy, today(), low, "签订投资协议")


def _funds(lead, deputy, sides) -> None:
    _signed(lead, deputy, sides)
    intro.record_funds(lead, deputy, today())


def _production(lead, deputy, sides) -> None:
    _funds(lead, deputy, sides)
    intro.record_production(lead, deputy, today())


def _production_closed(lead, deputy, sides) -> None:
    _production(lead, deputy, sides)
    intro.close_out(lead, deputy, "项目已投产，销号")


def _no_deal(lead, deputy, sides) -> None:
    _agree(lead, deputy, sides)
    intro.record_no_deal(lead, deputy, "投资规模与项目需求不符")


WALKS = (
    Walk(LeadKind.TALENT, "introduced", lambda lead, deputy, sides: None),
    Walk(LeadKind.TALENT, "connected", _connected),
    Walk(LeadKind.TALENT, "interviewing", _interviewing),
    Walk(LeadKind.TALENT, "declined", _declined),
    Walk(LeadKind.TALENT, "lapsed", _lapsed),
    Walk(LeadKind.TALENT, "hired", _hired),
    Walk(LeadKind.TALENT, "closed after a hire", _hired_and_closed),
    Walk(LeadKind.INVESTMENT, "signed", _signed),
    Walk(LeadKind.INVESTMENT, "funds arrived", _funds),
    Walk(LeadKind.INVESTMENT, "in production", _production),
    Walk(LeadKind.INVESTMENT, "closed after production", _production_closed),
    Walk(LeadKind.INVESTMENT, "no deal", _no_deal),
)


def seed_history() -> dict[str, int]:
    """Walk one suggestion through each story of ``WALKS``; returns each story's lead id
    (a story with no suitable suggestion is left out). Nothing when any lead is past
    suggestion already, and nothing outside the demo data set (real people are never
    introduced by a script)."""
    demo_deputy = db.session.scalar(select(User.id).where(User.email == PREFERRED[0]))
    if demo_deputy is None:
        return {}
    past = db.session.scalar(select(func.count(Lead.id)).where(Lead.status != LeadStatus.SUGGESTED))
    if past:
        return {}
    done: dict[str, int] = {}
    used: set[int] = set()
    for walk in WALKS:
        found = _candidate(walk.kind, used)
        if found is None:
            continue
        lead, deputy, sides = found
        intro.introduce(lead, deputy, "双方条件较为契合，建议对接")
        walk.steps(lead, deputy, sides)
        db.session.flush()
        used.update(_documents(lead))
        done[walk.name] = lead.id
    return done


def _documents(lead: Lead) -> set[tuple[str, int]]:
    """The documents a walked lead used: each story gets documents of its own."""
    if lead.kind is LeadKind.TALENT:
        return {("need", lead.talent_need_id), ("graduate", lead.graduate_id)}
    return {("project", lead.project_id), ("interest", lead.interest_id)}


def _candidate(kind: LeadKind, used: set) -> tuple[Lead, User, list[User]] | None:
    """The best suggestion of ``kind`` that a deputy may introduce now, both sides with an
    account, on documents no other story used; the fixed demo logins' first."""
    deputies = db.session.scalars(select(Deputy).where(Deputy.user_id.is_not(None))).all()
    best, best_rank = None, None
    query = (
        select(Lead)
        .where(Lead.kind == kind, Lead.status == LeadStatus.SUGGESTED)
        .order_by(Lead.score.desc(), Lead.id)
    )
    for lead in db.session.scalars(query):
        sides = intro.side_users(lead)
        if len(sides) < 2 or _documents(lead) & used or not vetting.introducible(lead):
            continue
        able = [d for d in deputies if intro.may_act_as_deputy(d, lead)]
        if not able:
            continue
        able.sort(key=lambda d: d.user.email not in PREFERRED)
        rank = -sum(user.email in PREFERRED for user in [able[0].user, *sides])
        if best_rank is None or rank < best_rank:
            best, best_rank = (lead, able[0].user, sides), rank
            if rank == -3:
                break
    return best
