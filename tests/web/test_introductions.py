"""Introductions through the pages: review, consent, contact release, follow-up, close-out."""

import pytest
from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import ContactView, Lead, LeadStatus, Role
from matchmaker.services import introductions as intro
from tests.factories import PASSWORD, days_ago

PHONE_SHOWN = "138 3740 0001"  # the graduate's phone as the page writes it


@pytest.fixture
def journey(web_app, talent):
    """A suggested talent lead, and a signed-in browser session for each person on it."""
    lead, graduate, employer, deputy = talent
    sessions = {}
    for name, user in (("graduate", graduate), ("employer", employer), ("deputy", deputy)):
        client = web_app.test_client()
        response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302
        sessions[name] = client
    return lead, sessions


def _status(lead):
    db.session.expire_all()
    return db.session.get(Lead, lead.id).status


def _introduce(lead, sessions):
    response = sessions["deputy"].post(
        f"/leads/{lead.id}/introduce", data={"introduce-note": "鄢陵花木企业急需园艺人才，请联系。"}
    )
    assert response.status_code == 302
    assert _status(lead) is LeadStatus.INTRODUCED


def _consent_both(lead, sessions):
    for side in ("graduate", "employer"):
        page = sessions[side].get(f"/leads/{lead.id}/consent").text
        assert "您同意的内容" in page
        sessions[side].post(
            f"/leads/{lead.id}/consent", data={"notice_version": intro.NOTICE_VERSION, "agree": "y"}
        )
    assert _status(lead) is LeadStatus.CONNECTED


def test_the_whole_talent_journey(journey):
    lead, s = journey
    queue = s["deputy"].get("/deputy/suggestions").text
    assert "花木栽培技术员" in queue and "引荐" in queue
    _introduce(lead, s)
    assert 'class="count"' in s["graduate"].get("/graduate/").text  # unread badge
    inbox = s["graduate"].get("/leads/inbox").text
    assert "代表为您引荐了一个对接" in inbox
    page = s["graduate"].get(f"/leads/{lead.id}").text
    assert "鄢陵花木企业急需园艺人才" in page and "查看将提供的信息并答复" in page

    _consent_both(lead, s)
    employer_view = s["employer"].get(f"/leads/{lead.id}").text
    assert PHONE_SHOWN in employer_view
    assert db.session.scalar(select(func.count(ContactView.id))) >= 1

    s["employer"].post(f"/leads/{lead.id}/start", data={})
    s["employer"].post(
        f"/leads/{lead.id}/hire",
        data={"hire-on": days_ago(0).isoformat(), "hire-position": "园艺技术员", "hire-note": ""},
    )
    assert _status(lead) is LeadStatus.HIRED
    s["deputy"].post(f"/leads/{lead.id}/close", data={"close-note": "已录用，销号。"})
    assert _status(lead) is LeadStatus.CLOSED
    assert "结果尚未经双方确认" in s["graduate"].get(f"/leads/{lead.id}").text
    for side in ("graduate", "employer"):
        s[side].post(f"/leads/{lead.id}/confirm", data={})
    page = s["graduate"].get(f"/leads/{lead.id}").text
    assert "双方均已确认结果" in page
    for step in ("已引荐", "已对接", "已录用", "已销号"):
        assert step in page
    assert "花木栽培技术员" in s["graduate"].get("/leads/").text


def test_contact_details_only_between_consent_and_withdrawal(journey):
    lead, s = journey
    _introduce(lead, s)
    assert PHONE_SHOWN not in s["employer"].get(f"/leads/{lead.id}").text
    s["graduate"].post(
        f"/leads/{lead.id}/consent", data={"notice_version": intro.NOTICE_VERSION, "agree": "y"}
    )
    assert PHONE_SHOWN not in s["employer"].get(f"/leads/{lead.id}").text  # one side only
    s["employer"].post(
        f"/leads/{lead.id}/consent", data={"notice_version": intro.NOTICE_VERSION, "agree": "y"}
    )
    assert PHONE_SHOWN in s["employer"].get(f"/leads/{lead.id}").text
    assert PHONE_SHOWN in s["deputy"].get(f"/leads/{lead.id}").text
    s["graduate"].post(f"/leads/{lead.id}/withdraw-consent", data={})
    assert PHONE_SHOWN not in s["employer"].get(f"/leads/{lead.id}").text
    assert PHONE_SHOWN not in s["deputy"].get(f"/leads/{lead.id}").text


def test_a_stranger_gets_404_on_the_lead(journey, web_app, make_user):
    lead, s = journey
    _introduce(lead, s)
    other = make_user(Role.ENTERPRISE)
    client = web_app.test_client()
    client.post("/auth/login", data={"email": other.email, "password": PASSWORD})
    assert client.get(f"/leads/{lead.id}").status_code == 404
    assert client.post(f"/leads/{lead.id}/close", data={"close-note": "x"}).status_code == 404
    assert client.get(f"/leads/{lead.id}/consent").status_code == 404


def test_sides_do_not_see_a_lead_before_the_introduction(journey):
    lead, s = journey
    assert s["graduate"].get(f"/leads/{lead.id}").status_code == 404


def test_an_illegal_step_is_refused_with_a_message(journey):
    lead, s = journey
    response = s["deputy"].post(
        f"/leads/{lead.id}/hire",
        data={"hire-on": days_ago(0).isoformat(), "hire-position": "技术员"},
        follow_redirects=True,
    )
    assert "不能进行此操作" in response.text
    assert _status(lead) is LeadStatus.SUGGESTED


def test_a_conflicted_deputy_gets_no_buttons(journey, make_user):
    lead, s = journey
    deputy = db.session.scalar(select(Lead)).station.deputies[0]
    deputy.affiliated_enterprise = lead.talent_need.enterprise
    db.session.commit()
    page = s["deputy"].get("/deputy/suggestions").text
    assert "将由其他代表审核" in page
    assert f"/leads/{lead.id}/introduce" not in page


def test_dismissal_with_a_coded_reason(journey):
    lead, s = journey
    s["deputy"].post(
        f"/leads/{lead.id}/dismiss", data={"dismiss-reason": "skills_mismatch", "dismiss-note": ""}
    )
    assert _status(lead) is LeadStatus.DISMISSED
    s["deputy"].post(f"/leads/{lead.id}/dismiss", data={"dismiss-reason": "nonsense"})


def test_a_deferred_suggestion_leaves_the_queue_until_its_day(journey):
    lead, s = journey
    s["deputy"].post(f"/leads/{lead.id}/defer", data={"defer-until": "2099-01-01"})
    assert f"/leads/{lead.id}/introduce" not in s["deputy"].get("/deputy/suggestions").text
    assert _status(lead) is LeadStatus.SUGGESTED
