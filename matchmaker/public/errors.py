"""Error pages in the site's look, without stack traces or SQL."""

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError

from ..extensions import db

HANDLED = (400, 403, 404, 405, 413, 429, 500)


def register(app: Flask) -> None:
    """Install one page for every handled HTTP error and for a failed CSRF check."""

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_template("errors/error.html", code=400, reason="csrf"), 400

    for code in HANDLED:
        app.register_error_handler(code, _page(code))


def _page(code: int):
    def handler(error):
        if code == 500:
            db.session.rollback()
        return render_template("errors/error.html", code=code, reason=None), code

    return handler
