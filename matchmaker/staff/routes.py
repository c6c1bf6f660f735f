"""Station staff: their own station's deputies and the enterprises around it."""

from datetime import UTC, datetime

import segno
from flask import Blueprint, flash, make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..auth.codes import issue_code_page
from ..extensions import db
from ..forms import ButtonForm, sector_choices
from ..models import Deputy, Enterprise, Graduate, Lead, Region, Role
from ..services import catalogue, claims, leads, registers, vetting
from ..services import introductions as intro
from ..services.deputies import deputy_rows
from ..web import (
    back_to,
    commit_or_flash,
    get_owned_or_404,
    paginate,
    restrict_to,
    toggle_verification,
    verification_page,
)
from .forms import HandOverForm, RegisterFilterForm, WatchFilterForm

bp = Blueprint("staff", __name__)
restrict_to(bp, Role.STAFF)


def _station_region_ids() -> list[int]:
    return catalogue.station_area(current_user.station)


@bp.route("/")
def home():
    """The station: its sectors, deputies and deadlines, and the firms to verify."""
    station = current_user.station
    return render_template(
        "staff/home.html",
        station=station,
        deputies=db.session.scalars(
            deputy_rows(select(Deputy).where(Deputy.station_id == station.id))
        ).all(),
        unverified=vetting.unverified_count(_station_region_ids()),
    )


@bp.route("/verification")
def verification():
    """Unverified firms of the station's area, oldest first: what to check on each and
    how many suggestions wait for it."""
    return render_template(
        "shared/verification.html",
        **verification_page(_station_region_ids(), "staff.verify_enterprise"),
    )


@bp.route("/enterprises")
def enterprises():
    """Enterprises in the station's county, unverified first, to check and verify;
    searched by name or credit code, filtered by sector, place and verification."""
    return _register("enterprises", "shared/enterprises.html", button=ButtonForm(),
                     verify_endpoint="staff.verify_enterprise", invite=True)  # fmt: skip


@bp.route("/graduates")
def graduates():
    """Graduates whose hometown is in the station's area: search, sector, place, status."""
    return _register("graduates", "staff/graduates.html", button=ButtonForm(), invite=True)


@bp.route("/needs")
def needs():
    """Talent needs posted in the station's area."""
    return _register("needs", "staff/postings.html", status_kind="need_status")


@bp.route("/projects")
def projects():
    """Investment projects in the station's area."""
    return _register("projects", "staff/postings.html", status_kind="project_status")


def _register(name: str, template: str, **context):
    """One page of a register of the station's area, narrowed by the filters in the
    query string (a filter that does not validate is left out)."""
    area = _station_region_ids()
    filters = RegisterFilterForm(request.args, name, sector_choices(), _place_choices(area))
    wanted = filters.wanted(lambda place: catalogue.regions_within(db.session.get(Region, place)))
    own = {"station_id": current_user.station_id} if name == "graduates" else {}
    page = paginate(registers.REGISTERS[name](area, wanted, **own), 50)
    if context.get("invite"):  # who has an account, and whose invitation still runs
        context["invited"] = claims.open_invitations(page.items)
    return render_template(
        template,
        page=page,
        register=name,
        filters=filters,
        filtered=wanted != registers.RegisterFilter(),
        args={k: v for k, v in request.args.items() if k != "page" and k in filters},
        **context,
    )


def _place_choices(area: list[int]):
    """The regions of the station's area, as 鄢陵县陈化店镇, county first."""
    regions = db.session.scalars(select(Region).where(Region.id.in_(area)).order_by(Region.id))
    return [(r.id, r.label) for r in regions]


@bp.route("/enterprises/<int:enterprise_id>/verify", methods=["POST"])
def verify_enterprise(enterprise_id: int):
    """Verify an enterprise of the station's county (another county's gets 404)."""
    region_ids = set(_station_region_ids())
    enterprise = get_owned_or_404(Enterprise, enterprise_id, lambda e: e.region_id in region_ids)
    toggle_verification(enterprise)
    return back_to(url_for("staff.enterprises"))


@bp.route("/graduates/<int:graduate_id>/invitation", methods=["POST"])
def invite_graduate(graduate_id: int):
    """An invitation for a graduate of the station's area without an account."""
    return _invitation(Graduate, graduate_id, "staff.graduates")


@bp.route("/enterprises/<int:enterprise_id>/invitation", methods=["POST"])
def invite_enterprise(enterprise_id: int):
    """An invitation for a firm of the station's area without an account."""
    return _invitation(Enterprise, enterprise_id, "staff.enterprises")


def _invitation(model, ident: int, register: str):
    """Issue the invitation and show it to print, this once: the claim code, its QR code
    (which opens the claim page with the code filled in) and its end. The code is in
    this response only, which no browser or cache keeps; an older invitation stops
    working."""
    station = current_user.station
    profile = get_owned_or_404(model, ident, lambda p: claims.in_station_care(p, station))
    if not ButtonForm().validate_on_submit():
        return back_to(url_for(register))
    issued = []
    if not commit_or_flash(lambda: issued.append(claims.issue(current_user, profile))):
        return back_to(url_for(register))
    invitation = issued[0]
    link = url_for("auth.claim", code=invitation.code, _external=True)
    qr = segno.make(link, error="m").svg_inline(scale=4, border=2)
    response = make_response(
        render_template(
            "staff/invitation.html", invitation=invitation, link=link, qr=qr, station=station,
            back=url_for(register),
        )
    )  # fmt: skip
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/reset-code", methods=["GET", "POST"])
def reset_code():
    """Issue a one-time code with which someone sets a new password (shown once)."""
    return issue_code_page()


def station_deputies(station_id: int) -> list[Deputy]:
    """The deputies of a station in list order, with their sectors and accounts."""
    query = deputy_rows(select(Deputy).where(Deputy.station_id == station_id))
    return list(db.session.scalars(query.options(joinedload(Deputy.user))))


@bp.route("/deputies")
def workload():
    """Each deputy of the station with their workbench's counts (to review, overdue,
    waiting for answers, to follow up), each linking to the list it counts."""
    deputies = station_deputies(current_user.station_id)
    return render_template("staff/workload.html", deputies=deputies, work=leads.workloads(deputies))


@bp.route("/deputies/<int:deputy_id>/leads")
def deputy_leads(deputy_id: int):
    """One list of a deputy's workbench as the deputy has it (another station's: 404)."""
    deputy = get_owned_or_404(Deputy, deputy_id, lambda d: d.station_id == current_user.station_id)
    shown = request.args.get("list")
    shown = shown if shown in leads.WORK_LISTS else "review"
    query = leads.work_lists(deputy)[shown].options(joinedload(Lead.deputy))
    page = paginate(query, 50)
    return render_template(
        "staff/deputy_leads.html",
        deputy=deputy,
        shown=shown,
        page=page,
        work=leads.workloads([deputy])[deputy.id],
        **_marks(page.items),
    )


@bp.route("/watch")
def watch():
    """The station's watch list (督办): red suggestions and every lead past review, with
    deputy, status, colour and age, filtered by status, colour and deputy in SQL."""
    filters = WatchFilterForm(request.args, station_deputies(current_user.station_id))
    wanted = filters.wanted()
    page = paginate(leads.watched_by(current_user, wanted), 50)
    return render_template(
        "staff/watch.html",
        page=page,
        filters=filters,
        filtered=wanted != leads.WatchFilter(),
        args={k: v for k, v in request.args.items() if k != "page" and k in filters},
        **_marks(page.items),
    )


def _marks(rows: list[Lead]) -> dict:
    now = datetime.now(UTC)
    return {
        "marks": {lead.id: leads.watch_mark(lead, now) for lead in rows},
        "ages": {lead.id: leads.waiting_days(lead, now) for lead in rows},
    }


def hand_over_form(lead: Lead) -> HandOverForm | None:
    """The hand-over form for a lead of the station, its choices the deputies who may
    take it; None when it cannot be handed over or nobody may take it."""
    if lead.status not in intro.HANDED_OVER_FROM or lead.deputy_id is None:
        return None
    candidates = intro.hand_over_candidates(lead, station_deputies(lead.station_id))
    if not candidates:
        return None
    form = HandOverForm(prefix="hand_over")
    form.deputy.choices = [(d.id, d.name) for d in candidates]
    return form


@bp.route("/leads/<int:lead_id>/hand-over", methods=["POST"])
def hand_over(lead_id: int):
    """Hand a lead of the station to another of its deputies; a refusal says why and
    changes nothing (another station's lead: 404)."""
    lead = get_owned_or_404(Lead, lead_id, lambda ld: ld.station_id == current_user.station_id)
    form = HandOverForm(prefix="hand_over")
    form.deputy.choices = [(d.id, d.name) for d in station_deputies(lead.station_id)]
    if not form.validate_on_submit():
        errors = [str(e) for field in form for e in field.errors]
        flash(" ".join(errors) or _("Check the form and try again."), "error")
    else:
        deputy = db.session.get(Deputy, form.deputy.data)
        commit_or_flash(
            lambda: intro.hand_over(lead, current_user, deputy, form.note.data),
            _("The lead is handed to %(name)s.", name=deputy.name),
        )
    return back_to(url_for("leads.show", lead_id=lead.id))
