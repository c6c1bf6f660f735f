"""A real SMTP server on localhost (aiosmtpd) that keeps what it receives.

``smtp_server`` starts it on a free port and points the test apps (``app``, and
``web_app`` that serves the client) at it: e-mail is on for the test. Read what arrived
in ``smtp_server.messages`` (parsed ``email.message.EmailMessage``): the test apps' task
queue is immediate, so the sends queued by a commit are done when it returns
(``wait_idle()`` says so where a test reads the mail); ``stop()`` and ``start()``
take the server down and up on the same port; an address in ``refuse`` is refused for
good (550); ``wire(other_app)`` points another app
(e.g. one from ``make_app``) at it.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

PUBLIC_URL = "https://matchmaker.test.example"


class _Keep:
    """aiosmtpd handler: parse and keep every message it accepts."""

    def __init__(self, server: SmtpServer):
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.server.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, session, envelope_session, envelope):
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.server._keep(parsed, list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


class SmtpServer:
    """The test's mail server and what it received."""

    def __init__(self):
        self.host = "127.0.0.1"
        self.port = _free_port(self.host)
        self._lock = threading.Lock()
        self._messages: list[EmailMessage] = []
        self.refuse: set[str] = set()  # addresses answered with a permanent 550
        self._controller: Controller | None = None

    @property
    def config(self) -> dict:
        """The app settings that send to this server."""
        return {
            "MAIL_SERVER": self.host,
            "MAIL_PORT": self.port,
            "MAIL_USE_TLS": False,
            "MAIL_USE_SSL": False,
            "MAIL_USERNAME": None,
            "MAIL_PASSWORD": None,
            "MAIL_TIMEOUT": 5,
            "MAIL_DEFAULT_SENDER": "noreply@matchmaker.test.example",
            "PUBLIC_URL": PUBLIC_URL,
        }

    @property
    def messages(self) -> list[EmailMessage]:
        with self._lock:
            return list(self._messages)

    def to(self, address: str) -> list[EmailMessage]:
        """The messages whose envelope went to ``address``."""
        return [m for m in self.messages if address in m["X-Test-Rcpt-To"].split(",")]

    def _keep(self, message: EmailMessage, recipients: list[str]) -> None:
        message["X-Test-Rcpt-To"] = ",".join(recipients)
        with self._lock:
            self._messages.append(message)

    def wire(self, app) -> None:
        app.config.update(self.config)

    def start(self) -> None:
        self._controller = Controller(_Keep(self), hostname=self.host, port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def wait_idle(self) -> None:
        """Nothing to wait for: the test apps run queued sends as they are queued."""


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(app, web_app):
    """A running local SMTP server; ``app`` and ``web_app`` send their mail to it."""
    server = SmtpServer()
    server.start()
    server.wire(app)
    server.wire(web_app)
    yield server
    server.stop()
