"""Lead pages for everyone on a lead: the timeline, consent, follow-up, close-out, inbox."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import NamedTuple

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from .. import notices
from ..extensions import db
from ..forms import ButtonForm
from ..labels import LEAD_STATUS
from ..models import ConsentMethod, ConsentParty, Lead, LeadKind, Notification, Role
from ..services import disclosure, photos, rebuild, vetting
from ..services import introductions as intro
from ..services import leads as lead_queries
from ..staff.routes import hand_over_form
from ..web import back_to, commit_or_flash, paginate, restrict_to
from . import forms
from .timeline import timeline

bp = Blueprint("leads", __name__)
restrict_to(bp, *Role)

A = intro.Action


class Step(NamedTuple):
    """A step a user may take on a lead from its page."""

    form: type | dict  # its form, or one per lead kind
    run: Callable  # (lead, form, actor) → lead, may raise DomainError
    action: intro.Action  # the state-machine action it needs
    who: str  # "deputy" (the responsible deputy) or "follower" (the deputy or a side)
    title: object  # what the step records, shown above its form
    shown: Callable = lambda lead: True  # whether it can do something on this lead now


TALENT, INVESTMENT = LeadKind.TALENT, LeadKind.INVESTMENT
#: The sides, named for a deputy choosing whose answer to record.
PARTY_NAMES = {
    ConsentParty.GRADUATE: _l("The graduate"),
    ConsentParty.EMPLOYER: _l("The employer"),
    ConsentParty.PROJECT_OWNER: _l("The project owner"),
    ConsentParty.INVESTOR: _l("The investor"),
}
STEPS = {
    "introduce": Step(
        forms.IntroduceForm, lambda ld, f, u: intro.introduce(ld, u, f.note.data),
        A.INTRODUCE, "deputy", _l("Introduce the two sides"),
    ),
    "dismiss": Step(
        forms.DismissForm, lambda ld, f, u: intro.dismiss(ld, u, f.reason.data, f.note.data),
        A.DISMISS, "deputy", _l("Do not introduce"),
    ),
    "defer": Step(
        forms.DeferForm, lambda ld, f, u: intro.defer(ld, u, f.until.data),
        A.INTRODUCE, "deputy", _l("Look at it again later"),
    ),
    "start": Step(
        {TALENT: forms.StartForm, INVESTMENT: forms.NegotiationForm},
        lambda ld, f, u: intro.start_follow_up(ld, u),
        A.START, "follower", _l("The two sides are talking"),
    ),
    "hire": Step(
        forms.HireForm,
        lambda ld, f, u: intro.record_hire(ld, u, f.on.data, f.position.data, f.note.data),
        A.HIRE, "follower", _l("Hired"),
    ),
    "sign": Step(
        forms.SignForm,
        lambda ld, f, u: intro.record_signing(ld, u, f.on.data, f.amount_wan.data, f.note.data),
        A.SIGN, "follower", _l("Signed"),
    ),
    "no-deal": Step(
        forms.NoDealForm, lambda ld, f, u: intro.record_no_deal(ld, u, f.reason.data),
        A.NO_DEAL, "follower", _l("It did not work out"),
    ),
    "retain": Step(
        forms.RetentionForm,
        lambda ld, f, u: intro.record_retention(ld, u, f.months.data, f.on.data),
        A.RETAIN, "deputy", _l("Still in the job?"),
        shown=lambda ld: intro.next_retention_check(ld) is not None,
    ),
    "funds": Step(
        forms.FundsForm, lambda ld, f, u: intro.record_funds(ld, u, f.on.data),
        A.FUNDS, "follower", _l("Funds arrived (到资)"),
    ),
    "production": Step(
        forms.ProductionForm, lambda ld, f, u: intro.record_production(ld, u, f.on.data),
        A.PRODUCE, "follower", _l("In production (投产)"),
    ),
    "close": Step(
        forms.CloseForm, lambda ld, f, u: intro.close_out(ld, u, f.note.data),
        A.CLOSE, "deputy", _l("Close out (销号)"),
    ),
    "record-consent": Step(
        forms.OfflineConsentForm,
        lambda ld, f, u: intro.record_offline_consent(
            ld, u, ConsentParty(f.party.data), f.agree.data == "yes",
            ConsentMethod(f.method.data), f.given_by.data, f.given_on.data, f.fields.data,
            bool(f.notice_read.data), _upload(f.photo),
        ),
        A.CONNECT, "deputy", _l("Record an answer given offline (未开通)"),
        shown=lambda ld: bool(intro.offline_sides(ld)),
    ),
}  # fmt: skip
STEP_NAMES = "any(" + ", ".join(f'"{name}"' for name in STEPS) + ")"
PARTIES = "any(" + ", ".join(f'"{party.value}"' for party in ConsentParty) + ")"


def _upload(field) -> bytes | None:
    """The bytes of an uploaded file (one byte past the limit at most), or None."""
    return field.data.read(photos.MAX_BYTES + 1) if field.data else None


def _lead(lead_id: int) -> Lead:
    lead = db.session.get(Lead, lead_id)
    if lead is None or not intro.can_see(current_user, lead):
        abort(404)  # not 403: whether a lead exists is nobody else's business
    return lead


def _is_deputy_for(lead: Lead) -> bool:
    deputy = current_user.deputy if current_user.role is Role.DEPUTY else None
    return intro.may_act_as_deputy(deputy, lead)


def step_form(lead: Lead, name: str):
    """The form of one step for this lead (the start step's says interviews or talks)."""
    form = STEPS[name].form
    form = form[lead.kind] if isinstance(form, dict) else form
    made = form(prefix=name)
    if name == "record-consent":
        made.party.choices = [
            SelectChoice(p.value, PARTY_NAMES[p]) for p in intro.offline_sides(lead)
        ]
    if name == "retain" and intro.next_retention_check(lead):
        made.months.data = made.months.data or intro.next_retention_check(lead)
    return made


def available_steps(lead: Lead) -> dict:
    """The steps the current user may take on this lead now, each with its form."""
    party = intro.party_of(lead, current_user)
    deputy = _is_deputy_for(lead)
    steps = {}
    for name, step in STEPS.items():
        if not intro.allowed(lead, step.action) or not step.shown(lead):
            continue
        if step.who == "deputy" and not deputy:
            continue
        if step.who == "follower" and not (deputy or party is not None):
            continue
        steps[name] = step_form(lead, name)
    if "introduce" in steps and not vetting.introducible(lead):
        del steps["introduce"]  # the page says why (an unverified firm, a filled need …)
    return steps


def _contacts(lead: Lead) -> tuple[list, int]:
    """The people on this lead as the current user may see them, and how many views of
    contact details were logged (each is)."""
    shown = disclosure.known_to(lead, current_user)
    logged = 0
    for person in shown:
        if person.has_contact and person.account is not None:
            intro.log_contact_view(current_user, person.account, lead)
            logged += 1
    return shown, logged


@bp.route("/<int:lead_id>")
def show(lead_id: int):
    """A lead: both public cards, why it was suggested, its outcome, its history as
    sentences, and the steps the reader can take now."""
    lead = _lead(lead_id)
    party = intro.party_of(lead, current_user)
    contacts, logged = _contacts(lead)
    made = rebuild.explain_many([lead])  # made when first shown, if a rebuild left it to be
    shown = render_template(
        "leads/show.html",
        lead=lead,
        party=party,
        steps=available_steps(lead),
        titles={name: STEPS[name].title for name in STEPS},
        contacts=contacts,
        others=disclosure.other_sides(lead, current_user) if party else [],
        hidden_reason=disclosure.hidden_reason(lead),
        consent_open=party is not None and intro.awaiting_answer(lead, party),
        my_consent=intro.consent_of(lead, party) if party else None,
        withdrawable=intro.may_withdraw(lead, party),
        confirmable=intro.may_confirm(lead, party),
        history=timeline(lead, current_user),
        photos=intro.photographed(lead, current_user),
        button=ButtonForm(),
        conflicted=current_user.role is Role.DEPUTY
        and lead_queries.conflicted(current_user.deputy, lead),
        hand_over=hand_over_form(lead) if current_user.role is Role.STAFF else None,
    )
    if made or logged:
        db.session.commit()  # the contact views just logged, the explanation just made
    return shown


@bp.route(f"/<int:lead_id>/<{STEP_NAMES}:step>", methods=["POST"])
def act(lead_id: int, step: str):
    """Take one step on a lead; a refused step says why and changes nothing."""
    lead = _lead(lead_id)
    form = step_form(lead, step)
    if not form.validate_on_submit():
        errors = [e for field in form for e in field.errors]
        flash(" ".join(str(e) for e in errors) or _("Check the form and try again."), "error")
    else:
        if commit_or_flash(lambda: STEPS[step].run(lead, form, current_user)):
            flash(_("Done: the lead is now %(status)s.", status=_status(lead)), "success")
    return _back(lead)


@bp.route(f"/<int:lead_id>/consents/<{PARTIES}:party>/photo")
def consent_photo(lead_id: int, party: str):
    """The photo of the signed paper form behind a side's answer the deputy recorded, for
    the lead's deputy, its station's staff, administrators and that side; each view is
    recorded."""
    lead = _lead(lead_id)
    photo = intro.consent_photo(lead, ConsentParty(party), current_user)
    if photo is None:
        abort(404)
    response = make_response(photo.data)  # read before the commit expires the row
    response.headers.update(
        {
            "Content-Type": photo.content_type,
            "Content-Disposition": "inline",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        }
    )
    intro.log_photo_view(current_user, photo)
    db.session.commit()
    return response


def _status(lead: Lead) -> str:
    return str(LEAD_STATUS[lead.status])


def _back(lead: Lead):
    return back_to(url_for("leads.show", lead_id=lead.id))


@bp.route("/<int:lead_id>/consent", methods=["GET", "POST"])
def consent(lead_id: int):
    """The consent screen: exactly who receives which of your details, and what for."""
    lead = _lead(lead_id)
    party = intro.party_of(lead, current_user)
    if party is None:
        abort(404)
    form = forms.ConsentForm(notice_version=intro.NOTICE_VERSION)
    if form.validate_on_submit():
        agree, version = bool(form.agree.data), form.notice_version.data
        if commit_or_flash(
            lambda: intro.consent(lead, current_user, agree, version), _("Your answer is recorded.")
        ):
            return redirect(url_for("leads.show", lead_id=lead.id))
    return render_template(
        "leads/consent.html",
        lead=lead,
        form=form,
        party=party,
        fields=intro.SHARED_FIELDS[party],
        deputy=lead.deputy,
    )


@bp.route("/<int:lead_id>/withdraw-consent", methods=["POST"])
def withdraw_consent(lead_id: int):
    """Take consent back: your contact details disappear from the other side at once."""
    lead = _lead(lead_id)
    if ButtonForm().validate_on_submit():
        commit_or_flash(
            lambda: intro.withdraw_consent(lead, current_user),
            _("Your consent is withdrawn; your contact details are hidden again."),
        )
    return redirect(url_for("leads.show", lead_id=lead.id))


@bp.route("/<int:lead_id>/confirm", methods=["POST"])
def confirm(lead_id: int):
    """A side confirms the recorded outcome of a closed lead."""
    lead = _lead(lead_id)
    if ButtonForm().validate_on_submit():
        commit_or_flash(
            lambda: intro.confirm_outcome(lead, current_user),
            _("Thank you: the outcome is confirmed."),
        )
    return redirect(url_for("leads.show", lead_id=lead.id))


@bp.route("/")
def mine():
    """My introductions: a side's leads, a deputy's introductions, a station's red items;
    paged by the database."""
    state = request.args.get("state")
    state = state if state in lead_queries.STATES else None
    query = lead_queries.followed_by(current_user, state)
    page = paginate(query.options(*lead_queries.CARDS), 50)
    now = datetime.now(UTC)
    return render_template(
        "leads/mine.html",
        page=page,
        state=state,
        marks={lead.id: lead_queries.age_mark(lead, now) for lead in page.items},
    )


@bp.route("/inbox")
def inbox():
    """Notifications, newest first; opening the inbox marks them read."""
    notes = db.session.scalars(
        select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(100)
        .options(
            selectinload(Notification.lead).selectinload(Lead.talent_need),
            selectinload(Notification.lead).selectinload(Lead.project),
        )
    ).all()
    rows = [notices.inbox_row(note) for note in notes]  # read before the commit expires them
    now = datetime.now(UTC)
    for note in notes:
        note.read_at = note.read_at or now
    db.session.commit()
    return render_template("leads/inbox.html", rows=rows)
