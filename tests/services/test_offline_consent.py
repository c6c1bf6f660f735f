"""Answers given offline: a deputy records the consent of a side without an account (an
imported graduate or firm), with who gave it, when and how; the rule is the same as
online consent, and a side with an account always answers for itself."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import (
    Consent,
    ConsentDecision,
    ConsentMethod,
    ConsentParty,
    LeadStatus,
)
from matchmaker.services import disclosure
from matchmaker.services import introductions as intro
from matchmaker.services.clock import today
from matchmaker.services.errors import DomainError

G = ConsentParty.GRADUATE


@pytest.fixture
def imported(talent):
    """The fixture's lead, introduced, its graduate without an account (as imported)."""
    lead, graduate_user, employer, deputy = talent
    lead.graduate.user_id = None
    intro.introduce(lead, deputy, "note")
    db.session.commit()
    db.session.refresh(lead)
    return lead, graduate_user, employer, deputy


def _record(lead, deputy, **changes):
    args = dict(
        party=G, agree=True, method=ConsentMethod.IN_PERSON, given_by="李明",
        given_on=today(), fields=["name", "phone"], notice_read=True,
    )  # fmt: skip
    args.update(changes)
    return intro.record_offline_consent(lead, deputy, **args)


def test_a_recorded_consent_counts_as_the_sides_own(imported):
    lead, _, employer, deputy = imported
    assert intro.offline_sides(lead) == [G]
    _record(lead, deputy, method=ConsentMethod.PHONE)
    db.session.commit()
    record = db.session.scalar(select(Consent).where(Consent.party == G))
    assert record.user_id is None and record.recorded_by_id == deputy.id
    assert (record.method, record.given_by, record.fields) == (
        ConsentMethod.PHONE,
        "李明",
        ["name", "phone"],
    )
    assert record.decision is ConsentDecision.GRANTED
    assert intro.offline_sides(lead) == []
    intro.consent(lead, employer, True, intro.NOTICE_VERSION)
    db.session.commit()
    assert lead.status is LeadStatus.CONNECTED
    # the employer sees what the graduate agreed to share, and nothing else
    assert disclosure.value(lead, employer, G, "phone")
    assert disclosure.value(lead, employer, G, "name")
    assert not disclosure.value(lead, employer, G, "email")
    assert not disclosure.value(lead, employer, G, "school")


def test_a_recorded_decline_ends_the_introduction(imported):
    lead, _, _, deputy = imported
    _record(lead, deputy, agree=False, fields=[])
    db.session.commit()
    assert lead.status is LeadStatus.DECLINED
    event = lead.events[-1]
    assert event.detail["method"] == "in_person" and "李明" not in str(event.detail)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"party": ConsentParty.EMPLOYER}, "side_has_account"),
        ({"party": ConsentParty.INVESTOR}, "not_a_side"),
        ({"method": ConsentMethod.ONLINE}, "consent_method"),
        ({"given_by": "  "}, "given_by_required"),
        ({"given_by": "名" * 51}, "given_by_required"),
        ({"given_on": today() + timedelta(days=1)}, "date_in_future"),
        ({"given_on": today() - timedelta(days=3)}, "date_before_introduction"),
        ({"fields": []}, "fields_required"),
        ({"fields": ["password_hash"]}, "fields_required"),
        ({"notice_read": False}, "notice_not_read"),
    ],
)
def test_refused_with_a_reason_and_nothing_recorded(imported, changes, code):
    lead, _, _, deputy = imported
    with pytest.raises(DomainError) as refused:
        _record(lead, deputy, **changes)
    assert refused.value.code == code
    db.session.rollback()
    assert db.session.scalar(select(Consent.id)) is None
    assert db.session.get(type(lead), lead.id).status is LeadStatus.INTRODUCED


def test_only_the_deputy_records_and_only_once(imported, make_user):
    from matchmaker.models import Role

    lead, _, employer, deputy = imported
    other = make_user(Role.GRADUATE, phone="13900000009", email="other@test.example")
    for someone in (employer, make_user(Role.STAFF), other):
        with pytest.raises(DomainError):
            _record(lead, someone)
    _record(lead, deputy)
    with pytest.raises(DomainError) as again:
        _record(lead, deputy)
    assert again.value.code == "already_answered"


def test_a_side_with_an_account_is_never_recorded_for(talent):
    lead, _, _, deputy = talent
    intro.introduce(lead, deputy, "note")
    assert intro.offline_sides(lead) == []
    with pytest.raises(DomainError) as refused:
        _record(lead, deputy)
    assert refused.value.code == "side_has_account"


def test_nothing_to_record_before_the_introduction(talent):
    lead, _, _, deputy = talent
    lead.graduate.user_id = None
    assert intro.offline_sides(lead) == []
    with pytest.raises(DomainError) as refused:
        _record(lead, deputy)
    assert refused.value.code == "transition_not_allowed"


def test_the_deputy_records_it_from_the_lead_page(client, auth, imported):
    """The step shows only to the deputy while a side without an account has not answered;
    a recorded answer reads as such in the lead's history."""
    lead, _, employer, deputy = imported
    auth.login(employer.email)
    assert "record-consent" not in client.get(f"/leads/{lead.id}").text
    auth.logout()
    auth.login(deputy.email)
    page = client.get(f"/leads/{lead.id}").text
    assert f"/leads/{lead.id}/record-consent" in page and "未开通" in page
    data = {
        "record-consent-party": "graduate", "record-consent-agree": "yes",
        "record-consent-method": "paper", "record-consent-given_by": "李明",
        "record-consent-given_on": today().isoformat(),
        "record-consent-fields": ["name", "phone"],
    }  # fmt: skip
    refused = client.post(f"/leads/{lead.id}/record-consent", data=data)  # notice not read
    assert refused.status_code in (302, 303)
    assert db.session.scalar(select(Consent.id)) is None
    done = client.post(
        f"/leads/{lead.id}/record-consent", data={**data, "record-consent-notice_read": "y"}
    )
    assert done.status_code in (302, 303)
    record = db.session.scalar(select(Consent))
    assert (record.method, record.fields) == (ConsentMethod.PAPER, ["name", "phone"])
    page = client.get(f"/leads/{lead.id}").text
    assert f"/leads/{lead.id}/record-consent" not in page
    assert "签字的纸质表" in page  # the history says how it was given
