"""Every step dated against the lead's own history and today, and told to those on the lead."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import LeadStatus, Notification
from matchmaker.services import introductions as intro
from matchmaker.services.clock import add_months
from matchmaker.services.errors import DomainError
from tests.factories import backdate, days_ago
from tests.services.test_introductions import _connect

S = LeadStatus


def _refused(code, step, *args):
    with pytest.raises(DomainError) as caught:
        step(*args)
    assert caught.value.code == code
    return caught.value


def _connected(talent):
    lead, graduate, employer, deputy = talent
    _connect(lead, graduate, employer, deputy)
    return lead, graduate, employer, deputy


def test_nothing_that_happened_is_in_the_future(talent):
    lead, _, employer, _ = _connected(talent)
    error = _refused(
        "date_in_future", intro.record_hire, lead, employer, days_ago(-1), "园艺技术员"
    )
    assert error.field == "on"
    assert lead.status is S.CONNECTED and lead.outcome_date is None
    intro.record_hire(lead, employer, days_ago(0), "园艺技术员")
    assert lead.status is S.HIRED


def test_a_hire_cannot_predate_the_contact(talent):
    lead, _, employer, _ = _connected(talent)
    backdate(lead, 10)
    _refused("date_before_contact", intro.record_hire, lead, employer, days_ago(11), "技术员")
    intro.record_hire(lead, employer, days_ago(10), "技术员")


def test_a_retention_check_is_at_least_its_months_after_the_hire(talent):
    lead, _, employer, deputy = _connected(talent)
    backdate(lead, 300)
    hired = days_ago(250)
    intro.record_hire(lead, employer, hired, "技术员")
    _refused("retention_too_early", intro.record_retention, lead, deputy, 3, hired)
    early = add_months(hired, 3) - timedelta(days=1)
    _refused("retention_too_early", intro.record_retention, lead, deputy, 3, early)
    _refused("retention_order", intro.record_retention, lead, deputy, 6, add_months(hired, 6))
    intro.record_retention(lead, deputy, 3, add_months(hired, 3))
    _refused("retention_order", intro.record_retention, lead, deputy, 3, add_months(hired, 4))
    _refused("retention_too_early", intro.record_retention, lead, deputy, 6, add_months(hired, 5))
    intro.record_retention(lead, deputy, 6, add_months(hired, 6))
    assert intro.next_retention_check(lead) is None


def test_funds_not_before_signing_and_production_not_before_funds(investment):
    lead, owner, investor, deputy = investment
    _connect(lead, owner, investor, deputy)
    backdate(lead, 100)
    intro.record_signing(lead, owner, days_ago(60), 4200)
    _refused("funds_before_signing", intro.record_funds, lead, owner, days_ago(61))
    _refused("date_in_future", intro.record_funds, lead, owner, days_ago(-60))
    intro.record_funds(lead, owner, days_ago(30))
    _refused("production_before_funds", intro.record_production, lead, owner, days_ago(31))
    intro.record_production(lead, owner, days_ago(30))
    assert lead.status is S.IN_PRODUCTION


def _told(lead) -> dict[str, set[int]]:
    notes = db.session.scalars(select(Notification).where(Notification.lead_id == lead.id))
    told = {}
    for note in notes:
        told.setdefault(note.kind, set()).add(note.user_id)
    return told


def test_every_step_tells_those_on_the_lead_but_the_one_who_acted(talent):
    lead, graduate, employer, deputy = talent
    everyone = {graduate.id, employer.id, deputy.id}
    intro.introduce(lead, deputy, "note")
    intro.consent(lead, graduate, True, intro.NOTICE_VERSION)
    assert _told(lead)["consent_given"] == {employer.id, deputy.id}
    intro.consent(lead, employer, True, intro.NOTICE_VERSION)
    assert _told(lead)["connected"] == everyone
    intro.start_follow_up(lead, employer)
    backdate(lead, 200)
    intro.record_hire(lead, employer, days_ago(150), "技术员")
    intro.record_retention(lead, deputy, 3, days_ago(0))
    intro.withdraw_consent(lead, graduate)
    intro.close_out(lead, deputy, "销号")
    intro.confirm_outcome(lead, graduate)
    told = _told(lead)
    assert told["follow_up_started"] == {graduate.id, deputy.id}
    assert told["hired"] == {graduate.id, deputy.id}
    assert told["retained"] == {graduate.id, employer.id}
    assert told["consent_withdrawn"] == {employer.id, deputy.id}
    assert told["confirm_outcome"] == {graduate.id, employer.id}
    assert told["outcome_confirmed"] == {deputy.id}


def test_signing_funds_production_and_no_deal_are_told(investment):
    lead, owner, investor, deputy = investment
    _connect(lead, owner, investor, deputy)
    backdate(lead, 100)
    intro.record_signing(lead, owner, days_ago(60), 4200)
    intro.record_funds(lead, deputy, days_ago(30))
    intro.record_production(lead, investor, days_ago(1))
    told = _told(lead)
    assert told["signed"] == {investor.id, deputy.id}
    assert told["funds_arrived"] == {owner.id, investor.id}
    assert told["in_production"] == {owner.id, deputy.id}


def test_a_decline_tells_the_deputy_and_the_other_side(talent):
    lead, graduate, employer, deputy = talent
    intro.introduce(lead, deputy, "note")
    intro.consent(lead, graduate, False, intro.NOTICE_VERSION)
    assert _told(lead)["declined"] == {employer.id, deputy.id}
    declined = select(Notification.params).where(
        Notification.lead_id == lead.id, Notification.kind == "declined"
    )
    assert list(db.session.scalars(declined)) == [{}, {}]  # nothing about who declined


def test_a_side_answers_once_and_buttons_follow_what_can_be_done(talent):
    lead, graduate, employer, deputy = talent
    intro.introduce(lead, deputy, "note")
    intro.consent(lead, graduate, True, intro.NOTICE_VERSION)
    _refused("already_answered", intro.consent, lead, graduate, False, intro.NOTICE_VERSION)
    intro.consent(lead, employer, True, intro.NOTICE_VERSION)
    assert intro.may_withdraw(lead, intro.party_of(lead, graduate))
    intro.record_no_deal(lead, employer, "薪资未谈拢")
    intro.close_out(lead, deputy, "未成，销号")
    assert not intro.may_withdraw(lead, intro.party_of(lead, graduate))  # closed: nothing shown
    assert intro.may_confirm(lead, intro.party_of(lead, graduate))
    intro.confirm_outcome(lead, graduate)
    assert not intro.may_confirm(lead, intro.party_of(lead, graduate))
    _refused("already_confirmed", intro.confirm_outcome, lead, graduate)
