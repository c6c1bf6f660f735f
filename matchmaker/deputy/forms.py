"""The deputy's own profile form, and the review queue's filters."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, IntegerField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional

from ..forms import (
    MultiCheckboxField,
    PayloadMixin,
    PhoneField,
    phone_valid,
    strip_text,
    valid_or_none,
    whole_or_none,
)
from ..services.leads import QueueFilter


class DeputyProfileForm(PayloadMixin, FlaskForm):
    affiliation = StringField(_l("Work unit and post"), validators=[Length(max=120)])
    phone = PhoneField(_l("Mobile phone"), validators=[Optional(), Length(max=30), phone_valid])
    sector_ids = MultiCheckboxField(_l("Sectors I follow"), coerce=int)
    submit = SubmitField(_l("Save"))

    fields_out = "affiliation phone sector_ids"


class QueueFilterForm(Form):
    """The review queue's filters, read from the query string (a GET form: no CSRF).
    A value that does not validate is ignored, never an error page."""

    q = StringField(_l("Search"), validators=[Optional(), Length(max=50)], filters=[strip_text])
    kind = SelectField(
        _l("Kind"),
        choices=[
            SelectChoice("", _l("All kinds")),
            SelectChoice("talent", _l("Talent")),
            SelectChoice("investment", _l("Investment")),
        ],
        validators=[Optional()],
    )
    sector = SelectField(_l("Sector"), coerce=whole_or_none, validators=[Optional()])
    colour = SelectField(
        _l("Review age"),
        choices=[
            SelectChoice("", _l("Any age")),
            SelectChoice("green", _l("Within the deadline")),
            SelectChoice("overdue", _l("Past the deadline")),
            SelectChoice("red", _l("Past twice the deadline")),
        ],
        validators=[Optional()],
    )
    order = SelectField(
        _l("Order"),
        choices=[
            SelectChoice("score", _l("Best match first")),
            SelectChoice("oldest", _l("Oldest first")),
            SelectChoice("newest", _l("Newest first")),
        ],
        validators=[Optional()],
    )
    need = IntegerField(validators=[Optional(), NumberRange(1, 2**31 - 1)])
    project = IntegerField(validators=[Optional(), NumberRange(1, 2**31 - 1)])

    def wanted(self) -> QueueFilter:
        """The filter these values ask for, leaving out any that did not validate."""
        self.validate()
        return QueueFilter(
            kind=valid_or_none(self.kind),
            sector_id=valid_or_none(self.sector),
            colour=valid_or_none(self.colour),
            text=valid_or_none(self.q) or "",
            need_id=valid_or_none(self.need),
            project_id=valid_or_none(self.project),
            order=valid_or_none(self.order) or "score",
        )
