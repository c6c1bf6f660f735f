"""Station staff: their own station's deputies and the enterprises around it."""

from flask import Blueprint, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from ..auth.codes import issue_code_page
from ..extensions import db
from ..forms import ButtonForm
from ..models import Deputy, Enterprise, Role
from ..services import catalogue, vetting
from ..services.deputies import deputy_rows
from ..web import (
    back_to,
    get_owned_or_404,
    paginate,
    restrict_to,
    toggle_verification,
    verification_page,
)

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
    """Enterprises in the station's county, unverified first, to check and verify."""
    query = (
        select(Enterprise)
        .where(Enterprise.region_id.in_(_station_region_ids()))
        .options(*vetting.FIRM_ROWS)
        .order_by(Enterprise.verified, Enterprise.id)
    )
    page = paginate(query, 50)
    return render_template(
        "shared/enterprises.html",
        page=page,
        button=ButtonForm(),
        verify_endpoint="staff.verify_enterprise",
    )


@bp.route("/enterprises/<int:enterprise_id>/verify", methods=["POST"])
def verify_enterprise(enterprise_id: int):
    """Verify an enterprise of the station's county (another county's gets 404)."""
    region_ids = set(_station_region_ids())
    enterprise = get_owned_or_404(Enterprise, enterprise_id, lambda e: e.region_id in region_ids)
    toggle_verification(enterprise)
    return back_to(url_for("staff.enterprises"))


@bp.route("/reset-code", methods=["GET", "POST"])
def reset_code():
    """Issue a one-time code with which someone sets a new password (shown once)."""
    return issue_code_page()
