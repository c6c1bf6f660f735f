"""Form fields and validators shared by the role areas."""

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from .extensions import db
from .identifiers import (
    IdentifierError,
    check_credit_code,
    check_email,
    check_mobile,
    check_phone,
    display_phone,
)
from .messages import describe
from .models import Region, RegionLevel, Sector, Station


class ButtonForm(FlaskForm):
    """A form that is only a button (with its CSRF token), for POST-only actions."""

    submit = SubmitField()


class PhoneField(StringField):
    """A phone number: stored as +86…, shown in the form as people write it."""

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data and str(self.data).startswith("+"):
            return display_phone(self.data)
        return self.data or ""


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of check boxes (easier on a phone)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class PayloadMixin:
    """``payload()`` returns exactly the fields named in ``fields_out``: what a service takes.

    Nothing else a client posts reaches the service (no mass assignment).
    """

    fields_out = ""

    def payload(self) -> dict:
        return {name: self[name].data for name in self.fields_out.split()}


def optional_int(label, minimum=0, maximum=10_000_000, **kwargs) -> IntegerField:
    """An optional whole-number field with bounds and a readable message."""
    message = _l("Enter a whole number between %(min)s and %(max)s.", min=minimum, max=maximum)
    return IntegerField(
        label, validators=[Optional(), NumberRange(minimum, maximum, message)], **kwargs
    )


def _identifier_validator(check):
    def validate(form, field):
        if field.data and str(field.data).strip():
            try:
                check(field.data)
            except IdentifierError as error:
                raise ValidationError(describe(error.code, **error.params)) from None

    return validate


credit_code_valid = _identifier_validator(check_credit_code)
phone_valid = _identifier_validator(check_phone)
email_valid = _identifier_validator(check_email)
mobile_valid = _identifier_validator(check_mobile)


def sector_choices(sectors=None) -> list[SelectChoice]:
    """Sectors (all, or those given) for a select, named in the current language."""
    locale = str(get_locale() or "zh")
    if sectors is None:
        sectors = db.session.scalars(select(Sector).order_by(Sector.id))
    return [SelectChoice(s.id, s.name_for(locale)) for s in sectors]


def strip_text(value):
    """A text field's value without the spaces around it."""
    return value.strip() if isinstance(value, str) else value


def whole_or_none(value):
    """A select's integer value; '' (no choice) and junk become None (a GET filter that
    does not parse is ignored, never an error)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def region_choices(*levels: RegionLevel) -> list[SelectChoice]:
    """Regions of the given levels, as 许昌市鄢陵县陈化店镇, in tree order."""
    regions = db.session.scalars(select(Region).where(Region.level.in_(levels)))
    ordered = sorted(regions, key=lambda r: tuple(a.id for a in r.lineage()))
    return [SelectChoice(r.id, r.label) for r in ordered]


_LOCAL = (RegionLevel.COUNTY, RegionLevel.TOWNSHIP)
_ANY_BELOW_PROVINCE = (RegionLevel.CITY, RegionLevel.COUNTY, RegionLevel.TOWNSHIP)


def local_region_choices() -> list[SelectChoice]:
    """Counties and townships: where a firm or a posting is."""
    return region_choices(*_LOCAL)


def any_region_choices() -> list[SelectChoice]:
    """Cities, counties and townships: a hometown."""
    return region_choices(*_ANY_BELOW_PROVINCE)


def area_choices() -> list[SelectChoice]:
    """Cities and counties: where someone wants to work or invest."""
    return region_choices(RegionLevel.CITY, RegionLevel.COUNTY)


def station_choices() -> list[SelectChoice]:
    stations = db.session.scalars(select(Station).order_by(Station.id))
    return [SelectChoice(s.id, s.name) for s in stations]


def none_option(label="—") -> SelectChoice:
    """The "nothing chosen" entry of an optional id select (value 0)."""
    return SelectChoice(0, label)


def options(mapping: dict) -> list[SelectChoice]:
    """Options from a ``value → label`` mapping."""
    return [SelectChoice(value, label) for value, label in mapping.items()]


def int_select(label, **kwargs) -> SelectField:
    """A required select whose values are row ids."""
    return SelectField(label, coerce=int, validate_choice=True, **kwargs)


# --- GET filter forms: a value that does not validate is ignored, never an error page ---


def valid_or_none(field):
    """A filter field's value, or None when it is blank or did not validate."""
    return None if field.errors or field.data in ("", None) else field.data


def claim_code_field(description=_l(
    "Only if the station registered you before and gave you a claim code (such as"
    " ABCD-EFGH-JKMN): the profile it keeps becomes yours."
)) -> StringField:  # fmt: skip
    """Where a person types the station's one-time claim code (optional or required)."""
    return StringField(
        _l("Claim code from the station"),
        description=description,
        validators=[Optional(), Length(max=64)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters"},
    )
