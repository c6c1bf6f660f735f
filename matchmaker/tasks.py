"""Every background task and its schedule (run by ``flask worker``; see ``queue``).

Scheduled (Huey reads the clock in UTC; the hours below are China Standard Time, UTC+8,
as the stations work; every task is safe to repeat):
- every minute: suggestions of documents changed but not yet ranked (a save whose task
  was lost — queue down, worker killed — is ranked here);
- every 10 minutes: notification e-mails still pending;
- daily at 06:00: reminders of unanswered introductions, lapsing the overdue ones;
- daily at 03:30: the inactivity sweep (notify, then anonymise).
"""

from __future__ import annotations

from flask import current_app

from . import mail, outbox
from .extensions import db
from .queue import lock, periodic, task

#: How long a worker may hold the ranking of one pairing before another may take it
#: (a killed worker's lock expires; a refresh at province scale takes about a second,
#: and the worker loads its side indexes before it takes any task).
LOCK_SECONDS = 30


def _works() -> dict:
    """The long jobs a page can start (``services.jobs.start``), by name."""
    from .services import imports

    return {"import": imports.import_job}


@task("job", retries=0)
def job(status: dict, name: str, arguments: dict) -> dict:
    """A long job with progress the pages poll (an import)."""
    from .services import jobs

    work = _works()[name](**arguments)
    return jobs.run(current_app._get_current_object(), status, work)["state"]


@task("refresh_suggestions", retries=60, retry_delay=1)
def refresh_suggestions(kind: str) -> int:
    """Rank the documents of ``kind`` changed since they were last ranked.

    One worker at a time per pairing (a lock every process shares); a task that finds
    the lock taken is retried a second later."""
    from .services import matching

    with lock(f"matching-{kind}", ttl=LOCK_SECONDS):  # taken: TaskLockedException, retried
        done = matching.refresh_pending(kind)
        db.session.commit()
        return done


@periodic("catch_up_suggestions", minute="*")
def catch_up_suggestions() -> None:
    """Queue a refresh for every pairing with documents waiting to be ranked."""
    from .services import matching

    for kind in matching.kinds_pending():
        refresh_suggestions(kind)


@task("rebuild_matches")
def rebuild_matches(refit: bool = True) -> dict:
    """Rank everything again (after the dictionary or the weights changed)."""
    from .services import matching

    with lock("matching-talent", ttl=3600), lock("matching-investment", ttl=3600):
        summary = matching.rebuild(refit=refit)
        db.session.commit()
        return summary


@task("deliver_mail", retries=0)
def deliver_mail(ids: list[int]) -> None:
    """Send the e-mails of notifications just committed (pending ones stay for later)."""
    outbox.deliver(ids)


@periodic("send_pending_mail", minute="*/10")
def send_pending_mail() -> None:
    if mail.enabled():
        outbox.deliver()


@periodic("age_leads", minute="0", hour="22")  # 06:00 in Henan
def age_leads() -> None:
    from .services import introductions, notifications

    notifications.remind_unanswered()
    introductions.lapse_overdue()
    db.session.commit()
    if mail.enabled():
        outbox.deliver()


@periodic("sweep_inactive", minute="30", hour="19")  # 03:30 in Henan
def sweep_inactive() -> None:
    from .services import privacy

    privacy.sweep_inactive()
    db.session.commit()


@task("mail_password_reset", retries=0)
def mail_password_reset(address: str) -> bool:
    """Write (and so send) the password-reset e-mail when ``address`` is an account's.

    On the queue, so that the page that asked answers alike either way."""
    from .services import resets

    written = resets.request_link(address)
    db.session.commit()
    return written
