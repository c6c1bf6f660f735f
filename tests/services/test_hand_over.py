"""The station hands a lead to another of its deputies: only one of the lead's station who
follows its sector and has no interest in its firms, on a lead a deputy introduced and
nobody closed; recorded on the lead's history and told to both deputies."""

import pytest
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import LeadStatus, Notification, Role
from matchmaker.services import accounts
from matchmaker.services import introductions as intro
from matchmaker.services.errors import DomainError
from tests.factories import PASSWORD
from tests.web import two_tenants


@pytest.fixture
def world(make_user, reference):
    return two_tenants.build(make_user, reference)


@pytest.fixture
def colleague(world):
    """Another deputy of the station who follows the talent lead's sector."""
    station = world.station
    deputy = accounts.create_deputy(
        email="colleague@test.example", password=PASSWORD, name="接手代表", level="county",
        station_id=station.id, sector_ids=[s.id for s in station.sectors],
    )  # fmt: skip
    db.session.commit()
    return deputy


def _refused(code, lead, actor, deputy):
    with pytest.raises(DomainError) as caught:
        intro.hand_over(lead, actor, deputy, "换人跟进")
    assert caught.value.code == code
    db.session.rollback()


def test_staff_hand_a_lead_to_a_colleague(world, colleague):
    lead, staff = world.talent, world.users["staff"]
    before = world.users["deputy"]
    intro.hand_over(lead, staff, colleague, "原代表外出学习，请接手。")
    db.session.commit()
    assert lead.deputy_id == colleague.id
    event = lead.events[-1]
    assert event.action == "hand_over" and event.actor_id == staff.id
    assert event.from_status is event.to_status is LeadStatus.INTRODUCED
    assert event.detail == {"from_deputy": before.deputy.name, "to_deputy": "接手代表"}
    assert event.note == "原代表外出学习，请接手。"
    kinds = {(n.user_id, n.kind) for n in db.session.scalars(
        select(Notification).where(Notification.lead_id == lead.id))}  # fmt: skip
    assert (colleague.user_id, "handed_over") in kinds and (before.id, "handed_away") in kinds
    assert intro.may_act_as_deputy(colleague, lead)
    assert not intro.may_act_as_deputy(before.deputy, lead)


def test_refusals_say_why_and_change_nothing(world, colleague, reference):
    lead, staff = world.talent, world.users["staff"]
    far = world.users["far_deputy"].deputy
    _refused("hand_over_other_station", lead, staff, far)
    _refused("hand_over_other_station", lead, staff, None)
    _refused("hand_over_same_deputy", lead, staff, world.users["deputy"].deputy)
    _refused("hand_over_other_sector", lead, staff, world.users["other_sector_deputy"].deputy)
    colleague.affiliated_enterprise_id = world.users["firm"].enterprise.id
    db.session.commit()
    _refused("hand_over_conflicted", lead, staff, colleague)
    colleague.affiliated_enterprise_id = None
    colleague.user.active = False
    db.session.commit()
    _refused("hand_over_inactive", lead, staff, colleague)
    colleague.user.active = True
    db.session.commit()
    _refused("not_your_lead", lead, world.users["far_staff"], colleague)
    _refused("not_your_lead", lead, world.users["deputy"], colleague)
    db.session.refresh(lead)
    assert lead.deputy_id == world.users["deputy"].deputy.id
    assert all(e.action != "hand_over" for e in lead.events)


def test_a_closed_lead_or_a_suggestion_is_not_handed_over(world, colleague):
    staff, lead = world.users["staff"], world.talent
    intro.consent(lead, world.users["graduate"], False, intro.NOTICE_VERSION)
    intro.close_out(lead, world.users["deputy"], "婉拒，销号。")
    db.session.commit()
    _refused("hand_over_closed", lead, staff, colleague)
    suggestion = db.session.scalar(
        select(type(lead)).where(type(lead).status == LeadStatus.SUGGESTED)
    )
    assert suggestion is not None
    _refused("hand_over_not_introduced", suggestion, staff, colleague)
    assert intro.hand_over_candidates(world.investment, [colleague]) == [colleague]
    assert world.users["staff"].role is Role.STAFF
