"""No mass assignment: fields a form does not have (role, owner, status, enterprise_id …)
are ignored by every posting and profile form, however they are posted."""

import pytest
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import (
    InterestStatus,
    InvestmentProject,
    InvestorInterest,
    NeedStatus,
    ProjectStatus,
    Role,
    TalentNeed,
)
from tests.web import two_tenants


@pytest.fixture
def world(make_user, reference):
    return two_tenants.build(make_user, reference)


def _extras(world) -> dict:
    """Every field an attacker might hope the server maps onto a row."""
    other = world.users["other_firm"]
    return {
        "role": "admin", "owner": str(other.id), "owner_id": str(other.id),
        "user_id": str(other.id), "enterprise_id": str(other.enterprise.id),
        "status": "signed", "verified": "y", "id": str(world.interest.id),
        "station_id": str(world.far_station.id), "level": "national", "deputy_id": "1",
        "graduate_id": str(world.users["other_graduate"].graduate.id),
        "affiliated_enterprise_id": str(other.enterprise.id), "active": "",
    }  # fmt: skip


def _posting_form(kind: str, reference) -> dict:
    town = reference.region(two_tenants.TOWN).id
    common = {"title": "花木深加工", "description": "鄢陵花木深加工。"}
    if kind == "needs":
        sector = reference.sector("horticulture").id
        return common | {"sector_id": sector, "region_id": town, "min_degree": "", "headcount": "2"}
    sector = reference.sector("flower_processing").id
    amounts = {"amount_min_wan": "100", "amount_max_wan": "200"}
    if kind == "projects":
        return common | amounts | {"sector_id": sector, "region_id": town}
    county = reference.region("河南省/许昌市/鄢陵县").id
    return common | amounts | {"sector_ids": [sector], "region_ids": [county]}


MODELS = {
    "needs": (TalentNeed, NeedStatus.OPEN, "firm"),
    "projects": (InvestmentProject, ProjectStatus.OPEN, "firm"),
    "interests": (InvestorInterest, InterestStatus.OPEN, "investor"),
}


def _untouched(world) -> list:
    """What the stranger firm owns, and the world's other postings, as they are now."""
    db.session.expire_all()
    rows = []
    for model in (TalentNeed, InvestmentProject, InvestorInterest):
        rows += [(model.__name__, p.id, p.title, p.status, p.enterprise_id)
                 for p in db.session.scalars(select(model).order_by(model.id))]  # fmt: skip
    return rows


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_new_and_edited_postings_ignore_extra_fields(web_app, world, reference, kind):
    model, open_status, owner_part = MODELS[kind]
    owner = world.users[owner_part]
    client = two_tenants.signed_in(web_app, owner)
    form = _posting_form(kind, reference) | _extras(world)
    before = _untouched(world)

    assert client.post(f"/enterprise/{kind}/new", data=form).status_code == 302
    created = db.session.scalar(select(model).order_by(model.id.desc()))
    assert (created.title, created.enterprise_id) == ("花木深加工", owner.enterprise.id)
    assert created.status is open_status
    assert set(before) <= set(_untouched(world))  # nobody else's posting changed

    edited = {**form, "title": "花木深加工（修订）"}
    assert client.post(f"/enterprise/{kind}/{created.id}/edit", data=edited).status_code == 302
    db.session.expire_all()
    row = db.session.get(model, created.id)
    assert (row.title, row.enterprise_id, row.status) == (
        "花木深加工（修订）",
        owner.enterprise.id,
        open_status,
    )
    after = {r for r in _untouched(world) if r[:2] != (model.__name__, created.id)}
    assert after == set(before)


def test_enterprise_profile_ignores_extra_fields(web_app, world, reference):
    firm = world.users["firm"]
    firm.enterprise.verified = False  # waiting for the station: "verified" must not pass
    db.session.commit()
    client = two_tenants.signed_in(web_app, firm)
    profile = {
        "name": "鄢陵县测试花木有限公司1", "credit_code": firm.enterprise.credit_code,
        "sector_id": firm.enterprise.sector_id, "region_id": firm.enterprise.region_id,
        "description": "紫荆。", "contact_person": "王丽", "phone": "13837400002",
    }  # fmt: skip
    assert client.post("/enterprise/profile", data=profile | _extras(world)).status_code == 302
    db.session.expire_all()
    firm = db.session.get(type(firm), firm.id)
    assert firm.role is Role.ENTERPRISE and firm.active
    assert firm.enterprise.verified is False
    assert firm.enterprise.name == "鄢陵县测试花木有限公司1"
    other = world.users["other_firm"]
    assert db.session.get(type(other), other.id).enterprise.user_id == other.id


def test_graduate_profile_ignores_extra_fields(web_app, world, reference):
    graduate = world.users["graduate"]
    client = two_tenants.signed_in(web_app, graduate)
    profile = {
        "name": "李明", "school": "河南农业大学", "major": "园艺", "degree": "bachelor",
        "graduation_year": "2025", "hometown_id": "0", "open_to_matching": "y",
        "wanted_sector_ids": [reference.sector("horticulture").id],
    }  # fmt: skip
    assert client.post("/graduate/profile", data=profile | _extras(world)).status_code == 302
    db.session.expire_all()
    user = db.session.get(type(graduate), graduate.id)
    assert user.role is Role.GRADUATE and user.station_id is None and user.active
    assert user.graduate.id == world.users["graduate"].graduate.id
    other = world.users["other_graduate"]
    assert db.session.get(type(other), other.id).graduate.user_id == other.id


def test_deputy_profile_ignores_extra_fields(web_app, world):
    deputy = world.users["deputy"]
    client = two_tenants.signed_in(web_app, deputy)
    station_id, level, name = deputy.deputy.station_id, deputy.deputy.level, deputy.deputy.name
    sectors = [s.id for s in deputy.deputy.sectors]
    profile = {"affiliation": "花木合作社理事长", "phone": "13837400005", "sector_ids": sectors}
    extras = _extras(world) | {"name": "改名"}
    assert client.post("/deputy/profile", data=profile | extras).status_code == 302
    db.session.expire_all()
    user = db.session.get(type(deputy), deputy.id)
    assert user.role is Role.DEPUTY and user.active
    assert (user.deputy.station_id, user.deputy.level, user.deputy.name) == (
        station_id,
        level,
        name,
    )
    assert user.deputy.affiliated_enterprise_id is None
    assert user.deputy.affiliation == "花木合作社理事长"
