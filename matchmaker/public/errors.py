"""Error pages in the site's look, without stack traces or SQL."""

from flask import Flask, current_app, g, render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError

from ..extensions import db

HANDLED = (400, 403, 404, 405, 413, 429, 500)
#: Seconds a browser is told to wait when the database is busy.
RETRY_AFTER = 30


def register(app: Flask) -> None:
    """Install one page for every handled HTTP error and for a failed CSRF check."""

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_template("errors/error.html", code=400, reason="csrf"), 400

    @app.errorhandler(OperationalError)
    def database_busy(error):
        """The database could not be reached in time: on SQLite, another writer (a large
        import) holds the lock past the busy timeout. Nothing was saved; say so (503)."""
        db.session.rollback()
        # the page is drawn as for a visitor: the signed-in user cannot be read either
        g._login_user = current_app.login_manager.anonymous_user()
        current_app.logger.warning(
            "database unavailable: %s", type(error.orig).__name__ if error.orig else "?"
        )  # the class only: the statement and its values may hold personal data
        page = render_template("errors/error.html", code=503, reason="busy")
        return page, 503, {"Retry-After": str(RETRY_AFTER)}

    for code in HANDLED:
        app.register_error_handler(code, _page(code))


def _page(code: int):
    def handler(error):
        if code == 500:
            db.session.rollback()
        return render_template("errors/error.html", code=code, reason=None), code

    return handler
