"""What a page says, found the way the page finds it."""

from flask_babel import force_locale
from markupsafe import escape

from matchmaker.messages import describe


def said(app, code: str, **params) -> str:
    """The message of ``code`` as a page shows it: zh (the default locale), escaped.

    Right before and after the catalogue translates a new message."""
    with app.test_request_context(), force_locale("zh"):
        return str(escape(describe(code, **params)))
