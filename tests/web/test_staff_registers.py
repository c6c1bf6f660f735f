"""The station's registers: graduates, talent needs, investment projects and firms of its
area, searched and filtered in SQL, never another station's rows, junk filters ignored."""

import pytest

from matchmaker.extensions import db
from matchmaker.models import Role
from matchmaker.services import postings
from tests.factories import enterprise_profile
from tests.web import two_tenants

FAR_TOWN = "河南省/濮阳市/华龙区/孟轲乡"
REGISTERS = ("/station/graduates", "/station/needs", "/station/projects", "/station/enterprises")
JUNK = ["", " ", "9" * 30, "2147483648", "-1", "²", "١٢٣", "1e999", "长" * 10_000, "a\x00b"]


@pytest.fixture
def world(make_user, reference):
    return two_tenants.build(make_user, reference)


@pytest.fixture
def far_firm(make_user, reference):
    region = reference.region(FAR_TOWN).id
    firm = make_user(Role.ENTERPRISE, **enterprise_profile(reference, 77) | {
        "name": "华龙区远方制造有限公司", "region_id": region,
        "sector_id": reference.sector("auto_parts").id})  # fmt: skip
    postings.save_need(firm.enterprise, title="远方焊接技工", description="焊接",
                       sector_id=firm.enterprise.sector_id, region_id=region)  # fmt: skip
    db.session.commit()
    return firm.enterprise


def test_each_register_shows_the_station_area_only(world, web_app, far_firm):
    staff = two_tenants.signed_in(web_app, world.users["staff"])
    far = two_tenants.signed_in(web_app, world.users["far_staff"])
    graduate = world.users["graduate"].graduate
    rows = {
        "/station/graduates": f'id="graduate-{graduate.id}"',
        "/station/needs": f'id="posting-{world.need.id}"',
        "/station/projects": f'id="posting-{world.project.id}"',
        "/station/enterprises": f'id="enterprise-{world.users["firm"].enterprise.id}"',
    }
    for url, row in rows.items():
        assert row in staff.get(url).text, url
        assert row not in far.get(url).text, url
    assert "远方焊接技工" in far.get("/station/needs").text
    assert "远方焊接技工" not in staff.get("/station/needs").text
    assert far_firm.name not in staff.get("/station/enterprises").text


def test_search_and_filters_narrow_in_sql(world, web_app, reference):
    staff = two_tenants.signed_in(web_app, world.users["staff"])
    need = f'id="posting-{world.need.id}"'
    horticulture = reference.sector("horticulture").id
    tourism = reference.sector("tourism").id
    town = reference.region(two_tenants.TOWN).id
    assert need in staff.get("/station/needs?q=栽培").text
    assert need not in staff.get("/station/needs?q=没有这个词").text
    assert need in staff.get(f"/station/needs?sector={horticulture}&place={town}").text
    assert need not in staff.get(f"/station/needs?sector={tourism}").text
    assert need in staff.get("/station/needs?status=open").text
    assert need not in staff.get("/station/needs?status=filled").text
    graduate = f'id="graduate-{world.users["graduate"].graduate.id}"'
    assert graduate in staff.get(f"/station/graduates?sector={horticulture}&status=open").text
    assert graduate not in staff.get("/station/graduates?status=paused").text
    firm = f'id="enterprise-{world.users["firm"].enterprise.id}"'
    code = world.users["firm"].enterprise.credit_code
    assert firm in staff.get(f"/station/enterprises?q={code[-6:].lower()}").text
    assert firm not in staff.get("/station/enterprises?status=unverified").text


def test_a_place_outside_the_area_is_ignored_not_obeyed(world, web_app, reference, far_firm):
    staff = two_tenants.signed_in(web_app, world.users["staff"])
    far_town = reference.region(FAR_TOWN).id
    page = staff.get(f"/station/needs?place={far_town}").text
    assert "远方焊接技工" not in page
    assert f'id="posting-{world.need.id}"' in page  # the filter was dropped, not obeyed


def test_the_pager_keeps_the_filters(world, web_app, reference):
    firm = world.users["firm"].enterprise
    for n in range(55):
        postings.save_need(firm, title=f"花木岗位{n}", description="栽培",
                           sector_id=firm.sector_id, region_id=firm.region_id)  # fmt: skip
    db.session.commit()
    staff = two_tenants.signed_in(web_app, world.users["staff"])
    page = staff.get("/station/needs?q=花木岗位&status=open").text
    assert "page=2" in page and "q=%E8%8A%B1" in page and "status=open" in page
    second = staff.get("/station/needs?q=花木岗位&status=open&page=2").text
    assert second.count('id="posting-') == 5


@pytest.mark.parametrize("url", REGISTERS)
def test_junk_in_every_filter_is_ignored(world, web_app, url):
    staff = two_tenants.signed_in(web_app, world.users["staff"])
    for value in JUNK:
        query = dict.fromkeys(("q", "sector", "place", "status", "page"), value)
        response = staff.get(url, query_string=query)
        assert response.status_code in (200, 400), (url, value)  # a NUL is refused whole


@pytest.mark.parametrize("role", [None, Role.DEPUTY, Role.ENTERPRISE])
def test_only_staff_open_the_registers(client, auth, role):
    if role is not None:
        auth.login_as(role)
    for url in REGISTERS:
        assert client.get(url).status_code == (302 if role is None else 403)
