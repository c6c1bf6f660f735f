"""The deputy's workbench and review queue: filters, search, order and paging done in SQL,
leads the deputy may not review neither shown nor counted, links that keep the filters."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Lead, Role
from matchmaker.services import introductions as intro
from matchmaker.services import postings
from tests.factories import graduate_profile, verify

CHEN = "河南省/许昌市/鄢陵县/陈化店镇"


def _shown(page: str) -> set[int]:
    return {int(i) for i in re.findall(r'id="lead-(\d+)"', page)}


def _heading_count(page: str) -> str:
    return re.search(r'<h1>[^<]*<span class="muted">\(([^)]*)\)</span>', page).group(1)


@pytest.fixture
def queue(make_user, reference):
    """Two firms' needs at 陈化店镇 in the deputy's sector, three graduates: six
    suggestions; one firm is the deputy's declared interest."""
    deputy = make_user(Role.DEPUTY)
    firms = []
    for name, title in (
        ("鄢陵花木苗圃有限公司", "花木栽培技术员"),
        ("紫荆园林绿化公司", "园林绿化施工员"),
    ):
        user = make_user(Role.ENTERPRISE)
        user.enterprise.name = name
        verify(user.enterprise)
        postings.save_need(
            user.enterprise,
            title=title,
            description="紫荆、月季苗木栽培，嫁接育苗，园林绿化养护，病虫害防治。",
            sector_id=reference.sector("horticulture").id,
            region_id=reference.region(CHEN).id,
        )
        firms.append(user.enterprise)
    for major in ("园艺", "园林", "园林工程"):
        make_user(Role.GRADUATE, **{**graduate_profile(reference), "major": major})
    db.session.commit()
    deputy.deputy.affiliated_enterprise = firms[1]
    db.session.commit()
    leads = db.session.scalars(select(Lead).order_by(Lead.id)).all()
    assert len(leads) == 6
    return deputy, firms, leads


def _of_firm(leads, firm):
    return {lead.id for lead in leads if lead.talent_need.enterprise_id == firm.id}


def test_declared_firms_leads_are_neither_shown_nor_counted(client, auth, queue):
    deputy, firms, leads = queue
    auth.login(deputy.email)
    page = client.get("/deputy/suggestions").text
    assert _shown(page) == _of_firm(leads, firms[0])
    assert _heading_count(page) == "3"
    assert "3" in re.search(r'flash-info small">([^<]*)<', page).group(1)  # told, not shown
    home = client.get("/deputy/").text
    counts = re.findall(r"<strong>([^<]*)</strong>", home)[:4]
    assert counts == ["3", "0", "0", "0"]


def test_filters_search_and_order_narrow_the_queue_in_sql(client, auth, queue):
    deputy, firms, leads = queue
    mine = [lead for lead in leads if lead.id in _of_firm(leads, firms[0])]
    auth.login(deputy.email)
    assert _shown(client.get("/deputy/suggestions?kind=investment").text) == set()
    assert _shown(client.get("/deputy/suggestions?kind=talent").text) == {x.id for x in mine}
    by_major = client.get("/deputy/suggestions?q=工程").text
    assert _shown(by_major) == {x.id for x in mine if x.graduate.major == "园林工程"}
    assert _shown(client.get("/deputy/suggestions?q=苗圃").text) == {x.id for x in mine}
    assert _shown(client.get("/deputy/suggestions?q=%25").text) == set()  # a literal %
    mine[0].created_at -= timedelta(days=20)  # past twice the 7-day deadline: red
    mine[1].created_at -= timedelta(days=10)  # past the deadline: amber
    db.session.commit()
    assert _shown(client.get("/deputy/suggestions?colour=red").text) == {mine[0].id}
    overdue = client.get("/deputy/suggestions?colour=overdue").text
    assert _shown(overdue) == {mine[0].id, mine[1].id}
    assert _shown(client.get("/deputy/suggestions?colour=green").text) == {mine[2].id}
    oldest = client.get("/deputy/suggestions?order=oldest").text
    assert [int(i) for i in re.findall(r'id="lead-(\d+)"', oldest)][:2] == [mine[0].id, mine[1].id]
    need = mine[0].talent_need_id
    assert _shown(client.get(f"/deputy/suggestions?need={need}").text) == {x.id for x in mine}
    home = client.get("/deputy/").text
    assert re.findall(r"<strong>([^<]*)</strong>", home)[:2] == ["3", "2"]


@pytest.mark.parametrize(
    "query",
    [
        "kind=nonsense", "sector=999999", "sector=abc", "colour=purple", "order=drop",
        "need=-1", "need=99999999999999", "project=x", "page=0", "q=" + "花" * 500,
        "q=%27%22<script>", "sector=&kind=&colour=&order=",
    ],
)  # fmt: skip
def test_hostile_filters_are_ignored_never_an_error(client, auth, queue, query):
    deputy = queue[0]
    auth.login(deputy.email)
    response = client.get(f"/deputy/suggestions?{query}")
    assert response.status_code == 200
    assert "<script>" not in response.text


def test_a_control_character_is_a_bad_request_not_an_error(client, auth, queue):
    auth.login(queue[0].email)
    assert client.get("/deputy/suggestions?q=%00x").status_code == 400


def test_the_pager_keeps_the_filters(client, auth, make_user, reference, queue):
    deputy = queue[0]

    def graduates(numbers):
        for n in numbers:
            profile = {
                **graduate_profile(reference),
                "phone": f"1383741{n:04d}",
                "intro": "紫荆、月季苗木栽培，嫁接育苗，园林绿化养护，病虫害防治。",
            }
            make_user(Role.GRADUATE, **{**profile, "email": f"g{n}@test.example"})
        db.session.commit()

    graduates(range(8))  # 3 + 8 = 11 of the firm's suggestions: one page
    auth.login(deputy.email)
    page = client.get("/deputy/suggestions?kind=talent&q=苗圃&order=oldest").text
    assert _heading_count(page) == "11"
    links = re.findall(r'href="(/deputy/suggestions\?[^"]*page=[^"]*)"', page)
    assert not links  # one page of 20: no pager
    graduates(range(8, 18))  # 21: two pages
    page = client.get("/deputy/suggestions?kind=talent&q=苗圃&order=oldest").text
    (link,) = set(re.findall(r'href="(/deputy/suggestions\?[^"]*page=2[^"]*)"', page))
    link = link.replace("&amp;", "&")
    for part in ("kind=talent", "order=oldest", "q=%E8%8B%97%E5%9C%83"):
        assert part in link
    assert len(_shown(client.get(link).text)) == 1


def test_my_introductions_by_state(client, auth, talent):
    lead, graduate, employer, deputy = talent
    intro.introduce(lead, deputy, "note")
    db.session.commit()
    auth.login(deputy.email)
    waiting = client.get("/leads/?state=waiting").text
    assert f'href="/leads/{lead.id}"' in waiting
    assert f'href="/leads/{lead.id}"' not in client.get("/leads/?state=follow_up").text
    assert f'href="/leads/{lead.id}"' in client.get("/leads/?state=bogus").text  # all
    intro.consent(lead, graduate, True, intro.NOTICE_VERSION)
    intro.consent(lead, employer, True, intro.NOTICE_VERSION)
    db.session.commit()
    assert f'href="/leads/{lead.id}"' in client.get("/leads/?state=follow_up").text
    home = client.get("/deputy/").text
    assert re.findall(r"<strong>([^<]*)</strong>", home)[2:4] == ["0", "1"]
