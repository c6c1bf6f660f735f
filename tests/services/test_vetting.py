"""Only verified firms are introduced; filled needs and hired graduates stop being suggested."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import Lead, LeadEvent, LeadStatus, Notification, Role
from matchmaker.services import catalogue, matching, postings, vetting
from matchmaker.services import introductions as intro
from matchmaker.services.errors import DomainError
from matchmaker.services.leads import (
    leads_for,
    red_suggestions,
    suggestion_counts,
    suggestions_for,
)
from tests.factories import backdate, days_ago, enterprise_profile, graduate_profile, verify

TOWN = "河南省/许昌市/鄢陵县/陈化店镇"
NOTICE = intro.NOTICE_VERSION


def _need(firm, reference, headcount=1, title="花木栽培技术员"):
    need = postings.save_need(
        firm, title=title, description="紫荆、月季苗木栽培，嫁接育苗，病虫害防治。",
        sector_id=reference.sector("horticulture").id, region_id=reference.region(TOWN).id,
        headcount=headcount,
    )  # fmt: skip
    db.session.commit()
    return need


def _graduates(make_user, reference, n):
    return [
        make_user(Role.GRADUATE, **graduate_profile(reference) | {"name": f"毕业生{i}"}).graduate
        for i in range(n)
    ]


def _lead(need, graduate) -> Lead:
    return db.session.scalar(
        select(Lead).where(Lead.talent_need_id == need.id, Lead.graduate_id == graduate.id)
    )


def _hire(lead, deputy):
    """Introduce, both consent, hire (150 days ago): the lead ends in a hire."""
    firm_user = lead.talent_need.enterprise.user
    intro.introduce(lead, deputy, "请双方联系")
    intro.consent(lead, lead.graduate.user, True, NOTICE)
    intro.consent(lead, firm_user, True, NOTICE)
    backdate(lead, 200)
    intro.record_hire(lead, firm_user, days_ago(150), "园艺技术员")
    db.session.commit()


def _queue(deputy) -> set[int]:
    return set(db.session.scalars(suggestions_for(deputy.deputy)))


def _trail(lead) -> tuple:
    db.session.expire_all()
    row = db.session.get(Lead, lead.id)
    events = db.session.scalar(select(func.count(LeadEvent.id)).where(LeadEvent.lead_id == lead.id))
    sent = db.session.scalar(
        select(func.count(Notification.id)).where(Notification.lead_id == lead.id)
    )
    return row.status, row.deputy_id, row.introduced_at, events, sent


# --- verified firms -------------------------------------------------------------------


def test_an_unverified_firm_is_not_introduced_until_staff_verify_it(talent, make_user):
    lead, _, employer, deputy = talent
    employer.enterprise.verified = False
    db.session.commit()
    assert vetting.unverified_firms(lead) == [employer.enterprise]
    before = _trail(lead)
    with pytest.raises(DomainError) as caught:
        intro.introduce(lead, deputy, "请双方联系")
    assert caught.value.code == "firm_not_verified"
    assert caught.value.params["name"] == employer.enterprise.name
    db.session.rollback()
    assert _trail(lead) == before == (LeadStatus.SUGGESTED, None, None, 0, 0)

    catalogue.set_verified(make_user(Role.STAFF), employer.enterprise, True)
    assert vetting.unverified_firms(lead) == []
    intro.introduce(lead, deputy, "请双方联系")
    assert lead.status is LeadStatus.INTRODUCED


@pytest.mark.parametrize("side", ["owner", "investor"])
def test_both_firms_of_an_investment_lead_must_be_verified(investment, make_user, side):
    lead, owner, investor, deputy = investment
    firm = {"owner": owner, "investor": investor}[side].enterprise
    firm.verified = False
    db.session.commit()
    assert vetting.unverified_firms(lead) == [firm]
    with pytest.raises(DomainError) as caught:
        intro.introduce(lead, deputy, "请双方联系")
    assert caught.value.code == "firm_not_verified"
    db.session.rollback()
    assert _trail(lead) == (LeadStatus.SUGGESTED, None, None, 0, 0)
    catalogue.set_verified(make_user(Role.ADMIN), db.session.merge(firm), True)
    intro.introduce(db.session.get(Lead, lead.id), deputy, "请双方联系")
    assert db.session.get(Lead, lead.id).status is LeadStatus.INTRODUCED


# --- filled needs, hired graduates ------------------------------------------------------


@pytest.fixture
def firm(make_user):
    user = make_user(Role.ENTERPRISE)
    verify(user.enterprise)
    db.session.commit()
    return user.enterprise


def test_a_need_of_two_stops_being_suggested_at_its_second_hire(firm, make_user, reference):
    first, second, third = _graduates(make_user, reference, 3)
    need = _need(firm, reference, headcount=2)
    deputy = make_user(Role.DEPUTY)
    _hire(_lead(need, first), deputy)
    waiting = _lead(need, third)
    assert waiting in _queue(deputy) and _lead(need, second) in _queue(deputy)
    assert need.id not in vetting.filled_need_ids()

    _hire(_lead(need, second), deputy)
    assert need.id in vetting.filled_need_ids()
    assert waiting.status is LeadStatus.SUGGESTED and waiting not in _queue(deputy)
    with pytest.raises(DomainError) as caught:
        intro.introduce(waiting, deputy, "请双方联系")
    assert caught.value.code == "need_filled"


def test_a_hire_closed_out_still_fills_the_need(firm, make_user, reference):
    first, second = _graduates(make_user, reference, 2)
    need = _need(firm, reference)
    deputy = make_user(Role.DEPUTY)
    hired = _lead(need, first)
    _hire(hired, deputy)
    intro.close_out(hired, deputy, "已录用，销号。")
    db.session.commit()
    assert hired.status is LeadStatus.CLOSED
    assert _lead(need, second) not in _queue(deputy)


def test_a_hired_graduate_leaves_other_firms_queues(firm, make_user, reference):
    (graduate,) = _graduates(make_user, reference, 1)
    other_firm = make_user(Role.ENTERPRISE, **enterprise_profile(reference, 50)).enterprise
    verify(other_firm)
    mine, theirs = _need(firm, reference), _need(other_firm, reference, title="苗木嫁接技术员")
    deputy = make_user(Role.DEPUTY)
    elsewhere = _lead(theirs, graduate)
    assert elsewhere in _queue(deputy)
    _hire(_lead(mine, graduate), deputy)
    assert graduate.id in vetting.hired_graduate_ids()
    assert elsewhere.status is LeadStatus.SUGGESTED and elsewhere not in _queue(deputy)
    with pytest.raises(DomainError) as caught:
        intro.introduce(elsewhere, deputy, "请双方联系")
    assert caught.value.code == "graduate_hired"


def test_refresh_suggests_nothing_new_for_a_filled_need_or_a_hired_graduate(
    firm, make_user, reference
):
    (graduate,) = _graduates(make_user, reference, 1)
    need = _need(firm, reference)
    _hire(_lead(need, graduate), make_user(Role.DEPUTY))
    newcomer = make_user(Role.GRADUATE, **graduate_profile(reference)).graduate
    another = _need(firm, reference, title="苗木嫁接技术员")
    assert _lead(another, newcomer) is not None  # both still match what is open
    assert _lead(need, newcomer) is None  # the filled need gets no new suggestion
    assert _lead(another, graduate) is None  # nor does the hired graduate
    matching.refresh(need)
    matching.refresh(graduate)
    db.session.commit()
    assert _lead(need, newcomer) is None and _lead(another, graduate) is None
    matching.rebuild()
    assert _lead(need, newcomer) is None and _lead(another, graduate) is None
    assert _lead(need, graduate).status is LeadStatus.HIRED


def test_the_predicates_agree_with_the_definition(firm, make_user, reference):
    """A hire: hired, retained, or closed with a position; nothing else counts."""
    first, second = _graduates(make_user, reference, 2)
    need = _need(firm, reference, headcount=2)
    deputy = make_user(Role.DEPUTY)
    lead = _lead(need, first)
    intro.introduce(lead, deputy, "请双方联系")
    intro.consent(lead, first.user, True, NOTICE)
    intro.consent(lead, firm.user, True, NOTICE)
    intro.record_no_deal(lead, deputy, "未谈妥")
    intro.close_out(lead, deputy, "未录用，销号。")
    db.session.commit()
    assert first.id not in vetting.hired_graduate_ids()
    _hire(_lead(need, second), deputy)
    intro.record_retention(_lead(need, second), deputy, 3, days_ago(0))
    db.session.commit()
    assert vetting.hired_graduate_ids() == {second.id}
    assert vetting.filled_need_ids() == set()  # one hire of two


def test_a_filled_needs_leftovers_are_neither_waiting_nor_overdue(firm, make_user, reference):
    first, second = _graduates(make_user, reference, 2)
    need = _need(firm, reference)
    leftover = _lead(need, second)
    leftover.created_at = datetime.now(UTC) - timedelta(days=30)  # red: past twice 7 days
    db.session.commit()
    staff = make_user(Role.STAFF)
    assert suggestion_counts([need.id]) == {need.id: 2}
    assert leftover in red_suggestions() and leftover in leads_for(staff)
    _hire(_lead(need, first), make_user(Role.DEPUTY))
    assert suggestion_counts([need.id]) == {}
    assert leftover not in red_suggestions() and leftover not in leads_for(staff)
