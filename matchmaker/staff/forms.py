"""Filters of the station's lists, read from the query string (GET forms: no CSRF; a value
that does not validate is ignored, never an error page)."""

from flask_babel import lazy_gettext as _l
from wtforms import Form, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from ..forms import choice_id, stripped, valid_or_none
from ..labels import NEED_STATUS, PROJECT_STATUS, choices
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

    q = StringField(_l("Search"), validators=[Optional(), Length(max=50)], filters=[stripped])
    sector = SelectField(_l("Sector"), coerce=choice_id, validators=[Optional()])
    place = SelectField(_l("Place"), coerce=choice_id, validators=[Optional()])
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
