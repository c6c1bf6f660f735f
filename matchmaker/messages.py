"""Translated messages for the codes carried by ``DomainError`` and ``IdentifierError``."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

MESSAGES = {
    "credit_code_length": _l(
        "A unified social credit code has 18 characters; this one has %(length)s."
    ),
    "credit_code_format": _l(
        "A unified social credit code uses only digits and the capital letters A–Y"
        " without I, O, S, V and Z."
    ),
    "credit_code_check": _l(
        "The check character (the 18th) does not match the first 17 characters:"
        " it should be %(expected)s, not %(given)s. Please check the code on the"
        " business licence."
    ),
    "credit_code_taken": _l("An enterprise with this credit code is already registered."),
    "phone_invalid": _l("Enter a valid mainland China phone number, such as 13812345678."),
    "email_invalid": _l("Enter a valid e-mail address."),
    "email_taken": _l("An account with this e-mail address already exists."),
    "login_failed": _l("Wrong e-mail address or password."),
    "range_reversed": _l("The lower bound must not be above the upper bound."),
    "region_unknown": _l("Choose a region from the list."),
    "sector_unknown": _l("Choose a sector from the list."),
    "sector_not_served": _l("Choose among the sectors your station serves."),
    "station_unknown": _l("Choose a station from the list."),
    "enterprise_unknown": _l("Choose an enterprise from the list."),
    "sector_code_taken": _l("A sector with this code already exists."),
    "sector_name_taken": _l("A sector with this name already exists."),
    "station_name_taken": _l("A station with this name already exists."),
    "not_open": _l("Only an open posting can be changed or closed."),
    "outcome_unknown": _l("Choose how this posting ended."),
    "own_account": _l("You cannot deactivate your own account."),
    "role_not_self_service": _l("Only enterprises and graduates can register themselves."),
}


def describe(code: str, **params) -> str:
    """The message for ``code`` in the current locale, with ``params`` filled in."""
    message = MESSAGES.get(code)
    if message is None:
        return _("Something in this form is not valid.")
    return str(message) % params if params else str(message)
