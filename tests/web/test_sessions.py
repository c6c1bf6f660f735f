"""Sessions end for real: at sign-out, at a new password, when idle, when too old."""

from datetime import UTC, datetime, timedelta

import pytest

from matchmaker.models import Role
from matchmaker.passwords import password_problem
from tests.factories import PASSWORD


def _replay(web_app, cookie_value):
    thief = web_app.test_client()
    thief.set_cookie("session", cookie_value)
    return thief.get("/graduate/")


def test_a_cookie_copied_before_sign_out_stops_working(web_app, client, auth):
    auth.login_as(Role.GRADUATE)
    stolen = client.get_cookie("session").value
    assert _replay(web_app, stolen).status_code == 200
    auth.logout()
    response = _replay(web_app, stolen)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_a_new_password_ends_other_sessions(web_app, client, auth):
    user = auth.login_as(Role.GRADUATE)
    other_device = web_app.test_client()
    other_device.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert other_device.get("/graduate/").status_code == 200
    new = "bright lanterns over the river"
    response = client.post(
        "/auth/password", data={"current": PASSWORD, "password": new, "confirm": new}
    )
    assert response.status_code == 302
    assert client.get("/graduate/").status_code == 200  # this session goes on
    assert other_device.get("/graduate/").status_code == 302
    assert auth.login(user.email, new).status_code in (200, 302)


def test_wrong_current_password_changes_nothing(client, auth):
    user = auth.login_as(Role.GRADUATE)
    before = user.password_hash
    page = client.post(
        "/auth/password", data={"current": "nope nope nope", "password": "x" * 3, "confirm": "x"}
    ).text
    assert "两次输入的密码不一致" in page or "当前密码不正确" in page
    assert user.password_hash == before


@pytest.mark.parametrize(
    ("key", "age"),
    [("seen_at", timedelta(minutes=31)), ("login_at", timedelta(hours=12, minutes=1))],
)
def test_idle_and_old_sessions_end(client, auth, key, age):
    auth.login_as(Role.GRADUATE)
    with client.session_transaction() as session:
        session[key] = (datetime.now(UTC) - age).timestamp()
    response = client.get("/graduate/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_activity_keeps_a_session_alive(client, auth):
    auth.login_as(Role.GRADUATE)
    with client.session_transaction() as session:
        session["seen_at"] = (datetime.now(UTC) - timedelta(minutes=29)).timestamp()
    assert client.get("/graduate/").status_code == 200


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short", "password_length"),
        ("x" * 129, "password_length"),
        ("password123", "password_common"),
        ("woaini1314", "password_common"),
        ("aaaaaaaaaaaa", "password_common"),
        ("matchmaker2026", "password_guessable"),
        ("henan123456", "password_guessable"),
        ("人大代表2026年", "password_guessable"),
        ("wangli2026", "password_guessable"),
        ("correct horse battery staple", None),
        ("花木之乡鄢陵春天的紫荆很美", None),
        (("river lantern " * 10)[:124], None),
    ],
)
def test_password_rules(password, problem):
    assert password_problem(password, "wangli@test.example", "王丽") == problem


def test_registration_refuses_a_common_password(client, reference):
    page = client.post(
        "/auth/register",
        data={"role": "graduate", "display_name": "李明", "email": "lm@test.example",
              "password": "password123", "confirm": "password123", "accept_terms": "y"},
    ).text  # fmt: skip
    assert "密码太常见" in page
