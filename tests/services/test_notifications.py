"""Notices: the outbox (claimed once, retried, never twice), the e-mail's contents, and
the reminder before a consent deadline. Mail goes to a real local SMTP server."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, insert, select, text

from matchmaker import notices, outbox
from matchmaker.extensions import db
from matchmaker.models import MailStatus, Notification
from matchmaker.notices import NOTICES
from matchmaker.services import introductions as intro
from matchmaker.services import notifications

NOTICE = intro.NOTICE_VERSION


def _reminders(lead) -> list[int]:
    return sorted(
        db.session.scalars(
            select(Notification.user_id).where(
                Notification.kind == "consent_reminder", Notification.lead_id == lead.id
            )
        )
    )


def _introduced(talent):
    lead, graduate, employer, deputy = talent
    intro.introduce(lead, deputy, "note")
    db.session.commit()
    return lead, graduate, employer


# --- the reminder -----------------------------------------------------------------------


def test_each_side_is_reminded_once_inside_the_window(talent, app):
    lead, graduate, employer = _introduced(talent)
    deadline = lead.answer_by
    assert app.config["CONSENT_REMINDER_DAYS"] == 3
    assert notifications.remind_unanswered(at=deadline - timedelta(days=5)) == 0
    assert notifications.remind_unanswered(at=deadline - timedelta(days=2)) == 2
    db.session.commit()
    assert notifications.remind_unanswered(at=deadline - timedelta(days=1)) == 0
    assert _reminders(lead) == sorted([graduate.id, employer.id])


def test_a_side_that_answered_is_not_reminded(talent):
    lead, graduate, employer = _introduced(talent)
    intro.consent(lead, graduate, True, NOTICE)
    db.session.commit()
    assert notifications.remind_unanswered(at=lead.answer_by - timedelta(days=1)) == 1
    assert _reminders(lead) == [employer.id]


def test_no_reminder_after_the_deadline_or_once_the_lead_moved_on(talent):
    lead, graduate, _ = _introduced(talent)
    assert notifications.remind_unanswered(at=lead.answer_by + timedelta(hours=1)) == 0
    intro.consent(lead, graduate, False, NOTICE)  # declined: nothing is waiting any more
    db.session.commit()
    assert notifications.remind_unanswered(at=lead.answer_by - timedelta(days=1)) == 0
    assert _reminders(lead) == []


def test_age_leads_reminds_before_it_lapses_and_mails_the_reminder(talent, runner, smtp_server):
    lead, graduate, employer = _introduced(talent)
    smtp_server.wait_idle()
    introduced = len(smtp_server.messages)
    lead.answer_by = datetime.now(UTC) + timedelta(days=2)
    db.session.commit()
    output = runner.invoke(args=["age-leads"]).output
    assert "2 reminder(s) sent, 0 introduction(s) lapsed." in output
    smtp_server.wait_idle()
    reminders = smtp_server.messages[introduced:]
    assert sorted(m["To"] for m in reminders) == sorted([graduate.email, employer.email])
    assert all("引荐待您答复" in m["Subject"] for m in reminders)
    body = reminders[0].get_body(("plain",)).get_content()
    assert "答复期限" in body and "Answer by" in body
    assert "0 reminder(s) sent" in runner.invoke(args=["remind-consents"]).output


# --- the outbox -------------------------------------------------------------------------


def _pending_rows(user, lead, count: int) -> None:
    """Pending notifications written without the ORM (no after-commit send)."""
    rows = [dict(user_id=user.id, kind="hired", lead_id=lead.id, params={},
                 email_status=MailStatus.PENDING, created_at=datetime.now(UTC))
            for _ in range(count)]  # fmt: skip
    db.session.execute(insert(Notification), rows)
    db.session.commit()


def _statuses() -> dict:
    rows = db.session.execute(
        select(Notification.email_status, func.count()).group_by(Notification.email_status)
    )
    return dict(rows.tuples().all())


def test_two_concurrent_senders_never_send_the_same_notice(
    talent, smtp_server, make_app, monkeypatch
):
    lead, graduate, _, _ = talent
    _pending_rows(graduate, lead, 24)
    monkeypatch.setattr(outbox, "BATCH", 3)  # many small claims, interleaved
    workers = [make_app(**smtp_server.config) for _ in range(2)]
    start, counts, errors = threading.Barrier(2), [], []

    def send(worker):
        with worker.app_context():
            try:
                start.wait()
                counts.append(outbox.deliver())
            except Exception as error:  # reported below, in the test's thread
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=send, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(c["sent"] for c in counts) == 24
    assert len(smtp_server.messages) == 24
    assert _statuses() == {MailStatus.SENT: 24}
    attempts = db.session.scalars(select(Notification.email_attempts)).all()
    assert set(attempts) == {1}


def test_an_unreachable_server_leaves_the_notice_pending_until_it_is_back(
    talent, smtp_server, runner
):
    lead, graduate, _, _ = talent
    smtp_server.stop()
    notifications.notify([graduate], "hired", lead)
    db.session.commit()  # the background send finds no server
    smtp_server.wait_idle()
    note = db.session.scalar(select(Notification))
    db.session.refresh(note)
    assert (note.email_status, note.email_attempts, note.emailed_at) == ("pending", 1, None)
    smtp_server.start()
    assert "1 sent" in runner.invoke(args=["send-mail"]).output
    assert "0 sent" in runner.invoke(args=["send-mail"]).output
    db.session.refresh(note)
    assert (note.email_status, note.email_attempts) == ("sent", 2)
    assert note.emailed_at is not None
    assert [m["To"] for m in smtp_server.messages] == [graduate.email]


def test_a_refused_address_is_failed_not_retried(talent, smtp_server, runner):
    lead, graduate, _, _ = talent
    smtp_server.refuse.add(graduate.email)
    notifications.notify([graduate], "hired", lead)
    db.session.commit()
    smtp_server.wait_idle()
    assert _statuses() == {MailStatus.FAILED: 1}
    assert "0 sent" in runner.invoke(args=["send-mail"]).output
    assert smtp_server.messages == []


def test_a_reader_without_an_address_gets_the_inbox_only(talent, smtp_server):
    lead, graduate, employer, _ = talent
    graduate.email = f"erased-{graduate.id}@invalid.example"  # as an erased account has
    notifications.notify([graduate, employer], "hired", lead)
    db.session.commit()
    smtp_server.wait_idle()
    assert _statuses() == {MailStatus.NONE: 1, MailStatus.SENT: 1}
    assert [m["To"] for m in smtp_server.messages] == [employer.email]


def test_without_a_mail_server_notices_stay_in_the_inbox(talent, runner):
    lead, graduate, _, _ = talent
    notifications.notify([graduate], "hired", lead)
    db.session.commit()
    assert _statuses() == {MailStatus.NONE: 1}
    assert "E-mail is off" in runner.invoke(args=["send-mail"]).output


def test_a_rolled_back_notice_is_never_sent(talent, smtp_server):
    lead, graduate, _, _ = talent
    notifications.notify([graduate], "hired", lead)
    db.session.flush()
    db.session.rollback()
    notifications.notify([graduate], "signed", lead)
    db.session.commit()
    smtp_server.wait_idle()
    assert len(smtp_server.messages) == 1
    assert "已登记签约" in smtp_server.messages[0]["Subject"]


# --- what the e-mail says ---------------------------------------------------------------


def test_the_mail_is_chinese_then_english_with_an_escaped_title_and_a_link(talent, smtp_server):
    lead, graduate, _, _ = talent
    lead.talent_need.title = "<b>花木</b> & 苗木"
    notifications.notify([graduate], "confirm_outcome", lead)
    db.session.commit()
    smtp_server.wait_idle()
    [message] = smtp_server.messages
    assert message["Subject"].strip() == "【产才对接平台】请确认对接结果：<b>花木</b> & 苗木"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    link = f"https://matchmaker.test.example/leads/{lead.id}"
    assert text.index("一项对接已销号") < text.index("A lead was closed out")
    assert link in text and f'href="{link}"' in html
    assert "&lt;b&gt;花木&lt;/b&gt; &amp; 苗木" in html and "<b>花木" not in html


@pytest.mark.parametrize("kind", sorted(NOTICES))
def test_every_kind_has_its_own_words(kind, talent):
    lead, graduate, _, _ = talent
    letter = notices.compose(Notification(kind=kind, lead=lead, user=graduate), graduate.email)
    with force_locale("zh"):
        assert str(NOTICES[kind].headline) in letter.subject
    assert "花木栽培技术员" in letter.subject and "您有一条新消息" not in letter.text
    if kind == "password_reset":  # its link sets a password; it never points at a lead
        assert "/auth/reset/" in letter.text and f"/leads/{lead.id}" not in letter.text
    else:
        assert f"/leads/{lead.id}" in letter.text


def test_an_unknown_kind_gets_generic_words_never_its_code(talent):
    lead, graduate, _, _ = talent
    letter = notices.compose(Notification(kind="x_unheard_of", lead=lead, user=graduate), "a@b.cn")
    assert "x_unheard_of" not in letter.subject + letter.text + letter.html
    assert "新消息" in letter.subject and "Please sign in to read it" in letter.text


def test_notices_written_before_the_outbox_are_not_mailed(talent):
    from flask_migrate import downgrade, upgrade

    lead, graduate, _, _ = talent
    ids = {"user": graduate.id, "lead": lead.id, "at": datetime.now(UTC)}
    db.session.remove()
    downgrade(revision="0009")
    db.session.execute(
        text(
            "INSERT INTO notification (user_id, kind, params, lead_id, created_at)"
            " VALUES (:user, 'hired', '{}', :lead, :at)"
        ),
        ids,
    )
    db.session.commit()
    upgrade()
    assert _statuses() == {MailStatus.NONE: 1}
