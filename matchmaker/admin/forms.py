"""Forms of the administrator's area."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    BooleanField,
    EmailField,
    Form,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from ..auth.forms import PASSWORD_MAX, PASSWORD_MIN
from ..extensions import db
from ..forms import (
    MultiCheckboxField,
    PayloadMixin,
    PhoneField,
    email_valid,
    int_select,
    none_option,
    phone_valid,
    region_choices,
    sector_choices,
    station_choices,
    strip_text,
    valid_or_none,
    whole_or_none,
)
from ..labels import DEPUTY_LEVEL, choices
from ..models import Enterprise, RegionLevel


def _email():
    return EmailField(_l("E-mail (sign-in name)"), validators=[DataRequired(), email_valid])


def _password():
    return PasswordField(
        _l("Initial password"),
        description=_l("Give it to the person in private; at least 8 characters."),
        validators=[DataRequired(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX)],
    )


class StaffForm(PayloadMixin, FlaskForm):
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=50)])
    email = _email()
    password = _password()
    station_id = int_select(_l("Station"))
    submit = SubmitField(_l("Create account"))

    fields_out = "display_name email password station_id"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.station_id.choices = station_choices()


class DeputyForm(PayloadMixin, FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=50)])
    email = _email()
    password = _password()
    level = SelectField(_l("Level"), choices=choices(DEPUTY_LEVEL))
    station_id = int_select(_l("Station"))
    sector_ids = MultiCheckboxField(_l("Sectors"), coerce=int)
    affiliation = StringField(_l("Work unit and post"), validators=[Length(max=120)])
    affiliated_enterprise_id = SelectField(
        _l("Enterprise the deputy works for or owns"),
        coerce=int,
        description=_l("Used to keep deputies off leads where they have an interest."),
    )
    phone = PhoneField(_l("Mobile phone"), validators=[Optional(), Length(max=30), phone_valid])
    submit = SubmitField(_l("Create deputy"))

    fields_out = (
        "name email password level station_id sector_ids affiliation affiliated_enterprise_id phone"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.station_id.choices = station_choices()
        self.sector_ids.choices = sector_choices()
        firms = db.session.execute(select(Enterprise.id, Enterprise.name).order_by(Enterprise.name))
        self.affiliated_enterprise_id.choices = [
            none_option(_l("None")),
            *(SelectChoice(f.id, f.name) for f in firms),
        ]

    def payload(self) -> dict:
        data = super().payload()
        data["affiliated_enterprise_id"] = data["affiliated_enterprise_id"] or None
        return data


class DeputyEditForm(DeputyForm):
    """A deputy's profile as an administrator changes it (the sign-in stays as it is)."""

    email = None
    password = None
    submit = SubmitField(_l("Save"))

    fields_out = "name level station_id sector_ids affiliation affiliated_enterprise_id phone"


class AccountForm(PayloadMixin, FlaskForm):
    """An account's name and whether it may sign in; a staff account's station too."""

    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=50)])
    active = BooleanField(_l("May sign in"))
    station_id = int_select(_l("Station"))
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, staff: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if staff:
            self.station_id.choices = station_choices()
        else:
            del self.station_id
        self.fields_out = "display_name active" + (" station_id" if staff else "")


class SearchForm(Form):
    """A long admin list's search and filter, read from the query string (a value that
    does not validate is ignored)."""

    q = StringField(_l("Search"), validators=[Optional(), Length(max=50)], filters=[strip_text])
    station = SelectField(_l("Station"), coerce=whole_or_none, validators=[Optional()])

    def __init__(self, formdata):
        super().__init__(formdata)
        self.station.choices = [SelectChoice("", _l("All stations")), *station_choices()]

    def wanted(self) -> tuple[str, int | None]:
        """The search text and the station, each None when blank or not valid."""
        self.validate()
        return valid_or_none(self.q) or "", valid_or_none(self.station)


def _days(label):
    return IntegerField(
        label, validators=[InputRequired(), NumberRange(1, 365, _l("Enter 1 to 365 days."))]
    )


class StationForm(PayloadMixin, FlaskForm):
    name = StringField(_l("Station name"), validators=[DataRequired(), Length(max=80)])
    region_id = int_select(_l("Region"))
    sector_ids = MultiCheckboxField(_l("Sectors served"), coerce=int)
    review_deadline_days = _days(_l("Days for a deputy to review a suggestion"))
    consent_deadline_days = _days(_l("Days for both sides to answer an introduction"))
    submit = SubmitField(_l("Save"))

    fields_out = "name region_id sector_ids review_deadline_days consent_deadline_days"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.region_id.choices = region_choices(
            RegionLevel.CITY, RegionLevel.COUNTY, RegionLevel.TOWNSHIP
        )
        self.sector_ids.choices = sector_choices()


class SectorForm(PayloadMixin, FlaskForm):
    code = StringField(
        _l("Code"),
        description=_l("Lower-case letters, digits and _, e.g. auto_parts."),
        validators=[
            DataRequired(),
            Regexp(r"^[a-z][a-z0-9_]{1,39}$", message=_l("Use 2–40 of a–z, 0–9 and _.")),
        ],
    )
    name_zh = StringField(_l("Chinese name"), validators=[DataRequired(), Length(max=40)])
    name_en = StringField(_l("English name"), validators=[DataRequired(), Length(max=80)])
    synonyms = TextAreaField(
        _l("Synonyms"),
        description=_l("One per line or separated by commas; matching folds them together."),
        validators=[Length(max=4000)],
    )
    submit = SubmitField(_l("Save"))

    fields_out = "code name_zh name_en synonyms"
