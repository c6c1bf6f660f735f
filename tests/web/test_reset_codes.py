"""One-time codes for people without e-mail: an administrator issues one for any
account, station staff for their station's people only; the code is shown once, kept
hashed, lasts 24 hours, works once, and five wrong tries void it."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import AuditEvent, Role
from matchmaker.passwords import verify_password
from matchmaker.services import resets
from matchmaker.services.clock import now
from tests.factories import PASSWORD
from tests.web import two_tenants
from tests.web.pages import said

NEW = "a new and long pass phrase"
CODE = re.compile(r"<code>([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})</code>")
MOBILE = "+8613912345678"


def _signed_in(web_app, user):
    client = web_app.test_client()
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _issue(client, area: str, account: str):
    return client.post(f"/{area}/reset-code", data={"account": account})


def _code_in(response) -> str:
    found = CODE.findall(response.text)
    assert len(found) == 1, response.text[-2000:]
    return found[0]


def _redeem(client, account: str, code: str, password: str = NEW):
    data = {"account": account, "code": code, "password": password, "confirm": password}
    return client.post("/auth/reset-code", data=data)


def _with_mobile(user, number: str = MOBILE):
    user.phone = number
    db.session.commit()
    return user


def test_an_administrator_issues_a_code_the_person_sets_a_password_with_it_once(
    web_app, client, make_user
):
    person = _with_mobile(make_user(Role.GRADUATE))
    admin = _signed_in(web_app, make_user(Role.ADMIN))
    assert 'href="/admin/reset-code"' in admin.get("/admin/users").text
    issued = _issue(admin, "admin", "139 1234 5678")
    assert issued.status_code == 200
    assert issued.headers["Cache-Control"] == "no-store"
    code = _code_in(issued)
    db.session.refresh(person)
    assert person.reset_code_hash and code not in person.reset_code_hash
    assert now() + timedelta(hours=23) < person.reset_code_expires_at < now() + timedelta(hours=25)
    assert code not in admin.get("/admin/reset-code").text  # shown once

    # typed back as it was heard: lower case, no dashes, full-width digits in the number
    redeemed = _redeem(client, "１３９-1234-5678", code.replace("-", "").lower())
    assert redeemed.status_code == 302 and redeemed.headers["Location"] == "/auth/login"
    db.session.refresh(person)
    assert verify_password(person.password_hash, NEW)
    assert person.reset_code_hash is None
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["reset_code_issued", "password_reset"]
    again = _redeem(client, MOBILE, code, "yet another pass phrase")
    assert again.status_code == 200 and said(web_app, "reset_code_wrong") in again.text
    db.session.refresh(person)
    assert verify_password(person.password_hash, NEW)
    signed_in = client.post("/auth/login", data={"email": "13912345678", "password": NEW})
    assert signed_in.status_code == 302


def test_staff_issue_codes_for_their_station_people_only(web_app, make_user, reference):
    world = two_tenants.build(make_user, reference)
    staff = _signed_in(web_app, world.users["staff"])
    assert 'href="/station/reset-code"' in staff.get("/station/").text
    for part in ("firm", "investor", "graduate", "deputy", "other_sector_deputy"):
        response = _issue(staff, "station", world.users[part].email)
        assert response.status_code == 200 and CODE.search(response.text), part
    far_graduate = make_user(
        Role.GRADUATE, hometown_id=reference.region("河南省/濮阳市/华龙区/孟轲乡").id
    )
    outside = [world.users[p] for p in ("far_deputy", "far_staff", "admin", "staff")]
    for user in [*outside, far_graduate]:
        response = _issue(staff, "station", user.email)
        assert response.status_code == 200 and not CODE.search(response.text), user.role
        assert said(web_app, "account_not_in_care") in response.text
        db.session.refresh(user)
        assert user.reset_code_hash is None
    unknown = _issue(staff, "station", "nobody@test.example")
    assert said(web_app, "account_not_in_care") in unknown.text


def test_only_staff_and_administrators_issue_codes(web_app, make_user):
    for role in (Role.GRADUATE, Role.ENTERPRISE, Role.DEPUTY):
        client = _signed_in(web_app, make_user(role))
        assert client.get("/station/reset-code").status_code == 403
        assert client.get("/admin/reset-code").status_code == 403


def test_five_wrong_codes_void_it_and_unknown_accounts_get_the_same_answer(
    web_app, client, make_user
):
    person = make_user(Role.ENTERPRISE)
    admin = make_user(Role.ADMIN)
    _, code = resets.issue_code(admin, person.email)
    db.session.commit()
    unknown = _redeem(client, "nobody@test.example", code)
    tries = range(resets.CODE_MAX_FAILURES)
    wrong = [_redeem(client, person.email, "WRONG-CODE-0000") for _ in tries]
    assert {r.status_code for r in [unknown, *wrong]} == {200}
    assert all(said(web_app, "reset_code_wrong") in r.text for r in [unknown, *wrong])
    right = _redeem(client, person.email, code)  # too late: the code is void
    assert right.status_code == 200
    db.session.refresh(person)
    assert person.reset_code_hash is None
    assert verify_password(person.password_hash, PASSWORD)


def test_an_expired_code_is_refused(web_app, client, make_user):
    person = make_user(Role.GRADUATE)
    _, code = resets.issue_code(make_user(Role.ADMIN), person.email)
    person.reset_code_expires_at = now() - timedelta(minutes=1)
    db.session.commit()
    response = _redeem(client, person.email, code)
    assert response.status_code == 200 and said(web_app, "reset_code_wrong") in response.text
    db.session.refresh(person)
    assert verify_password(person.password_hash, PASSWORD)


def test_a_refused_new_password_keeps_the_code(web_app, client, make_user):
    person = make_user(Role.GRADUATE)
    _, code = resets.issue_code(make_user(Role.ADMIN), person.email)
    db.session.commit()
    weak = _redeem(client, person.email, code, "password123")
    assert weak.status_code == 200 and said(web_app, "password_common") in weak.text
    assert _redeem(client, person.email, code).status_code == 302


@pytest.fixture
def throttled(make_app):
    return make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://").test_client()


def test_tries_at_codes_are_throttled_per_account(throttled, make_user):
    person = make_user(Role.GRADUATE)
    codes = [_redeem(throttled, person.email, "WRONG").status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    assert _redeem(throttled, "someone.else@test.example", "WRONG").status_code == 200


@pytest.mark.parametrize(
    "value", ["", " ", "长" * 10_000, "9" * 30, "<script>alert(1)</script>", "a\u202eb"]
)
def test_hostile_values_get_a_message_never_a_500(web_app, client, make_user, value):
    admin = _signed_in(web_app, make_user(Role.ADMIN))
    assert _issue(admin, "admin", value).status_code == 200
    response = _redeem(client, value, value, value)
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text
