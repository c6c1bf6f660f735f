"""Sessions: how a cookie finds its user, and when a session ends.

Flask keeps the session in a signed cookie, so the server checks two things itself:
the account's session token (changed at sign-out and at a new password, which ends every
older session, copied cookies included) and the session's age (30 minutes idle,
12 hours at most).
"""

from datetime import UTC, datetime, timedelta

from flask import Flask, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user, logout_user
from sqlalchemy import inspect
from sqlalchemy.orm import undefer

from ..extensions import db
from ..models import User

IDLE_LIMIT = timedelta(minutes=30)
ABSOLUTE_LIMIT = timedelta(hours=12)


def configure(login_manager: LoginManager) -> None:
    """Set the login view, its message, and the user loader."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        ident, _, token = session_id.partition(".")
        if not ident.isdigit():
            return None
        # with the inbox badge's count, in the same statement
        user = db.session.get(User, int(ident), options=[undefer(User.unread_count)])
        if user is None or (user.session_token or "") != token:
            return None
        return user


def signed_in_id() -> int | None:
    """The id of the account this request signed in with, without reading the account
    again (a commit during the request expires it; reading it back costs a query)."""
    user = g.get("_login_user")
    if not isinstance(user, User):
        return None
    identity = inspect(user).identity
    return identity[0] if identity else None


def started(now: datetime | None = None) -> None:
    """Stamp a new session with its start and last activity."""
    moment = (now or datetime.now(UTC)).timestamp()
    session["login_at"] = session["seen_at"] = moment


def register_timeouts(app: Flask) -> None:
    """End sessions idle for 30 minutes or older than 12 hours."""

    @app.before_request
    def enforce_session_age():
        if request.endpoint == "static" or not current_user.is_authenticated:
            return None
        now = datetime.now(UTC).timestamp()
        login_at, seen_at = session.get("login_at"), session.get("seen_at")
        expired = (
            login_at is None
            or seen_at is None
            or now - seen_at > IDLE_LIMIT.total_seconds()
            or now - login_at > ABSOLUTE_LIMIT.total_seconds()
        )
        if expired:
            logout_user()
            session.clear()
            flash(_("Your session has ended; please sign in again."), "info")
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        session["seen_at"] = now
        return None
