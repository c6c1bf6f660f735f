"""The enterprise area: the firm record, and its needs, projects and interests."""

from typing import NamedTuple

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..forms import options
from ..models import InvestmentProject, InvestorInterest, Role, TalentNeed
from ..services import leads, matching, postings, profiles
from ..web import back_to, commit_or_flash, get_owned_or_404, restrict_to, save_or_show
from .forms import CloseForm, EnterpriseForm, InterestForm, NeedForm, ProjectForm

bp = Blueprint("enterprise", __name__)
restrict_to(bp, Role.ENTERPRISE)


class PostingKind(NamedTuple):
    model: type
    form: type
    save: object
    keyword: str  # the service's keyword for the row being edited
    outcomes: dict  # outcome value → label, for closing
    heading_new: str
    heading_edit: str


KINDS = {
    "needs": PostingKind(
        TalentNeed,
        NeedForm,
        postings.save_need,
        "need",
        {"filled": _l("Filled"), "closed": _l("Withdrawn without hire")},
        _l("New talent need"),
        _l("Edit talent need"),
    ),
    "projects": PostingKind(
        InvestmentProject,
        ProjectForm,
        postings.save_project,
        "project",
        {"signed": _l("Signed"), "closed": _l("Withdrawn without signing")},
        _l("New investment project"),
        _l("Edit investment project"),
    ),
    "interests": PostingKind(
        InvestorInterest,
        InterestForm,
        postings.save_interest,
        "interest",
        {"closed": _l("No longer interested")},
        _l("New investment interest"),
        _l("Edit investment interest"),
    ),
}
KIND_NAMES = "any(needs, projects, interests)"


def outcome_choices(outcomes: dict) -> list:
    """The outcomes to close with, after an empty "choose" entry (nothing preselected)."""
    return [SelectChoice("", _l("How did it end?")), *options(outcomes)]


def _firm():
    firm = current_user.enterprise
    if firm is None:  # the firm first, then back to what was asked for
        abort(redirect(url_for("enterprise.profile", next=request.path)))
    return firm


def _posting(kind: str, posting_id: int):
    firm = _firm()
    return get_owned_or_404(KINDS[kind].model, posting_id, lambda p: p.enterprise_id == firm.id)


@bp.route("/")
def home():
    """The firm's card and everything it has posted."""
    firm = current_user.enterprise
    if firm is None:
        return redirect(url_for("enterprise.profile"))
    counts = leads.suggestion_counts([need.id for need in firm.talent_needs])
    return render_template(
        "enterprise/home.html", firm=firm, close_forms=_close_forms(firm), suggestions=counts
    )


@bp.route("/suggestions-state")
def suggestions_state():
    """How many of the firm's postings wait for their suggestions (polled by the home)."""
    firm = _firm()
    return jsonify(pending=matching.pending_count(firm=firm))


def _close_forms(firm) -> dict:
    forms = {}
    for kind, spec in KINDS.items():
        form = CloseForm(prefix=kind)
        form.outcome.choices = outcome_choices(spec.outcomes)
        forms[kind] = form
    return forms


@bp.route("/profile", methods=["GET", "POST"])
def profile():
    """Create or edit the firm record; the credit code is checked (GB 32100)."""
    firm = current_user.enterprise
    form = EnterpriseForm(obj=firm)
    if firm is not None:
        del form.claim_code  # only a new firm record may be one the station holds
    if firm is None and not form.is_submitted():
        form.contact_person.data = current_user.display_name  # what registration gave
        form.email.data = current_user.email
        if current_user.registered_via is not None:  # signed up at a station's poster
            form.region_id.data = current_user.registered_via.region_id
        form.phone.data = current_user.phone  # the sign-in number, to start from
    if form.validate_on_submit():
        saved = save_or_show(
            form,
            lambda: profiles.save_enterprise(current_user, **form.payload()),
            _("The enterprise profile is saved."),
        )
        if saved is not None:
            return back_to(url_for("enterprise.home"))
    return render_template(
        "form_page.html",
        form=form,
        heading=_("Enterprise profile"),
        intro=_(
            "Stations verify each enterprise against its business licence before"
            " deputies introduce it."
        ),
        cancel_url=url_for("enterprise.home") if firm else None,
    )


@bp.route(f"/<{KIND_NAMES}:kind>/new", methods=["GET", "POST"])
def new_posting(kind: str):
    """Post a new talent need, investment project or investment interest."""
    firm = _firm()
    spec = KINDS[kind]
    form = spec.form()
    if not form.is_submitted() and hasattr(form, "prefill"):
        form.prefill(firm)
    if form.validate_on_submit():
        saved = save_or_show(form, lambda: spec.save(firm, **form.payload()), _("Saved."))
        if saved is not None:
            return redirect(url_for("enterprise.home") + f"#{kind}")
    return render_template(
        "form_page.html",
        form=form,
        heading=spec.heading_new,
        cancel_url=url_for("enterprise.home") + f"#{kind}",
    )


@bp.route(f"/<{KIND_NAMES}:kind>/<int:posting_id>/edit", methods=["GET", "POST"])
def edit_posting(kind: str, posting_id: int):
    """Edit an open posting of this firm; another firm's gets 404."""
    posting = _posting(kind, posting_id)
    spec = KINDS[kind]
    form = spec.form(obj=posting)
    if not form.is_submitted():
        form.fill_from(posting)
    if form.validate_on_submit():
        saved = save_or_show(
            form,
            lambda: spec.save(posting.enterprise, **form.payload(), **{spec.keyword: posting}),
            _("Saved."),
        )
        if saved is not None:
            return redirect(url_for("enterprise.home") + f"#{kind}")
    return render_template(
        "form_page.html",
        form=form,
        heading=spec.heading_edit,
        cancel_url=url_for("enterprise.home") + f"#{kind}",
    )


@bp.route(f"/<{KIND_NAMES}:kind>/<int:posting_id>/close", methods=["POST"])
def close_posting(kind: str, posting_id: int):
    """Close an open posting with an outcome (filled, signed, or withdrawn)."""
    posting = _posting(kind, posting_id)
    form = CloseForm(prefix=kind)
    form.outcome.choices = outcome_choices(KINDS[kind].outcomes)
    if not form.validate_on_submit():
        flash(_("Choose how it ended before closing."), "error")
        return redirect(url_for("enterprise.home") + f"#{kind}")
    commit_or_flash(
        lambda: postings.close_posting(posting, form.outcome.data),
        _("Closed: %(title)s", title=posting.title),
    )
    return redirect(url_for("enterprise.home") + f"#{kind}")
