"""A graduate's rights: download everything held, and delete the account."""

import csv
import io

from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import ContactView, Graduate, Lead, LeadStatus, User
from matchmaker.services import introductions as intro
from tests.factories import PASSWORD


def _sign_in(web_app, user):
    client = web_app.test_client()
    client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    return client


def test_download_holds_profile_consents_introductions_and_views(web_app, talent):
    lead, graduate, employer, deputy = talent
    intro.introduce(lead, deputy, "note")
    intro.consent(lead, graduate, True, intro.NOTICE_VERSION)
    intro.consent(lead, employer, True, intro.NOTICE_VERSION)
    intro.log_contact_view(employer, graduate, lead)
    db.session.commit()
    client = _sign_in(web_app, graduate)
    data = client.get("/graduate/my-data.json").json
    assert data["profile"]["phone"] == "+8613837400001"
    assert data["introductions"][0]["status"] == "connected"
    assert data["consents"][0]["notice_version"] == intro.NOTICE_VERSION
    assert data["contact_views"][0]["viewer"] == employer.display_name
    text = client.get("/graduate/my-data.csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert ["profile.major", "园艺"] in rows


def test_deleting_the_account_scrubs_keeps_statistics_and_closes_leads(web_app, talent):
    lead, graduate, _employer, deputy = talent
    intro.introduce(lead, deputy, "note")
    intro.consent(lead, graduate, True, intro.NOTICE_VERSION)
    db.session.commit()
    graduate_id = graduate.graduate.id
    client = _sign_in(web_app, graduate)
    wrong = client.post("/graduate/delete", data={"password": "not my password"})
    assert "当前密码不正确" in wrong.text
    response = client.post("/graduate/delete", data={"password": PASSWORD})
    assert response.status_code == 302
    db.session.expire_all()
    profile = db.session.get(Graduate, graduate_id)
    assert (profile.name, profile.phone, profile.email, profile.school) == (
        "已注销",
        None,
        None,
        "",
    )
    assert profile.major == "园艺" and profile.degree.value == "bachelor"  # statistics stay
    assert db.session.get(Lead, lead.id).status is LeadStatus.CLOSED
    account = db.session.get(User, graduate.id)
    assert not account.active and account.email.startswith("erased-")
    assert client.get("/graduate/").status_code == 302  # signed out
    assert _sign_in(web_app, graduate).get("/graduate/").status_code == 302
    assert db.session.scalar(select(func.count(ContactView.id))) == 0


def test_inactive_profiles_are_notified_then_anonymised(runner, make_user):
    from datetime import UTC, datetime, timedelta

    from matchmaker.models import Notification, Role

    user = make_user(Role.GRADUATE)
    graduate = user.graduate
    old = datetime.now(UTC) - timedelta(days=800)
    graduate.created_at = graduate.updated_at = old
    user.last_login_at = old
    db.session.commit()
    assert "1 notified, 0 anonymised" in runner.invoke(args=["sweep-inactive"]).output
    assert "0 notified, 0 anonymised" in runner.invoke(args=["sweep-inactive"]).output
    notice = db.session.scalar(select(Notification).where(Notification.user_id == user.id))
    assert notice.kind == "inactive"
    graduate.inactive_notified_at = datetime.now(UTC) - timedelta(days=31)
    db.session.commit()
    assert "0 notified, 1 anonymised" in runner.invoke(args=["sweep-inactive"]).output
    db.session.expire_all()
    assert db.session.get(Graduate, graduate.id).name == "已注销"
    assert "0 notified, 0 anonymised" in runner.invoke(args=["sweep-inactive"]).output
