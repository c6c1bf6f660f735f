"""Forms of the lead pages: review, consent, follow-up, close-out."""

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..forms import MultiCheckboxField
from ..services.clock import today
from ..services.introductions import dismiss_reasons


def _note(label=_l("Note"), required=False):
    checks = [DataRequired()] if required else [Optional()]
    return TextAreaField(label, validators=[*checks, Length(max=1000)])


def _on(label=_l("Date")):
    return DateField(label, default=today, validators=[DataRequired()])


class IntroduceForm(FlaskForm):
    note = _note(_l("Note to both sides"), required=True)
    submit = SubmitField(_l("Introduce"))


class DismissForm(FlaskForm):
    reason = SelectField(_l("Reason"), validators=[DataRequired()])
    note = _note()
    submit = SubmitField(_l("Dismiss"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        language = "en" if str(get_locale()).startswith("en") else "zh"
        self.reason.choices = [SelectChoice("", _l("Choose a reason"))] + [
            SelectChoice(code, labels[language]) for code, labels in dismiss_reasons().items()
        ]


class DeferForm(FlaskForm):
    until = DateField(_l("Look again on"), validators=[DataRequired()])
    submit = SubmitField(_l("Defer"))


class ConsentForm(FlaskForm):
    notice_version = HiddenField(validators=[DataRequired()])
    agree = SubmitField(_l("I agree to share"))
    decline = SubmitField(_l("I decline"))


class HireForm(FlaskForm):
    on = _on(_l("Hired on"))
    position = StringField(_l("Position"), validators=[DataRequired(), Length(max=100)])
    note = _note()
    submit = SubmitField(_l("Record the hire"))


class SignForm(FlaskForm):
    on = _on(_l("Signed on"))
    amount_wan = IntegerField(
        _l("Amount (10,000 yuan)"),
        validators=[InputRequired(), NumberRange(0, 100_000_000)],
    )
    note = _note()
    submit = SubmitField(_l("Record the signing"))


class NoDealForm(FlaskForm):
    reason = StringField(
        _l("Why it did not work out"), validators=[DataRequired(), Length(max=200)]
    )
    submit = SubmitField(_l("Record no deal"))


class StartForm(FlaskForm):
    """No fields: the button says what it records (interviews or negotiations began)."""

    submit = SubmitField(_l("Interviews have started"))


class NegotiationForm(FlaskForm):
    submit = SubmitField(_l("Negotiations have started"))


class RetentionForm(FlaskForm):
    months = SelectField(
        _l("Check"),
        coerce=int,
        choices=[SelectChoice(3, _l("3-month check")), SelectChoice(6, _l("6-month check"))],
    )
    on = _on(_l("Still employed on"))
    submit = SubmitField(_l("Record the retention check"))


class FundsForm(FlaskForm):
    on = _on(_l("Funds arrived on"))
    submit = SubmitField(_l("Record the funds arrived (到资)"))


class ProductionForm(FlaskForm):
    on = _on(_l("Production started on"))
    submit = SubmitField(_l("Record production started (投产)"))


class CloseForm(FlaskForm):
    note = _note(_l("Closing note"), required=True)
    submit = SubmitField(_l("Close out (销号)"))


#: What a side may share, as a deputy reads it out (the service keeps those of the side).
SHAREABLE = [
    SelectChoice("name", _l("Name")),
    SelectChoice("school", _l("School")),
    SelectChoice("contact_person", _l("Contact person")),
    SelectChoice("phone", _l("Phone")),
    SelectChoice("email", _l("E-mail")),
]


class OfflineConsentForm(FlaskForm):
    """A side without an account answered the deputy in person, by phone or on paper."""

    party = SelectField(_l("Which side"), validators=[DataRequired()])
    agree = SelectField(
        _l("Their answer"),
        choices=[SelectChoice("yes", _l("Agreed to share")), SelectChoice("no", _l("Declined"))],
        validators=[DataRequired()],
    )
    method = SelectField(
        _l("How"),
        choices=[
            SelectChoice("in_person", _l("In person")),
            SelectChoice("phone", _l("By phone")),
            SelectChoice("paper", _l("Signed paper form")),
        ],
        validators=[DataRequired()],
    )
    given_by = StringField(_l("Given by (name)"), validators=[DataRequired(), Length(max=50)])
    given_on = _on(_l("Given on"))
    fields = MultiCheckboxField(
        _l("What they agreed to share"), choices=SHAREABLE, default=[c.value for c in SHAREABLE]
    )
    notice_read = BooleanField(
        _l("I read them the notice (who receives what, and for what) before they answered"),
        validators=[DataRequired()],
    )
    photo = FileField(
        _l("Photo of the signed form (optional; JPEG, PNG or WebP, at most 5 MB)"),
        render_kw={"accept": "image/jpeg,image/png,image/webp"},
    )
    submit = SubmitField(_l("Record their answer"))
