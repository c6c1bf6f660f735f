"""Small pieces every blueprint uses: role guards, safe redirects, form errors."""

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter

from .extensions import db, login_manager
from .forms import ButtonForm
from .messages import describe
from .models import Role
from .services import catalogue, vetting
from .services.errors import DomainError

#: Row ids are PostgreSQL ``integer`` columns; a larger number names no row.
MAX_ROW_ID = 2**31 - 1
#: No list has this many pages; a larger page number would overflow the OFFSET.
MAX_PAGE = 100_000


class RowIdConverter(IntegerConverter):
    """``<int:...>`` in every URL: an id too large for the database is simply not found
    (404), instead of overflowing the driver (a 500)."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ROW_ID, signed=False):
        super().__init__(map, fixed_digits, min, max, signed)


def whole_number(text: str | None, maximum: int) -> int | None:
    """``text`` as a whole number from 0 to ``maximum``; None for anything else."""
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(maximum)):
        return None
    return int(text) if int(text) <= maximum else None


#: Rows counted for a pager at most: past this it says "N+" pages (counting a million
#: suggestions to print a page count would cost more than the page).
COUNT_CAP = 500


def paginate(query, per_page: int):
    """One page of ``query``: ``?page=`` from 1 to MAX_PAGE, anything else is page 1.
    Rows are counted up to ``COUNT_CAP`` (``page.capped`` says there are more)."""
    page = whole_number(request.args.get("page"), MAX_PAGE) or 1
    found = db.paginate(query, page=page, per_page=per_page, error_out=False, count=False)
    first = query.order_by(None).limit(COUNT_CAP + 1).subquery()
    counted = db.session.scalar(select(func.count()).select_from(first))
    found.total = min(counted, COUNT_CAP)
    found.capped = counted > COUNT_CAP
    return found


def restrict_to(blueprint: Blueprint, *roles: Role) -> None:
    """Guard every route of ``blueprint``: anonymous → login page, other roles → 403.

    Declared once per area, so a route added later is protected by default.
    """
    blueprint.allowed_roles = frozenset(roles)

    @blueprint.before_request
    def _require_role():
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.role not in blueprint.allowed_roles:
            abort(403)
        return None


def is_safe_next(target: str | None) -> bool:
    """True for a path on this site only: no scheme, no host, no protocol-relative tricks."""
    if not target:
        return False
    target = target.strip()
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and target.startswith("/")


def show_domain_error(form: FlaskForm, error: DomainError) -> None:
    """Put a service's refusal next to its field, or at the top of the page."""
    message = describe(error.code, **error.params)
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, message]
    else:
        form.form_errors.append(message)


def save_or_show(form: FlaskForm, action, success_message: str | None = None):
    """Run ``action()``; commit and return its result, or show its ``DomainError``.

    One commit point per request: services only flush. On refusal nothing is kept.
    """
    try:
        result = action()
    except DomainError as error:
        db.session.rollback()
        show_domain_error(form, error)
        return None
    db.session.commit()
    if success_message:
        flash(success_message, "success")
    return result


def toggle_verification(enterprise) -> None:
    """Verify an enterprise, or withdraw the mark, when the button's form is valid."""
    if ButtonForm().validate_on_submit():
        catalogue.set_verified(current_user, enterprise, not enterprise.verified)
        db.session.commit()
        flash(_("%(name)s updated.", name=enterprise.name), "success")


def back_to(default: str):
    """Redirect to the ``next`` parameter when it is a path on this site, else ``default``."""
    target = request.args.get("next")
    return redirect(target if is_safe_next(target) else default)


def verification_page(region_ids: list[int] | None, verify_endpoint: str) -> dict:
    """What the verification list shows: a page of unverified firms (oldest first) in
    these regions (None: all), what to check on each, and the suggestions waiting."""
    page = paginate(vetting.unverified(region_ids), 20)
    firm_ids = [firm.id for firm in page.items]
    return {
        "page": page,
        "waiting": vetting.waiting_on(firm_ids),
        "code_sound": {f.id: vetting.credit_code_sound(f.credit_code) for f in page.items},
        "button": ButtonForm(),
        "verify_endpoint": verify_endpoint,
    }


def commit_or_flash(action, done: str | None = None) -> bool:
    """Run ``action()`` as the request's unit of work for a page without a form to show
    errors on: commit and flash ``done``, or roll back and flash why it was refused."""
    try:
        action()
    except DomainError as error:
        db.session.rollback()
        flash(describe(error.code, **error.params), "error")
        return False
    db.session.commit()
    if done:
        flash(done, "success")
    return True


def get_owned_or_404(model, ident: int, owner_check):
    """The row, when it exists and ``owner_check(row)`` is true; else 404 (not 403)."""
    obj = db.session.get(model, ident)
    if obj is None or not owner_check(obj):
        abort(404)
    return obj
