"""Station staff: their own station's deputies and the enterprises around it."""

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..forms import ButtonForm, sector_choices
from ..models import Deputy, Enterprise, Region, Role
from ..services import catalogue, registers, vetting
from ..services.deputies import deputy_rows
from ..web import (
    back_to,
    get_owned_or_404,
    paginate,
    restrict_to,
    toggle_verification,
    verification_page,
)
from .forms import RegisterFilterForm

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
    return _register("enterprises", "shared/enterprises.html",
                     button=ButtonForm(), verify_endpoint="staff.verify_enterprise")  # fmt: skip


@bp.route("/graduates")
def graduates():
    """Graduates whose hometown is in the station's area: search, sector, place, status."""
    return _register("graduates", "staff/graduates.html")


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
    page = paginate(registers.REGISTERS[name](area, wanted), 50)
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
    regions = db.session.scalars(
        select(Region)
        .where(Region.id.in_(area))
        .options(selectinload(Region.parent, recursion_depth=3))
        .order_by(Region.id)
    )
    return [(r.id, r.label) for r in regions]


@bp.route("/enterprises/<int:enterprise_id>/verify", methods=["POST"])
def verify_enterprise(enterprise_id: int):
    """Verify an enterprise of the station's county (another county's gets 404)."""
    region_ids = set(_station_region_ids())
    enterprise = get_owned_or_404(Enterprise, enterprise_id, lambda e: e.region_id in region_ids)
    toggle_verification(enterprise)
    return back_to(url_for("staff.enterprises"))
