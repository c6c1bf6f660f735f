"""The station's staff at work: each deputy's workload linking to its lists, the watch
list (督办) filtered in SQL, and handing a lead to another deputy from its page."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Lead, LeadEvent, LeadStatus, Notification
from matchmaker.services import accounts, leads
from matchmaker.services import introductions as intro
from tests.factories import PASSWORD, backdate
from tests.web import two_tenants
from tests.web.test_hostile_forms import ALL_FIELDS, EACH_FIELD, NUL


@pytest.fixture
def world(make_user, reference):
    return two_tenants.build(make_user, reference)


@pytest.fixture
def sessions(web_app, world):
    parts = ("staff", "far_staff", "deputy", "admin")
    return {part: two_tenants.signed_in(web_app, world.users[part]) for part in parts}


@pytest.fixture
def colleague(world):
    deputy = accounts.create_deputy(
        email="colleague@test.example", password=PASSWORD, name="接手代表", level="county",
        station_id=world.station.id, sector_ids=[s.id for s in world.station.sectors],
    )  # fmt: skip
    db.session.commit()
    return deputy


def _count_link(page: str, deputy_id: int, name: str) -> int:
    found = re.search(rf'/station/deputies/{deputy_id}/leads\?list={name}"[^>]*>(\d+)', page)
    assert found, (deputy_id, name)
    return int(found.group(1))


def test_each_deputy_workload_links_to_the_list_it_counts(world, sessions):
    deputy = world.users["deputy"].deputy
    page = sessions["staff"].get("/station/deputies").text
    work = leads.workload(deputy)
    for name in ("review", "overdue", "waiting", "follow_up"):
        assert _count_link(page, deputy.id, name) == work[name]
        listed = sessions["staff"].get(f"/station/deputies/{deputy.id}/leads?list={name}").text
        assert listed.count('<tr id="lead-') == min(work[name], 50), name
    assert work["waiting"] == 2  # both world leads, introduced
    assert f'id="deputy-{world.users["other_sector_deputy"].deputy.id}"' in page
    assert f'id="deputy-{world.users["far_deputy"].deputy.id}"' not in page
    assert "远方代表" not in page


def test_workloads_in_one_statement_match_each_deputy_own(world, colleague):
    deputies = [world.users["deputy"].deputy, colleague, world.users["other_sector_deputy"].deputy]
    together = leads.workloads(deputies)
    for deputy in deputies:
        assert together[deputy.id] == leads.workload(deputy)
    assert leads.workloads([]) == {}


def test_another_station_deputy_lists_are_404(world, sessions):
    far = world.users["far_deputy"].deputy
    assert sessions["staff"].get(f"/station/deputies/{far.id}/leads").status_code == 404
    own = world.users["deputy"].deputy
    assert sessions["far_staff"].get(f"/station/deputies/{own.id}/leads").status_code == 404
    for junk in ("", "x" * 500, "../", "9" * 30):
        url = f"/station/deputies/{own.id}/leads?list={junk}&page={junk}"
        assert sessions["staff"].get(url).status_code == 200


def test_the_watch_list_filters_by_group_colour_and_deputy(world, sessions, colleague):
    staff = sessions["staff"]
    talent, investment = (f'id="lead-{world.talent.id}"', f'id="lead-{world.investment.id}"')
    page = staff.get("/station/watch").text
    assert talent in page and investment in page
    assert 'data-colour="green"' in page
    backdate(world.talent, 30)  # 30 days in the same step: red (the deadline is 7 days)
    world.talent.status_changed_at = world.talent.introduced_at
    db.session.commit()
    assert leads.watch_mark(db.session.get(Lead, world.talent.id)) == "red"
    red = staff.get("/station/watch?colour=red").text
    assert talent in red and investment not in red
    green = staff.get("/station/watch?colour=green").text
    assert talent not in green and investment in green
    assert talent in staff.get("/station/watch?group=waiting").text
    assert talent not in staff.get("/station/watch?group=follow_up").text
    deputy = world.users["deputy"].deputy.id
    assert talent in staff.get(f"/station/watch?deputy={deputy}").text
    assert talent not in staff.get(f"/station/watch?deputy={colleague.id}").text
    far = world.users["far_deputy"].deputy.id
    assert talent in staff.get(f"/station/watch?deputy={far}").text  # not a choice: ignored
    assert talent not in sessions["far_staff"].get("/station/watch").text


def test_the_watch_list_colours_agree_in_sql_and_python(world):
    lead = db.session.get(Lead, world.talent.id)
    for days, colour in ((1, "green"), (10, "amber"), (20, "red")):
        lead.status_changed_at = datetime.now(UTC) - timedelta(days=days)
        db.session.commit()
        assert leads.watch_mark(lead) == colour
        assert leads.waiting_days(lead) == days
        for name, condition in leads.WATCH_COLOURS.items():
            found = db.session.scalar(select(Lead.id).where(Lead.id == lead.id, condition()))
            assert (found is not None) == (name == colour), (days, name)


@pytest.mark.parametrize("value", [*EACH_FIELD, *ALL_FIELDS, NUL])
def test_junk_in_the_watch_filters_is_ignored(world, sessions, value):
    query = dict.fromkeys(("group", "colour", "deputy", "page"), value)
    response = sessions["staff"].get("/station/watch", query_string=query)
    assert response.status_code in (200, 400)  # a NUL is refused whole


def test_staff_hand_a_lead_over_from_its_page(world, sessions, colleague):
    lead = world.talent
    page = sessions["staff"].get(f"/leads/{lead.id}").text
    action = f"/station/leads/{lead.id}/hand-over"
    assert action in page and f'value="{colleague.id}"' in page
    assert f'value="{world.users["other_sector_deputy"].deputy.id}"' not in page
    response = sessions["staff"].post(
        action, data={"hand_over-deputy": colleague.id, "hand_over-note": "请接手跟进。"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Lead, lead.id).deputy_id == colleague.id
    history = sessions["staff"].get(f"/leads/{lead.id}").text
    assert "接手代表" in history and "请接手跟进。" in history
    told = db.session.scalar(
        select(Notification).where(Notification.user_id == colleague.user_id,
                                   Notification.kind == "handed_over")
    )  # fmt: skip
    assert told is not None and told.lead_id == lead.id
    assert action in sessions["staff"].get(f"/leads/{lead.id}").text  # back to the first


def test_a_refused_hand_over_says_why_and_writes_nothing(world, sessions, colleague):
    lead = world.talent
    colleague.affiliated_enterprise_id = world.users["firm"].enterprise.id
    db.session.commit()
    action = f"/station/leads/{lead.id}/hand-over"
    response = sessions["staff"].post(
        action, data={"hand_over-deputy": colleague.id}, follow_redirects=True
    )
    assert response.status_code == 200 and 'class="flash flash-error' in response.text
    db.session.expire_all()
    assert db.session.get(Lead, lead.id).deputy_id == world.users["deputy"].deputy.id
    assert not db.session.scalars(
        select(LeadEvent).where(LeadEvent.lead_id == lead.id, LeadEvent.action == "hand_over")
    ).all()


def test_hostile_hand_over_input(world, sessions, colleague):
    """Every hostile value in each field of the hand-over form: never a 500, never a
    change but the one a valid form asks for."""
    action = f"/station/leads/{world.talent.id}/hand-over"
    for value in [*EACH_FIELD, *ALL_FIELDS, NUL]:
        for data in ({"hand_over-deputy": value, "hand_over-note": "好"},
                     {"hand_over-deputy": str(colleague.id), "hand_over-note": value}):  # fmt: skip
            response = sessions["staff"].post(action, data=data, follow_redirects=True)
            assert response.status_code < 500, (data, response.status_code)
            assert "<script>alert(1)</script>" not in response.text
    db.session.expire_all()
    lead = db.session.get(Lead, world.talent.id)
    assert lead.deputy_id in (world.users["deputy"].deputy.id, colleague.id)
    assert far_out(world, sessions)


def far_out(world, sessions) -> bool:
    """Staff of another station cannot hand the lead over (404), nor the deputy (403)."""
    action = f"/station/leads/{world.talent.id}/hand-over"
    data = {"hand_over-deputy": world.users["far_deputy"].deputy.id}
    return (
        sessions["far_staff"].post(action, data=data).status_code == 404
        and sessions["deputy"].post(action, data=data).status_code == 403
    )


def test_a_closed_lead_offers_no_hand_over(world, sessions, colleague):
    lead = world.talent
    intro.consent(lead, world.users["graduate"], False, intro.NOTICE_VERSION)
    intro.close_out(lead, world.users["deputy"], "婉拒，销号。")
    db.session.commit()
    assert lead.status is LeadStatus.CLOSED
    assert "/hand-over" not in sessions["staff"].get(f"/leads/{lead.id}").text
    assert leads.watch_mark(lead) is None  # nobody waits on it: no colour, in SQL too
    for condition in leads.WATCH_COLOURS.values():
        assert db.session.scalar(select(Lead.id).where(Lead.id == lead.id, condition())) is None
