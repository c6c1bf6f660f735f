"""Flask-Login wiring: how a session finds its user."""

from flask_babel import lazy_gettext as _l
from flask_login import LoginManager

from ..extensions import db
from ..models import User


def configure(login_manager: LoginManager) -> None:
    """Set the login view, its message, and the user loader."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        if not user_id.isdigit():
            return None
        return db.session.get(User, int(user_id))
