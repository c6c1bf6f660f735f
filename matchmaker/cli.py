"""Command-line tasks: ``flask seed-demo``, ``flask load-reference``, ``flask create-admin``,
``flask reset-admin``, ``flask age-leads``, ``flask send-mail`` …"""

import logging
import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from . import mail, outbox, queue
from .database import analyze
from .extensions import db
from .models import Role, User
from .services import (
    accounts,
    audit,
    demo,
    demo_history,
    introductions,
    match_store,
    matching,
    notifications,
    privacy,
    scale,
)
from .services.errors import DomainError


def register(app: Flask) -> None:
    """Attach the commands to ``app.cli``."""
    app.cli.add_command(load_reference)
    app.cli.add_command(seed_demo)
    app.cli.add_command(seed_demo_history)
    app.cli.add_command(demo_logins)
    app.cli.add_command(create_admin)
    app.cli.add_command(reset_admin)
    app.cli.add_command(rebuild_matches)
    app.cli.add_command(age_leads)
    app.cli.add_command(remind_consents)
    app.cli.add_command(send_mail)
    app.cli.add_command(sweep_inactive)
    app.cli.add_command(seed_scale)
    app.cli.add_command(worker)
    app.cli.add_command(serve)


def _report(created: dict[str, int]) -> None:
    if not created:
        click.echo("Nothing new: everything was already loaded.")
    for kind, count in sorted(created.items()):
        click.echo(f"  created {count:4d} {kind}")


@click.command("load-reference")
def load_reference():
    """Load regions, sectors and stations from data/ (safe to repeat)."""
    loader = demo.Loader()
    loader.load_reference()
    db.session.commit()
    _report(loader.created)


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when any account exists.")
def seed_demo(if_empty: bool):
    """Load the demo data set from data/demo (safe to repeat: creates only what is missing)."""
    if if_empty and db.session.scalar(select(func.count(User.id))):
        click.echo("Accounts exist already; demo data not loaded again.")
        return
    loader = demo.Loader()
    loader.load_demo()
    db.session.commit()
    _report(loader.created)


@click.command("demo-logins")
def demo_logins():
    """Print one demo login per role."""
    rows = demo.demo_logins()
    password = rows.pop()[1]
    click.echo(f"Demo logins (password for all: {password})")
    for role, email in rows:  # the e-mail first: the roles hold Chinese, of double width
        click.echo(f"  {email:<28} {role}")


@click.command("seed-demo-history")
def seed_demo_history():
    """Take some demo suggestions through every step (once, after rebuild-matches), so a
    first look finds introductions, hires, signings and close-outs."""
    walked = demo_history.seed_history()
    db.session.commit()
    if not walked:
        click.echo("Leads have a history already (or none are suggested); nothing walked.")
        return
    click.echo(f"Demo leads walked through their steps: {len(walked)}")
    for story, lead_id in walked.items():
        click.echo(f"  #{lead_id:<6} {story}")


@click.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True, default="Administrator")
@click.password_option()
def create_admin(email: str, name: str, password: str):
    """Create an administrator account."""
    try:
        user = accounts.create_admin(email, password, name)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(f"not created: {error.code}") from None
    db.session.commit()
    click.echo(f"Administrator {user.email} created.")


@click.command("reset-admin")
@click.argument("email")
@click.option(
    "--password-stdin", is_flag=True, help="Read the new password from the first line of stdin."
)
def reset_admin(email: str, password_stdin: bool):
    """Set a new password for the administrator EMAIL; every session of it ends (audited)."""
    user = accounts.find_user(email)
    if user is None or user.role is not Role.ADMIN or user.email is None:
        raise click.ClickException("no administrator has this e-mail address")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    try:
        accounts.set_password(user, password)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(f"password not changed: {error.code}") from None
    audit.record(None, "password_reset", f"user:{user.id}", via="command line")
    db.session.commit()
    click.echo(f"New password set for {user.email}; its sessions have ended.")


DOCUMENT_TABLES = ("graduate", "talent_need", "investment_project", "investor_interest")


@click.command("rebuild-matches")
@click.option("--no-refit", is_flag=True, help="Keep the fitted models; rank again only.")
@click.option("--retokenize", is_flag=True, help="Segment every text again (dictionary changed).")
@click.option("--if-missing", is_flag=True, help="Only when no model has been fitted yet.")
def rebuild_matches(no_refit: bool, retokenize: bool, if_missing: bool):
    """Refit the matching models from stored tokens and regenerate every suggestion."""
    if if_missing and all(match_store.version(p.kind.value) for p in matching.PAIRINGS):
        click.echo("Matching models exist already; suggestions kept.")
        return
    total = matching.document_count()
    with click.progressbar(length=total, label="Ranking documents") as bar:
        summary = matching.rebuild(refit=not no_refit, retokenize=retokenize, progress=bar.update)
    db.session.commit()
    analyze(db.session, ("lead", *DOCUMENT_TABLES))
    db.session.commit()
    for kind, counts in summary.items():
        click.echo(
            f"  {kind:<10} {counts['documents']:6d} documents, "
            f"{counts['suggested']:6d} open suggestions ({counts['dropped']} dropped)"
        )


@click.command("seed-scale")
@click.option("--graduates", type=click.IntRange(0), default=100_000, show_default=True)
@click.option("--needs", type=click.IntRange(0), default=10_000, show_default=True)
@click.option("--projects", type=click.IntRange(0), default=1_000, show_default=True)
@click.option("--interests", type=click.IntRange(0), default=1_000, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True, help="Places, names, amounts.")
def seed_scale(graduates: int, needs: int, projects: int, interests: int, seed: int):
    """Grow the database to province scale with realistic texts, for measuring (adds to what
    is there; builds no suggestions: run rebuild-matches after)."""
    loader = demo.Loader()
    loader.load_reference()
    db.session.commit()

    def progress(kind: str, done: int) -> None:
        click.echo(f"  {kind}: {done} written")

    counts = scale.grow(graduates, needs, projects, interests, seed=seed, progress=progress)
    analyze(db.session, DOCUMENT_TABLES)
    db.session.commit()
    for kind, count in counts.items():
        click.echo(f"  added {count:7d} {kind}")


@click.command("age-leads")
def age_leads():
    """Remind sides whose answer is due soon, lapse introductions nobody answered by
    their deadline, and send pending e-mails (run daily; safe to repeat)."""
    reminded = notifications.remind_unanswered()
    lapsed = introductions.lapse_overdue()
    db.session.commit()
    click.echo(f"{reminded} reminder(s) sent, {lapsed} introduction(s) lapsed.")
    _send_pending()


@click.command("remind-consents")
def remind_consents():
    """Remind each side that has not answered an introduction due within
    CONSENT_REMINDER_DAYS (once per side; safe to repeat)."""
    reminded = notifications.remind_unanswered()
    db.session.commit()
    click.echo(f"{reminded} reminder(s) sent.")
    _send_pending()


@click.command("send-mail")
def send_mail():
    """Send the notification e-mails still pending (after an SMTP failure; repeatable)."""
    _send_pending()


def _send_pending() -> None:
    if not mail.enabled():
        click.echo("E-mail is off (MAIL_SERVER is not set): notices stay in the inbox.")
        return
    counts = outbox.deliver()
    click.echo(
        f"E-mail: {counts['sent']} sent, {counts['retry'] + counts['down']} to retry, "
        f"{counts['failed']} failed, {counts['none']} without an address."
    )


@click.command("sweep-inactive")
def sweep_inactive():
    """Notify graduates inactive for 24 months; anonymise them 30 days later (repeatable)."""
    counts = privacy.sweep_inactive()
    db.session.commit()
    click.echo(f"{counts['notified']} notified, {counts['anonymised']} anonymised.")


@click.command("worker")
@click.option("--workers", type=click.IntRange(1), default=2, show_default=True,
              help="Threads running tasks.")  # fmt: skip
@click.option("--no-periodic", is_flag=True, help="Leave the schedule to another worker.")
@with_appcontext
def worker(workers: int, no_periodic: bool):
    """Run the background tasks (suggestions, imports, e-mail) and the schedule (reminders,
    lapses, inactivity sweep), from the queue at REDIS_URL. Stop with Ctrl-C or SIGTERM."""
    app = current_app._get_current_object()
    if queue.is_immediate(app):
        raise click.UsageError("QUEUE_URL is 'immediate': there is no queue to consume.")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    with app.app_context():
        matching.warm_up(indexes=True)
    logging.getLogger("matchmaker.queue").info("worker ready: indexes loaded")
    queue.consumer(app, workers=workers, periodic=not no_periodic).run()


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=5000, show_default=True)
@with_appcontext
def serve(host: str, port: int):
    """Serve the site with its task queue in this process (the embedded set-up: SQLite,
    no Redis; ``make run``). With REDIS_URL set, run ``flask worker`` beside it instead."""
    from werkzeug.serving import run_simple

    app = current_app._get_current_object()
    if not app.config.get("QUEUE_URL"):
        queue.start_embedded(app)
    run_simple(host, port, app, threaded=True)
