"""The demo data set: what the issue asks for, valid, and loaded idempotently."""

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.identifiers import check_credit_code
from matchmaker.models import (
    Deputy,
    DeputyLevel,
    Enterprise,
    Graduate,
    InvestmentProject,
    InvestorInterest,
    Region,
    Role,
    Sector,
    Station,
    TalentNeed,
    User,
)
from matchmaker.services import demo
from tests.factories import PASSWORD

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


@pytest.fixture
def seeded(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return result


def test_seed_loads_what_the_issue_asks_for(seeded):
    assert _count(Station) == 3
    assert _count(Deputy) >= 40
    assert _count(Enterprise) >= 25
    assert _count(Graduate) >= 150
    assert _count(TalentNeed) >= 40
    assert _count(InvestmentProject) >= 15
    assert _count(InvestorInterest) >= 10
    assert _count(Sector) >= 8
    levels = set(db.session.scalars(select(Deputy.level)))
    assert {DeputyLevel.TOWNSHIP, DeputyLevel.COUNTY, DeputyLevel.CITY} <= levels


def test_stations_sit_in_their_real_region_hierarchy(seeded):
    paths = {s.name: s.region.path for s in db.session.scalars(select(Station))}
    assert paths == {
        "陈化店镇人大代表联络站": "河南省/许昌市/鄢陵县/陈化店镇",
        "孟轲乡新兴产业人大代表联络站": "河南省/濮阳市/华龙区/孟轲乡",
        "湖东街道人大代表联络站": "河南省/信阳市/浉河区/湖东街道",
    }
    county = db.session.scalar(select(Region).where(Region.name == "鄢陵县"))
    assert (county.code, county.parent.code) == ("411024", "411000")


def test_seeding_twice_creates_nothing_new(seeded, runner):
    before = {model: _count(model) for model in (User, Enterprise, Graduate, TalentNeed, Region)}
    again = runner.invoke(args=["seed-demo"])
    assert "Nothing new" in again.output
    assert {model: _count(model) for model in before} == before


def test_if_empty_skips_a_used_database(seeded, runner):
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "not loaded again" in result.output


def test_every_demo_credit_code_is_valid():
    for firm in json.loads((DEMO / "enterprises.json").read_text(encoding="utf-8")):
        assert check_credit_code(firm["credit_code"]) == firm["credit_code"]


def test_demo_text_is_real_chinese_not_filler():
    for name in ("talent_needs.json", "graduates.json", "investment_projects.json"):
        text = (DEMO / name).read_text(encoding="utf-8")
        for filler in ("lorem", "ipsum", "某某", "xxx", "TODO"):
            assert filler not in text.lower(), (name, filler)


def test_one_demo_login_per_role_reaches_its_home(seeded, client):
    rows = demo.demo_logins()
    password = rows.pop()[1]
    homes = {
        "admin": "/admin/",
        "staff": "/station/",
        "deputy": "/deputy/",
        "enterprise": "/enterprise/",
        "graduate": "/graduate/",
        "deputy-with-interest": "/deputy/",
    }
    assert {role.split(" · ")[0] for role, _ in rows} == set(homes)
    assert sum(role.startswith("staff · ") for role, _ in rows) == 3  # one per station
    for role, email in rows:
        role = role.split(" · ")[0]
        response = client.post("/auth/login", data={"email": email, "password": password})
        assert response.status_code == 302, role
        page = client.get(homes[role])
        assert page.status_code == 200, role
        assert '<html lang="zh-CN">' in page.text
        client.post("/auth/logout")


def test_demo_logins_command_prints_them(runner):
    result = runner.invoke(args=["demo-logins"])
    assert "graduate@demo.example" in result.output
    assert "lianluo-demo-2026" in result.output


def test_create_admin_command(runner, app):
    result = runner.invoke(
        args=["create-admin", "--email", "Chief@Test.example", "--name", "管理员"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "chief@test.example"))
    assert user.role is Role.ADMIN
    duplicate = runner.invoke(
        args=["create-admin", "--email", "chief@test.example", "--name", "x"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert duplicate.exit_code != 0


def test_demo_history_shows_every_state_to_the_demo_logins(seeded, runner, client, auth):
    """After seed-demo and the rebuild, seed-demo-history takes suggestions through every
    step; the demo logins then find their own introductions; a second run changes nothing."""
    from matchmaker.models import Lead, LeadStatus

    assert runner.invoke(args=["rebuild-matches"]).exit_code == 0
    result = runner.invoke(args=["seed-demo-history"])
    assert result.exit_code == 0, result.output
    statuses = set(db.session.scalars(select(Lead.status).distinct()))
    expected = {
        "introduced", "connected", "interviewing", "declined", "lapsed", "hired", "closed",
        "signed", "funds_arrived", "in_production", "no_deal", "suggested",
    }  # fmt: skip
    assert {s.value for s in statuses} == expected
    before = dict(db.session.execute(select(Lead.id, Lead.status)).all())
    again = runner.invoke(args=["seed-demo-history"])
    assert again.exit_code == 0 and "nothing walked" in again.output
    assert dict(db.session.execute(select(Lead.id, Lead.status)).all()) == before
    for email in ("deputy@demo.example", "enterprise@demo.example", "graduate@demo.example"):
        auth.login(email, demo.demo_logins()[-1][1])
        assert 'href="/leads/' in client.get("/leads/").text, email
        auth.logout()
    assert LeadStatus.CLOSED in statuses


def test_demo_history_never_walks_real_leads(runner, talent):
    """Outside the demo data set (no demo accounts) the command introduces no one."""
    from matchmaker.models import Lead, LeadStatus

    result = runner.invoke(args=["seed-demo-history"])
    assert result.exit_code == 0, result.output
    assert set(db.session.scalars(select(Lead.status))) == {LeadStatus.SUGGESTED}


def _admin_reset_events(user) -> list:
    from matchmaker.models import AuditEvent

    rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "password_reset"))
    return [row.detail for row in rows if row.subject == f"user:{user.id}"]


def test_reset_admin_command_sets_a_new_password_twice_typed(runner, make_user):
    from matchmaker.passwords import verify_password

    admin = make_user(Role.ADMIN)
    token = admin.session_token
    new = "the new admin pass phrase"
    result = runner.invoke(args=["reset-admin", admin.email.upper()], input=f"{new}\n{new}\n")
    assert result.exit_code == 0, result.output
    db.session.refresh(admin)
    assert verify_password(admin.password_hash, new) and admin.session_token != token
    assert _admin_reset_events(admin) == [{"via": "command line"}]


def test_reset_admin_command_reads_stdin_and_keeps_the_rules(runner, make_user):
    from matchmaker.passwords import verify_password

    admin = make_user(Role.ADMIN)
    weak = runner.invoke(args=["reset-admin", admin.email, "--password-stdin"], input="password\n")
    assert weak.exit_code != 0 and "not changed" in weak.output
    new = "read from standard input"
    done = runner.invoke(args=["reset-admin", admin.email, "--password-stdin"], input=f"{new}\n")
    assert done.exit_code == 0, done.output
    db.session.refresh(admin)
    assert verify_password(admin.password_hash, new)
    assert len(_admin_reset_events(admin)) == 1


def test_reset_admin_command_refuses_anyone_but_an_administrator(runner, make_user):
    graduate = make_user(Role.GRADUATE)
    for who in (graduate.email, "nobody@test.example", "长" * 300):
        result = runner.invoke(args=["reset-admin", who, "--password-stdin"], input="x" * 20)
        assert result.exit_code != 0 and "no administrator" in result.output
