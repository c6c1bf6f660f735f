"""The promises of an introduction, clicked through in a real browser: a graduate who
declines stays anonymous to the firm for good, a date that cannot be true is refused with
its reason, and an unverified firm is marked and cannot be introduced."""

import pytest
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Lead, LeadStatus
from tests.browser.test_journeys import _consent, _html, _status, _tab
from tests.factories import backdate, days_ago
from tests.web import two_tenants

pytestmark = pytest.mark.browser

SECRET = {"name": "甄婉拒", "school": "保密农林学院", "phone": "+8613911118888"}


@pytest.fixture
def world(make_user, reference):
    world = two_tenants.build(make_user, reference)
    graduate = world.users["graduate"].graduate
    graduate.name, graduate.school, graduate.phone = (
        SECRET["name"],
        SECRET["school"],
        SECRET["phone"],
    )
    world.users["graduate"].display_name = SECRET["name"]
    db.session.commit()
    return world


def _secret_shown(html: str) -> list[str]:
    return [v for v in (SECRET["name"], SECRET["school"], "139 1111 8888") if v in html]


def _record_hire(page, lead_id, on):
    page.fill(f"#hire-position-{lead_id}", "月季栽培技术员")
    page.fill(f"#hire-on-{lead_id}", on.isoformat())
    with page.expect_navigation():
        page.click("form[action*='/hire'] button[type=submit]")
    return page.content()


def test_a_graduate_who_declines_stays_anonymous(browser, live_server, world):
    lead = world.talent
    firm = _tab(browser, live_server, world.users["firm"].email)
    _consent(firm, live_server, lead.id)
    assert _secret_shown(_html(firm, live_server, lead.id)) == []
    grad = _tab(browser, live_server, world.users["graduate"].email, width=375)
    grad.goto(f"{live_server}/leads/{lead.id}")
    grad.click("text=查看将提供的信息并答复")
    assert "您的毕业院校" in grad.content()  # the school is named among what is shared
    grad.click("input[name=decline]")
    grad.wait_for_selector(".flash")
    assert _status(lead.id) is LeadStatus.DECLINED
    page = _html(firm, live_server, lead.id)
    assert "毕业生婉拒了本次引荐" in page
    assert _secret_shown(page) == []
    for path in ("/leads/", "/leads/inbox", "/enterprise/"):
        firm.goto(live_server + path)
        assert _secret_shown(firm.content()) == [], path


def test_dates_that_cannot_be_true_are_refused_with_the_reason(browser, live_server, world):
    lead = world.talent
    firm = _tab(browser, live_server, world.users["firm"].email)
    grad = _tab(browser, live_server, world.users["graduate"].email)
    _consent(grad, live_server, lead.id)
    _consent(firm, live_server, lead.id)
    db.session.expire_all()  # the browser connected them: read the lead again
    backdate(db.session.get(Lead, lead.id), 10)
    db.session.commit()
    firm.goto(f"{live_server}/leads/{lead.id}")
    assert "该日期尚未到来" in _record_hire(firm, lead.id, days_ago(-30))
    assert "早于双方建立联系的日期" in _record_hire(firm, lead.id, days_ago(40))
    assert _status(lead.id) is LeadStatus.CONNECTED
    _record_hire(firm, lead.id, days_ago(5))
    assert _status(lead.id) is LeadStatus.HIRED
    assert "录用岗位" in firm.content() and "月季栽培技术员" in firm.content()


def test_an_unverified_firm_waits_for_the_station(browser, live_server, world):
    firm_user = world.users["firm"]
    firm_user.enterprise.verified = False
    db.session.commit()
    lead = db.session.scalar(
        select(Lead).where(
            Lead.talent_need_id == world.need.id, Lead.status == LeadStatus.SUGGESTED
        )
    )
    assert lead is not None  # the need's other candidate, not yet introduced
    dep = _tab(browser, live_server, world.users["deputy"].email)
    page = _html(dep, live_server, lead.id)
    assert "待核验" in page and f"introduce-note-{lead.id}" not in page
    staff = _tab(browser, live_server, world.users["staff"].email, width=375)
    staff.goto(live_server + "/station/verification")
    assert firm_user.enterprise.name in staff.content()
    staff.click(f"form[action*='/{firm_user.enterprise.id}/'] button[type=submit]")
    staff.wait_for_selector(".flash")
    assert f"introduce-note-{lead.id}" in _html(dep, live_server, lead.id)
