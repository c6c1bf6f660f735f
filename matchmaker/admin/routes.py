"""The administrator's area: accounts, stations, sectors, enterprise verification."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from ..auth.codes import issue_code_page
from ..extensions import db
from ..forms import ButtonForm, local_region_choices, sector_choices
from ..identifiers import display_phone
from ..models import (
    Deputy,
    Enterprise,
    Graduate,
    Region,
    Role,
    Sector,
    Station,
    TalentNeed,
    User,
)
from ..services import accounts, catalogue, registers
from ..services.catalogue import regions_within
from ..services.deputies import deputy_rows
from ..staff.forms import RegisterFilterForm
from ..web import (
    back_to,
    commit_or_flash,
    paginate,
    restrict_to,
    save_or_show,
    toggle_verification,
    verification_page,
)
from .forms import (
    AccountForm,
    DeputyEditForm,
    DeputyForm,
    SearchForm,
    SectorForm,
    StaffForm,
    StationForm,
)

bp = Blueprint("admin", __name__)
restrict_to(bp, Role.ADMIN)

PAGE_SIZE = 50


@bp.route("/")
def home():
    """Counts of everything, with links to manage it."""
    counts = {
        role: db.session.scalar(select(func.count(User.id)).where(User.role == role))
        for role in Role
    }
    totals = {
        "stations": db.session.scalar(select(func.count(Station.id))),
        "sectors": db.session.scalar(select(func.count(Sector.id))),
        "enterprises": db.session.scalar(select(func.count(Enterprise.id))),
        "unverified": db.session.scalar(
            select(func.count(Enterprise.id)).where(Enterprise.verified.is_(False))
        ),
        "graduates": db.session.scalar(select(func.count(Graduate.id))),
        "needs": db.session.scalar(select(func.count(TalentNeed.id))),
    }
    return render_template("admin/home.html", counts=counts, totals=totals)


@bp.route("/users")
def users():
    """All accounts, filtered by role or a search on e-mail, mobile number and name."""
    query = select(User).order_by(User.id)
    role = request.args.get("role", "")
    if role in {r.value for r in Role}:
        query = query.where(User.role == Role(role))
    term = request.args.get("q", "").strip()[:100]
    if term:
        digits = term.replace(" ", "").replace("-", "")
        query = query.where(
            or_(
                User.email.contains(term.lower(), autoescape=True),
                User.display_name.contains(term, autoescape=True),
                User.phone.contains(digits, autoescape=True),
            )
        )
    page = paginate(query, PAGE_SIZE)
    return render_template("admin/users.html", page=page, role=role, term=term, button=ButtonForm())


@bp.route("/users/<int:user_id>/active", methods=["POST"])
def toggle_active(user_id: int):
    """Deactivate or reactivate an account."""
    user = db.get_or_404(User, user_id)
    if ButtonForm().validate_on_submit():
        commit_or_flash(
            lambda: accounts.set_active(current_user, user, not user.active),
            _("Account %(email)s updated.", email=user.email or display_phone(user.phone)),
        )
    return redirect(request.referrer if _same_site(request.referrer) else url_for("admin.users"))


def _same_site(url: str | None) -> bool:
    return bool(url) and url.startswith(request.host_url)


@bp.route("/deputies/new", methods=["GET", "POST"])
def new_deputy():
    """Create a deputy's account and profile."""
    form = DeputyForm()
    if form.validate_on_submit():
        done = save_or_show(
            form, lambda: accounts.create_deputy(**form.payload()), _("Deputy account created.")
        )
        if done is not None:
            return redirect(url_for("admin.users", role="deputy"))
    return render_template(
        "form_page.html", form=form, heading=_("New deputy"), cancel_url=url_for("admin.users")
    )


@bp.route("/staff/new", methods=["GET", "POST"])
def new_staff():
    """Create a station staff account."""
    form = StaffForm()
    if form.validate_on_submit():
        done = save_or_show(
            form, lambda: accounts.create_staff(**form.payload()), _("Staff account created.")
        )
        if done is not None:
            return redirect(url_for("admin.users", role="staff"))
    return render_template(
        "form_page.html",
        form=form,
        heading=_("New station staff account"),
        cancel_url=url_for("admin.users"),
    )


@bp.route("/stations")
def stations():
    """All liaison stations."""
    rows = db.session.scalars(select(Station).order_by(Station.id)).all()
    return render_template("admin/stations.html", stations=rows)


@bp.route("/stations/new", methods=["GET", "POST"], defaults={"station_id": None})
@bp.route("/stations/<int:station_id>/edit", methods=["GET", "POST"])
def edit_station(station_id: int | None):
    """Create or edit a station."""
    station = db.get_or_404(Station, station_id) if station_id is not None else None
    form = StationForm(obj=station)
    if station is not None and not form.is_submitted():
        form.sector_ids.data = [s.id for s in station.sectors]
    elif station is None and not form.is_submitted():
        form.review_deadline_days.data, form.consent_deadline_days.data = 7, 14
    if form.validate_on_submit():
        done = save_or_show(
            form,
            lambda: catalogue.save_station(**form.payload(), station=station),
            _("Station saved."),
        )
        if done is not None:
            return redirect(url_for("admin.stations"))
    heading = _("Edit station") if station else _("New station")
    return render_template(
        "form_page.html", form=form, heading=heading, cancel_url=url_for("admin.stations")
    )


@bp.route("/sectors")
def sectors():
    """All sectors with their synonyms."""
    rows = db.session.scalars(select(Sector).order_by(Sector.id)).all()
    return render_template("admin/sectors.html", sectors=rows)


@bp.route("/sectors/new", methods=["GET", "POST"], defaults={"sector_id": None})
@bp.route("/sectors/<int:sector_id>/edit", methods=["GET", "POST"])
def edit_sector(sector_id: int | None):
    """Create or edit a sector and its synonyms."""
    sector = db.get_or_404(Sector, sector_id) if sector_id is not None else None
    form = SectorForm(obj=sector)
    if sector is not None and not form.is_submitted():
        form.synonyms.data = "\n".join(sector.synonyms or [])
    if form.validate_on_submit():
        done = save_or_show(
            form,
            lambda: catalogue.save_sector(**form.payload(), sector=sector),
            _("Sector saved."),
        )
        if done is not None:
            return redirect(url_for("admin.sectors"))
    heading = _("Edit sector") if sector else _("New sector")
    return render_template(
        "form_page.html", form=form, heading=heading, cancel_url=url_for("admin.sectors")
    )


@bp.route("/enterprises")
def enterprises():
    """All enterprises, unverified first, with the verification switch; searched by
    name or credit code, filtered by sector, place and verification."""
    filters = RegisterFilterForm(request.args, "enterprises", sector_choices(),
                                 local_region_choices())  # fmt: skip
    wanted = filters.wanted(lambda place: regions_within(db.session.get(Region, place)))
    page = paginate(registers.enterprises(None, wanted), PAGE_SIZE)
    return render_template(
        "shared/enterprises.html",
        page=page,
        button=ButtonForm(),
        verify_endpoint="admin.verify_enterprise",
        filters=filters,
        filtered=wanted != registers.RegisterFilter(),
        args={k: v for k, v in request.args.items() if k != "page" and k in filters},
    )


@bp.route("/enterprises/<int:enterprise_id>/verify", methods=["POST"])
def verify_enterprise(enterprise_id: int):
    """Mark an enterprise verified, or take the mark back."""
    toggle_verification(db.get_or_404(Enterprise, enterprise_id))
    return back_to(url_for("admin.enterprises"))


@bp.route("/verification")
def verification():
    """Unverified firms everywhere, oldest first, with what to check on each."""
    return render_template(
        "shared/verification.html", **verification_page(None, "admin.verify_enterprise")
    )


@bp.route("/deputies")
def deputies():
    """All deputies with station, level and sectors, searched by name or post and
    filtered by station, paged by the database."""
    filters = SearchForm(request.args)
    term, station_id = filters.wanted()
    query = select(Deputy)
    if term:
        query = query.where(
            or_(
                Deputy.name.contains(term, autoescape=True),
                Deputy.affiliation.contains(term, autoescape=True),
            )
        )
    if station_id is not None:
        query = query.where(Deputy.station_id == station_id)
    page = paginate(deputy_rows(query), PAGE_SIZE)
    return render_template(
        "shared/deputies.html",
        deputies=page.items,
        total=page.total,
        page=page,
        filters=filters,
        filtered=bool(term) or station_id is not None,
        args={k: v for k, v in request.args.items() if k != "page" and k in filters},
    )


@bp.route("/deputies/<int:deputy_id>/edit", methods=["GET", "POST"])
def edit_deputy(deputy_id: int):
    """Change a deputy's station, sectors, declared interest, post, level or phone."""
    deputy = db.get_or_404(Deputy, deputy_id)
    form = DeputyEditForm(obj=deputy)
    if not form.is_submitted():
        form.sector_ids.data = [s.id for s in deputy.sectors]
        form.affiliated_enterprise_id.data = deputy.affiliated_enterprise_id or 0
        form.level.data = deputy.level.value
    if form.validate_on_submit():
        done = save_or_show(
            form,
            lambda: accounts.update_deputy(current_user, deputy, **form.payload()),
            _("Deputy saved."),
        )
        if done is not None:
            return redirect(url_for("admin.deputies"))
    return render_template(
        "form_page.html",
        form=form,
        heading=_("Edit deputy %(name)s", name=deputy.name),
        cancel_url=url_for("admin.deputies"),
    )


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
def edit_user(user_id: int):
    """Change an account's name and whether it may sign in (a staff account's station
    too; a deputy's profile has a page of its own)."""
    user = db.get_or_404(User, user_id)
    form = AccountForm(obj=user, staff=user.role is Role.STAFF)
    if form.validate_on_submit():
        done = save_or_show(
            form,
            lambda: accounts.update_account(current_user, user, **form.payload()),
            _("Account %(email)s updated.", email=user.email or display_phone(user.phone)),
        )
        if done is not None:
            return redirect(url_for("admin.users", role=user.role.value))
    intro = None
    if user.role is Role.DEPUTY and user.deputy is not None:
        intro = _("Station, sectors and declared interest are on the deputy's own page.")
    return render_template(
        "admin/edit_user.html",
        form=form,
        user=user,
        intro=intro,
        heading=_("Edit account %(email)s", email=user.email or display_phone(user.phone)),
        cancel_url=url_for("admin.users"),
    )


@bp.route("/reset-code", methods=["GET", "POST"])
def reset_code():
    """Issue a one-time code with which someone sets a new password (shown once)."""
    return issue_code_page()
