"""Suggestions as deputies and enterprises see them, in Chinese, without contact details."""

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Lead, Role
from matchmaker.services import postings
from tests.factories import graduate_profile, verify


def _pair(make_user, reference, **graduate_changes):
    graduate = make_user(
        Role.GRADUATE, **{**graduate_profile(reference), **graduate_changes}
    ).graduate
    firm = make_user(Role.ENTERPRISE).enterprise
    need = postings.save_need(
        firm,
        title="花木栽培技术员",
        description="负责紫荆、月季苗木栽培和嫁接育苗。",
        sector_id=reference.sector("horticulture").id,
        region_id=reference.region("河南省/许昌市/鄢陵县/陈化店镇").id,
    )
    db.session.commit()
    return graduate, firm, need


def test_deputy_sees_the_suggestion_with_its_explanation(client, auth, make_user, reference):
    graduate, firm, need = _pair(make_user, reference)
    auth.login_as(Role.DEPUTY)  # 陈化店镇 station, sectors 花木/园林 and 花卉深加工
    page = client.get("/deputy/suggestions").text
    assert need.title in page and firm.name in page
    assert "推荐理由" in page and "行业：符合" in page and "共同关键词" in page
    assert graduate.major in page and "河南农业大学" in page
    for private in (graduate.name, "13837400001", "138 3740 0001", graduate.email):
        assert private not in page


def test_deputy_of_other_sectors_does_not_see_it(client, auth, make_user, reference):
    _pair(make_user, reference)
    user = auth.login_as(Role.DEPUTY)
    user.deputy.sectors = [reference.sector("tourism")]
    db.session.commit()
    assert "花木栽培技术员" not in client.get("/deputy/suggestions").text


def test_conflicted_deputy_is_told_why(client, auth, make_user, reference):
    _, firm, _ = _pair(make_user, reference)
    user = auth.login_as(Role.DEPUTY)
    user.deputy.affiliated_enterprise = firm
    db.session.commit()
    assert "将由其他代表审核" in client.get("/deputy/suggestions").text


def test_enterprise_sees_how_many_candidates_wait(client, make_user, reference, auth):
    _, firm, _ = _pair(make_user, reference)
    auth.login(firm.user.email)
    assert db.session.scalar(select(Lead.id)) is not None
    assert "1 名推荐人选待代表审核" in client.get("/enterprise/").text


def test_each_card_steps_its_own_lead(client, auth, make_user, reference):
    """The step forms are rendered once for the page: every card's still posts to its
    own lead, with field ids of its own, and a dismissal from the page takes that lead."""
    import re

    _, firm, _ = _pair(make_user, reference)
    make_user(Role.GRADUATE, **graduate_profile(reference))
    verify(firm)
    db.session.commit()
    ids = sorted(db.session.scalars(select(Lead.id)))
    assert len(ids) == 2
    auth.login_as(Role.DEPUTY)
    page = client.get("/deputy/suggestions").text
    for step in ("introduce", "dismiss", "defer"):
        posted = sorted(int(i) for i in re.findall(rf'action="/leads/(\d+)/{step}\?', page))
        assert posted == ids
    field_ids = re.findall(r'id="((?:dismiss|defer)-[a-z_]+-\d+)"', page)
    assert len(field_ids) == len(set(field_ids)) and len(field_ids) >= 4
    form = re.search(
        rf'<form[^>]*action="/leads/{ids[1]}/dismiss[^"]*"[^>]*>(.*?)</form>', page, re.S
    )
    reason = re.search(r'<option value="([^"]+)"', form.group(1)).group(1)
    done = client.post(
        f"/leads/{ids[1]}/dismiss", data={"dismiss-reason": reason, "dismiss-note": ""}
    )
    assert done.status_code in (302, 303)
    statuses = dict(db.session.execute(select(Lead.id, Lead.status)).all())
    assert statuses[ids[1]].value == "dismissed" and statuses[ids[0]].value == "suggested"
