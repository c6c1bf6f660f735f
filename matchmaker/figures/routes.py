"""Station figures: dashboards with charts, drill-down by region, exports, a summary."""

from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..models import Region, RegionLevel, Role, Station
from ..services import audit, exports, figures
from ..services.catalogue import regions_within
from ..web import restrict_to

bp = Blueprint("figures", __name__)
restrict_to(bp, Role.STAFF, Role.ADMIN)

MIME = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def _period() -> figures.Period:
    default = figures.Period.this_year()
    try:
        start = date.fromisoformat(request.args.get("start") or default.start.isoformat())
        end = date.fromisoformat(request.args.get("end") or default.end.isoformat())
    except ValueError:
        flash(_("Dates are written as 2026-01-31; showing this year instead."), "error")
        return default
    if start > end:
        flash(_("The period ends before it starts; showing this year instead."), "error")
        return default
    return figures.Period(start, end)


def _station(station_id: int) -> Station:
    station = db.session.get(Station, station_id)
    if station is None:
        abort(404)
    if current_user.role is Role.STAFF and current_user.station_id != station.id:
        abort(404)  # staff see their own station only
    return station


def _region(region_id: int) -> Region:
    if current_user.role is not Role.ADMIN:
        abort(404)
    return db.get_or_404(Region, region_id)


@bp.route("/")
def home():
    """Staff go to their station; administrators to the province."""
    if current_user.role is Role.STAFF:
        return redirect(url_for("figures.station", station_id=current_user.station_id))
    province = db.session.scalar(select(Region).where(Region.level == RegionLevel.PROVINCE))
    if province is None:
        abort(404)
    return redirect(url_for("figures.region", region_id=province.id))


@bp.route("/station/<int:station_id>")
def station(station_id: int):
    """One station's figures and its summary paragraph."""
    place = _station(station_id)
    period = _period()
    total = figures.for_station(place, period)
    return render_template(
        "figures/dashboard.html",
        title=place.name,
        total=total,
        rows=[],
        period=period,
        summary=figures.summary(place.name, total, period, is_station=True),
        export_endpoint="figures.station_export",
        export_args={"station_id": place.id},
        lineage=place.region.lineage(),
        today=figures.today(),
    )


@bp.route("/region/<int:region_id>")
def region(region_id: int):
    """A region's figures, with one row and one bar per child region to drill into."""
    place = _region(region_id)
    period = _period()
    rows, total = figures.breakdown_and_total(place, period)
    station_ids = figures.stations_within(regions_within(place))
    stations = db.session.scalars(select(Station).where(Station.id.in_(station_ids))).all()
    return render_template(
        "figures/dashboard.html",
        title=place.label,
        total=total,
        rows=rows,
        stations=stations,
        period=period,
        summary=figures.summary(place.label, total, period),
        export_endpoint="figures.region_export",
        export_args={"region_id": place.id},
        lineage=place.lineage(),
        today=figures.today(),
        chart_max=_chart_max(rows),
        chart_bars=CHART_BARS,
    )


CHART_BARS = ("suggestions", "introductions", "hires", "closed_out", "solved")


def _chart_max(rows) -> int:
    """The longest bar of the chart, so none runs off it."""
    return max([1, *(getattr(f, key) for _, _, f in rows for key in CHART_BARS)])


def _download(table_name: str, sheets: dict, fmt: str, title: str) -> Response:
    audit.record(current_user, "export", table_name, format=fmt, args=dict(request.args))
    db.session.commit()
    first_table = next(iter(sheets.values()))
    if fmt == "xlsx":
        body = exports.to_xlsx(sheets, title=title)
    else:
        body = exports.to_csv(first_table, title=title)
    name = f"{table_name}.{fmt}"
    return Response(
        body,
        mimetype=MIME[fmt],
        headers={"Content-Disposition": f"attachment; filename={name}"},
    )


@bp.route("/station/<int:station_id>/<any(figures, leads):what>.<any(xlsx, csv):fmt>")
def station_export(station_id: int, what: str, fmt: str):
    """The station's figures or lead list as a spreadsheet."""
    place = _station(station_id)
    period = _period()
    if what == "figures":
        table = exports.figure_rows([(place.name, figures.for_station(place, period))])
        title = exports.title(place.name, "数据汇总", period)
        return _download("station-figures", {"数据汇总": table}, fmt, title)
    table = exports.lead_rows([place.id], period)
    title = exports.title(place.name, "线索明细", period)
    return _download("station-leads", {"线索清单": table}, fmt, title)


@bp.route("/region/<int:region_id>/<any(figures, leads):what>.<any(xlsx, csv):fmt>")
def region_export(region_id: int, what: str, fmt: str):
    """A region's figures (one row per child) or its lead list as a spreadsheet."""
    place = _region(region_id)
    period = _period()
    if what == "figures":
        rows = [(name, f) for name, _, f in figures.breakdown(place, period)]
        rows.append(("合计", figures.for_region(place, period)))
        title = exports.title(place.label, "数据汇总", period)
        return _download("region-figures", {"数据汇总": exports.figure_rows(rows)}, fmt, title)
    table = exports.lead_rows(figures.stations_within(regions_within(place)), period)
    title = exports.title(place.label, "线索明细", period)
    return _download("region-leads", {"线索清单": table}, fmt, title)
