"""Matchmaker: industry-liaison matchmaking for Henan's deputy liaison stations.

Flask is imported inside the factory, so ``matchmaker.matching`` (the engine) can be
imported and benchmarked without loading the web framework.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application; ``test_config`` overrides settings from the environment."""
    from flask import Flask

    app = Flask(__name__, instance_relative_config=True, template_folder="../templates")
    os.makedirs(app.instance_path, exist_ok=True)
    from . import config

    app.config.from_mapping(config.from_environment(app.instance_path))
    if test_config:
        app.config.update(test_config)
    register_observability(app)  # first: every later hook, and its errors, have a request id
    register_extensions(app)
    register_security_headers(app)
    register_blueprints(app)
    register_template_helpers(app)
    register_error_pages(app)
    register_commands(app)
    register_warm_up(app)
    return app


def register_warm_up(app: Flask) -> None:
    """On a process's first request, load the matching engine in the background.

    jieba's dictionary and the fitted models take a second or two to load, once per
    process; without this the first need or profile saved after a start waits for them.
    ``WARM_UP`` (default: on, off under test) turns it off.
    """
    import threading

    if not app.config.get("WARM_UP", not app.testing):
        return
    begun = threading.Lock()
    state = {"started": False}

    def warm() -> None:
        from .services import matching

        with app.app_context():
            try:
                matching.warm_up()
            except Exception:  # a failed warm-up only means the first write loads it
                app.logger.exception("matching warm-up failed")

    @app.before_request
    def start_warm_up() -> None:
        if state["started"]:
            return
        with begun:
            if state["started"]:
                return
            state["started"] = True
        threading.Thread(target=warm, name="matching-warm-up", daemon=True).start()


def register_extensions(app: Flask) -> None:
    from . import database, models, outbox, queue  # noqa: F401  (pragmas; tables; hooks)
    from .extensions import babel, csrf, db, limiter, login_manager, mail, migrate
    from .i18n import install_template_gettext, select_locale

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=os.path.abspath(os.path.join(app.root_path, os.pardir, "migrations")),
        render_as_batch=True,
    )
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    install_template_gettext(app)
    mail.init_app(app)
    login_manager.init_app(app)
    queue.init_app(app)
    from .auth import session as auth_session

    auth_session.configure(login_manager)
    auth_session.register_timeouts(app)


#: Everything comes from the app itself: no CDN, no inline script or style.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "img-src": "'self' data:",
    "style-src": "'self'",
    "script-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def register_security_headers(app: Flask) -> None:
    """CSP (with nonces for any script), no framing, nosniff, referrer policy, and no
    caching of pages that belong to a signed-in person."""
    from flask import request, session

    from .extensions import talisman

    talisman.init_app(
        app,
        force_https=False,  # TLS ends at the reverse proxy in these intranets
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        strict_transport_security=app.config["SESSION_COOKIE_SECURE"],
        content_security_policy=CONTENT_SECURITY_POLICY,
        content_security_policy_nonce_in=["script-src"],
        frame_options="DENY",
        referrer_policy="same-origin",
    )

    @app.after_request
    def no_store_for_personal_pages(response):
        # Whether someone is signed in is read from the session, never the account:
        # static files then never load it (they arrive even while an import holds
        # SQLite's write lock), and an account the request's commit expired is not read
        # again. A response that forbids storing keeps its own header (a photo's
        # "private, no-store").
        personal = request.endpoint != "static" and "_user_id" in session
        if personal and not response.cache_control.no_store:
            response.headers["Cache-Control"] = "no-store"
        return response


def register_observability(app: Flask) -> None:
    from . import observability

    observability.register(app)


def register_blueprints(app: Flask) -> None:
    from .admin.routes import bp as admin_bp
    from .auth.routes import bp as auth_bp
    from .deputy.routes import bp as deputy_bp
    from .enterprise.routes import bp as enterprise_bp
    from .figures.routes import bp as figures_bp
    from .graduate.routes import bp as graduate_bp
    from .imports.routes import bp as imports_bp
    from .leads.routes import bp as leads_bp
    from .public.routes import bp as public_bp
    from .staff.routes import bp as staff_bp
    from .web import RowIdConverter

    app.url_map.converters["int"] = RowIdConverter  # before any route is added

    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(graduate_bp, url_prefix="/graduate")
    app.register_blueprint(enterprise_bp, url_prefix="/enterprise")
    app.register_blueprint(deputy_bp, url_prefix="/deputy")
    app.register_blueprint(staff_bp, url_prefix="/station")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(leads_bp, url_prefix="/leads")
    app.register_blueprint(figures_bp, url_prefix="/figures")
    app.register_blueprint(imports_bp, url_prefix="/imports")


def register_template_helpers(app: Flask) -> None:
    from . import templating

    templating.register(app)


def register_error_pages(app: Flask) -> None:
    from .public import errors

    errors.register(app)


def register_commands(app: Flask) -> None:
    from . import cli

    cli.register(app)
