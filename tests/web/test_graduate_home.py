"""A graduate's page to work from: what happens next, introductions waiting for an answer,
the positions suggested, and every open position searchable by sector and place."""

import re

import pytest
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import NeedStatus, Role, TalentNeed
from matchmaker.services import introductions as intro
from matchmaker.services import postings

CHEN = "河南省/许昌市/鄢陵县/陈化店镇"
HUDONG = "河南省/信阳市/浉河区/湖东街道"


def _listed(page: str) -> set[int]:
    return {int(i) for i in re.findall(r'href="/graduate/positions/(\d+)"', page)}


@pytest.fixture
def needs(talent, reference):
    """The fixture's suggested need at 陈化店镇 (花木), a tea need at 湖东街道, and a
    closed need."""
    lead, _, employer, deputy = talent
    firm = employer.enterprise
    tea = postings.save_need(
        firm,
        title="茶叶加工技师",
        description="信阳毛尖炒制与品质检验，熟悉茶园管理。",
        sector_id=lead.sector_id,
        region_id=reference.region(HUDONG).id,
    )
    closed = postings.save_need(
        firm,
        title="已招满的岗位",
        description="此岗位已关闭。",
        sector_id=lead.sector_id,
        region_id=reference.region(CHEN).id,
    )
    closed.status = NeedStatus.CLOSED
    db.session.commit()
    return lead, tea, closed, deputy


def test_home_says_what_happens_next_and_shows_the_suggested_position(client, auth, needs):
    lead = needs[0]
    auth.login(lead.graduate.user.email)
    page = client.get("/graduate/").text
    assert "接下来会怎样" in page and "为您推荐的岗位" in page
    assert f'href="/graduate/positions/{lead.talent_need_id}"' in page
    assert "等待您答复的引荐" not in page  # nothing introduced yet


def test_an_introduction_waiting_for_an_answer_is_on_top(client, auth, needs):
    lead = needs[0]
    auth.login(lead.graduate.user.email)
    assert "等待您答复的引荐" not in client.get("/graduate/").text
    deputy = needs[3]
    intro.introduce(lead, deputy, "note")
    db.session.commit()
    page = client.get("/graduate/").text
    assert "等待您答复的引荐" in page and f'href="/leads/{lead.id}"' in page
    intro.consent(lead, lead.graduate.user, True, intro.NOTICE_VERSION)
    db.session.commit()
    assert "等待您答复的引荐" not in client.get("/graduate/").text


def test_open_positions_filter_by_text_sector_and_place(client, auth, needs, reference):
    lead, tea, closed, _ = needs
    auth.login(lead.graduate.user.email)
    everything = _listed(client.get("/graduate/positions").text)
    assert {lead.talent_need_id, tea.id} <= everything and closed.id not in everything
    assert _listed(client.get("/graduate/positions?q=毛尖").text) == {tea.id}
    xinyang = reference.region("河南省/信阳市").id
    assert _listed(client.get(f"/graduate/positions?region={xinyang}").text) == {tea.id}
    sector = lead.sector_id
    by_sector = _listed(client.get(f"/graduate/positions?sector={sector}").text)
    assert lead.talent_need_id in by_sector
    suggested = client.get("/graduate/positions").text
    assert "为您推荐" in suggested


def test_a_positions_full_text_and_who_may_read_a_closed_one(client, auth, needs):
    lead, tea, closed, _ = needs
    auth.login(lead.graduate.user.email)
    page = client.get(f"/graduate/positions/{tea.id}").text
    assert "信阳毛尖炒制与品质检验" in page
    assert client.get(f"/graduate/positions/{closed.id}").status_code == 404
    assert client.get("/graduate/positions/999999").status_code == 404


def test_a_closed_need_stays_readable_to_the_graduate_introduced_to_it(client, auth, needs):
    lead = needs[0]
    intro.introduce(lead, needs[3], "note")
    need = db.session.get(TalentNeed, lead.talent_need_id)
    need.status = NeedStatus.CLOSED
    db.session.commit()
    auth.login(lead.graduate.user.email)
    assert client.get(f"/graduate/positions/{need.id}").status_code == 200


@pytest.mark.parametrize(
    "query",
    ["sector=abc", "sector=999999", "region=-5", "region=" + "9" * 40, "q=" + "花" * 400,
     "q=%25%25", "page=999999", "sector=&region=&q="],
)  # fmt: skip
def test_hostile_filters_are_ignored(client, auth, needs, query):
    auth.login(needs[0].graduate.user.email)
    assert client.get(f"/graduate/positions?{query}").status_code == 200


def test_other_roles_do_not_reach_the_graduate_pages(client, auth, needs, make_user):
    auth.login_as(Role.ENTERPRISE)
    assert client.get("/graduate/positions").status_code == 403
    assert client.get(f"/graduate/positions/{needs[1].id}").status_code == 403


def test_forms_start_from_what_is_known(client, auth, make_user, reference):
    """A new need starts in the firm's sector and place; a first profile takes the name
    and e-mail given at registration (and a station poster's place)."""
    from matchmaker import terms
    from matchmaker.models import Station, User
    from matchmaker.services import accounts

    employer = make_user(Role.ENTERPRISE)
    firm = employer.enterprise
    auth.login(employer.email)
    page = client.get("/enterprise/needs/new").text
    sector = re.search(r'<select[^>]*name="sector_id".*?</select>', page, re.S).group(0)
    region = re.search(r'<select[^>]*name="region_id".*?</select>', page, re.S).group(0)
    assert re.search(rf'<option selected value="{firm.sector_id}"', sector)
    assert re.search(rf'<option selected value="{firm.region_id}"', region)
    auth.logout()
    station = db.session.scalar(select(Station).order_by(Station.id))
    accounts.register(
        "newgrad@test.example", "a long pass phrase", Role.GRADUATE, "王小明",
        station_id=station.id, phone="13837409999", terms_version=terms.current_version(),
    )  # fmt: skip
    db.session.commit()
    auth.login("newgrad@test.example", "a long pass phrase")
    page = client.get("/graduate/profile").text
    assert 'value="王小明"' in page and 'value="newgrad@test.example"' in page
    assert "13837409999" in page.replace(" ", "")  # the sign-in number
    hometown = re.search(r'<select[^>]*name="hometown_id".*?</select>', page, re.S).group(0)
    assert re.search(rf'<option selected value="{station.region_id}"', hometown)
    assert (
        db.session.scalar(select(User).where(User.email == "newgrad@test.example")).graduate is None
    )


def test_the_inbox_badge_counts_unread_notices_and_clears_when_read(web_app, make_user):
    """The badge on every page is the number of unread notices, read with the account."""
    from matchmaker.models import Notification
    from tests.web import two_tenants

    user = make_user(Role.GRADUATE)
    db.session.add_all([Notification(user=user, kind="password_reset") for _ in range(3)])
    db.session.commit()
    client = two_tenants.signed_in(web_app, user)
    badge = re.compile(r'<span class="count"[^>]*>(\d+)</span>')
    assert badge.findall(client.get("/graduate/").text) == ["3"]
    client.get("/leads/inbox")  # opening the inbox reads them
    assert badge.findall(client.get("/graduate/").text) == []
