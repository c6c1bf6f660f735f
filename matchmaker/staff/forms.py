"""Filters of the station's lists, read from the query string (GET forms: no CSRF; a value
that does not validate is ignored, never an error page), and the hand-over form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ..forms import strip_text, valid_or_none, whole_or_none
from ..labels import NEED_STATUS, PROJECT_STATUS, choices
from ..services.leads import WatchFilter
from ..services.registers import RegisterFilter


def _any(label):
    return SelectChoice("", label)


STATUS_CHOICES = {
    "graduates": [
        _any(_l("Everyone")),
        SelectChoice("open", _l("Open to matching")),
        SelectChoice("paused", _l("Matching paused")),
        SelectChoice("returnee", _l("Returning home")),
    ],
    "needs": [_any(_l("Any status")), *choices(NEED_STATUS)],
    "projects": [_any(_l("Any status")), *choices(PROJECT_STATUS)],
    "enterprises": [
        _any(_l("Any status")),
        SelectChoice("verified", _l("Verified")),
        SelectChoice("unverified", _l("Awaiting verification")),
    ],
}


class RegisterFilterForm(Form):
    """Search and filters of a register list (graduates, needs, projects, firms)."""

    q = StringField(_l("Search"), validators=[Optional(), Length(max=50)], filters=[strip_text])
    sector = SelectField(_l("Sector"), coerce=whole_or_none, validators=[Optional()])
    place = SelectField(_l("Place"), coerce=whole_or_none, validators=[Optional()])
    status = SelectField(_l("Status"), validators=[Optional()])

    def __init__(self, formdata, register: str, sectors, places):
        super().__init__(formdata)
        self.sector.choices = [_any(_l("All sectors")), *sectors]
        self.place.choices = [_any(_l("The whole area")), *places]
        self.status.choices = STATUS_CHOICES[register]

    def wanted(self, within) -> RegisterFilter:
        """The filter these values ask for; ``within(region_id)`` gives a place's ids."""
        self.validate()
        place = valid_or_none(self.place)
        return RegisterFilter(
            text=valid_or_none(self.q) or "",
            sector_id=valid_or_none(self.sector),
            place_ids=tuple(within(place)) if place is not None else None,
            status=valid_or_none(self.status),
        )


class HandOverForm(FlaskForm):
    """Give a lead to another deputy of its station (the choices: those who may take it)."""

    deputy = SelectField(_l("Hand to"), coerce=whole_or_none, validators=[DataRequired()])
    note = TextAreaField(_l("Why"), validators=[Optional(), Length(max=500)], filters=[strip_text])
    submit = SubmitField(_l("Hand over"))


class WatchFilterForm(Form):
    """The watch list's filters: status group, colour, deputy."""

    group = SelectField(
        _l("Status"),
        choices=[
            _any(_l("Any status")),
            SelectChoice("suggested", _l("Red suggestions")),
            SelectChoice("waiting", _l("Waiting for the sides' answers")),
            SelectChoice("follow_up", _l("To follow up or close out")),
            SelectChoice("closed", _l("Closed out")),
        ],
        validators=[Optional()],
    )
    colour = SelectField(
        _l("Colour"),
        choices=[
            _any(_l("Any colour")),
            SelectChoice("green", _l("Green: within the deadline")),
            SelectChoice("amber", _l("Amber: past the deadline")),
            SelectChoice("red", _l("Red: past twice the deadline")),
        ],
        validators=[Optional()],
    )
    deputy = SelectField(_l("Deputy"), coerce=whole_or_none, validators=[Optional()])

    def __init__(self, formdata, deputies):
        super().__init__(formdata)
        self.deputy.choices = [_any(_l("Any deputy")), *((d.id, d.name) for d in deputies)]

    def wanted(self) -> WatchFilter:
        """The filter these values ask for, leaving out any that did not validate."""
        self.validate()
        return WatchFilter(
            group=valid_or_none(self.group),
            colour=valid_or_none(self.colour),
            deputy_id=valid_or_none(self.deputy),
        )
