from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import Deputy, Role, Sector, Station, User
from tests.factories import PASSWORD


def test_admin_creates_a_deputy_who_can_sign_in(client, auth, reference):
    auth.login_as(Role.ADMIN)
    station = reference.station("孟轲乡新兴产业人大代表联络站")
    form = {
        "name": "李建华",
        "email": "lijianhua@test.example",
        "password": PASSWORD,
        "level": "county",
        "station_id": station.id,
        "sector_ids": [reference.sector("auto_parts").id],
        "affiliation": "德众汽车产业园总经理",
        "affiliated_enterprise_id": "0",
        "phone": "13903931234",
    }
    assert client.post("/admin/deputies/new", data=form).status_code == 302
    deputy = db.session.scalar(select(Deputy))
    assert (deputy.name, deputy.level.value, deputy.station.name) == (
        "李建华",
        "county",
        "孟轲乡新兴产业人大代表联络站",
    )
    auth.logout()
    assert auth.login("lijianhua@test.example").status_code == 302
    assert "李建华" in client.get("/deputy/").text


def test_deputy_with_taken_email_is_refused(client, auth, reference, make_user):
    admin = auth.login_as(Role.ADMIN)
    form = {
        "name": "重复",
        "email": admin.email,
        "password": PASSWORD,
        "level": "township",
        "station_id": reference.station("陈化店镇人大代表联络站").id,
        "affiliated_enterprise_id": "0",
    }
    response = client.post("/admin/deputies/new", data=form)
    assert "该邮箱已注册账号。" in response.text
    assert db.session.scalar(select(func.count(Deputy.id))) == 0


def test_admin_creates_staff_for_a_station(client, auth, reference):
    auth.login_as(Role.ADMIN)
    station = reference.station("湖东街道人大代表联络站")
    form = {
        "display_name": "陈静",
        "email": "chenjing@test.example",
        "password": PASSWORD,
        "station_id": station.id,
    }
    assert client.post("/admin/staff/new", data=form).status_code == 302
    staff = db.session.scalar(select(User).where(User.role == Role.STAFF))
    assert staff.station is station


def test_admin_edits_stations_and_sectors(client, auth, reference):
    auth.login_as(Role.ADMIN)
    region = reference.region("河南省/信阳市/浉河区/五星街道")
    form = {
        "name": "五星街道人大代表联络站",
        "region_id": region.id,
        "sector_ids": [reference.sector("tea").id],
        "review_deadline_days": "5",
        "consent_deadline_days": "10",
    }
    assert client.post("/admin/stations/new", data=form).status_code == 302
    station = db.session.scalar(select(Station).where(Station.name == form["name"]))
    assert station.review_deadline_days == 5
    duplicate = client.post("/admin/stations/new", data=form)
    assert "该联络站名称已存在。" in duplicate.text

    sector = {
        "code": "textiles",
        "name_zh": "纺织服装",
        "name_en": "Textiles",
        "synonyms": "纺织，服装\n制衣",
    }
    assert client.post("/admin/sectors/new", data=sector).status_code == 302
    saved = db.session.scalar(select(Sector).where(Sector.code == "textiles"))
    assert saved.synonyms == ["纺织", "服装", "制衣"]
    bad = client.post("/admin/sectors/new", data={**sector, "code": "Bad Code"})
    assert "请使用 2–40 个小写字母、数字或下划线。" in bad.text


def test_admin_deactivates_but_not_self(client, auth, make_user):
    admin = auth.login_as(Role.ADMIN)
    other = make_user(Role.GRADUATE)
    client.post(f"/admin/users/{other.id}/active")
    db.session.refresh(other)
    assert other.active is False
    client.post(f"/admin/users/{admin.id}/active")
    db.session.refresh(admin)
    assert admin.active is True


def test_admin_verifies_an_enterprise(client, auth, make_user):
    auth.login_as(Role.ADMIN)
    firm = make_user(Role.ENTERPRISE).enterprise
    client.post(f"/admin/enterprises/{firm.id}/verify")
    db.session.refresh(firm)
    assert firm.verified and firm.verified_at is not None


def test_user_list_filters_and_searches(client, auth, make_user):
    auth.login_as(Role.ADMIN)
    make_user(Role.GRADUATE, login_email="findme@test.example")
    make_user(Role.ENTERPRISE, login_email="other@test.example")
    page = client.get("/admin/users?role=graduate&q=FINDME").text
    assert "findme@test.example" in page and "other@test.example" not in page
