"""Locale choice: Chinese unless the visitor switched to English; its translations looked
up once per locale and request, for templates, ``gettext`` and lazy strings alike."""

from flask import Flask, current_app, g, request, session
from flask_babel import Domain, get_translations


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


def translations():
    """The translations of the current locale, kept on the context while its locale
    stays the same (``force_locale`` sets another, which is looked up in turn).

    Flask-Babel looks them up anew for every string (a dozen context lookups each, about
    10 µs); a page has hundreds of strings, so that was a few milliseconds of every page.
    """
    try:
        context = g._get_current_object()
    except RuntimeError:  # outside an app context: Flask-Babel's own answer
        return get_translations()
    state = getattr(context, "_flask_babel", None)
    locale = getattr(state, "babel_locale", None)
    kept = getattr(context, "_translations_kept", None)
    if locale is not None and kept is not None and kept[0] is locale:
        return kept[1]
    found = _LOOKUP.get_translations()
    context._translations_kept = (getattr(context._flask_babel, "babel_locale", None), found)
    return found


class KeptDomain(Domain):
    """The app's message domain, answering from ``translations``: what ``gettext`` and
    every lazy string (form labels, labels of states) ask for, hundreds of times a page."""

    def get_translations(self):
        return translations()


#: Flask-Babel's own lookup, which ``translations`` asks once per locale and context.
_LOOKUP = Domain()
KEPT = KeptDomain()


def install_template_gettext(app: Flask) -> None:
    """Templates, ``gettext`` and lazy strings translate through ``translations`` (after
    ``babel.init_app``)."""

    @app.before_request
    def keep_translations() -> None:
        KEPT.as_default()

    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )
