"""Template filters and globals: dates, labels, phone numbers, the navigation."""

from datetime import date, datetime

from flask import Flask, g, request
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from .extensions import db
from .identifiers import display_phone
from .labels import ALL as LABELS
from .models import ConsentParty, RegionLevel, Role, Sector
from .services import disclosure
from .services.introductions import dismiss_reasons
from .services.match_store import CONCEPT_PREFIX
from .services.matching import suggestion_state
from .services.vetting import unverified_firms

NAVIGATION = {
    Role.GRADUATE: [
        ("graduate.home", _l("My page")),
        ("graduate.positions", _l("Open positions")),
        ("leads.mine", _l("My introductions")),
    ],
    Role.ENTERPRISE: [
        ("enterprise.home", _l("My enterprise")),
        ("leads.mine", _l("My introductions")),
        ("enterprise.profile", _l("Enterprise profile")),
    ],
    Role.DEPUTY: [
        ("deputy.suggestions", _l("Suggestions")),
        ("leads.mine", _l("My introductions")),
        ("deputy.home", _l("My profile")),
    ],
    Role.STAFF: [
        ("staff.home", _l("My station")),
        ("staff.watch", _l("Leads to watch")),
        ("figures.home", _l("Figures")),
        ("imports.upload", _l("Imports")),
        ("staff.enterprises", _l("Enterprises")),
    ],
    Role.ADMIN: [
        ("admin.home", _l("Overview")),
        ("admin.users", _l("Accounts")),
        ("admin.stations", _l("Stations")),
        ("admin.sectors", _l("Sectors")),
        ("admin.enterprises", _l("Enterprises")),
        ("admin.deputies", _l("Deputies")),
        ("leads.mine", _l("Overdue suggestions")),
        ("figures.home", _l("Figures")),
        ("imports.upload", _l("Imports")),
    ],
}


def long_date(value: date | datetime | None) -> str:
    """2026年11月28日 in Chinese, November 28, 2026 in English."""
    if value is None:
        return ""
    return format_date(value, "long")


def date_time(value: datetime | None) -> str:
    if value is None:
        return ""
    return format_datetime(value, "medium")


def label(value, kind: str) -> str:
    """The translated label of an enumeration member, e.g. ``degree|label('degree')``."""
    if value is None:
        return ""
    return str(LABELS[kind].get(value, value))


def sector_name(sector) -> str:
    return sector.name_for(str(get_locale())) if sector is not None else ""


RULE_NAMES = {
    "sector": _l("Sector"),
    "region": _l("Region"),
    "degree": _l("Education"),
    "amount": _l("Amount"),
}
VERDICTS = {"pass": _l("matches"), "fail": _l("does not match"), "unknown": _l("not stated")}


def explained_terms(explanation: dict, limit: int = 5) -> list[str]:
    """The shared terms of an explanation as people read them.

    Sector concepts show as the sector's name; single characters are shown only when
    the texts share no whole word.
    """
    names = {}
    terms = []
    for term, _weight in explanation.get("terms", []):
        if term.startswith(CONCEPT_PREFIX):
            if not names:
                names = _sector_names()
            term = names.get(term[len(CONCEPT_PREFIX) :], "")
        if term and term not in terms:
            terms.append(term)
    words = [t for t in terms if len(t) > 1]
    return (words or terms)[:limit]


def _sector_names() -> dict[str, str]:
    """Sector names by code, read once per request (a page may show many explanations)."""
    if "sector_names" not in g:
        g.sector_names = {s.code: sector_name(s) for s in db.session.scalars(select(Sector))}
    return g.sector_names


def rule_rows(explanation: dict) -> list[tuple[str, str, str]]:
    """``(rule label, verdict, verdict label)`` for each structured rule."""
    return [
        (str(RULE_NAMES.get(name, name)), verdict, str(VERDICTS.get(verdict, verdict)))
        for name, verdict in explanation.get("rules", {}).items()
    ]


def percent(value: float | None) -> str:
    return "" if value is None else f"{round(value * 100)}%"


def field_attrs(field) -> dict:
    """Accessibility attributes for a form control: invalid state, help and errors."""
    attrs = {}
    if field.errors:
        attrs["aria-invalid"] = "true"
    if field.errors or field.description:
        attrs["aria-describedby"] = f"{field.id}-help"
    return attrs


def dismiss_reason(code: str | None) -> str:
    """A coded dismissal reason in the reader's language."""
    language = "en" if str(get_locale()).startswith("en") else "zh"
    return dismiss_reasons().get(code or "", {}).get(language, "")


def disclosed(lead, party: str, field: str):
    """A side's personal value on a lead if the reader may see it (the disclosure rule)."""
    return disclosure.value(lead, current_user, ConsentParty(party), field)


#: The lead id a form is rendered with once, to be stamped with each lead's own id.
LEAD_SLOT = 987_654_321_987_654_321


class _Slot:
    id = LEAD_SLOT


def for_each_lead(render):
    """Render a per-lead fragment once and return a stamp for each lead's copy.

    ``render`` is a macro taking a lead (it reads only ``lead.id``). A page of twenty cards
    with three step forms each renders its WTForms fields three times, not sixty.
    """
    html = render(_Slot())  # Markup: its replace escapes what it puts in
    slot = str(LEAD_SLOT)

    def stamp(lead) -> Markup:
        return html.replace(slot, str(lead.id))

    return stamp


def register(app: Flask) -> None:
    """Install the filters and the values every template sees."""
    app.jinja_env.filters.update(
        long_date=long_date,
        date_time=date_time,
        label=label,
        phone=display_phone,
        sector_name=sector_name,
        percent=percent,
        dismiss_reason=dismiss_reason,
    )

    app.jinja_env.globals.update(
        field_attrs=field_attrs,
        roles=Role,
        explained_terms=explained_terms,
        rule_rows=rule_rows,
        region_levels=RegionLevel,
        disclosed=disclosed,
        unverified_firms=unverified_firms,
        suggestion_state=suggestion_state,
        for_each_lead=for_each_lead,
    )

    @app.context_processor
    def common():
        nav = NAVIGATION.get(current_user.role, []) if current_user.is_authenticated else []
        unread = current_user.unread_count if current_user.is_authenticated else 0
        return {
            "unread_notifications": unread,
            "navigation": nav,
            "locale": str(get_locale()),
            "current_path": request.full_path.rstrip("?"),
        }
