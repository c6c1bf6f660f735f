"""The graduate's area: profile and the matching switch."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..forms import ButtonForm
from ..models import Role
from ..services import profiles
from ..web import restrict_to, save_or_show
from .forms import GraduateProfileForm

bp = Blueprint("graduate", __name__)
restrict_to(bp, Role.GRADUATE)


@bp.route("/")
def home():
    """The graduate's home: the profile as others will see it, and the switch."""
    graduate = current_user.graduate
    if graduate is None:
        return redirect(url_for("graduate.profile"))
    return render_template("graduate/home.html", graduate=graduate, switch_form=ButtonForm())


@bp.route("/profile", methods=["GET", "POST"])
def profile():
    """Create or edit the profile."""
    graduate = current_user.graduate
    form = GraduateProfileForm(obj=graduate)
    if graduate is not None and not form.is_submitted():
        form.hometown_id.data = graduate.hometown_id or 0
        form.degree.data = graduate.degree.value
        form.wanted_sector_ids.data = [s.id for s in graduate.wanted_sectors]
        form.wanted_region_ids.data = [r.id for r in graduate.wanted_regions]
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
