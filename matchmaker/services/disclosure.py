"""Who may see what about a person on a lead: the one rule every page, export and message
asks, so that nothing about a side reaches anyone before the side agreed.

Each side of a lead has personal fields: a graduate's name, school, phone and e-mail; a
firm's contact person, phone and e-mail (a firm's own name and its postings are public).
They come in two kinds: *identity* (name, school, contact person) and *contact* (phone,
e-mail).

- A side sees all of its own.
- The other side sees a field only when the lead reached contact (both agreed, so
  ``connected_at`` is set) and the side's consent, as recorded, is granted, not withdrawn,
  given under the current notice and names that field. Contact fields stop showing at
  close-out (the introduction is over); identity stays (they met). A side that declined,
  lapsed or left before both agreed was never in contact, so stays anonymous for good.
- The deputies who may act on the lead (routed ones before the introduction, then the one
  who made it; never one with a declared interest) see a graduate's school, part of the
  profile they weigh. The deputy who made the introduction sees names and contact details
  as a side does: once both agreed, under the same consent.
- The staff of the lead's station and administrators see everything: they keep the
  station's register (they import the rosters and verify the firms); each view of contact
  details on a lead is logged like anyone's.
- Nobody else sees anything (they cannot open the lead at all).
"""

from __future__ import annotations

from typing import NamedTuple

from ..models import ConsentDecision, ConsentParty, Lead, LeadKind, LeadStatus, Role, User
from . import introductions as intro
from .leads import offer_of

IDENTITY = frozenset({"name", "school", "contact_person"})
CONTACT = frozenset({"phone", "email"})
FIELDS = {
    ConsentParty.GRADUATE: ("name", "school", "phone", "email"),
    ConsentParty.EMPLOYER: ("contact_person", "phone", "email"),
    ConsentParty.PROJECT_OWNER: ("contact_person", "phone", "email"),
    ConsentParty.INVESTOR: ("contact_person", "phone", "email"),
}


def parties(lead: Lead) -> tuple[ConsentParty, ConsentParty]:
    """The two sides of a lead, offer first."""
    if lead.kind is LeadKind.TALENT:
        return ConsentParty.EMPLOYER, ConsentParty.GRADUATE
    return ConsentParty.PROJECT_OWNER, ConsentParty.INVESTOR


def holder(lead: Lead, party: ConsentParty):
    """The record holding a side's personal fields: the graduate, or the side's firm."""
    if party is ConsentParty.GRADUATE:
        return lead.graduate
    if party is ConsentParty.INVESTOR:
        return lead.interest.enterprise
    return offer_of(lead).enterprise


def account_of(lead: Lead, party: ConsentParty) -> User | None:
    """The account behind a side, if it has one."""
    return holder(lead, party).user


def raw_value(lead: Lead, party: ConsentParty, field: str) -> str | None:
    """A side's personal value, unchecked: only for this module and for tests."""
    if field not in FIELDS[party]:
        raise KeyError(f"{field} is not a personal field of the {party.value}")
    return getattr(holder(lead, party), field) or None


def consented(lead: Lead, party: ConsentParty, field: str) -> bool:
    """The side's recorded consent covers ``field`` now: both agreed, it is granted, not
    withdrawn, under the current notice, and it names the field."""
    record = intro.consent_of(lead, party)
    return (
        lead.connected_at is not None
        and record is not None
        and record.decision is ConsentDecision.GRANTED
        and record.withdrawn_at is None
        and record.notice_version == intro.NOTICE_VERSION
        and field in (record.fields or ())
    )


def _in_contact(lead: Lead) -> bool:
    return lead.status in intro.IN_CONTACT


def may_show(lead: Lead, viewer: User | None, party: ConsentParty, field: str) -> bool:
    """Whether ``viewer`` may see ``field`` of ``party`` on ``lead`` — the one rule."""
    if field not in FIELDS[party]:
        raise KeyError(f"{field} is not a personal field of the {party.value}")
    if viewer is None or not intro.can_see(viewer, lead):
        return False
    own = intro.party_of(lead, viewer)
    if own is party:
        return True
    if own is None and viewer.role in (Role.STAFF, Role.ADMIN):
        return True  # they keep the station's register (rosters, verification)
    deputy = own is None and viewer.role is Role.DEPUTY
    if deputy and field == "school" and intro.may_act_as_deputy(viewer.deputy, lead):
        return True  # part of the profile a deputy weighs before introducing
    responsible = deputy and lead.deputy_id == viewer.deputy.id
    if own is None and not responsible:
        return False
    if field in IDENTITY:
        return consented(lead, party, field)
    return _in_contact(lead) and consented(lead, party, field)


def value(lead: Lead, viewer: User | None, party: ConsentParty, field: str) -> str | None:
    """A side's personal value when ``viewer`` may see it, else None."""
    return raw_value(lead, party, field) if may_show(lead, viewer, party, field) else None


class Person(NamedTuple):
    """What a viewer may see of one side: None where the rule says no."""

    party: ConsentParty
    firm: str | None  # the side's firm (public), None for a graduate
    name: str | None  # a graduate's name or a firm's contact person
    school: str | None
    phone: str | None
    email: str | None
    account: User | None

    @property
    def has_contact(self) -> bool:
        return bool(self.phone or self.email)


def person(lead: Lead, viewer: User | None, party: ConsentParty) -> Person:
    """One side as ``viewer`` may see it."""
    shown = {f: value(lead, viewer, party, f) for f in FIELDS[party]}
    graduate = party is ConsentParty.GRADUATE
    return Person(
        party=party,
        firm=None if graduate else holder(lead, party).name,
        name=shown.get("name") if graduate else shown.get("contact_person"),
        school=shown.get("school"),
        phone=shown.get("phone"),
        email=shown.get("email"),
        account=account_of(lead, party),
    )


def other_sides(lead: Lead, viewer: User) -> list[Person]:
    """The sides of the lead that are not the viewer's, as the viewer may see them."""
    own = intro.party_of(lead, viewer)
    return [person(lead, viewer, p) for p in parties(lead) if p is not own]


def known_to(lead: Lead, viewer: User) -> list[Person]:
    """The other sides of whom the viewer may see anything personal now (the lead page
    logs each view of contact details)."""
    return [p for p in other_sides(lead, viewer) if p.name or p.school or p.has_contact]


def hidden_reason(lead: Lead) -> str:
    """Why contact details are not shown, as a code the page turns into a sentence."""
    if lead.status in (LeadStatus.DECLINED, LeadStatus.LAPSED, LeadStatus.WITHDRAWN):
        return "ended"
    if lead.status is LeadStatus.CLOSED:
        return "closed"
    if lead.connected_at is None:
        return "waiting"
    return "withdrawn"


def actor_name(lead: Lead, viewer: User | None, actor: User | None) -> tuple[str, str | None]:
    """How the history names who acted: a kind (system, you, deputy, staff, admin, or a
    side's party) and, where the rule allows, a name."""
    if actor is None:
        return "system", None
    if viewer is not None and actor.id == viewer.id:
        return "you", None
    if actor.role is Role.DEPUTY and actor.deputy is not None:
        return "deputy", actor.deputy.name  # a deputy acts in public office
    if actor.role in (Role.STAFF, Role.ADMIN):
        return actor.role.value, None
    party = intro.party_of(lead, actor)
    if party is None:
        return "someone", None
    shown = person(lead, viewer, party)
    return party.value, shown.name if party is ConsentParty.GRADUATE else shown.firm
