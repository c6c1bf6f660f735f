"""The deputy's own profile form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import Length, Optional

from ..forms import MultiCheckboxField, PayloadMixin, PhoneField, phone_valid


class DeputyProfileForm(PayloadMixin, FlaskForm):
    affiliation = StringField(_l("Work unit and post"), validators=[Length(max=120)])
    phone = PhoneField(_l("Mobile phone"), validators=[Optional(), Length(max=30), phone_valid])
    sector_ids = MultiCheckboxField(_l("Sectors I follow"), coerce=int)
    submit = SubmitField(_l("Save"))

    fields_out = "affiliation phone sector_ids"
