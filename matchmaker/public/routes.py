"""Pages anyone may see: the landing page, the language switch, a health check."""

import io

import segno
from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from sqlalchemy import func, select

from ..extensions import db
from ..models import Enterprise, Graduate, Role, Station, TalentNeed
from ..web import is_safe_next

bp = Blueprint("public", __name__)

ROLE_HOMES = {
    Role.ENTERPRISE: "enterprise.home",
    Role.GRADUATE: "graduate.home",
    Role.DEPUTY: "deputy.home",
    Role.STAFF: "staff.home",
    Role.ADMIN: "admin.home",
}


@bp.route("/")
def index():
    """Landing page: what Matchmaker is, the stations, and a way in."""
    stations = db.session.scalars(select(Station).order_by(Station.id)).all()
    counts = {
        "stations": len(stations),
        "enterprises": db.session.scalar(select(func.count(Enterprise.id))),
        "graduates": db.session.scalar(select(func.count(Graduate.id))),
        "needs": db.session.scalar(select(func.count(TalentNeed.id))),
    }
    return render_template("public/index.html", stations=stations, counts=counts)


@bp.route("/home")
def home():
    """Send a signed-in user to the home page of their role."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for(ROLE_HOMES[current_user.role]))


@bp.route("/lang/<code>")
def set_language(code: str):
    """Switch the interface language and go back to where the visitor was."""
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    target = request.args.get("next")
    return redirect(target if is_safe_next(target) else url_for("public.index"))


@bp.route("/healthz")
def healthz():
    """Liveness and database check for the process manager."""
    db.session.execute(select(1))
    return {"status": "ok"}


@bp.route("/stations/<int:station_id>/poster")
def poster(station_id: int):
    """A printable poster with the station's QR code, for the liaison station's wall."""
    station = db.get_or_404(Station, station_id)
    link = url_for("auth.register", station=station.id, _external=True)
    return render_template("public/poster.html", station=station, link=link)


@bp.route("/stations/<int:station_id>/qr.svg")
def station_qr(station_id: int):
    """The QR code that opens registration with this station chosen."""
    station = db.get_or_404(Station, station_id)
    link = url_for("auth.register", station=station.id, _external=True)
    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="svg", scale=8, border=2, xmldecl=False)
    return Response(out.getvalue(), mimetype="image/svg+xml")
