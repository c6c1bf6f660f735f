"""Sending e-mail over SMTP (Flask-Mailman), for notifications and account mails.

E-mail is on when ``MAIL_SERVER`` is set; without it everything stays in the inbox.
The settings (``config.mail_settings``) are read when a connection opens, so an app
whose configuration changes (a test's SMTP server) sends to the new server.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from flask import current_app
from flask_mailman import EmailMultiAlternatives

from .extensions import mail

#: Addresses that reach nobody: an erased account's placeholder, reserved names.
NOWHERE = ("invalid.example", ".invalid")


class Letter(NamedTuple):
    """One e-mail, ready to send: subject, plain text and an HTML alternative."""

    to: str
    subject: str
    text: str
    html: str


def enabled() -> bool:
    """Whether this app sends e-mail at all (``MAIL_SERVER`` is set)."""
    return bool(current_app.config.get("MAIL_SERVER"))


def address_of(user) -> str | None:
    """The address mail for ``user`` goes to, or None: no address, or a closed account."""
    email = (getattr(user, "email", None) or "").strip()
    if not email or "@" not in email or not getattr(user, "active", True):
        return None
    domain = email.rsplit("@", 1)[1].lower()
    if domain == NOWHERE[0] or domain.endswith(NOWHERE[1]):
        return None
    return email


def connection():
    """A new SMTP connection (not yet open) with the app's current settings."""
    config = current_app.config
    return mail.get_connection(
        backend=config.get("MAIL_BACKEND") or "smtp",
        host=config["MAIL_SERVER"],
        port=int(config.get("MAIL_PORT") or 25),
        username=config.get("MAIL_USERNAME") or "",
        password=config.get("MAIL_PASSWORD") or "",
        use_tls=bool(config.get("MAIL_USE_TLS")),
        use_ssl=bool(config.get("MAIL_USE_SSL")),
        timeout=config.get("MAIL_TIMEOUT") or 10,
    )


def message(letter: Letter, through=None) -> EmailMultiAlternatives:
    """The MIME message of ``letter`` from ``MAIL_DEFAULT_SENDER``."""
    built = EmailMultiAlternatives(
        subject=" ".join(letter.subject.split()),  # a header is one line
        body=letter.text,
        from_email=current_app.config.get("MAIL_DEFAULT_SENDER"),
        to=[letter.to],
        connection=through,
    )
    built.attach_alternative(letter.html, "text/html")
    return built


def send(letters: Iterable[Letter]) -> int:
    """Send ``letters`` over one connection; raises on the first failure."""
    letters = list(letters)
    if not letters:
        return 0
    with connection() as through:
        return through.send_messages([message(letter, through) for letter in letters])
