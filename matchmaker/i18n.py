"""Locale choice: Chinese unless the visitor switched to English."""

from flask import current_app, request, session


def select_locale() -> str:
    """The locale for this request: the session's choice, else the default (zh)."""
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    asked = request.args.get("lang")
    if asked in languages:
        return asked
    return current_app.config["BABEL_DEFAULT_LOCALE"]
