"""Sign-in, sign-up and password forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError

from ..forms import PhoneField, claim_code_field, email_valid, mobile_valid
from ..messages import MESSAGES, describe
from ..models import Role

PASSWORD_MIN, PASSWORD_MAX = 8, 128

#: The sign-up choice of an investor: an enterprise account that goes on to its interests.
INVESTOR = "investor"


def sign_in_name_field() -> StringField:
    """Where a person types the e-mail address or the mobile number they sign in with."""
    return StringField(
        _l("E-mail or mobile number"),
        validators=[DataRequired(), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )


def new_password_fields(label=_l("Password"), confirm_label=_l("Repeat the password")):
    """The new password and its repetition, under the rules of registration."""
    password = PasswordField(
        label,
        description=_l("At least 8 characters; a long phrase is best."),
        validators=[
            DataRequired(),
            Length(
                min=PASSWORD_MIN,
                max=PASSWORD_MAX,
                message=_l(
                    "Use between %(min)d and %(max)d characters.",
                    min=PASSWORD_MIN,
                    max=PASSWORD_MAX,
                ),
            ),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        confirm_label,
        validators=[DataRequired(), EqualTo("password", _l("The passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm


class LoginForm(FlaskForm):
    # named ``email`` as before (bookmarked forms, password managers); takes either
    email = sign_in_name_field()
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    submit = SubmitField(_l("Sign in"))


class RegisterForm(FlaskForm):
    role = RadioField(
        _l("I register as"),
        choices=[
            SelectChoice(Role.GRADUATE.value, _l("Graduate or young returnee")),
            SelectChoice(Role.ENTERPRISE.value, _l("Enterprise")),
            SelectChoice(INVESTOR, _l("Investor (an enterprise that invests)")),
        ],
        default=Role.GRADUATE.value,
        validators=[DataRequired()],
    )
    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=50)])
    phone = PhoneField(
        _l("Mobile number"),
        description=_l("You sign in with it; give it, your e-mail address, or both."),
        validators=[Optional(), Length(max=40), mobile_valid],
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )
    email = EmailField(
        _l("E-mail"),
        description=_l("Needed to set a new password yourself if you forget it."),
        validators=[Optional(), Length(max=254), email_valid],
    )
    password, confirm = new_password_fields()
    claim_code = claim_code_field()
    accept_terms = BooleanField(
        _l("I have read and accept the privacy policy and the user agreement"),
        validators=[DataRequired(MESSAGES["terms_not_accepted"])],
    )
    submit = SubmitField(_l("Create account"))

    def validate_email(self, field) -> None:
        """One of e-mail and mobile number is needed to sign in with."""
        if not (field.data or "").strip() and not (self.phone.data or "").strip():
            raise ValidationError(describe("sign_in_name_required"))

    @property
    def is_investor(self) -> bool:
        return self.role.data == INVESTOR

    def payload(self, terms_version: str) -> dict:
        role = Role.ENTERPRISE if self.is_investor else Role(self.role.data)
        return dict(
            terms_version=terms_version if self.accept_terms.data else None,
            email=self.email.data or None,
            phone=self.phone.data or None,
            password=self.password.data,
            role=role,
            display_name=self.display_name.data,
            claim_code=self.claim_code.data or None,
        )


class ClaimForm(FlaskForm):
    """Claim a profile the station registered: the code, what the station has on file,
    and (with no account yet) how to sign in from now on."""

    claim_code = StringField(
        _l("Claim code"),
        description=_l("On the invitation from the station, such as ABCD-EFGH-JKMN."),
        validators=[DataRequired(), Length(max=64)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters"},
    )
    on_file = StringField(
        _l("Mobile number the station has for you"),
        description=_l(
            "Or the e-mail address it has; a firm may give its unified social credit code."
        ),
        validators=[DataRequired(), Length(max=254)],
        render_kw={"autocomplete": "tel"},
    )
    email = EmailField(
        _l("E-mail"),
        description=_l("Optional: to set a new password yourself if you forget it."),
        validators=[Optional(), Length(max=254), email_valid],
    )
    password, confirm = new_password_fields()
    accept_terms = BooleanField(
        _l("I have read and accept the privacy policy and the user agreement"),
        validators=[DataRequired(MESSAGES["terms_not_accepted"])],
    )
    submit = SubmitField(_l("Claim my profile"))

    def for_signed_in(self) -> None:
        """Someone signed in (with no profile yet) gives only the code and the detail."""
        for name in ("email", "password", "confirm", "accept_terms"):
            delattr(self, name)


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=256)])
    password, confirm = new_password_fields(_l("New password"), _l("Repeat the new password"))
    submit = SubmitField(_l("Change password"))


class ForgotForm(FlaskForm):
    email = EmailField(
        _l("E-mail"),
        description=_l("The address of your account: the link to set a new password goes there."),
        validators=[DataRequired(), Length(max=254), email_valid],
    )
    submit = SubmitField(_l("Send the link"))


class NewPasswordForm(FlaskForm):
    password, confirm = new_password_fields(_l("New password"), _l("Repeat the new password"))
    submit = SubmitField(_l("Set the password"))


class CodeResetForm(FlaskForm):
    account = sign_in_name_field()
    code = StringField(
        _l("One-time code"),
        description=_l("The code the station gave you, such as ABCD-EFGH-JKMN."),
        validators=[DataRequired(), Length(max=64)],
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "characters"},
    )
    password, confirm = new_password_fields(_l("New password"), _l("Repeat the new password"))
    submit = SubmitField(_l("Set the password"))


class IssueCodeForm(FlaskForm):
    account = sign_in_name_field()
    submit = SubmitField(_l("Issue a one-time code"))


class AcceptTermsForm(FlaskForm):
    accept_terms = BooleanField(
        _l("I have read and accept the privacy policy and the user agreement"),
        validators=[DataRequired(MESSAGES["terms_not_accepted"])],
    )
    submit = SubmitField(_l("Accept and go on"))
