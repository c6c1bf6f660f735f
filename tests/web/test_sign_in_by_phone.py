"""Sign-in with the mobile number or the e-mail address; sign-up with either or both; the
account's number kept in step with the profile's contact phone; investors register as
enterprises and go on to their investment interests."""

import pytest
from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import Role, User
from matchmaker.services import profiles
from tests.factories import PASSWORD, enterprise_profile, graduate_profile
from tests.web.pages import said

MOBILE = "+8613912345678"


def _login(client, name: str, password: str = PASSWORD):
    return client.post("/auth/login", data={"email": name, "password": password})


def _register(client, **overrides):
    data = {"role": "graduate", "display_name": "李明", "phone": "13912345678", "email": "",
            "password": PASSWORD, "confirm": PASSWORD, "accept_terms": "y"}  # fmt: skip
    data.update(overrides)
    return client.post("/auth/register", data=data)


def _accounts() -> int:
    return db.session.scalar(select(func.count(User.id)))


@pytest.mark.parametrize(
    "typed", ["13912345678", "139 1234 5678", "139-1234-5678", "+86 139 1234 5678",
              "＋８６１３９１２３４５６７８", "8613912345678"],
)  # fmt: skip
def test_a_mobile_number_signs_in_however_it_is_written(client, make_user, typed):
    user = make_user(Role.GRADUATE)
    user.phone = MOBILE
    db.session.commit()
    assert _login(client, typed).status_code == 302


def test_unknown_number_and_wrong_password_get_the_same_answer(client, make_user, web_app):
    user = make_user(Role.GRADUATE)
    user.phone = MOBILE
    db.session.commit()
    pages = [_login(client, MOBILE, "wrong password!"), _login(client, "13700000000"),
             _login(client, "nobody@test.example"), _login(client, "not a number")]  # fmt: skip
    assert {page.status_code for page in pages} == {200}
    assert all(said(web_app, "login_failed") in page.text for page in pages)


def test_failures_by_number_count_against_the_account_whatever_the_form(make_app, make_user):
    client = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://").test_client()
    user = make_user(Role.GRADUATE)
    user.phone = MOBILE
    db.session.commit()
    ways = [
        "13912345678",
        "139 1234 5678",
        "+8613912345678",
        user.email.upper(),
        "１３９１２３４５６７８",
    ]
    assert [_login(client, way, "wrong password!").status_code for way in ways] == [200] * 5
    assert _login(client, user.email).status_code == 429  # even the right password waits
    assert _login(client, "13700000000", "wrong password!").status_code == 200  # another


def test_ten_failures_by_number_lock_the_account(client, make_user):
    user = make_user(Role.GRADUATE)
    user.phone = MOBILE
    db.session.commit()
    for _ in range(10):
        _login(client, MOBILE, "wrong password!")
    db.session.refresh(user)
    assert user.locked_until is not None
    assert _login(client, user.email).status_code == 200  # locked for the e-mail too


def test_sign_up_with_a_mobile_number_only(client, reference):
    response = _register(client, phone="139 1234 5678")
    assert response.status_code == 302
    user = db.session.scalar(select(User))
    assert user.phone == MOBILE and user.email is None
    client.post("/auth/logout")
    assert _login(client, "13912345678").status_code == 302


def test_sign_up_needs_an_e_mail_or_a_mobile_number(client, reference, web_app):
    response = _register(client, phone="", email="")
    assert response.status_code == 200
    assert said(web_app, "sign_in_name_required") in response.text
    assert _accounts() == 0


@pytest.mark.parametrize(
    ("phone", "code"),
    [("0371-12345678", "mobile_invalid"), ("12345", "phone_invalid"), ("9" * 30, None),
     ("长" * 10_000, None), ("+1 202 555 0143", "mobile_invalid")],
)  # fmt: skip
def test_sign_up_refuses_what_is_not_a_mainland_mobile(client, reference, web_app, phone, code):
    response = _register(client, phone=phone, email="ok@test.example")
    assert response.status_code == 200
    if code:
        assert said(web_app, code) in response.text
    assert _accounts() == 0


def test_a_number_signs_in_one_account_only(client, make_user, web_app):
    user = make_user(Role.GRADUATE)
    user.phone = MOBILE
    db.session.commit()
    response = _register(client, phone="13912345678", email="")
    assert response.status_code == 200 and said(web_app, "phone_taken") in response.text
    assert _accounts() == 1


def test_the_profile_phone_and_the_sign_in_number_stay_in_step(make_user, reference):
    user = make_user(Role.GRADUATE)  # the factory's profile phone: 13837400001
    assert user.phone == "+8613837400001"
    profiles.save_graduate(user, **{**graduate_profile(reference), "phone": "13912345678"})
    assert user.phone == MOBILE  # it followed the profile
    other = make_user(Role.GRADUATE)  # the same contact phone as the first profile had
    profiles.save_graduate(other, **{**graduate_profile(reference), "phone": "13912345678"})
    assert other.phone == "+8613837400001"  # the number is the first account's: kept
    profiles.save_graduate(user, **{**graduate_profile(reference), "phone": "0374-7123456"})
    assert user.phone == MOBILE  # a landline is a contact only
    db.session.commit()


def test_a_new_profile_starts_from_the_sign_in_number(client, reference):
    _register(client, phone="13912345678")
    page = client.get("/graduate/profile").text
    assert 'value="139 1234 5678"' in page


def test_an_investor_registers_as_an_enterprise_and_goes_on_to_its_interests(client, reference):
    assert 'value="investor"' in client.get("/auth/register").text
    response = _register(client, role="investor", email="invest@test.example", phone="")
    assert response.status_code == 302
    assert response.headers["Location"] == "/enterprise/interests/new"
    user = db.session.scalar(select(User))
    assert user.role is Role.ENTERPRISE
    firm_first = client.get("/enterprise/interests/new")
    assert firm_first.headers["Location"] == "/enterprise/profile?next=/enterprise/interests/new"
    firm = {key: value for key, value in enterprise_profile(reference).items() if value}
    saved = client.post(firm_first.headers["Location"], data=firm)
    assert saved.status_code == 302, saved.text[-1500:]
    assert saved.headers["Location"] == "/enterprise/interests/new"
    assert client.get("/enterprise/interests/new").status_code == 200
    elsewhere = client.post("/enterprise/profile?next=https://evil.example/", data=firm)
    assert elsewhere.headers["Location"] == "/enterprise/"
