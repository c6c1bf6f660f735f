"""Everyone on a lead is told: each step's notice arrives by e-mail (a real local SMTP
server) with the lead's title and link, and never a personal value of the other side."""

import pytest
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Notification
from matchmaker.services import introductions as intro
from tests.factories import PASSWORD
from tests.mail_fixtures import PUBLIC_URL


@pytest.fixture
def people(web_app, talent):
    """The talent lead and a signed-in browser per person, with what each must not leak."""
    lead, graduate, employer, deputy = talent
    firm, person = employer.enterprise, graduate.graduate
    secrets = {
        graduate.email: [firm.name, firm.contact_person, firm.phone, firm.email, employer.email],
        employer.email: [person.name, person.school, person.phone, person.email, graduate.email],
    }
    clients = {}
    for name, user in (("graduate", graduate), ("employer", employer), ("deputy", deputy)):
        clients[name] = web_app.test_client()
        response = clients[name].post(
            "/auth/login", data={"email": user.email, "password": PASSWORD}
        )
        assert response.status_code == 302
    return lead, clients, secrets, {"graduate": graduate, "employer": employer, "deputy": deputy}


def _introduce(lead, clients):
    response = clients["deputy"].post(
        f"/leads/{lead.id}/introduce", data={"introduce-note": "鄢陵花木企业急需园艺人才。"}
    )
    assert response.status_code == 302


def _whole_text(message) -> str:
    parts = [message["Subject"], message["From"], message["To"]]
    parts += [part.get_content() for part in message.walk() if not part.is_multipart()]
    return "\n".join(parts)


def test_an_introduction_is_mailed_to_both_sides_with_title_and_link(people, smtp_server):
    lead, clients, secrets, users = people
    _introduce(lead, clients)
    smtp_server.wait_idle()
    mailed = {m["To"]: m for m in smtp_server.messages}
    assert sorted(mailed) == sorted([users["graduate"].email, users["employer"].email])
    for address, message in mailed.items():
        assert message["Subject"].strip() == "【产才对接平台】新的对接引荐：花木栽培技术员"
        body = message.get_body(("plain",)).get_content()
        assert f"{PUBLIC_URL}/leads/{lead.id}" in body
        assert "代表为您引荐了一个对接" in body and "A deputy has introduced you" in body
        assert "答复期限" in body
        assert f'href="{PUBLIC_URL}/leads/{lead.id}"' in message.get_body(("html",)).get_content()
        whole = _whole_text(message)
        assert not [value for value in secrets[address] if value in whole]


def test_no_mail_carries_the_other_sides_details_even_once_connected(people, smtp_server):
    lead, clients, secrets, users = people
    _introduce(lead, clients)
    for side in ("graduate", "employer"):
        clients[side].post(
            f"/leads/{lead.id}/consent", data={"notice_version": intro.NOTICE_VERSION, "agree": "y"}
        )
    smtp_server.wait_idle()
    connected = [m for m in smtp_server.messages if "双方已同意对接" in m["Subject"]]
    assert sorted(m["To"] for m in connected) == sorted(u.email for u in users.values())
    for message in smtp_server.messages:
        whole = _whole_text(message)
        assert not [value for value in secrets.get(message["To"], []) if value in whole]


def test_the_step_is_saved_while_the_mail_server_is_down_and_sent_later(
    people, smtp_server, runner
):
    lead, clients, _, users = people
    smtp_server.stop()
    _introduce(lead, clients)
    smtp_server.wait_idle()
    rows = db.session.scalars(select(Notification).where(Notification.lead_id == lead.id)).all()
    assert [(r.kind, r.email_status, r.email_attempts) for r in rows] == [
        ("introduced", "pending", 1),
        ("introduced", "pending", 1),
    ]
    smtp_server.start()
    assert "2 sent" in runner.invoke(args=["send-mail"]).output
    assert "0 sent" in runner.invoke(args=["send-mail"]).output
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(
        [users["graduate"].email, users["employer"].email]
    )


def test_the_inbox_shows_each_notice_with_the_lead_title_and_never_a_raw_code(people):
    lead, clients, _, users = people
    _introduce(lead, clients)
    db.session.add(Notification(user_id=users["graduate"].id, kind="x_unheard_of", lead=lead))
    db.session.commit()
    page = clients["graduate"].get("/leads/inbox").text
    assert "代表为您引荐了一个对接" in page
    assert "花木栽培技术员" in page
    assert "x_unheard_of" not in page and "您在产才对接平台有一条新消息" in page


def _statements_for_inbox(web_app, client) -> int:
    from sqlalchemy import event

    with web_app.app_context():
        engine = db.engine
    counted = []

    def count(*args):
        counted.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get("/leads/inbox").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(counted)


def test_the_inbox_costs_the_same_for_few_and_many_notices(people, web_app):
    lead, clients, _, users = people
    graduate = users["graduate"]

    def add(count):
        db.session.add_all(
            Notification(user_id=graduate.id, kind="hired", lead=lead) for _ in range(count)
        )
        db.session.commit()

    add(2)
    few = _statements_for_inbox(web_app, clients["graduate"])
    add(20)
    assert _statements_for_inbox(web_app, clients["graduate"]) == few
