"""Forms of the enterprise area: the firm, its needs, projects and interests."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from ..forms import (
    MultiCheckboxField,
    PayloadMixin,
    PhoneField,
    area_choices,
    claim_code_field,
    credit_code_valid,
    email_valid,
    int_select,
    local_region_choices,
    optional_int,
    phone_valid,
    sector_choices,
)
from ..labels import DEGREE, choices


class EnterpriseForm(PayloadMixin, FlaskForm):
    fields_out = "name credit_code sector_id region_id description contact_person phone email"

    name = StringField(_l("Enterprise name"), validators=[DataRequired(), Length(max=120)])
    credit_code = StringField(
        _l("Unified social credit code"),
        description=_l("The 18 characters on the business licence (统一社会信用代码)."),
        validators=[DataRequired(), Length(max=30), credit_code_valid],
    )
    sector_id = int_select(_l("Sector"))
    region_id = int_select(_l("Location"))
    description = TextAreaField(_l("About the enterprise"), validators=[Length(max=4000)])
    contact_person = StringField(_l("Contact person"), validators=[Length(max=50)])
    phone = PhoneField(_l("Contact phone"), validators=[Optional(), Length(max=30), phone_valid])
    email = EmailField(_l("Contact e-mail"), validators=[Optional(), Length(max=254), email_valid])
    claim_code = claim_code_field(
        _l(
            "Only if the station registered your enterprise before and gave you a claim code"
            " (such as ABCD-EFGH-JKMN): the record it keeps becomes yours."
        )
    )  # a new firm record only
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sector_id.choices = sector_choices()
        self.region_id.choices = local_region_choices()

    def payload(self) -> dict:
        data = super().payload()
        return data | ({"claim_code": self.claim_code.data} if "claim_code" in self else {})


def _title():
    return StringField(_l("Title"), validators=[DataRequired(), Length(max=100)])


def _description():
    return TextAreaField(_l("Description"), validators=[DataRequired(), Length(max=4000)])


def _amount_from():
    return optional_int(_l("Amount from (10,000 yuan)"), 0, 100_000_000)


def _amount_to():
    return optional_int(_l("Amount up to (10,000 yuan)"), 0, 100_000_000)


class NeedForm(PayloadMixin, FlaskForm):
    title = _title()
    description = _description()
    sector_id = int_select(_l("Sector"))
    region_id = int_select(_l("Place of work"))
    min_degree = SelectField(_l("Minimum education"))
    headcount = IntegerField(
        _l("Number of people"),
        default=1,
        validators=[InputRequired(), NumberRange(1, 1000, _l("Enter 1 to 1000."))],
    )
    salary_min = optional_int(_l("Monthly pay from (yuan)"), 0, 1_000_000)
    salary_max = optional_int(_l("Monthly pay up to (yuan)"), 0, 1_000_000)
    submit = SubmitField(_l("Save"))

    fields_out = "title description sector_id region_id min_degree headcount salary_min salary_max"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sector_id.choices = sector_choices()
        self.region_id.choices = local_region_choices()
        self.min_degree.choices = [SelectChoice("", _l("No requirement")), *choices(DEGREE)]

    def fill_from(self, need) -> None:
        self.min_degree.data = need.min_degree.value if need.min_degree else ""

    def prefill(self, firm) -> None:
        """A new need starts in the firm's own sector and place."""
        self.sector_id.data, self.region_id.data = firm.sector_id, firm.region_id

    def payload(self) -> dict:
        data = super().payload()
        data["min_degree"] = data["min_degree"] or None
        return data


class ProjectForm(PayloadMixin, FlaskForm):
    title = _title()
    description = _description()
    sector_id = int_select(_l("Sector"))
    region_id = int_select(_l("Location"))
    amount_min_wan = _amount_from()
    amount_max_wan = _amount_to()
    submit = SubmitField(_l("Save"))

    fields_out = "title description sector_id region_id amount_min_wan amount_max_wan"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sector_id.choices = sector_choices()
        self.region_id.choices = local_region_choices()

    def prefill(self, firm) -> None:
        """A new project starts in the firm's own sector and place."""
        self.sector_id.data, self.region_id.data = firm.sector_id, firm.region_id

    def fill_from(self, project) -> None:
        pass


class InterestForm(PayloadMixin, FlaskForm):
    title = _title()
    description = _description()
    sector_ids = MultiCheckboxField(_l("Sectors"), coerce=int)
    region_ids = MultiCheckboxField(_l("Regions"), coerce=int)
    amount_min_wan = _amount_from()
    amount_max_wan = _amount_to()
    submit = SubmitField(_l("Save"))

    fields_out = "title description sector_ids region_ids amount_min_wan amount_max_wan"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sector_ids.choices = sector_choices()
        self.region_ids.choices = area_choices()

    def fill_from(self, interest) -> None:
        self.sector_ids.data = [s.id for s in interest.sectors]
        self.region_ids.data = [r.id for r in interest.regions]

    def validate_sector_ids(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one sector."))


class CloseForm(FlaskForm):
    outcome = SelectField(_l("Outcome"), validators=[DataRequired()])
    submit = SubmitField(_l("Close"))
