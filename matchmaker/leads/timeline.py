"""A lead's history as sentences in the reader's language: who did what, with its facts,
naming people only as far as the disclosure rule lets this reader see them."""

from datetime import date, datetime
from typing import NamedTuple

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..labels import CONSENT_METHOD, LEAD_STATUS
from ..models import Lead, LeadKind, LeadStatus, User
from ..services import disclosure
from ..templating import dismiss_reason, long_date

WHO = {
    "system": _l("Matchmaker"),
    "you": _l("You"),
    "staff": _l("Station staff"),
    "admin": _l("An administrator"),
    "someone": _l("Someone"),
    "graduate": _l("The graduate"),
    "employer": _l("The employer"),
    "project_owner": _l("The project owner"),
    "investor": _l("The investor"),
}

SENTENCES = {
    "introduce": _l("%(who)s introduced the two sides."),
    "dismiss": _l("%(who)s decided not to introduce them. Reason: %(reason)s."),
    "defer": _l("%(who)s put the review off until %(until)s."),
    "consent_given": _l("%(who)s agreed to the introduction."),
    "consent_recorded": _l("%(who)s recorded that %(side)s agreed, %(method)s, on %(on)s."),
    "decline_recorded": _l("%(who)s recorded that %(side)s declined, %(method)s, on %(on)s."),
    "decline": _l("%(who)s declined the introduction."),
    "decline_withdrawn": _l("%(who)s took back their agreement, so the introduction ended."),
    "connect": _l("Both sides agreed: each can now see the other's contact details."),
    "lapse": _l("Not both sides answered by the deadline, so the introduction lapsed."),
    "withdraw": _l("A side stopped looking, so the introduction was withdrawn."),
    "consent_withdrawn": _l("%(who)s withdrew their consent: their contact details are hidden."),
    "consent_renewed": _l("%(who)s agreed again under the new notice."),
    "start_talent": _l("%(who)s recorded that interviews have started."),
    "start_investment": _l("%(who)s recorded that negotiations have started."),
    "hire": _l("%(who)s recorded the hire: %(position)s, from %(on)s."),
    "retain": _l("%(who)s recorded the %(months)s-month check: still in the job on %(on)s."),
    "sign": _l("%(who)s recorded the signing: %(amount_wan)s ten-thousand yuan, on %(on)s."),
    "funds": _l("%(who)s recorded that the funds arrived on %(on)s."),
    "produce": _l("%(who)s recorded that production started on %(on)s."),
    "no_deal": _l("%(who)s recorded that it did not work out."),
    "close": _l("%(who)s closed out the lead (销号)."),
    "outcome_confirmed": _l("%(who)s confirmed the recorded outcome."),
    "hand_over": _l("%(who)s handed the lead from Deputy %(from_deputy)s to Deputy %(to_deputy)s."),
    "erase": _l("A side deleted their account, so the lead was closed."),
    "moved": _l("%(who)s moved the lead from %(from)s to %(to)s."),
}


class Entry(NamedTuple):
    at: datetime
    text: str
    note: str  # only what a person wrote
    status: LeadStatus | None  # the status it led to, when it changed one
    side: str | None = None  # the side whose answer a deputy recorded (offline)


def who(lead: Lead, viewer: User, actor: User | None) -> str:
    """The actor as this reader may know them."""
    kind, name = disclosure.actor_name(lead, viewer, actor)
    if kind == "deputy":
        return _("Deputy %(name)s", name=name)
    role = str(WHO.get(kind, WHO["someone"]))
    return _("%(role)s (%(name)s)", role=role, name=name) if name else role


def timeline(lead: Lead, viewer: User) -> list[Entry]:
    """Every event of the lead as a sentence, oldest first, after its suggestion."""
    entries = [Entry(lead.created_at, _("Suggested by matching."), "", None)]
    for event in lead.events:
        changed = event.to_status if event.from_status != event.to_status else None
        text = sentence(lead, viewer, event)
        detail = event.detail or {}
        side = detail.get("party") if detail.get("method") else None
        entries.append(Entry(event.created_at, text, event.note or "", changed, side))
    return entries


def sentence(lead: Lead, viewer: User, event) -> str:
    """One event as a sentence."""
    detail = dict(event.detail or {})
    key = event.action or "moved"
    if key == "start":
        key = "start_talent" if lead.kind is LeadKind.TALENT else "start_investment"
    if key == "decline" and detail.get("withdrawn"):
        key = "decline_withdrawn"
    if key == "decline" and detail.get("method"):
        key = "decline_recorded"
    params = {"who": who(lead, viewer, event.actor)}
    params |= {k: _fact(k, v) for k, v in detail.items() if k not in ("party", "withdrawn")}
    if "party" in detail:
        params["side"] = str(WHO.get(detail["party"], WHO["someone"])).lower()
    if key == "moved":
        params |= {"from": _status(event.from_status), "to": _status(event.to_status)}
    template = SENTENCES.get(key, SENTENCES["moved"])
    try:
        return str(template) % params
    except KeyError:  # an event missing a fact: say what changed, never a code
        params |= {"from": _status(event.from_status), "to": _status(event.to_status)}
        return str(SENTENCES["moved"]) % params


def _status(status: LeadStatus | None) -> str:
    return str(LEAD_STATUS[status]) if status else "—"


def _fact(name: str, raw) -> str:
    if name == "method":
        methods = {method.value: label for method, label in CONSENT_METHOD.items()}
        return str(methods.get(raw, raw))
    if name in ("on", "until") and isinstance(raw, str):
        try:
            return long_date(date.fromisoformat(raw))
        except ValueError:
            return raw
    if name == "reason":
        return dismiss_reason(raw) or raw
    return str(raw)
