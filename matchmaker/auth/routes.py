"""Sign in, sign up, sign out, and set a forgotten password."""

import logging

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from .. import queue, terms
from ..extensions import db, limiter
from ..messages import describe
from ..models import Station
from ..services import accounts, claims, resets
from ..services.errors import DomainError
from ..web import MAX_ROW_ID, is_safe_next, save_or_show, whole_number
from . import session as auth_session
from .forms import (
    AcceptTermsForm,
    ClaimForm,
    CodeResetForm,
    ForgotForm,
    LoginForm,
    NewPasswordForm,
    PasswordForm,
    RegisterForm,
)

log = logging.getLogger("matchmaker.auth")

bp = Blueprint("auth", __name__)


def _fresh_session() -> None:
    """Drop everything in the session except the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def _start_session(user) -> None:
    _fresh_session()  # a new session at every sign-in
    if not user.session_token:
        accounts.new_session_token(user)
        db.session.commit()
    login_user(user)
    auth_session.started()


def _account_key(field: str = "email") -> str:
    """Throttle by the account being tried, whatever address it is tried from and
    whichever of its names (e-mail, mobile number, however written) is typed; a name
    of no account counts by its normal form."""
    typed = request.form.get(field, "")
    user = accounts.find_user(typed)
    if user is not None:
        return f"account:#{user.id}"
    name = accounts.sign_in_name(typed)
    return "account:" + (name[1] if name else typed.strip().lower()[:254] or "-")


def _code_account_key() -> str:
    return "code-" + _account_key("account")


def _failed(response) -> bool:
    return response.status_code != 302  # a successful sign-in redirects


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per 10 minutes", methods=["POST"], deduct_when=_failed)
@limiter.limit("5 per 10 minutes", methods=["POST"], key_func=_account_key, deduct_when=_failed)
def login():
    """The sign-in page; goes on to a safe ``next`` path or the role's home."""
    if current_user.is_authenticated:
        return redirect(url_for("public.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.email.data, form.password.data)
        except DomainError as error:
            user = None
            form.form_errors.append(describe(error.code))
        if user is None:
            form.form_errors = form.form_errors or [describe("login_failed")]
        else:
            db.session.commit()
            _start_session(user)
            target = request.args.get("next")
            return redirect(target if is_safe_next(target) else url_for("public.home"))
    return render_template("auth/login.html", form=form)


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Self-service sign-up for graduates, enterprises and investors (an enterprise)."""
    if current_user.is_authenticated:
        return redirect(url_for("public.home"))
    form = RegisterForm()
    station = _poster_station()
    if form.validate_on_submit():
        payload = {
            **form.payload(terms.current_version()),
            "station_id": station.id if station else None,
        }
        user = save_or_show(form, lambda: claims.sign_up(**payload))
        if user is not None:
            _start_session(user)
            if user.graduate or user.enterprise:  # signed up with the station's claim code
                return _claimed(user)
            flash(_("Welcome! Please complete your profile."), "success")
            if form.is_investor:  # an investor goes on to say what it would invest in
                return redirect(url_for("enterprise.new_posting", kind="interests"))
            return redirect(url_for("public.home"))
    return render_template("auth/register.html", form=form, station=station)


def _poster_station():
    """The station whose poster brought the visitor here (``?station=``), if any."""
    ident = whole_number(request.args.get("station"), MAX_ROW_ID)
    return db.session.get(Station, ident) if ident else None


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign out (POST only, so a link on another site cannot sign anyone out).

    The account's session token changes, so a copy of the old cookie stops working.
    """
    accounts.new_session_token(current_user)
    db.session.commit()
    logout_user()
    _fresh_session()
    flash(_("You have signed out."), "info")
    return redirect(url_for("public.index"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    """Change the password; every other session of the account ends."""
    form = PasswordForm()
    if form.validate_on_submit():
        done = save_or_show(
            form,
            lambda: accounts.change_password(current_user, form.current.data, form.password.data),
        )
        if done is not None:
            _start_session(current_user._get_current_object())
            flash(_("Your password is changed; other sessions have been signed out."), "success")
            return redirect(url_for("public.home"))
    return render_template("form_page.html", form=form, heading=_("Change password"))


# --- a forgotten password ---------------------------------------------------------------


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit("10 per 10 minutes", methods=["POST"])
@limiter.limit("3 per hour", methods=["POST"], key_func=_account_key)
def forgot():
    """Ask for a link to set a new password. The answer is the same whether or not the
    address has an account: the lookup and the e-mail happen on the queue."""
    if current_user.is_authenticated:
        return redirect(url_for("auth.password"))
    form = ForgotForm()
    if form.validate_on_submit():
        name = accounts.sign_in_name(form.email.data)
        try:
            queue.enqueue("mail_password_reset", name[1] if name else "")
        except Exception:  # the queue is down: the same answer, and a trace for operators
            log.warning("password reset mail not queued (queue unreachable)", exc_info=True)
        flash(
            _(
                "If an account has this address, an e-mail with a link to set a new password"
                " is on its way. The link works once, for 30 minutes."
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit("20 per 10 minutes", methods=["POST"])
def reset_password(token: str):
    """Set a new password from the e-mailed link; every session of the account ends."""
    try:
        resets.user_of_token(token)
    except DomainError as error:
        return render_template("auth/reset_refused.html", message=describe(error.code)), 400
    form = NewPasswordForm()
    if form.validate_on_submit():
        done = save_or_show(form, lambda: resets.reset_by_link(token, form.password.data))
        if done is not None:
            return _password_set()
    return render_template("auth/reset.html", form=form)


@bp.route("/reset-code", methods=["GET", "POST"])
@limiter.limit("10 per 10 minutes", methods=["POST"], deduct_when=_failed)
@limiter.limit("5 per 10 minutes", methods=["POST"], key_func=_code_account_key,
               deduct_when=_failed)  # fmt: skip
def reset_by_code():
    """Set a new password with a one-time code from the station (no e-mail needed)."""
    if current_user.is_authenticated:
        return redirect(url_for("auth.password"))
    form = CodeResetForm()
    if form.validate_on_submit():
        done = save_or_show(
            form,
            lambda: resets.reset_by_code(form.account.data, form.code.data, form.password.data),
        )
        if done is not None:
            return _password_set()
    return render_template("auth/reset_code.html", form=form)


def _password_set():
    _fresh_session()
    flash(_("Your new password is set; sign in with it. Every other session has ended."), "success")
    return redirect(url_for("auth.login"))


# --- a profile the station registered, taken over ----------------------------------------


@bp.route("/claim", methods=["GET", "POST"])
@limiter.limit("10 per 10 minutes", methods=["POST"], deduct_when=_failed)
def claim():
    """Take over the profile a station registered, with the code on its invitation (the
    invitation's QR code opens this page with the code filled in) and the mobile number,
    e-mail address or credit code the station has on file. Without an account, this
    makes one; signed in as a graduate or firm with no profile yet, it links that one."""
    signed_in = current_user.is_authenticated
    if signed_in and (
        current_user.role not in accounts.SELF_SERVICE_ROLES
        or current_user.graduate
        or current_user.enterprise
    ):
        flash(_("Your account has its profile already; a claim code is for a new one."), "info")
        return redirect(url_for("public.home"))
    form = ClaimForm()
    if signed_in:
        form.for_signed_in()
    if not form.is_submitted():
        form.claim_code.data = (request.args.get("code") or "")[:64]
    if form.validate_on_submit():
        code, on_file = form.claim_code.data, form.on_file.data
        if signed_in:
            user = current_user._get_current_object()
            done = save_or_show(form, lambda: claims.claim(code, [on_file], user))
        else:
            done = save_or_show(
                form,
                lambda: claims.claim_with_new_account(
                    code, on_file, password=form.password.data, email=form.email.data or None,
                    terms_version=terms.current_version() if form.accept_terms.data else None,
                )[0],
            )  # fmt: skip
            user = done
        if done is not None:
            if not signed_in:
                _start_session(user)
            return _claimed(user)
    return render_template("auth/claim.html", form=form, signed_in=signed_in)


def _claimed(user):
    """After a claim: what the account holds now, and the answers recorded for it."""
    recorded = claims.recorded_for(user)
    flash(_("The profile the station registered is now yours."), "success")
    if recorded:
        flash(
            _(
                "A deputy recorded %(count)d answer(s) you gave in person, by phone or on a signed"
                " form. Each is shown on its introduction, where you can withdraw it.",
                count=recorded,
            ),
            "info",
        )
    return redirect(url_for("public.home"))


# --- the privacy policy and the user agreement -------------------------------------------

#: What someone who has yet to accept the texts in force may still open.
BEFORE_TERMS = frozenset(
    {"static", "auth.terms_page", "auth.accept_terms", "auth.logout", "public.set_language",
     "public.healthz"}
)  # fmt: skip


@bp.before_app_request
def _ask_for_terms():
    """A graduate or enterprise accepts the texts in force before anything else: at
    sign-up, and again at the next sign-in after they change."""
    if request.endpoint in BEFORE_TERMS or not current_user.is_authenticated:
        return None
    if terms.must_accept(current_user):
        return redirect(url_for("auth.accept_terms", next=request.full_path.rstrip("?")))
    return None


@bp.route("/terms")
def terms_page():
    """The privacy policy and the user agreement in force."""
    return render_template(
        "auth/terms.html",
        documents=terms.documents(str(get_locale() or "zh")),
        version=terms.current_version(),
    )


@bp.route("/terms/accept", methods=["GET", "POST"])
@login_required
def accept_terms():
    """Accept the texts in force (they changed since the last time), then go on."""
    if not terms.must_accept(current_user):
        return redirect(url_for("public.home"))
    form = AcceptTermsForm()
    if form.validate_on_submit():
        accounts.accept_terms(current_user, terms.current_version())
        db.session.commit()
        target = request.args.get("next")
        return redirect(target if is_safe_next(target) else url_for("public.home"))
    return render_template(
        "auth/accept_terms.html",
        form=form,
        documents=terms.documents(str(get_locale() or "zh")),
        version=terms.current_version(),
    )
