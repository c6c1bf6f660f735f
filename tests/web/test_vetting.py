"""The deputy queue marks unverified firms; station staff verify them from their list."""

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from matchmaker.extensions import db
from matchmaker.models import Enterprise, Lead, LeadStatus, Role
from matchmaker.services import postings
from tests.factories import enterprise_profile, graduate_profile, valid_credit_code, verify
from tests.web import two_tenants

TOWN = "河南省/许昌市/鄢陵县/陈化店镇"
HOMETOWNS = [TOWN, "河南省/许昌市/鄢陵县/柏梁镇", "河南省/许昌市/鄢陵县/马栏镇"]


@contextmanager
def statements(web_app):
    """The SQL statements the app under test runs inside the block."""
    with web_app.app_context():
        engine = db.engine
    seen = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _firm(make_user, reference, n, verified=True):
    firm = make_user(Role.ENTERPRISE, **enterprise_profile(reference, n)).enterprise
    if verified:
        verify(firm)
    return firm


def _far_firm(make_user, reference):
    """A firm at 孟轲乡, another station's area."""
    region = reference.region("河南省/濮阳市/华龙区/孟轲乡").id
    return make_user(Role.ENTERPRISE, **enterprise_profile(reference, 4) | {"region_id": region})


def _need(firm, reference, title="花木栽培技术员"):
    return postings.save_need(
        firm, title=title, description="紫荆、月季苗木栽培，嫁接育苗，病虫害防治。",
        sector_id=reference.sector("horticulture").id, region_id=reference.region(TOWN).id,
    )  # fmt: skip


def _graduates(make_user, reference, n, start=0):
    for i in range(start, start + n):
        hometown = reference.region(HOMETOWNS[i % len(HOMETOWNS)]).id
        make_user(Role.GRADUATE, **graduate_profile(reference) | {"hometown_id": hometown})
    db.session.commit()


@pytest.fixture
def deputy_client(web_app, make_user):
    deputy = make_user(Role.DEPUTY)
    client = two_tenants.signed_in(web_app, deputy)
    client.get("/lang/en")
    return client, deputy


def _card(page: str, lead_id: int) -> str:
    pattern = rf'<section class="card lead" id="lead-{lead_id}">(.*?)</section>'
    found = re.search(pattern, page, re.S)
    assert found, lead_id
    return found.group(1)


def test_queue_marks_an_unverified_firm_and_offers_no_introduction(
    deputy_client, make_user, reference
):
    client, _ = deputy_client
    checked, waiting = _firm(make_user, reference, 1), _firm(make_user, reference, 2, False)
    _need(checked, reference), _need(waiting, reference, "苗木嫁接技术员")
    _graduates(make_user, reference, 1)
    page = client.get("/deputy/suggestions").text
    leads = {lead.talent_need.enterprise_id: lead for lead in db.session.scalars(select(Lead))}
    held, free = _card(page, leads[waiting.id].id), _card(page, leads[checked.id].id)
    assert "badge-firm" in held and f"Awaiting verification: {waiting.name}" in held
    assert "must verify the enterprise first" in held
    assert "/introduce" not in held and "/dismiss" in held and "/defer" in held
    assert "badge-firm" not in free and f"/leads/{leads[checked.id].id}/introduce" in free


def test_introducing_an_unverified_firm_by_hand_is_refused(deputy_client, make_user, reference):
    client, _ = deputy_client
    firm = _firm(make_user, reference, 1, verified=False)
    _need(firm, reference)
    _graduates(make_user, reference, 1)
    lead = db.session.scalar(select(Lead))
    response = client.post(
        f"/leads/{lead.id}/introduce", data={"introduce-note": "请联系"}, follow_redirects=True
    )
    assert "has not been verified by the liaison station" in response.text
    db.session.expire_all()
    assert db.session.get(Lead, lead.id).status is LeadStatus.SUGGESTED


def test_the_queue_costs_the_same_statements_at_any_size(
    web_app, deputy_client, make_user, reference
):
    client, _ = deputy_client

    def count():
        client.get("/deputy/suggestions")  # the first visit of a size may warm caches
        with statements(web_app) as seen:
            page = client.get("/deputy/suggestions").text
        return len(seen), page.count('class="card lead"')

    _need(_firm(make_user, reference, 1), reference)
    _graduates(make_user, reference, 1)
    small = count()
    _need(_firm(make_user, reference, 2, False), reference, "苗木嫁接技术员")
    _need(_firm(make_user, reference, 3, False), reference, "园林绿化技术员")
    _graduates(make_user, reference, 4, start=1)
    large = count()
    assert large[1] > small[1] * 3
    assert large[0] == small[0], (small, large)


# --- the verification list ----------------------------------------------------------------


@pytest.fixture
def staff_client(web_app, make_user):
    staff = make_user(Role.STAFF)  # 陈化店镇: serves 鄢陵县
    client = two_tenants.signed_in(web_app, staff)
    client.get("/lang/en")
    return client


def test_staff_list_what_to_check_oldest_first(staff_client, make_user, reference):
    older, newer = _firm(make_user, reference, 1, False), _firm(make_user, reference, 2, False)
    checked = _firm(make_user, reference, 3)
    far = _far_firm(make_user, reference)
    good = valid_credit_code(2)
    newer.credit_code = good[:17] + ("0" if good[17] != "0" else "1")  # a typing slip
    _need(older, reference)
    _graduates(make_user, reference, 2)
    page = staff_client.get("/station/verification").text
    assert page.index(older.name) < page.index(newer.name)
    assert checked.name not in page and far.enterprise.name not in page
    older_row, newer_row = page.split(f'id="firm-{newer.id}"')
    shown = (older.credit_code, "check character valid", "王丽", "138 3740 0002",
             "Suggestions waiting: 2", "许昌市鄢陵县陈化店镇")  # fmt: skip
    for text in shown:
        assert text in older_row, text
    assert "check character invalid" in newer_row and "waiting" not in newer_row
    home = staff_client.get("/station/").text
    assert "/station/verification" in home and "(2)" in home


def test_staff_verify_from_the_list_and_come_back_to_it(staff_client, make_user, reference):
    firm = _firm(make_user, reference, 1, False)
    page = staff_client.get("/station/verification").text
    action = re.search(r'action="([^"]*/verify[^"]*)"', page).group(1).replace("&amp;", "&")
    assert action.startswith(f"/station/enterprises/{firm.id}/verify?next=")
    response = staff_client.post(action)
    assert response.status_code == 302 and response.location.startswith("/station/verification")
    db.session.expire_all()
    assert db.session.get(Enterprise, firm.id).verified
    assert f'id="firm-{firm.id}"' not in staff_client.get("/station/verification").text
    offsite = staff_client.post(f"/station/enterprises/{firm.id}/verify?next=//evil.example/")
    assert offsite.location == "/station/enterprises"


def test_admin_list_holds_every_station(web_app, make_user, reference):
    far = _far_firm(make_user, reference)
    near = _firm(make_user, reference, 5, False)
    client = two_tenants.signed_in(web_app, make_user(Role.ADMIN))
    page = client.get("/admin/verification").text
    assert far.enterprise.name in page and near.name in page
    assert "/admin/verification" in client.get("/admin/").text


def test_the_list_costs_the_same_statements_at_any_size(
    web_app, staff_client, make_user, reference
):
    def count():
        staff_client.get("/station/verification")
        with statements(web_app) as seen:
            page = staff_client.get("/station/verification").text
        return len(seen), page.count('class="row" id="firm-')

    _need(_firm(make_user, reference, 1, False), reference)
    _graduates(make_user, reference, 1)
    small = count()
    for n, town in enumerate(HOMETOWNS, start=2):
        firm = _firm(make_user, reference, n, False)
        firm.region_id = reference.region(town).id
        _need(firm, reference, f"花木技术员{n}")
    _graduates(make_user, reference, 2, start=1)
    large = count()
    assert large[1] == small[1] + len(HOMETOWNS)
    assert large[0] == small[0], (small, large)
