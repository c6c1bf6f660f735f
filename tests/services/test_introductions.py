"""The lead state machine: every transition, legal and illegal, routing, consent, ageing."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import (
    ConsentParty,
    ContactView,
    LeadEvent,
    LeadStatus,
    Notification,
    Role,
)
from matchmaker.services import disclosure, profiles
from matchmaker.services import introductions as intro
from matchmaker.services.errors import DomainError
from matchmaker.services.leads import age_mark
from tests.factories import backdate, days_ago

S = LeadStatus
NOTICE = intro.NOTICE_VERSION


def _events(lead):
    return [(e.from_status, e.to_status) for e in lead.events]


def _connect(lead, a, b, deputy):
    intro.introduce(lead, deputy, "请双方联系")
    intro.consent(lead, a, True, NOTICE)
    intro.consent(lead, b, True, NOTICE)


def test_suggestion_is_routed_to_the_station_and_sector(talent, make_user, reference):
    lead, _, _, deputy = talent
    assert lead.status is S.SUGGESTED
    assert intro.routed_to(deputy.deputy, lead)
    other = make_user(Role.DEPUTY)
    other.deputy.sectors = [reference.sector("tourism")]
    assert not intro.routed_to(other.deputy, lead)
    with pytest.raises(DomainError) as caught:
        intro.introduce(lead, other, "x")
    assert caught.value.code == "not_your_lead"


def test_conflicted_deputy_cannot_act(talent):
    lead, _, employer, deputy = talent
    deputy.deputy.affiliated_enterprise = employer.enterprise
    with pytest.raises(DomainError) as caught:
        intro.introduce(lead, deputy, "x")
    assert caught.value.code == "conflict_of_interest"
    assert lead.status is S.SUGGESTED


def test_talent_journey_to_close_out(talent):
    lead, graduate, employer, deputy = talent
    intro.introduce(lead, deputy, "鄢陵县花木企业急需园艺人才")
    assert lead.status is S.INTRODUCED and lead.deputy == deputy.deputy
    assert lead.answer_by - lead.introduced_at == timedelta(days=14)
    kinds = db.session.scalars(select(Notification.kind).where(Notification.lead_id == lead.id))
    assert sorted(kinds) == ["introduced", "introduced"]

    intro.consent(lead, graduate, True, NOTICE)
    assert lead.status is S.INTRODUCED
    assert not disclosure.consented(lead, ConsentParty.GRADUATE, "phone")
    intro.consent(lead, employer, True, NOTICE)
    assert lead.status is S.CONNECTED
    assert disclosure.consented(lead, ConsentParty.GRADUATE, "phone")
    assert disclosure.consented(lead, ConsentParty.EMPLOYER, "phone")

    intro.start_follow_up(lead, employer)
    assert lead.status is S.INTERVIEWING
    backdate(lead, 400)
    intro.record_hire(lead, employer, days_ago(390), "园艺技术员")
    intro.record_retention(lead, deputy, 3, days_ago(290))
    intro.record_retention(lead, deputy, 6, days_ago(200))
    assert lead.status is S.RETAINED and lead.retained_6m_on == days_ago(200)
    intro.close_out(lead, deputy, "已录用并稳岗半年，销号。")
    assert lead.status is S.CLOSED and lead.closed_at is not None
    assert not intro.outcome_confirmed(lead)
    intro.confirm_outcome(lead, graduate)
    intro.confirm_outcome(lead, employer)
    assert intro.outcome_confirmed(lead)
    assert _events(lead)[:2] == [(S.SUGGESTED, S.INTRODUCED), (S.INTRODUCED, S.INTRODUCED)]
    actions = [e.action for e in lead.events]
    assert actions == [
        "introduce", "consent_given", "consent_given", "connect", "start", "hire", "retain",
        "retain", "close", "outcome_confirmed", "outcome_confirmed",
    ]  # fmt: skip
    assert all(not e.note or ":" not in e.note for e in lead.events)  # no codes in notes
    statuses = [to for _, to in _events(lead)]
    for status in (S.CONNECTED, S.INTERVIEWING, S.HIRED, S.RETAINED, S.CLOSED):
        assert status in statuses


def test_investment_journey_to_production(investment):
    lead, owner, investor, deputy = investment
    _connect(lead, owner, investor, deputy)
    intro.start_follow_up(lead, investor)
    assert lead.status is S.NEGOTIATING
    backdate(lead, 300)
    intro.record_signing(lead, deputy, days_ago(290), 4200)
    intro.record_funds(lead, owner, days_ago(200))
    intro.record_production(lead, owner, days_ago(10))
    assert (lead.status, lead.outcome_amount_wan) == (S.IN_PRODUCTION, 4200)
    intro.close_out(lead, deputy, "项目投产，销号。")
    assert lead.status is S.CLOSED


@pytest.mark.parametrize(
    ("action", "args"),
    [
        ("record_hire", (date.today(), "技术员")),
        ("start_follow_up", ()),
        ("record_no_deal", ("不合适",)),
        ("close_out", ("销号",)),
    ],
)
def test_follow_up_before_connection_is_refused(talent, action, args):
    lead, _, employer, deputy = talent
    intro.introduce(lead, deputy, "note")
    actor = deputy if action == "close_out" else employer
    with pytest.raises(DomainError) as caught:
        getattr(intro, action)(lead, actor, *args)
    assert caught.value.code == "transition_not_allowed"
    assert lead.status is S.INTRODUCED


def test_kind_specific_steps_are_refused_on_the_other_kind(talent, investment):
    talent_lead, graduate, employer, deputy = talent
    _connect(talent_lead, graduate, employer, deputy)
    with pytest.raises(DomainError):
        intro.record_signing(talent_lead, employer, date.today(), 100)
    lead, owner, investor, investment_deputy = investment
    _connect(lead, owner, investor, investment_deputy)
    with pytest.raises(DomainError):
        intro.record_hire(lead, owner, date.today(), "技术员")


def test_a_declined_consent_ends_the_introduction(talent):
    lead, graduate, employer, deputy = talent
    intro.introduce(lead, deputy, "note")
    intro.consent(lead, graduate, False, NOTICE)
    assert lead.status is S.DECLINED
    with pytest.raises(DomainError):
        intro.consent(lead, employer, True, NOTICE)
    intro.close_out(lead, deputy, "毕业生婉拒，销号。")
    assert lead.status is S.CLOSED


def test_consent_needs_the_current_notice(talent):
    lead, graduate, _, deputy = talent
    intro.introduce(lead, deputy, "note")
    with pytest.raises(DomainError) as caught:
        intro.consent(lead, graduate, True, "2020-01")
    assert caught.value.code == "notice_changed"


def test_withdrawn_consent_hides_contact_again(talent):
    lead, graduate, employer, deputy = talent
    _connect(lead, graduate, employer, deputy)
    intro.withdraw_consent(lead, graduate)
    assert not disclosure.consented(lead, ConsentParty.GRADUATE, "phone")
    assert disclosure.consented(lead, ConsentParty.EMPLOYER, "phone")
    assert lead.status is S.CONNECTED
    with pytest.raises(DomainError):
        intro.withdraw_consent(lead, graduate)


def test_strangers_cannot_consent(talent, make_user):
    lead, _, _, deputy = talent
    intro.introduce(lead, deputy, "note")
    with pytest.raises(DomainError) as caught:
        intro.consent(lead, make_user(Role.GRADUATE), True, NOTICE)
    assert caught.value.code == "not_your_lead"


def test_dismissal_needs_a_listed_reason(talent):
    lead, _, _, deputy = talent
    with pytest.raises(DomainError):
        intro.dismiss(lead, deputy, "made_up")
    intro.dismiss(lead, deputy, "skills_mismatch", "专业不对口")
    assert (lead.status, lead.dismiss_reason) == (S.DISMISSED, "skills_mismatch")
    with pytest.raises(DomainError):
        intro.introduce(lead, deputy, "again")


def test_defer_keeps_it_suggested(talent):
    lead, _, _, deputy = talent
    intro.defer(lead, deputy, date.today() + timedelta(days=3))
    assert lead.status is S.SUGGESTED and lead.deferred_until is not None
    with pytest.raises(DomainError):
        intro.defer(lead, deputy, date.today())


def test_ageing_lapses_unanswered_introductions_once(talent):
    lead, graduate, _, deputy = talent
    intro.introduce(lead, deputy, "note")
    intro.consent(lead, graduate, True, NOTICE)
    db.session.commit()
    assert intro.lapse_overdue(datetime.now(UTC) + timedelta(days=13)) == 0
    assert intro.lapse_overdue(datetime.now(UTC) + timedelta(days=15)) == 1
    assert intro.lapse_overdue(datetime.now(UTC) + timedelta(days=16)) == 0
    assert lead.status is S.LAPSED
    lapses = db.session.scalar(
        select(func.count(LeadEvent.id)).where(LeadEvent.to_status == S.LAPSED)
    )
    assert lapses == 1


def test_switching_matching_off_withdraws_waiting_introductions(talent):
    lead, graduate, _, deputy = talent
    intro.introduce(lead, deputy, "note")
    db.session.commit()
    profiles.set_open_to_matching(graduate.graduate, False)
    assert lead.status is S.WITHDRAWN


def test_age_marks(talent):
    lead, *_ = talent
    created = lead.created_at
    assert age_mark(lead, created + timedelta(days=6)) == "green"
    assert age_mark(lead, created + timedelta(days=8)) == "amber"
    assert age_mark(lead, created + timedelta(days=15)) == "red"


def test_contact_views_are_logged(talent):
    lead, graduate, employer, _deputy = talent
    intro.log_contact_view(employer, graduate, lead)
    db.session.commit()
    view = db.session.scalar(select(ContactView))
    assert (view.viewer_id, view.subject_id, view.lead_id) == (employer.id, graduate.id, lead.id)


def test_only_the_introducing_deputy_follows_up(talent, make_user):
    lead, graduate, employer, deputy = talent
    _connect(lead, graduate, employer, deputy)
    colleague = make_user(Role.DEPUTY)
    with pytest.raises(DomainError):
        intro.record_hire(lead, colleague, days_ago(0), "技术员")


def test_who_can_see_a_lead(talent, make_user):
    lead, graduate, employer, deputy = talent
    assert intro.can_see(deputy, lead)
    assert not intro.can_see(graduate, lead)  # not before the introduction
    intro.introduce(lead, deputy, "note")
    assert intro.can_see(graduate, lead) and intro.can_see(employer, lead)
    assert not intro.can_see(make_user(Role.ENTERPRISE), lead)


def test_age_leads_command_is_safe_to_repeat(talent, runner):
    lead, _, _, deputy = talent
    intro.introduce(lead, deputy, "note")
    lead.answer_by = datetime.now(UTC) - timedelta(days=1)
    db.session.commit()
    assert "1 introduction(s) lapsed." in runner.invoke(args=["age-leads"]).output
    assert "0 introduction(s) lapsed." in runner.invoke(args=["age-leads"]).output
    db.session.refresh(lead)
    assert lead.status is S.LAPSED


def test_a_changed_notice_asks_again(talent, monkeypatch):
    lead, graduate, employer, deputy = talent
    _connect(lead, graduate, employer, deputy)
    monkeypatch.setattr(intro, "NOTICE_VERSION", "2027-01")
    assert not disclosure.consented(lead, ConsentParty.GRADUATE, "phone")
    assert intro.needs_renewal(lead, ConsentParty.GRADUATE)
    intro.consent(lead, graduate, True, "2027-01")
    assert disclosure.consented(lead, ConsentParty.GRADUATE, "phone")
    assert lead.status is S.CONNECTED
    intro.consent(lead, employer, False, "2027-01")
    assert not disclosure.consented(lead, ConsentParty.EMPLOYER, "phone")
