"""The page on which staff and administrators issue one-time reset codes."""

from flask import make_response, render_template
from flask_login import current_user

from ..services import resets
from ..web import save_or_show
from .forms import IssueCodeForm


def issue_code_page():
    """Issue a code for the account named in the form and show it, this once.

    The code is in this response only (never in the session or a redirect), and the
    response is not kept by the browser or any cache.
    """
    form = IssueCodeForm()
    issued = None
    if form.validate_on_submit():
        result = save_or_show(form, lambda: resets.issue_code(current_user, form.account.data))
        if result is not None:
            user, code = result
            issued = {
                "user": user,
                "code": code,
                "hours": int(resets.CODE_LIFETIME.total_seconds() // 3600),
            }
            form.account.data = ""
    response = make_response(render_template("shared/reset_code.html", form=form, issued=issued))
    response.headers["Cache-Control"] = "no-store"
    return response
