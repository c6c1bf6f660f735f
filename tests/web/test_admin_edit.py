"""Administrators edit a deputy (station, sectors, declared interest …) and any account
(name, whether it may sign in, a staff account's station), each change audited; the long
admin lists are searched and paged by the database."""

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import AuditEvent, Deputy, Role, User
from tests.web import two_tenants

FAR = "孟轲乡新兴产业人大代表联络站"


def _deputy_form(deputy, **changes) -> dict:
    form = {
        "name": deputy.name, "level": deputy.level.value, "station_id": deputy.station_id,
        "sector_ids": [s.id for s in deputy.sectors], "affiliation": deputy.affiliation,
        "affiliated_enterprise_id": deputy.affiliated_enterprise_id or 0, "phone": "",
    }  # fmt: skip
    return form | changes


def _audits(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_admin_moves_a_deputy_and_declares_an_interest(client, auth, make_user, reference):
    admin = auth.login_as(Role.ADMIN)
    deputy = make_user(Role.DEPUTY).deputy
    firm = make_user(Role.ENTERPRISE).enterprise
    far = reference.station(FAR)
    page = client.get(f"/admin/deputies/{deputy.id}/edit")
    assert page.status_code == 200 and deputy.name in page.text
    sectors = [reference.sector("auto_parts").id]
    form = _deputy_form(
        deputy, station_id=far.id, sector_ids=sectors, affiliated_enterprise_id=firm.id,
        affiliation="德众汽车产业园总经理",
    )  # fmt: skip
    assert client.post(f"/admin/deputies/{deputy.id}/edit", data=form).status_code == 302
    db.session.expire_all()
    deputy = db.session.get(Deputy, deputy.id)
    assert deputy.station_id == far.id and [s.id for s in deputy.sectors] == sectors
    assert deputy.affiliated_enterprise_id == firm.id
    (event,) = _audits("deputy_updated")
    assert event.actor_id == admin.id and event.subject == f"deputy:{deputy.id}"
    assert event.detail["changed"]["station_id"][1] == far.id
    assert event.detail["changed"]["affiliated_enterprise_id"] == [None, firm.id]


def test_a_deputy_with_open_leads_stays_until_they_are_handed_over(web_app, make_user, reference):
    world = two_tenants.build(make_user, reference)  # the deputy introduced two leads
    client = two_tenants.signed_in(web_app, world.users["admin"])
    deputy = world.users["deputy"].deputy
    form = _deputy_form(deputy, station_id=reference.station(FAR).id)
    response = client.post(f"/admin/deputies/{deputy.id}/edit", data=form)
    assert response.status_code == 200 and "has-error" in response.text
    db.session.expire_all()
    assert db.session.get(Deputy, deputy.id).station.name != FAR
    assert _audits("deputy_updated") == []


def test_hostile_deputy_edits_change_nothing(client, auth, make_user):
    auth.login_as(Role.ADMIN)
    deputy = make_user(Role.DEPUTY).deputy
    before = (deputy.name, deputy.station_id, [s.id for s in deputy.sectors])
    fields = ("station_id", "sector_ids", "affiliated_enterprise_id", "level")
    tries = [(f, v) for f in fields for v in ("", "9" * 30, "2147483648", "-1", "²", "x" * 999)]
    for field, value in [*tries, ("name", ""), ("name", "长" * 10_000), ("phone", "x" * 99)]:
        form = _deputy_form(deputy, **{field: value})
        response = client.post(f"/admin/deputies/{deputy.id}/edit", data=form)
        assert response.status_code == 200, (field, value)
    db.session.expire_all()
    deputy = db.session.get(Deputy, deputy.id)
    assert (deputy.name, deputy.station_id, [s.id for s in deputy.sectors]) == before
    assert client.get("/admin/deputies/999999/edit").status_code == 404


def test_admin_edits_an_account_and_a_staff_station(client, auth, make_user, reference):
    admin = auth.login_as(Role.ADMIN)
    staff = make_user(Role.STAFF)
    far = reference.station(FAR)
    page = client.get(f"/admin/users/{staff.id}/edit").text
    assert 'name="station_id"' in page
    form = {"display_name": "新名字", "station_id": far.id}  # "active" left out: unchecked
    assert client.post(f"/admin/users/{staff.id}/edit", data=form).status_code == 302
    db.session.expire_all()
    staff = db.session.get(User, staff.id)
    assert (staff.display_name, staff.station_id, staff.active) == ("新名字", far.id, False)
    (event,) = _audits("account_updated")
    assert event.actor_id == admin.id and event.subject == f"user:{staff.id}"
    assert set(event.detail["changed"]) == {"display_name", "station_id", "active"}
    assert _audits("account_deactivated")
    graduate = make_user(Role.GRADUATE)
    assert 'name="station_id"' not in client.get(f"/admin/users/{graduate.id}/edit").text
    form = {"display_name": "毕业生", "active": "y", "station_id": far.id}
    assert client.post(f"/admin/users/{graduate.id}/edit", data=form).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, graduate.id).station_id is None  # not a field of theirs


def test_an_admin_cannot_deactivate_themselves(client, auth):
    admin = auth.login_as(Role.ADMIN)
    response = client.post(f"/admin/users/{admin.id}/edit", data={"display_name": "我"})
    assert response.status_code == 200 and "has-error" in response.text
    db.session.expire_all()
    assert db.session.get(User, admin.id).active is True
    assert _audits("account_updated") == []


def test_a_deputy_account_name_follows_to_the_profile(client, auth, make_user):
    auth.login_as(Role.ADMIN)
    deputy = make_user(Role.DEPUTY)
    page = client.get(f"/admin/users/{deputy.id}/edit").text
    assert f"/admin/deputies/{deputy.deputy.id}/edit" in page
    form = {"display_name": "王代表", "active": "y"}
    assert client.post(f"/admin/users/{deputy.id}/edit", data=form).status_code == 302
    db.session.expire_all()
    assert db.session.get(Deputy, deputy.deputy.id).name == "王代表"


def test_the_deputy_list_is_searched_and_filtered(client, auth, make_user, reference):
    auth.login_as(Role.ADMIN)
    deputy = make_user(Role.DEPUTY).deputy
    other = make_user(Role.DEPUTY).deputy
    page = client.get(f"/admin/deputies?q={deputy.name}").text
    assert f"/admin/deputies/{deputy.id}/edit" in page
    assert f"/admin/deputies/{other.id}/edit" not in page
    far = reference.station(FAR).id
    assert (
        f"/admin/deputies/{deputy.id}/edit" not in client.get(f"/admin/deputies?station={far}").text
    )
    for value in ("", "9" * 30, "²", "%", "长" * 10_000):
        assert (
            client.get("/admin/deputies", query_string={"q": value, "station": value}).status_code
            == 200
        )


def test_the_enterprise_list_is_searched(client, auth, make_user):
    auth.login_as(Role.ADMIN)
    firm = make_user(Role.ENTERPRISE).enterprise
    assert f'id="enterprise-{firm.id}"' in client.get("/admin/enterprises?q=测试花木").text
    assert f'id="enterprise-{firm.id}"' not in client.get("/admin/enterprises?q=没有").text
    assert client.get("/admin/enterprises?sector=²&place=9999999999&status=x").status_code == 200


def test_the_account_list_searches_literally(client, auth, make_user):
    auth.login_as(Role.ADMIN)
    email = make_user(Role.GRADUATE).email
    assert email in client.get("/admin/users?q=graduate").text
    assert email not in client.get("/admin/users?q=grad%25ate").text
    assert email not in client.get("/admin/users?q=gr_duate").text
