"""The graduate's area: profile and the matching switch."""

import json

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from wtforms.fields.choices import SelectChoice

from ..extensions import db
from ..forms import ButtonForm, area_choices, sector_choices
from ..models import Role
from ..services import audit, catalogue, exports, leads, postings, privacy, profiles
from ..web import paginate, restrict_to, save_or_show
from .forms import EraseForm, GraduateProfileForm, PositionFilterForm

bp = Blueprint("graduate", __name__)
restrict_to(bp, Role.GRADUATE)


@bp.route("/")
def home():
    """The graduate's home: what happens next, introductions waiting for an answer, the
    positions suggested for them, then the profile as others will see it."""
    graduate = current_user.graduate
    if graduate is None:
        return redirect(url_for("graduate.profile"))
    places = catalogue.load_regions()  # every place named below, in one statement
    return render_template(
        "graduate/home.html",
        places=places,
        graduate=graduate,
        switch_form=ButtonForm(),
        suggested=postings.suggested_to(graduate),
        waiting=leads.waiting_for(current_user),
    )


@bp.route("/positions")
def positions():
    """Open positions, searchable and filtered by sector and place (paged in SQL); those
    suggested for the graduate are marked."""
    filters = PositionFilterForm(request.args)
    filters.sector.choices = [SelectChoice("", _("All sectors")), *sector_choices()]
    filters.region.choices = [SelectChoice("", _("Anywhere")), *area_choices()]
    values = filters.values()
    page = paginate(postings.open_needs(**values), 20)
    places = catalogue.load_regions()  # every place named below, in one statement
    return render_template(
        "graduate/positions.html",
        page=page,
        places=places,
        filters=filters,
        filtered=any(values.values()),
        suggested=postings.suggested_need_ids(current_user.graduate),
        args={k: v for k, v in request.args.items() if k != "page" and k in filters},
    )


@bp.route("/positions/<int:need_id>")
def position(need_id: int):
    """A position's full text: any open one, or one the graduate was introduced to."""
    need = postings.need_for_graduate(current_user.graduate, need_id)
    if need is None:
        abort(404)
    return render_template("graduate/position.html", need=need)


@bp.route("/suggestions-state")
def suggestions_state():
    """Whether the profile waits for its suggestions (polled by the home page)."""
    graduate = current_user.graduate
    return jsonify(pending=int(bool(graduate and graduate.match_pending)))


@bp.route("/profile", methods=["GET", "POST"])
def profile():
    """Create or edit the profile."""
    graduate = current_user.graduate
    form = GraduateProfileForm(obj=graduate)
    if graduate is not None:
        del form.claim_code  # only a new profile may be one the station holds
    if graduate is None and not form.is_submitted():
        form.phone.data = current_user.phone  # the sign-in number, to start from
    if graduate is not None and not form.is_submitted():
        form.hometown_id.data = graduate.hometown_id or 0
        form.degree.data = graduate.degree.value
        form.wanted_sector_ids.data = [s.id for s in graduate.wanted_sectors]
        form.wanted_region_ids.data = [r.id for r in graduate.wanted_regions]
    if graduate is None and not form.is_submitted():  # what registration already gave
        form.name.data, form.email.data = current_user.display_name, current_user.email
        if current_user.registered_via is not None:  # signed up at a station's poster
            form.hometown_id.data = current_user.registered_via.region_id
    if form.validate_on_submit():
        saved = save_or_show(
            form,
            lambda: profiles.save_graduate(current_user, **form.payload()),
            _("Your profile is saved."),
        )
        if saved is not None:
            return redirect(url_for("graduate.home"))
    return render_template(
        "form_page.html",
        form=form,
        heading=_("My profile"),
        intro=_(
            "Deputies see your major, degree, school, skills and hometown city. Your name,"
            " phone and e-mail stay hidden until you agree to share them for one introduction."
        ),
        cancel_url=url_for("graduate.home") if graduate else None,
    )


@bp.route("/matching", methods=["POST"])
def matching():
    """Turn matching on or off."""
    graduate = current_user.graduate
    form = ButtonForm()
    if graduate is None:
        return redirect(url_for("graduate.profile"))
    if form.validate_on_submit():
        profiles.set_open_to_matching(graduate, not graduate.open_to_matching)
        db.session.commit()
        if graduate.open_to_matching:
            flash(_("Matching is on: deputies may suggest you to enterprises."), "success")
        else:
            flash(_("Matching is off: you will get no new suggestions."), "info")
    return redirect(url_for("graduate.home"))


@bp.route("/my-data.<any(json, csv):fmt>")
def my_data(fmt: str):
    """Everything held about me, to download (PIPL: right of access and portability)."""
    graduate = current_user.graduate
    if graduate is None:
        return redirect(url_for("graduate.profile"))
    data = privacy.personal_data(graduate)
    audit.record(current_user, "personal_data_downloaded", f"graduate:{graduate.id}")
    db.session.commit()
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False, indent=2).encode()
        return Response(body, mimetype="application/json", headers=_attachment("my-data.json"))
    return Response(
        exports.to_csv(_rows(data)), mimetype="text/csv", headers=_attachment("my-data.csv")
    )


def _attachment(name: str) -> dict:
    return {"Content-Disposition": f"attachment; filename={name}"}


def _rows(data: dict) -> list[list]:
    """The personal data as a two-column table for spreadsheets."""
    rows = [["项目", "内容"]]
    rows += [[f"profile.{key}", value] for key, value in data["profile"].items()]
    for section in ("introductions", "consents", "contact_views"):
        rows += [[f"{section}[{i}]", json.dumps(item, ensure_ascii=False)]
                 for i, item in enumerate(data[section])]  # fmt: skip
    return rows


@bp.route("/delete", methods=["GET", "POST"])
def delete_account():
    """Delete my account: personal information goes, anonymous statistics stay."""
    graduate = current_user.graduate
    form = EraseForm()
    if graduate is not None and form.validate_on_submit():
        done = save_or_show(form, lambda: privacy.erase(graduate, form.password.data) or True)
        if done:
            logout_user()
            session.clear()
            flash(_("Your account and personal information have been deleted."), "info")
            return redirect(url_for("public.index"))
    return render_template("graduate/delete.html", form=form)
