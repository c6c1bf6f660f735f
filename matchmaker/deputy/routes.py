"""The deputy's area: own profile, and the suggestions routed to the deputy."""

from datetime import UTC, datetime

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..extensions import db
from ..forms import sector_choices
from ..leads.forms import DeferForm, DismissForm, IntroduceForm
from ..models import Role
from ..services import deputies, leads, rebuild
from ..web import paginate, restrict_to, save_or_show
from .forms import DeputyProfileForm, QueueFilterForm

bp = Blueprint("deputy", __name__)
restrict_to(bp, Role.DEPUTY)


@bp.route("/")
def home():
    """The deputy's workbench: what waits for review, what is overdue, introductions
    waiting for the sides' answers and leads to follow up, each linking to its list;
    then the deputy's own profile."""
    deputy = current_user.deputy
    return render_template("deputy/home.html", deputy=deputy, work=leads.workload(deputy))


@bp.route("/profile", methods=["GET", "POST"])
def profile():
    """Edit post, phone and followed sectors."""
    deputy = current_user.deputy
    form = DeputyProfileForm(obj=deputy)
    form.sector_ids.choices = sector_choices(deputy.station.sectors)
    if not form.is_submitted():
        form.sector_ids.data = [s.id for s in deputy.sectors]
    if form.validate_on_submit():
        saved = save_or_show(
            form,
            lambda: deputies.update_own_profile(deputy, **form.payload()),
            _("Your profile is saved."),
        )
        if saved is not None:
            return redirect(url_for("deputy.home"))
    return render_template(
        "form_page.html", form=form, heading=_("My profile"), cancel_url=url_for("deputy.home")
    )


@bp.route("/suggestions")
def suggestions():
    """Suggested leads of the deputy's station and sectors, with why each was suggested."""
    deputy = current_user.deputy
    filters = QueueFilterForm(request.args)
    filters.sector.choices = [
        SelectChoice("", _("All my sectors")),
        *sector_choices(deputy.sectors),
    ]
    wanted = filters.wanted()
    page = paginate(leads.suggestions_for(deputy, wanted), 20)
    made = rebuild.explain_many(page.items)  # those a rebuild left to be made when shown
    now = datetime.now(UTC)
    shown = render_template(
        "deputy/suggestions.html",
        page=page,
        filters=filters,
        filtered=wanted != leads.QueueFilter(),
        args={k: v for k, v in request.args.items() if k != "page" and k in filters},
        declared=leads.capped_count(leads.suggestions_for(deputy, declared=True)),
        marks={lead.id: leads.age_mark(lead, now) for lead in page.items},
        forms={
            "introduce": IntroduceForm(prefix="introduce"),
            "dismiss": DismissForm(prefix="dismiss"),
            "defer": DeferForm(prefix="defer"),
        },
    )
    if made:
        db.session.commit()  # the explanations just made
    return shown
