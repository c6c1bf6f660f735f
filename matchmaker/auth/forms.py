"""Sign-in and sign-up forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, RadioField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from ..forms import email_valid
from ..models import Role

PASSWORD_MIN, PASSWORD_MAX = 8, 128


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    submit = SubmitField(_l("Sign in"))


class RegisterForm(FlaskForm):
    role = RadioField(
        _l("I register as"),
        choices=[
            SelectChoice(Role.GRADUATE.value, _l("Graduate or young returnee")),
            SelectChoice(Role.ENTERPRISE.value, _l("Enterprise")),
        ],
        default=Role.GRADUATE.value,
        validators=[DataRequired()],
    )
    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=50)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254), email_valid])
    password = PasswordField(
        _l("Password"),
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
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", _l("The passwords do not match."))],
    )
    submit = SubmitField(_l("Create account"))

    def payload(self) -> dict:
        return dict(
            email=self.email.data,
            password=self.password.data,
            role=Role(self.role.data),
            display_name=self.display_name.data,
        )


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=256)])
    password = PasswordField(
        _l("New password"),
        description=_l("At least 8 characters; a long phrase is best."),
        validators=[DataRequired(), Length(max=PASSWORD_MAX)],
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", _l("The passwords do not match."))],
    )
    submit = SubmitField(_l("Change password"))
