"""Two tenants on every route that takes an object id: a stranger gets 404 and changes
nothing; someone on the object gets through.

The routes come from ``app.url_map``: a new route with an id in its URL fails
``test_every_id_route_has_a_tenancy_case`` until it is added to CASES (or, for objects
that belong to nobody in particular, to UNTENANTED with the reason).
"""

import itertools
from datetime import date, timedelta
from typing import NamedTuple

import pytest
from sqlalchemy import func, select
from werkzeug.routing.converters import AnyConverter

from matchmaker.extensions import db
from matchmaker.models import ImportRecord, Lead, LeadStatus, Role
from matchmaker.services import introductions as intro
from tests.web import two_tenants
from tests.web.two_tenants import STRANGERS


@pytest.fixture
def world(make_user, reference):
    return two_tenants.build(make_user, reference)


class Case(NamedTuple):
    targets: object  # (world, any-values) → list of (id values, extra stranger parts)
    insiders: tuple  # parts of the world that must get through (not 404)


def _postings(world, values):
    owner = {"needs": world.need, "projects": world.project, "interests": world.interest}
    posting = owner[values["kind"]]
    other_owner = "investor" if values["kind"] != "interests" else "firm"
    return [({"posting_id": posting.id}, (other_owner,))]


def _leads(world, values):
    return [
        ({"lead_id": world.talent.id}, ("investor",)),  # a firm, but not on this lead
        ({"lead_id": world.investment.id}, ("graduate",)),
    ]


def _home_station(world, values):
    return [({"station_id": world.station.id}, ())]


def _home_county(world, values):
    return [({"region_id": world.station.region.parent_id}, ("staff",))]


def _station_lead(world, values):
    return [({"lead_id": world.talent.id}, ())]


def _home_deputy(world, values):
    return [({"deputy_id": world.users["deputy"].deputy.id}, ())]


def _firm(world, values):
    return [({"enterprise_id": world.users["firm"].enterprise.id}, ())]


def _graduate(world, values):
    return [({"graduate_id": world.users["graduate"].graduate.id}, ())]


_LEAD_STAFF = ("admin", "deputy", "staff")
CASES = {
    "enterprise.edit_posting": Case(_postings, ("owner",)),
    "enterprise.close_posting": Case(_postings, ("owner",)),
    "leads.show": Case(_leads, ("sides", *_LEAD_STAFF)),
    "leads.act": Case(_leads, ("sides", *_LEAD_STAFF)),
    "leads.consent": Case(_leads, ("sides",)),
    "leads.withdraw_consent": Case(_leads, ("sides", *_LEAD_STAFF)),
    "leads.confirm": Case(_leads, ("sides", *_LEAD_STAFF)),
    "figures.station": Case(_home_station, ("staff", "admin")),
    "figures.station_export": Case(_home_station, ("staff", "admin")),
    "figures.region": Case(_home_county, ("admin",)),
    "figures.region_export": Case(_home_county, ("admin",)),
    "staff.verify_enterprise": Case(_firm, ("staff",)),
    "staff.invite_enterprise": Case(_firm, ("staff",)),
    "staff.invite_graduate": Case(_graduate, ("staff",)),
    "staff.deputy_leads": Case(_home_deputy, ("staff",)),
    "staff.hand_over": Case(_station_lead, ("staff",)),
}
#: Objects every user of the route may reach by design; an unknown id is still 404.
UNTENANTED = {
    "admin.verify_enterprise": "administrators verify every enterprise",
    "admin.toggle_active": "administrators manage every account",
    "admin.edit_user": "administrators manage every account",
    "admin.edit_deputy": "administrators manage every deputy",
    "admin.edit_station": "administrators manage every station",
    "admin.edit_sector": "sectors are shared by everyone",
    "public.poster": "a station's poster is public",
    "public.station_qr": "a station's QR code is public",
}
#: Id routes whose two-tenant test lives beside the feature.
TESTED_ELSEWHERE = {
    "imports.job": "test_import_progress::test_only_the_owner_or_an_administrator_sees_a_job",
    "imports.job_status": "test_import_progress (the same test)",
    "graduate.position": "test_graduate_home: an open position is every graduate's to read, a"
    " closed one only the introduced graduate's",
    "leads.consent_photo": "test_consent_photo: the photo of a signed form the world's leads"
    " have none of; its deputy, staff, administrators and the side open it, everyone else"
    " (the other side too) gets 404",
}


def _takes_an_id(rule) -> bool:
    return any(name.endswith("_id") for name in rule._converters)


def _id_rules(app):
    return [rule for rule in app.url_map.iter_rules() if _takes_an_id(rule)]


def _expansions(rule) -> list[dict]:
    """Every combination of the rule's fixed choices (kind, step, format …)."""
    choices = {
        name: sorted(converter.items)
        for name, converter in rule._converters.items()
        if isinstance(converter, AnyConverter)
    }
    names = list(choices)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*choices.values())]


def _methods(rule) -> list[str]:
    return [m for m in ("GET", "POST") if m in rule.methods]


def test_every_id_route_has_a_tenancy_case(app):
    endpoints = {rule.endpoint for rule in _id_rules(app)}
    missing = endpoints - set(CASES) - set(UNTENANTED) - set(TESTED_ELSEWHERE)
    assert not missing, f"add a two-tenant case for {missing} to CASES (or say why not)"
    assert set(CASES) <= endpoints
    assert not set(CASES) & set(UNTENANTED)


def _payload(values: dict) -> dict:
    """A form that would succeed if the route let the stranger in."""
    step, kind = values.get("step", ""), values.get("kind", "")
    soon = (date.today() + timedelta(days=30)).isoformat()
    fields = {"note": "越权操作", "reason": "skills_mismatch", "until": soon,
              "on": date.today().isoformat(), "position": "园艺技术员", "amount_wan": "100",
              "months": "3", "outcome": "closed"}  # fmt: skip
    data = {f"{step or kind}-{name}": value for name, value in fields.items()}
    return data | {"notice_version": intro.NOTICE_VERSION, "agree": "y",
                   "title": "越权修改", "description": "越权修改"}  # fmt: skip


def _requests(app, world):
    """(endpoint, method, url, data, stranger parts, insider parts) for every id route."""
    for rule in _id_rules(app):
        case = CASES.get(rule.endpoint)
        if case is None:
            continue
        for values in _expansions(rule):
            for ids, extra_strangers in case.targets(world, values):
                url = rule.build({**values, **ids})[1]
                strangers = [*_strangers_for(app, rule), *extra_strangers]
                insiders = _insiders(case.insiders, world, ids, values)
                for method in _methods(rule):
                    yield rule.endpoint, method, url, _payload(values), strangers, insiders


def _strangers_for(app, rule) -> list[str]:
    """Strangers whose role passes the area's guard (the others get 403 in test_access)."""
    allowed = getattr(app.blueprints[rule.endpoint.split(".")[0]], "allowed_roles", set(Role))
    return [part for part, role in STRANGERS.items() if role in allowed]


def _insiders(parts, world, ids, values) -> list[str]:
    found = []
    for part in parts:
        if part == "owner":
            found.append("investor" if values["kind"] == "interests" else "firm")
        elif part == "sides":
            found += ["firm", "graduate" if ids["lead_id"] == world.talent.id else "investor"]
        else:
            found.append(part)
    return found


def _fingerprint() -> dict:
    """Every table's row count, and the rows strangers might try to change."""
    db.session.expire_all()
    counts = {t.name: db.session.scalar(select(func.count()).select_from(t))
              for t in db.metadata.sorted_tables}  # fmt: skip
    watched = ("lead", "talent_need", "investment_project", "investor_interest", "enterprise",
               "consent", "graduate", "station")  # fmt: skip
    rows = {name: sorted(map(tuple, db.session.execute(
                select(db.metadata.tables[name])).all()), key=repr)
            for name in watched}  # fmt: skip
    users = db.session.execute(select(db.metadata.tables["user_account"].c["id", "active"]))
    return {"counts": counts, "rows": rows, "users": sorted(map(tuple, users))}


@pytest.fixture
def sessions(web_app, world):
    return {part: two_tenants.signed_in(web_app, user) for part, user in world.users.items()}


def test_strangers_get_404_and_change_nothing(app, world, sessions):
    before = _fingerprint()
    checked = set()
    for endpoint, method, url, data, strangers, _ in _requests(app, world):
        for part in strangers:
            response = sessions[part].open(url, method=method, data=data)
            assert response.status_code == 404, (part, method, url, response.status_code)
        checked.add(endpoint)
    assert checked == set(CASES)
    assert _fingerprint() == before


def test_insiders_get_through(app, world, sessions):
    """The control for the test above: the same URLs do exist for those on the object."""
    requests = sorted(_requests(app, world), key=lambda r: r[1])  # every GET before a POST
    for endpoint, method, url, data, _, insiders in requests:
        assert insiders, endpoint
        for part in insiders:
            response = sessions[part].open(url, method=method, data=data)
            assert response.status_code in (200, 302), (part, method, url, response.status_code)


@pytest.mark.parametrize("endpoint", sorted(UNTENANTED))
def test_untenanted_routes_404_on_an_unknown_id(app, client, auth, endpoint):
    auth.login_as(Role.ADMIN)
    rule = next(r for r in _id_rules(app) if r.endpoint == endpoint)
    ids = {name: 999_999 for name in rule.arguments if name.endswith("_id")}
    for method in _methods(rule):
        url = rule.build(ids)[1]
        assert client.open(url, method=method).status_code == 404, (method, url)


def test_deputy_queue_actions_outside_the_deputy_reach(world, sessions):
    """A lead of another station or sector, or one the deputy has an interest in, is not
    the deputy's to introduce, dismiss or defer."""
    lead = db.session.scalar(
        select(Lead).where(
            Lead.status == LeadStatus.SUGGESTED, Lead.talent_need_id == world.need.id
        )
    )
    assert lead is not None
    link = f"/leads/{lead.id}/"
    assert link in sessions["deputy"].get("/deputy/suggestions").text
    for part in ("far_deputy", "other_sector_deputy"):
        assert link not in sessions[part].get("/deputy/suggestions").text
    conflicted = world.users["other_sector_deputy"].deputy
    conflicted.sectors = list(world.users["deputy"].deputy.sectors)  # routed to it now
    conflicted.affiliated_enterprise = world.users["firm"].enterprise  # but has an interest
    db.session.commit()
    data = _payload({"step": "introduce"}) | _payload({"step": "dismiss"})
    data |= _payload({"step": "defer"})
    for part, expected in (("far_deputy", 404), ("other_sector_deputy", 302)):
        for step in ("introduce", "dismiss", "defer"):
            response = sessions[part].post(f"/leads/{lead.id}/{step}", data=data)
            assert response.status_code == expected, (part, step, response.status_code)
    db.session.expire_all()
    assert db.session.get(Lead, lead.id).status is LeadStatus.SUGGESTED
    assert db.session.get(Lead, lead.id).deferred_until is None


def test_import_history_shows_a_station_its_own_imports_only(world, sessions):
    db.session.add(ImportRecord(actor_id=world.users["staff"].id, kind="enterprises",
                                filename="陈化店镇企业名册.csv", sha256="0" * 64, rows=1,
                                created=1, updated=0, unchanged=0))  # fmt: skip
    db.session.commit()
    assert "陈化店镇企业名册.csv" in sessions["staff"].get("/imports/history").text
    assert "陈化店镇企业名册.csv" in sessions["admin"].get("/imports/history").text
    assert "陈化店镇企业名册.csv" not in sessions["far_staff"].get("/imports/history").text


def test_exports_of_a_station_stay_with_its_staff(world, sessions):
    """The lead list of 陈化店镇 names its firm; staff of another station cannot fetch it."""
    for fmt in ("csv", "xlsx"):
        url = f"/figures/station/{world.station.id}/leads.{fmt}"
        assert sessions["staff"].get(url).status_code == 200
        assert sessions["far_staff"].get(url).status_code == 404
    far = sessions["far_staff"].get(f"/figures/station/{world.far_station.id}/leads.csv")
    assert world.users["firm"].enterprise.name not in far.get_data(as_text=True)


def test_a_graduate_downloads_only_their_own_data(world, sessions):
    """No route takes a graduate's id: "my data" is the signed-in graduate's, never another's."""
    mine = sessions["graduate"].get("/graduate/my-data.json").get_json()
    theirs = sessions["other_graduate"].get("/graduate/my-data.json").get_json()
    assert world.talent.id in {row["lead"] for row in mine["introductions"]}
    assert world.talent.id not in {row["lead"] for row in theirs["introductions"]}
    assert theirs["profile"]["account_email"] == world.users["other_graduate"].email


def test_the_verification_list_of_a_station_stays_with_its_staff(world, sessions):
    """An unverified firm of 陈化店镇 is on its staff's list, not on another station's;
    verifying it from there is 404 (the sweep above) and changes nothing."""
    firm = world.users["firm"].enterprise
    firm.verified = False
    db.session.commit()
    row = f'id="firm-{firm.id}"'
    assert row in sessions["staff"].get("/station/verification").text
    assert row in sessions["admin"].get("/admin/verification").text
    assert row not in sessions["far_staff"].get("/station/verification").text
    url = f"/station/enterprises/{firm.id}/verify?next=/station/verification"
    assert sessions["far_staff"].post(url).status_code == 404
    db.session.expire_all()
    assert db.session.get(type(firm), firm.id).verified is False
