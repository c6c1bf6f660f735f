"""The graduate's profile form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
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
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..forms import (
    MultiCheckboxField,
    PhoneField,
    any_region_choices,
    area_choices,
    claim_code_field,
    email_valid,
    none_option,
    phone_valid,
    sector_choices,
    strip_text,
    valid_or_none,
    whole_or_none,
)
from ..labels import DEGREE, choices


class GraduateProfileForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=50)])
    school = StringField(_l("School"), validators=[DataRequired(), Length(max=80)])
    major = StringField(_l("Major"), validators=[DataRequired(), Length(max=80)])
    degree = SelectField(_l("Degree"), choices=choices(DEGREE), validators=[DataRequired()])
    graduation_year = IntegerField(
        _l("Year of graduation"),
        validators=[
            InputRequired(),
            NumberRange(1950, 2100, _l("Enter a year between 1950 and 2100.")),
        ],
    )
    skills = TextAreaField(
        _l("Skills"),
        description=_l("Separate skills with commas, e.g. 嫁接, 病虫害防治, 无人机植保."),
        validators=[Length(max=1000)],
    )
    intro = TextAreaField(_l("About you"), validators=[Length(max=2000)])
    hometown_id = SelectField(_l("Hometown"), coerce=int, validators=[Optional()])
    is_returnee = BooleanField(_l("I am returning to my hometown (返乡)"))
    phone = PhoneField(_l("Mobile phone"), validators=[Optional(), Length(max=30), phone_valid])
    email = EmailField(_l("Contact e-mail"), validators=[Optional(), Length(max=254), email_valid])
    wanted_sector_ids = MultiCheckboxField(_l("Sectors I want to work in"), coerce=int)
    wanted_region_ids = MultiCheckboxField(_l("Where I want to work"), coerce=int)
    open_to_matching = BooleanField(_l("Open to matching"), default=True)
    claim_code = claim_code_field()  # a new profile only
    submit = SubmitField(_l("Save profile"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.hometown_id.choices = [none_option(), *any_region_choices()]
        self.wanted_sector_ids.choices = sector_choices()
        self.wanted_region_ids.choices = area_choices()

    def payload(self) -> dict:
        return dict(
            name=self.name.data,
            school=self.school.data,
            major=self.major.data,
            degree=self.degree.data,
            graduation_year=self.graduation_year.data,
            skills=self.skills.data,
            intro=self.intro.data,
            hometown_id=self.hometown_id.data or None,
            is_returnee=self.is_returnee.data,
            phone=self.phone.data,
            email=self.email.data,
            wanted_sector_ids=self.wanted_sector_ids.data,
            wanted_region_ids=self.wanted_region_ids.data,
            open_to_matching=self.open_to_matching.data,
        ) | ({"claim_code": self.claim_code.data} if "claim_code" in self else {})


class EraseForm(FlaskForm):
    """Deleting the account needs the password, so a left-open session cannot do it."""

    password = PasswordField(_l("Your password"), validators=[DataRequired()])
    submit = SubmitField(_l("Delete my account and my personal information"))


class PositionFilterForm(Form):
    """Open positions' filters, read from the query string (a GET form: no CSRF); a value
    that does not validate is ignored, never an error page."""

    q = StringField(_l("Search"), validators=[Optional(), Length(max=50)], filters=[strip_text])
    sector = SelectField(_l("Sector"), coerce=whole_or_none, validators=[Optional()])
    region = SelectField(_l("Place"), coerce=whole_or_none, validators=[Optional()])

    def values(self) -> dict:
        """``postings.open_needs``' arguments, leaving out what did not validate."""
        self.validate()
        return {
            "text": valid_or_none(self.q) or "",
            "sector_id": valid_or_none(self.sector),
            "region_id": valid_or_none(self.region),
        }
