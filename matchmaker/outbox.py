"""The notification table is the e-mail outbox.

A notification written while e-mail is on is ``pending``. When the transaction that wrote
it commits (a request, a command, a job), its e-mails are sent in the background, by a
task on the queue (``tasks.deliver_mail``); the request never waits for SMTP. What is
still pending is sent every 10 minutes by the worker's schedule, or by ``flask
send-mail``.

Each row is claimed before it is sent, in one statement that moves it from ``pending``
to ``sending`` (``UPDATE … WHERE email_status = 'pending' … RETURNING``, rows locked and
skipped on PostgreSQL), so two senders never send the same row. A failure (server down,
timeout) puts the row back to ``pending`` with its attempt counted. A message the
server refuses for good, or that failed ``MAIL_MAX_ATTEMPTS`` times while the server
was reachable, is ``failed``; while the server is down rows only wait. A claim left
by a process that died is taken again after ``STALE_CLAIM``.
"""

from __future__ import annotations

import logging
import smtplib
from collections import Counter
from collections.abc import Iterable
from datetime import timedelta

from flask import current_app, has_app_context
from sqlalchemy import and_, event, or_, select, update
from sqlalchemy.orm import Session, selectinload

from . import mail, notices
from .extensions import db
from .models import Lead, MailStatus, Notification
from .services.clock import now

log = logging.getLogger("matchmaker.mail")

BATCH = 20  # rows claimed at once
STALE_CLAIM = timedelta(minutes=30)  # longer than any batch takes to send
PERMANENT = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)
M = MailStatus


# --- sending what is pending ---------------------------------------------------------


def deliver(ids: Iterable[int] | None = None) -> Counter:
    """Send the pending e-mails (only those of ``ids`` when given); returns how many
    were ``sent``, ``failed``, left to retry (``retry``: the message failed; ``down``:
    the server was unreachable), or had no address (``none``)."""
    wanted = None if ids is None else sorted(set(ids))
    counts: Counter = Counter()
    after = 0
    while claimed := _claim(wanted, after):
        after = claimed[-1]
        letters = _letters(claimed)
        db.session.commit()  # the claim holds; no transaction stays open during SMTP
        outcome = _send(letters)
        _record(outcome)
        db.session.commit()
        counts.update(outcome.values())
        if "down" in outcome.values():
            break  # the server is unreachable: the rest waits for the next run
    return counts


def _claimable():
    stale = now() - STALE_CLAIM
    return or_(
        Notification.email_status == M.PENDING,
        and_(Notification.email_status == M.SENDING, Notification.email_claimed_at < stale),
    )


def _claim(ids: list[int] | None, after: int) -> list[int]:
    """Move up to BATCH rows to ``sending`` and count the attempt; their ids, in order."""
    chosen = select(Notification.id).where(_claimable(), Notification.id > after)
    if ids is not None:
        chosen = chosen.where(Notification.id.in_(ids))
    chosen = chosen.order_by(Notification.id).limit(BATCH).with_for_update(skip_locked=True)
    claimed = db.session.scalars(
        update(Notification)
        .where(Notification.id.in_(chosen.scalar_subquery()), _claimable())
        .values(
            email_status=M.SENDING,
            email_claimed_at=now(),
            email_attempts=Notification.email_attempts + 1,
        )
        .returning(Notification.id)
        .execution_options(synchronize_session=False)
    ).all()
    return sorted(claimed)


def _letters(ids: list[int]) -> dict[int, mail.Letter | None]:
    """Each claimed row's e-mail, or None when its reader has no address."""
    notes = db.session.scalars(
        select(Notification)
        .where(Notification.id.in_(ids))
        .options(
            selectinload(Notification.user),
            selectinload(Notification.lead).selectinload(Lead.talent_need),
            selectinload(Notification.lead).selectinload(Lead.project),
        )
    ).all()
    letters = {}
    for note in notes:
        address = mail.address_of(note.user)
        letters[note.id] = notices.compose(note, address) if address else None
    return letters


def _send(letters: dict[int, mail.Letter | None]) -> dict[int, str]:
    """Send over one connection; each row's outcome: sent, failed, retry (the message
    failed), down (the server could not be reached), none (no address)."""
    outcome = {note_id: "none" for note_id, letter in letters.items() if letter is None}
    through = None
    for note_id, letter in letters.items():
        if letter is None:
            continue
        through = through or _open()
        if through is None:
            outcome.update({i: "down" for i, held in letters.items() if i not in outcome})
            break
        outcome[note_id] = _send_one(through, letter)
        if outcome[note_id] == "retry":  # the connection is in doubt: open a new one
            through = _close(through)
    if through is not None:
        _close(through)
    return outcome


def _open():
    through = mail.connection()
    try:
        through.open()
    except (OSError, smtplib.SMTPException) as error:
        log.warning("mail server unreachable: %s", type(error).__name__)
        return None
    return through


def _send_one(through, letter: mail.Letter) -> str:
    try:
        through.send_messages([mail.message(letter, through)])
    except PERMANENT as error:
        log.warning("mail refused: %s", type(error).__name__)  # no address in the log
        return "failed"
    except (OSError, smtplib.SMTPException) as error:
        log.warning("mail not sent, will retry: %s", type(error).__name__)
        return "retry"
    return "sent"


def _close(through) -> None:
    try:
        through.close()
    except (OSError, smtplib.SMTPException):
        log.info("mail connection not closed cleanly")
    return None


def _record(outcome: dict[int, str]) -> None:
    """Write each claimed row's outcome (only rows this sender still holds)."""
    limit = int(current_app.config.get("MAIL_MAX_ATTEMPTS") or 8)
    attempts = Notification.email_attempts
    changes = {
        "sent": {"email_status": M.SENT, "emailed_at": now()},
        "none": {"email_status": M.NONE},
        "failed": {"email_status": M.FAILED},
        "retry": {"email_status": M.PENDING},
        "down": {"email_status": M.PENDING},
    }
    for result, values in changes.items():
        rows = [note_id for note_id, got in outcome.items() if got == result]
        if rows:
            db.session.execute(_held(rows).values(**values))
    # A message that keeps failing is given up; an unreachable server is waited for.
    given_up = [note_id for note_id, got in outcome.items() if got == "retry"]
    if given_up:
        db.session.execute(
            update(Notification)
            .where(Notification.id.in_(given_up), attempts >= limit)
            .values(email_status=M.FAILED)
            .execution_options(synchronize_session=False)
        )


def _held(ids: list[int]):
    return (
        update(Notification)
        .where(Notification.id.in_(ids), Notification.email_status == M.SENDING)
        .execution_options(synchronize_session=False)
    )


# --- after a commit: send in the background ---------------------------------------------


def send_later(ids: list[int]) -> None:
    """Send the e-mails of ``ids`` on the task queue (``tasks.deliver_mail``). A queue that
    cannot be reached leaves them pending for the periodic send."""
    from . import queue

    try:
        queue.enqueue("deliver_mail", ids)
    except Exception:
        log.warning("e-mails %s left pending: the queue is unreachable", ids[:5], exc_info=True)


@event.listens_for(Session, "before_flush")
def _mark_new_notifications(session, context, instances) -> None:
    """A new notification is ``pending`` while e-mail is on, else inbox only."""
    on = has_app_context() and mail.enabled()
    for item in session.new:
        if isinstance(item, Notification) and item.email_status is None:
            item.email_status = M.PENDING if on else M.NONE


@event.listens_for(Session, "after_flush")
def _remember_pending(session, context) -> None:
    ids = [
        item.id
        for item in session.new
        if isinstance(item, Notification) and item.email_status is M.PENDING
    ]
    if ids:
        session.info.setdefault("outbox", set()).update(ids)


@event.listens_for(Session, "after_commit")
def _send_after_commit(session) -> None:
    ids = session.info.pop("outbox", None)
    if ids and has_app_context():
        send_later(sorted(ids))


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session) -> None:
    session.info.pop("outbox", None)
