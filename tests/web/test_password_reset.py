"""A forgotten password, set again from an e-mailed link: the mail goes through the
outbox to a real local SMTP server, the test reads it and follows the link. The page
that asks answers alike for any address; a link works once, for 30 minutes, and only
as it was signed."""

import re
import time

import pytest
from sqlalchemy import func, select

from matchmaker import queue
from matchmaker.extensions import db
from matchmaker.models import AuditEvent, Notification, Role
from matchmaker.passwords import verify_password
from matchmaker.services import resets
from tests.factories import PASSWORD
from tests.mail_fixtures import PUBLIC_URL
from tests.web.pages import said

NEW = "a new and long pass phrase"
LINK = re.compile(re.escape(PUBLIC_URL) + r"(/auth/reset/[A-Za-z0-9_.\-]+)")


def _flashes(page: str) -> list[str]:
    return re.findall(r'class="flash[^"]*"[^>]*>(.*?)</', page, re.S)


def _ask(client, address: str):
    return client.post("/auth/forgot", data={"email": address})


def _link_in(message) -> str:
    body = message.get_body(("plain",)).get_content()
    found = LINK.findall(body)
    assert found, body
    assert f'href="{PUBLIC_URL}{found[0]}"' in message.get_body(("html",)).get_content()
    return found[0]


def _mailed_link(client, smtp_server, user) -> str:
    assert _ask(client, user.email).status_code == 302
    smtp_server.wait_idle()
    messages = smtp_server.to(user.email)
    assert len(messages) == 1
    return _link_in(messages[0])


def _audited(action: str, user) -> int:
    rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()
    return sum(row.subject == f"user:{user.id}" for row in rows)


def test_the_login_page_offers_the_way_back_in(client):
    page = client.get("/auth/login").text
    assert 'href="/auth/forgot"' in page
    assert 'href="/auth/reset-code"' in client.get("/auth/forgot").text


def test_the_mailed_link_sets_a_new_password_once_and_ends_every_session(
    client, web_app, make_user, smtp_server
):
    user = make_user(Role.GRADUATE)
    other_device = web_app.test_client()
    signed_in = other_device.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert signed_in.status_code == 302
    token_before = user.session_token

    path = _mailed_link(client, smtp_server, user)
    assert client.get(path).status_code == 200
    response = client.post(path, data={"password": NEW, "confirm": NEW})
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"

    db.session.refresh(user)
    assert verify_password(user.password_hash, NEW)
    assert not verify_password(user.password_hash, PASSWORD)
    assert user.session_token != token_before
    assert other_device.get("/graduate/").status_code == 302  # signed out
    assert _audited("password_reset_requested", user) == 1
    assert _audited("password_reset", user) == 1
    # the link is spent: the password it was bound to is gone
    again = client.get(path)
    assert again.status_code == 400 and said(web_app, "reset_link_used") in again.text
    refused = client.post(path, data={"password": "yet another pass phrase", "confirm":
                                      "yet another pass phrase"})  # fmt: skip
    assert refused.status_code == 400
    db.session.refresh(user)
    assert verify_password(user.password_hash, NEW)
    login = client.post("/auth/login", data={"email": user.email, "password": NEW})
    assert login.status_code == 302


def test_the_answer_is_the_same_whether_or_not_the_account_exists(
    client, web_app, make_user, smtp_server
):
    user = make_user(Role.GRADUATE)
    known = _ask(client, user.email)
    first = _flashes(client.get(known.headers["Location"]).text)
    unknown = _ask(client, "nobody.here@test.example")
    second = _flashes(client.get(unknown.headers["Location"]).text)
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    assert first == second and len(first) == 1
    smtp_server.wait_idle()
    assert [m["To"] for m in smtp_server.messages] == [user.email]


def test_the_request_does_the_same_work_either_way(make_app, make_user, tmp_path):
    """Nothing is looked up or written while the page answers: one task on the queue,
    of the same shape, for an account and for nobody."""
    served = make_app(QUEUE_URL=str(tmp_path / "queue.sqlite3"))  # no consumer runs it
    queued = queue.huey(served)
    user = make_user(Role.GRADUATE)
    client = served.test_client()
    shapes = []
    for address in (user.email, "nobody.here@test.example"):
        before = queued.pending_count()
        assert _ask(client, address).status_code == 302
        assert queued.pending_count() == before + 1
        (task,) = queued.pending()[-1:]
        shapes.append((task.name, len(task.args), sorted(task.kwargs)))
    assert shapes[0] == shapes[1]
    assert db.session.scalar(select(func.count(Notification.id))) == 0
    assert _audited("password_reset_requested", user) == 0
    queued.flush()


def test_a_queue_that_is_down_changes_nothing_in_the_answer(make_app, make_user, caplog):
    served = make_app(QUEUE_URL="redis://127.0.0.1:9/0")  # nothing listens there
    user = make_user(Role.GRADUATE)
    response = _ask(served.test_client(), user.email)
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
    assert "not queued" in caplog.text


def test_a_deactivated_account_gets_no_mail(client, make_user, smtp_server):
    user = make_user(Role.GRADUATE)
    user.active = False
    db.session.commit()
    assert _ask(client, user.email).status_code == 302
    smtp_server.wait_idle()
    assert smtp_server.messages == []


def test_an_expired_link_is_refused(client, web_app, make_user, monkeypatch):
    user = make_user(Role.GRADUATE)
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() - 31 * 60)
    token = resets.link_token(user)
    monkeypatch.setattr(time, "time", real)
    response = client.get(f"/auth/reset/{token}")
    assert response.status_code == 400
    assert said(web_app, "reset_link_expired") in response.text
    fresh = resets.link_token(user)  # 29 minutes is still in time
    monkeypatch.setattr(time, "time", lambda: real() + 29 * 60)
    assert client.get(f"/auth/reset/{fresh}").status_code == 200


def _tampered(token: str) -> str:
    """One character of the signature changed (not its last: base64 ignores its low bits)."""
    head, signature = token.rsplit(".", 1)
    first = signature[0]
    return f"{head}.{'B' if first != 'B' else 'C'}{signature[1:]}"


@pytest.mark.parametrize(
    "spoil",
    [
        _tampered,
        lambda t: t.split(".", 1)[0] + ".e30." + t.rsplit(".", 1)[1],  # another payload
        lambda t: "x" * 5000,
        lambda t: "not-a-token",
        lambda t: "长" * 100,
    ],
)
def test_a_tampered_link_is_refused_with_a_message(client, web_app, make_user, spoil):
    user = make_user(Role.GRADUATE)
    token = spoil(resets.link_token(user))
    response = client.get(f"/auth/reset/{token}")
    assert response.status_code == 400
    assert said(web_app, "reset_link_invalid") in response.text
    posted = client.post(f"/auth/reset/{token}", data={"password": NEW, "confirm": NEW})
    assert posted.status_code == 400
    db.session.refresh(user)
    assert verify_password(user.password_hash, PASSWORD)


@pytest.mark.parametrize(
    "payload", [[1, 2], {"u": "1"}, {"u": 2**70}, {"u": True}, {"u": -1}, {}, "x", None]
)
def test_a_signed_link_of_the_wrong_shape_is_refused(client, web_app, make_user, payload):
    make_user(Role.GRADUATE)  # account 1 exists
    token = resets._signer().dumps(payload)
    response = client.get(f"/auth/reset/{token}")
    assert response.status_code == 400
    assert said(web_app, "reset_link_invalid") in response.text


def test_a_link_signed_with_another_key_is_refused(client, web_app, make_user, app):
    user = make_user(Role.GRADUATE)
    app.config["SECRET_KEY"] = "someone else's key"
    token = resets.link_token(user)
    response = client.get(f"/auth/reset/{token}")
    assert response.status_code == 400
    assert said(web_app, "reset_link_invalid") in response.text


@pytest.mark.parametrize(
    ("password", "code"),
    [("short", None), ("password123", "password_common"), ("长" * 200, None)],
)
def test_the_new_password_follows_the_rules_of_registration(
    client, web_app, make_user, password, code
):
    user = make_user(Role.GRADUATE)
    path = f"/auth/reset/{resets.link_token(user)}"
    response = client.post(path, data={"password": password, "confirm": password})
    assert response.status_code == 200  # the form again, with the reason
    if code:
        assert said(web_app, code) in response.text
    db.session.refresh(user)
    assert verify_password(user.password_hash, PASSWORD)
    assert client.get(path).status_code == 200  # the link still works


def test_hostile_addresses_get_a_message_never_a_500(client, make_user, smtp_server):
    for value in ["", "长" * 10_000, "a@b", "<script>@x.example", "x" * 300 + "@test.example"]:
        response = _ask(client, value)
        assert response.status_code in (200, 302), value
    smtp_server.wait_idle()
    assert smtp_server.messages == []
