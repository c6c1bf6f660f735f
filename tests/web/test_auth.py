import pytest
from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import Role, User
from matchmaker.web import is_safe_next
from tests.factories import PASSWORD
from tests.web.pages import said


def _register(client, **overrides):
    data = {
        "role": "graduate",
        "display_name": "李明",
        "email": "liming@test.example",
        "password": PASSWORD,
        "confirm": PASSWORD,
        "accept_terms": "y",
        **overrides,
    }
    return client.post("/auth/register", data=data)


def test_graduate_registers_and_is_asked_for_a_profile(client, reference):
    response = _register(client)
    assert response.status_code == 302
    assert client.get("/graduate/").headers["Location"].endswith("/graduate/profile")


def test_enterprise_registers_and_is_asked_for_the_firm(client, reference):
    response = _register(client, role="enterprise", email="firm@test.example")
    assert response.status_code == 302
    assert client.get("/enterprise/").headers["Location"].endswith("/enterprise/profile")


@pytest.mark.parametrize("role", ["deputy", "staff", "admin"])
def test_privileged_roles_cannot_be_chosen_at_sign_up(client, reference, role):
    response = _register(client, role=role)
    assert response.status_code == 200
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_duplicate_email_is_refused_next_to_the_field(client, make_user):
    make_user(Role.GRADUATE, login_email="taken@test.example")
    response = _register(client, email="Taken@Test.example")
    assert response.status_code == 200
    assert "该邮箱已注册账号。" in response.text
    assert db.session.scalar(select(func.count(User.id))) == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"email": "no-at-sign"}, "请输入有效的电子邮箱地址。"),
        ({"password": "short", "confirm": "short"}, "请使用 8 到 128 个字符。"),
        ({"confirm": "something else"}, "两次输入的密码不一致。"),
        ({"display_name": ""}, "该字段是必填字段。"),
        ({"display_name": "长" * 51}, "50"),
    ],
)
def test_bad_sign_up_input_gets_a_message_and_saves_nothing(client, reference, overrides, message):
    response = _register(client, **overrides)
    assert response.status_code == 200
    assert message in response.text
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_login_with_wrong_password_says_so(client, auth, make_user, web_app):
    user = make_user(Role.GRADUATE)
    response = auth.login(user.email, "wrong password!")
    assert response.status_code == 200
    assert said(web_app, "login_failed") in response.text


def test_login_is_case_insensitive_on_email(auth, make_user):
    user = make_user(Role.GRADUATE, login_email="mixed@test.example")
    assert auth.login("MIXED@test.example").status_code == 302
    assert user.last_login_at is not None


def test_deactivated_account_cannot_sign_in(auth, make_user):
    user = make_user(Role.ENTERPRISE)
    user.active = False
    db.session.commit()
    assert auth.login(user.email).status_code == 200


def test_login_goes_to_the_role_home(client, auth, make_user):
    user = make_user(Role.DEPUTY)
    auth.login(user.email)
    assert client.get("/home").headers["Location"].endswith("/deputy/")


def test_login_follows_a_safe_next(auth, make_user):
    user = make_user(Role.GRADUATE)
    response = auth.login(user.email, next_path="/graduate/profile")
    assert response.headers["Location"] == "/graduate/profile"


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"],
)
def test_login_ignores_an_unsafe_next(client, make_user, target):
    user = make_user(Role.GRADUATE)
    response = client.post(
        "/auth/login",
        query_string={"next": target},
        data={"email": user.email, "password": PASSWORD},
    )
    assert response.headers["Location"] == "/home"


@pytest.mark.parametrize(
    ("target", "safe"),
    [
        ("/graduate/", True),
        ("/enterprise/needs/new?x=1", True),
        ("", False),
        (None, False),
        ("graduate", False),
        ("//evil.example", False),
        ("/\\evil.example", False),
        ("https://evil.example/x", False),
        ("/ok\n/evil", False),
    ],
)
def test_is_safe_next(target, safe):
    assert is_safe_next(target) is safe


def test_logout_needs_post_and_ends_the_session(client, auth):
    auth.login_as(Role.GRADUATE)
    assert client.get("/auth/logout").status_code == 405
    assert auth.logout().status_code == 302
    assert client.get("/graduate/").status_code == 302


def test_language_survives_sign_in(client, auth, make_user):
    user = make_user(Role.GRADUATE)
    client.get("/lang/en")
    auth.login(user.email)
    assert "My profile" in client.get("/graduate/").text
