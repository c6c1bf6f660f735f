"""The privacy policy and the user agreement: accepted at sign-up (the version kept on the
account), and asked again at the next sign-in once a newer version is in force."""

import shutil

import pytest
from sqlalchemy import select

from matchmaker import terms
from matchmaker.extensions import db
from matchmaker.models import AuditEvent, Role, User
from tests.factories import PASSWORD

SIGN_UP = {"role": "graduate", "display_name": "李明", "email": "liming@test.example",
           "phone": "", "password": PASSWORD, "confirm": PASSWORD}  # fmt: skip


def test_the_texts_are_public_in_both_languages(client):
    page = client.get("/auth/terms")
    assert page.status_code == 200
    assert "隐私政策" in page.text and "用户协议" in page.text
    assert terms.current_version() in page.text
    client.get("/lang/en")
    assert "privacy policy" in client.get("/auth/terms").text


def test_sign_up_needs_the_texts_accepted_and_keeps_the_version(client, reference):
    refused = client.post("/auth/register", data=SIGN_UP)
    assert refused.status_code == 200 and 'name="accept_terms"' in refused.text
    assert db.session.scalar(select(User)) is None
    done = client.post("/auth/register", data={**SIGN_UP, "accept_terms": "y"})
    assert done.status_code == 302
    user = db.session.scalar(select(User))
    assert user.terms_version == terms.current_version() and user.terms_accepted_at
    assert db.session.scalar(select(AuditEvent.action)) == "terms_accepted"


@pytest.fixture
def newer_terms(tmp_path, web_app):
    """A newer version of the texts in force on the app under test."""
    folder = tmp_path / "terms"
    shutil.copytree(web_app.config["TERMS_DIR"], folder)
    (folder / "VERSION").write_text("2099-01-01\n", encoding="utf-8")
    web_app.config["TERMS_DIR"] = str(folder)
    return "2099-01-01"


@pytest.mark.parametrize("role", [Role.GRADUATE, Role.ENTERPRISE])
def test_a_newer_version_is_asked_for_at_the_next_sign_in(
    client, auth, make_user, newer_terms, role
):
    user = make_user(role)
    home = f"/{role.value}/"
    response = auth.login(user.email, next_path=home)
    assert response.status_code == 302
    asked = client.get(home)
    assert asked.status_code == 302
    assert asked.headers["Location"].startswith("/auth/terms/accept?next=")
    page = client.get(asked.headers["Location"])
    assert page.status_code == 200 and "2099-01-01" in page.text
    not_ticked = client.post(asked.headers["Location"], data={})
    assert not_ticked.status_code == 200
    assert client.get(home).status_code == 302  # still asked
    accepted = client.post(asked.headers["Location"], data={"accept_terms": "y"})
    assert accepted.status_code == 302 and accepted.headers["Location"] == home
    db.session.refresh(user)
    assert user.terms_version == newer_terms
    assert client.get(home).status_code in (200, 302)
    assert not client.get(home).headers.get("Location", "").startswith("/auth/terms")


@pytest.mark.parametrize("role", [Role.DEPUTY, Role.STAFF, Role.ADMIN])
def test_station_people_are_not_asked(client, auth, make_user, newer_terms, role):
    user = auth.login_as(role)
    assert user.terms_version is None
    area = {"deputy": "/deputy/", "staff": "/station/", "admin": "/admin/"}[role.value]
    assert client.get(area).status_code == 200


def test_the_accept_page_refuses_a_foreign_next(client, auth, make_user, newer_terms):
    user = make_user(Role.GRADUATE)
    auth.login(user.email)
    response = client.post(
        "/auth/terms/accept?next=https://evil.example/", data={"accept_terms": "y"}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/home"
