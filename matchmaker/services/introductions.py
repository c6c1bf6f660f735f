"""The life of a lead after it is suggested: one state machine for talent and investment.

    suggested ─introduce→ introduced ─both consent→ connected → interviewing/negotiating
      └─dismiss→ dismissed   ├─a side declines→ declined    ├─→ hired → retained
                             └─no answer in time→ lapsed    ├─→ signed → funds → production
                                                            └─→ no deal
    any outcome ─close out (销号, with a note)→ closed

Every transition goes through ``_move``, which checks the table below and writes a
``LeadEvent``; an illegal one is a ``DomainError``. Who may act is checked here too.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from pathlib import Path

from sqlalchemy import select

from ..extensions import db
from ..models import (
    Consent,
    ConsentDecision,
    ConsentMethod,
    ConsentParty,
    ConsentPhoto,
    ContactView,
    Deputy,
    Lead,
    LeadEvent,
    LeadKind,
    LeadStatus,
    Notification,
    Role,
    User,
)
from . import audit, photos, vetting
from .clock import LOCAL, add_months, local_date, now, today
from .errors import DomainError
from .leads import conflicted, offer_of, seeker_of

S = LeadStatus
#: The two sides of each kind of lead, offer first.
SIDES = {
    LeadKind.TALENT: (ConsentParty.EMPLOYER, ConsentParty.GRADUATE),
    LeadKind.INVESTMENT: (ConsentParty.PROJECT_OWNER, ConsentParty.INVESTOR),
}
# 2026-12: a graduate's school is shared with the name once both agree (it was shown before).
NOTICE_VERSION = "2026-12"
REASONS_FILE = Path(__file__).resolve().parents[2] / "data" / "dismiss_reasons.json"


class Action(StrEnum):
    INTRODUCE = "introduce"
    DISMISS = "dismiss"
    DECLINE = "decline"
    CONNECT = "connect"
    LAPSE = "lapse"
    WITHDRAW = "withdraw"
    START = "start"
    HIRE = "hire"
    RETAIN = "retain"
    SIGN = "sign"
    FUNDS = "funds"
    PRODUCE = "produce"
    NO_DEAL = "no_deal"
    CLOSE = "close"
    ERASE = "erase"


OUTCOMES = frozenset({S.HIRED, S.RETAINED, S.SIGNED, S.FUNDS_ARRIVED, S.IN_PRODUCTION, S.NO_DEAL})
ENDED_WITHOUT_CONTACT = frozenset({S.DECLINED, S.LAPSED, S.WITHDRAWN})
IN_CONTACT = frozenset({S.CONNECTED, S.INTERVIEWING, S.NEGOTIATING, *OUTCOMES})

_TALENT, _INVEST = LeadKind.TALENT, LeadKind.INVESTMENT
BOTH = frozenset({_TALENT, _INVEST})

#: action → (kinds it applies to, statuses it may start from, status it leads to)
TRANSITIONS: dict[Action, tuple[frozenset, frozenset, LeadStatus | None]] = {
    Action.INTRODUCE: (BOTH, frozenset({S.SUGGESTED}), S.INTRODUCED),
    Action.DISMISS: (BOTH, frozenset({S.SUGGESTED}), S.DISMISSED),
    Action.DECLINE: (BOTH, frozenset({S.INTRODUCED}), S.DECLINED),
    Action.CONNECT: (BOTH, frozenset({S.INTRODUCED}), S.CONNECTED),
    Action.LAPSE: (BOTH, frozenset({S.INTRODUCED}), S.LAPSED),
    Action.WITHDRAW: (BOTH, frozenset({S.INTRODUCED}), S.WITHDRAWN),
    Action.START: (BOTH, frozenset({S.CONNECTED}), None),  # interviewing or negotiating
    Action.HIRE: (frozenset({_TALENT}), frozenset({S.CONNECTED, S.INTERVIEWING}), S.HIRED),
    Action.RETAIN: (frozenset({_TALENT}), frozenset({S.HIRED, S.RETAINED}), S.RETAINED),
    Action.SIGN: (frozenset({_INVEST}), frozenset({S.CONNECTED, S.NEGOTIATING}), S.SIGNED),
    Action.FUNDS: (frozenset({_INVEST}), frozenset({S.SIGNED}), S.FUNDS_ARRIVED),
    Action.PRODUCE: (frozenset({_INVEST}), frozenset({S.FUNDS_ARRIVED}), S.IN_PRODUCTION),
    Action.NO_DEAL: (
        BOTH,
        frozenset({S.CONNECTED, S.INTERVIEWING, S.NEGOTIATING}),
        S.NO_DEAL,
    ),
    Action.CLOSE: (BOTH, OUTCOMES | ENDED_WITHOUT_CONTACT, S.CLOSED),
    # A side deleted its account: whatever was open ends here (system only).
    Action.ERASE: (BOTH, frozenset(set(S) - {S.SUGGESTED, S.DISMISSED, S.CLOSED}), S.CLOSED),
}

#: Which fields each side shares once it consents, and what for (shown before consent).
SHARED_FIELDS = {
    ConsentParty.GRADUATE: ("name", "school", "phone", "email"),
    ConsentParty.EMPLOYER: ("contact_person", "phone", "email"),
    ConsentParty.PROJECT_OWNER: ("contact_person", "phone", "email"),
    ConsentParty.INVESTOR: ("contact_person", "phone", "email"),
}
PURPOSE = {
    LeadKind.TALENT: "job_introduction",
    LeadKind.INVESTMENT: "investment_introduction",
}


# --- who is who on a lead -------------------------------------------------------------


def party_of(lead: Lead, user: User) -> ConsentParty | None:
    """The side ``user`` is on for this lead, or None."""
    offer, seeker = offer_of(lead), seeker_of(lead)
    if lead.kind is LeadKind.TALENT:
        if seeker.user_id == user.id:
            return ConsentParty.GRADUATE
        if offer.enterprise.user_id == user.id:
            return ConsentParty.EMPLOYER
        return None
    if offer.enterprise.user_id == user.id:
        return ConsentParty.PROJECT_OWNER
    if seeker.enterprise.user_id == user.id:
        return ConsentParty.INVESTOR
    return None


def side_users(lead: Lead) -> list[User]:
    """The accounts of both sides (offer first), skipping a side without an account."""
    offer, seeker = offer_of(lead), seeker_of(lead)
    seeker_user = seeker.user if lead.kind is LeadKind.TALENT else seeker.enterprise.user
    return [u for u in (offer.enterprise.user, seeker_user) if u is not None]


def routed_to(deputy: Deputy, lead: Lead) -> bool:
    """A lead is routed to the deputies of its station who follow its sector."""
    return lead.station_id == deputy.station_id and lead.sector_id in {s.id for s in deputy.sectors}


def may_act_as_deputy(deputy: Deputy | None, lead: Lead) -> bool:
    """The responsible deputy: the introducer once there is one, else any routed deputy;
    never one with a declared interest in either side."""
    if deputy is None or conflicted(deputy, lead):
        return False
    if lead.deputy_id is not None:
        return lead.deputy_id == deputy.id
    return routed_to(deputy, lead)


def can_see(user: User, lead: Lead) -> bool:
    """Those on a lead: its sides once introduced, its deputies, staff of its station, admins."""
    if user.role is Role.ADMIN:
        return True
    if user.role is Role.STAFF:
        return lead.station_id == user.station_id
    if user.role is Role.DEPUTY:
        deputy = user.deputy
        return lead.deputy_id == deputy.id or routed_to(deputy, lead)
    return (
        lead.status is not S.SUGGESTED
        and lead.status is not S.DISMISSED
        and (party_of(lead, user) is not None)
    )


# --- the one way a status changes -------------------------------------------------------


def allowed(lead: Lead, action: Action) -> bool:
    kinds, sources, _ = TRANSITIONS[action]
    return lead.kind in kinds and lead.status in sources


def _check(lead: Lead, action: Action) -> None:
    if not allowed(lead, action):
        raise DomainError("transition_not_allowed", status=lead.status.value, action=action.value)


def _move(
    lead: Lead, action: Action, actor: User | None, note: str = "", to=None, **detail
) -> Lead:
    _check(lead, action)
    target = to or TRANSITIONS[action][2]
    _event(lead, actor, action.value, note, target, **detail)
    lead.status = target
    lead.status_changed_at = now()
    return lead


def _event(lead, actor, action: str, note: str = "", to=None, **detail) -> None:
    """One line of the lead's history: what happened (a code and its facts), by whom, and
    only what a person wrote as its note."""
    db.session.add(
        LeadEvent(
            lead=lead,
            actor_id=actor.id if actor else None,
            from_status=lead.status,
            to_status=to or lead.status,
            action=action,
            detail={k: v.isoformat() if isinstance(v, date) else v for k, v in detail.items()},
            note=(note or "").strip(),
        )
    )


def _require_deputy(actor: User, lead: Lead) -> Deputy:
    deputy = actor.deputy if actor.role is Role.DEPUTY else None
    if deputy is None or not may_act_as_deputy(deputy, lead):
        code = "conflict_of_interest" if deputy and conflicted(deputy, lead) else "not_your_lead"
        raise DomainError(code)
    return deputy


def _require_side(actor: User, lead: Lead) -> ConsentParty:
    party = party_of(lead, actor)
    if party is None:
        raise DomainError("not_your_lead")
    return party


def _require_follower(actor: User, lead: Lead) -> None:
    """Follow-up may be recorded by the responsible deputy or either side."""
    if party_of(lead, actor) is None:
        _require_deputy(actor, lead)


def _deputy_user(lead: Lead) -> list[User]:
    return [lead.deputy.user] if lead.deputy else []


def _notify(users, kind: str, lead: Lead, **params) -> None:
    for user in users:
        db.session.add(Notification(user_id=user.id, kind=kind, lead=lead, params=params))


def _tell_others(lead: Lead, actor: User | None, kind: str, **params) -> None:
    """Everyone on the lead but the one who acted: both sides (once they know of it) and
    the responsible deputy. Notices carry codes only, never the other side's details."""
    people = {u.id: u for u in [*side_users(lead), *_deputy_user(lead)]}
    _notify([u for u in people.values() if actor is None or u.id != actor.id], kind, lead, **params)


# --- review -----------------------------------------------------------------------------


@cache
def dismiss_reasons() -> dict[str, dict[str, str]]:
    """The coded reasons a deputy may give for dismissing a suggestion (data/, read once)."""
    return json.loads(REASONS_FILE.read_text(encoding="utf-8"))


def introduce(lead: Lead, actor: User, note: str) -> Lead:
    """The deputy introduces the two sides; both are asked to consent by the deadline."""
    deputy = _require_deputy(actor, lead)
    vetting.require_vetted(lead)
    _move(lead, Action.INTRODUCE, actor, note)
    lead.deputy = deputy
    lead.introduction_note = (note or "").strip()
    lead.reviewed_at = lead.introduced_at = now()
    days = lead.station.consent_deadline_days if lead.station else 14
    lead.answer_by = lead.introduced_at + timedelta(days=days)
    _notify(side_users(lead), "introduced", lead)
    return lead


def dismiss(lead: Lead, actor: User, reason: str, note: str = "") -> Lead:
    """The deputy drops the suggestion with a coded reason; the pair is never suggested
    again."""
    _require_deputy(actor, lead)
    if reason not in dismiss_reasons():
        raise DomainError("reason_unknown", field="reason")
    _move(lead, Action.DISMISS, actor, note, reason=reason)
    lead.dismiss_reason = reason
    lead.reviewed_at = now()
    return lead


def defer(lead: Lead, actor: User, until: date, note: str = "") -> Lead:
    """The deputy puts the suggestion aside until a date (it stays suggested)."""
    _require_deputy(actor, lead)
    if lead.status is not S.SUGGESTED:
        raise DomainError("transition_not_allowed", status=lead.status.value, action="defer")
    if until <= today():
        raise DomainError("date_not_in_future", field="until")
    lead.deferred_until = until
    _event(lead, actor, "defer", note, until=until)
    return lead


# --- double opt-in ----------------------------------------------------------------------


def consent(lead: Lead, actor: User, agree: bool, notice_version: str) -> Lead:
    """A side agrees (or declines) to share its contact details for this introduction."""
    party = _require_side(actor, lead)
    record = consent_of(lead, party)
    renewing = (
        lead.status in IN_CONTACT
        and record is not None
        and record.decision is ConsentDecision.GRANTED
        and record.notice_version != NOTICE_VERSION
    )
    if lead.status is not S.INTRODUCED and not renewing:
        raise DomainError("transition_not_allowed", status=lead.status.value, action="consent")
    if notice_version != NOTICE_VERSION:
        raise DomainError("notice_changed")
    if renewing:
        return _renew(lead, actor, record, agree)
    if record is not None:  # answered already: the first answer stands (or is withdrawn)
        raise DomainError("already_answered")
    record = Consent(lead=lead, user_id=actor.id, party=party, method=ConsentMethod.ONLINE)
    return _decide(lead, actor, record, agree, list(SHARED_FIELDS[party]))


#: How a deputy may have taken a consent from a side without an account.
OFFLINE_METHODS = (ConsentMethod.IN_PERSON, ConsentMethod.PHONE, ConsentMethod.PAPER)


def record_offline_consent(
    lead: Lead,
    actor: User,
    party: ConsentParty,
    agree: bool,
    method: ConsentMethod,
    given_by: str,
    given_on: date,
    fields: list[str],
    notice_read: bool,
    photo: bytes | None = None,
) -> Lead:
    """The deputy records a side's answer given in person, by phone or on a signed paper
    form, for a side that has no account (one with an account answers for itself): who
    gave it, when, how, which fields, under the notice the deputy read out, and for a
    paper form optionally a photo of it. The side sees it once it has an account, and may
    withdraw it as any consent."""
    _require_deputy(actor, lead)
    if lead.status is not S.INTRODUCED:
        raise DomainError("transition_not_allowed", status=lead.status.value, action="consent")
    if party not in SIDES[lead.kind]:
        raise DomainError("not_a_side", field="party")
    if account_of(lead, party) is not None:
        raise DomainError("side_has_account", field="party")
    if consent_of(lead, party) is not None:
        raise DomainError("already_answered")
    if method not in OFFLINE_METHODS:
        raise DomainError("consent_method", field="method")
    given_by = (given_by or "").strip()
    if not given_by or len(given_by) > 50:
        raise DomainError("given_by_required", field="given_by")
    if given_on is None or given_on > today():
        raise DomainError("date_in_future", field="given_on", today=today())
    if given_on < local_date(lead.introduced_at):
        raise DomainError("date_before_introduction", field="given_on")
    allowed = SHARED_FIELDS[party]
    chosen = [f for f in allowed if f in set(fields or ())]
    if agree and not chosen:
        raise DomainError("fields_required", field="fields")
    if not notice_read:
        raise DomainError("notice_not_read", field="notice_read")
    kept = _photo_of_form(method, photo)
    record = Consent(lead=lead, user_id=None, party=party, recorded_by_id=actor.id)
    record.method, record.given_by = method, given_by
    record.given_at = datetime.combine(given_on, time(12), tzinfo=LOCAL).astimezone(UTC)
    if kept is not None:
        record.photo = ConsentPhoto(
            content_type=kept.content_type, data=kept.data, size=len(kept.data),
            sha256=kept.sha256, uploaded_by_id=actor.id,
        )  # fmt: skip
    return _decide(lead, actor, record, agree, chosen)


def _photo_of_form(method: ConsentMethod, photo: bytes | None) -> photos.Photo | None:
    """The photo of a signed paper form, checked and encoded again (None: no photo)."""
    if not photo:
        return None
    if method is not ConsentMethod.PAPER:
        raise DomainError("photo_needs_paper", field="photo")
    return photos.clean(photo, field="photo")


def consent_photo(lead: Lead, party: ConsentParty, viewer: User) -> ConsentPhoto | None:
    """The photo of the signed form behind a side's recorded answer, for those who may see
    it: the lead's deputy, staff of its station, an administrator, and the side itself once
    it has an account. None for anyone else, and when there is no photo."""
    record = consent_of(lead, party)
    if record is None or record.method is ConsentMethod.ONLINE or record.photo is None:
        return None
    return record.photo if _may_see_photo(lead, party, viewer) else None


def photographed(lead: Lead, viewer: User) -> set[str]:
    """The sides of this lead whose signed-form photo ``viewer`` may open."""
    return {party.value for party in SIDES[lead.kind] if consent_photo(lead, party, viewer)}


def _may_see_photo(lead: Lead, party: ConsentParty, viewer: User) -> bool:
    deputy = viewer.deputy if viewer.role is Role.DEPUTY else None
    station_staff = viewer.role is Role.STAFF and lead.station_id is not None
    return (
        viewer.role is Role.ADMIN
        or (station_staff and viewer.station_id == lead.station_id)
        or may_act_as_deputy(deputy, lead)
        or party_of(lead, viewer) is party
    )


def log_photo_view(viewer: User, photo: ConsentPhoto) -> None:
    """Record that ``viewer`` opened the photo of a signed consent form."""
    consent = photo.consent
    audit.record(
        viewer, "consent_photo_viewed", f"consent:{consent.id}",
        lead=consent.lead_id, party=consent.party.value,
    )  # fmt: skip


def offline_sides(lead: Lead) -> list[ConsentParty]:
    """The sides of an introduced lead that have no account and have not answered: only
    the deputy can record their answer, given offline."""
    if lead.status is not S.INTRODUCED:
        return []
    return [
        party
        for party in SIDES[lead.kind]
        if account_of(lead, party) is None and consent_of(lead, party) is None
    ]


def account_of(lead: Lead, party: ConsentParty) -> User | None:
    """The account of one side of a lead (None: the side has none yet)."""
    if party is ConsentParty.GRADUATE:
        return lead.graduate.user
    if party is ConsentParty.INVESTOR:
        return lead.interest.enterprise.user
    return offer_of(lead).enterprise.user


def _decide(lead: Lead, actor: User, record: Consent, agree: bool, fields: list[str]) -> Lead:
    """Record a side's first answer to an introduction and move the lead on."""
    party = record.party
    record.decision = ConsentDecision.GRANTED if agree else ConsentDecision.DECLINED
    record.fields = fields
    record.purpose = PURPOSE[lead.kind]
    record.notice_version = NOTICE_VERSION
    record.decided_at = now()
    record.withdrawn_at = None
    db.session.add(record)
    facts = {"party": party.value}
    given = "consent_given"
    if record.method is not ConsentMethod.ONLINE:  # a deputy recorded it: how and when
        facts |= {"method": record.method.value, "on": local_date(record.given_at).isoformat()}
        given = "consent_recorded"
    if not agree:
        _move(lead, Action.DECLINE, actor, **facts)
        _tell_others(lead, actor, "declined")
    elif _both_granted(lead):
        _event(lead, actor, given, **facts)
        _move(lead, Action.CONNECT, None)
        lead.connected_at = now()
        _tell_others(lead, None, "connected")
    else:
        _event(lead, actor, given, **facts)
        _tell_others(lead, actor, "consent_given")
    return lead


def _renew(lead: Lead, actor: User, record: Consent, agree: bool) -> Lead:
    """The notice changed after a consent: the side is asked again, and may say no."""
    record.decided_at = now()
    if agree:
        record.notice_version = NOTICE_VERSION
        record.fields = list(SHARED_FIELDS[record.party])
        _event(lead, actor, "consent_renewed", party=record.party.value)
    else:
        record.decision, record.withdrawn_at = ConsentDecision.WITHDRAWN, now()
        _event(lead, actor, "consent_withdrawn", party=record.party.value)
        _tell_others(lead, actor, "consent_withdrawn")
    return lead


def needs_renewal(lead: Lead, party: ConsentParty) -> bool:
    """A granted consent given under an older notice must be asked for again."""
    record = consent_of(lead, party)
    return (
        lead.status in IN_CONTACT
        and record is not None
        and record.decision is ConsentDecision.GRANTED
        and record.withdrawn_at is None
        and record.notice_version != NOTICE_VERSION
    )


def consent_of(lead: Lead, party: ConsentParty) -> Consent | None:
    """The consent a side recorded on this lead, if any."""
    return next((c for c in lead.consents if c.party is party), None)


def awaiting_answer(lead: Lead, party: ConsentParty) -> bool:
    """The side is asked to answer: an introduction it has not answered, or a consent given
    under an older notice."""
    fresh = lead.status is S.INTRODUCED and consent_of(lead, party) is None
    return fresh or needs_renewal(lead, party)


def _both_granted(lead: Lead) -> bool:
    granted = {c.party for c in lead.consents if c.decision is ConsentDecision.GRANTED}
    return len(granted) == 2


def may_withdraw(lead: Lead, party: ConsentParty | None) -> bool:
    """A side may take back a consent it gave while the introduction is still open or the
    two are in contact (after close-out nothing of it is shown any more)."""
    record = consent_of(lead, party) if party else None
    return (
        record is not None
        and record.decision is ConsentDecision.GRANTED
        and (lead.status is S.INTRODUCED or lead.status in IN_CONTACT)
    )


def withdraw_consent(lead: Lead, actor: User) -> Lead:
    """A side takes its consent back: its contact details are hidden again at once."""
    party = _require_side(actor, lead)
    if not may_withdraw(lead, party):
        raise DomainError("no_consent_to_withdraw")
    record = consent_of(lead, party)
    record.decision = ConsentDecision.WITHDRAWN
    record.withdrawn_at = now()
    if lead.status is S.INTRODUCED:
        _move(lead, Action.DECLINE, actor, party=party.value, withdrawn=True)
        _tell_others(lead, actor, "declined")
    else:
        _event(lead, actor, "consent_withdrawn", party=party.value)
        _tell_others(lead, actor, "consent_withdrawn")
    return lead


def log_contact_view(viewer: User, subject: User, lead: Lead) -> None:
    """Record that ``viewer`` saw ``subject``'s contact details on ``lead``."""
    db.session.add(ContactView(viewer_id=viewer.id, subject_id=subject.id, lead_id=lead.id))
    audit.record(viewer, "contact_viewed", f"user:{subject.id}", lead=lead.id)


def lapse_overdue(at: datetime | None = None) -> int:
    """Introductions nobody answered by their deadline become lapsed. Safe to repeat."""
    moment = at or now()
    overdue = db.session.scalars(
        select(Lead).where(Lead.status == S.INTRODUCED, Lead.answer_by < moment)
    ).all()
    for lead in overdue:
        _move(lead, Action.LAPSE, None)
        _tell_others(lead, None, "lapsed")
    return len(overdue)


def withdraw_open_introductions(document) -> int:
    """Introductions of a document still waiting for answers end when it leaves matching
    (a graduate switches matching off, a need or project closes)."""
    column = {
        "TalentNeed": Lead.talent_need_id,
        "Graduate": Lead.graduate_id,
        "InvestmentProject": Lead.project_id,
        "InvestorInterest": Lead.interest_id,
    }[type(document).__name__]
    waiting = db.session.scalars(
        select(Lead).where(column == document.id, Lead.status == S.INTRODUCED)
    ).all()
    for lead in waiting:
        _move(lead, Action.WITHDRAW, None)
        _tell_others(lead, None, "withdrawn")
    return len(waiting)


# --- follow-up and close-out ------------------------------------------------------------


def _happened(lead: Lead, on: date, field: str = "on") -> None:
    """A recorded step happened: not in the future, and not before the two sides were put
    in contact."""
    if on is None:
        raise DomainError("date_required", field=field)
    if on > today():
        raise DomainError("date_in_future", field=field, today=today())
    since = local_date(lead.connected_at) if lead.connected_at else None
    if since is not None and on < since:
        raise DomainError("date_before_contact", field=field, since=since)


def start_follow_up(lead: Lead, actor: User, note: str = "") -> Lead:
    """Interviews (talent) or negotiations (investment) have begun."""
    _require_follower(actor, lead)
    to = S.INTERVIEWING if lead.kind is LeadKind.TALENT else S.NEGOTIATING
    _move(lead, Action.START, actor, note, to=to)
    _tell_others(lead, actor, "follow_up_started", status=to.value)
    return lead


def record_hire(lead: Lead, actor: User, on: date, position: str, note: str = "") -> Lead:
    """The graduate was hired: the date and the position."""
    _require_follower(actor, lead)
    _check(lead, Action.HIRE)
    if not position or not position.strip():
        raise DomainError("position_required", field="position")
    _happened(lead, on)
    _move(lead, Action.HIRE, actor, note, on=on, position=position.strip())
    lead.outcome_date, lead.outcome_position = on, position.strip()
    _tell_others(lead, actor, "hired")
    return lead


def record_signing(lead: Lead, actor: User, on: date, amount_wan: int, note: str = "") -> Lead:
    """The investment was signed: the date and the amount in 万元."""
    _require_follower(actor, lead)
    _check(lead, Action.SIGN)
    if amount_wan is None or amount_wan < 0:
        raise DomainError("amount_required", field="amount_wan")
    _happened(lead, on)
    _move(lead, Action.SIGN, actor, note, on=on, amount_wan=int(amount_wan))
    lead.outcome_date, lead.outcome_amount_wan = on, int(amount_wan)
    _tell_others(lead, actor, "signed")
    return lead


def record_no_deal(lead: Lead, actor: User, reason: str) -> Lead:
    """It did not work out, and why."""
    _require_follower(actor, lead)
    if not reason or not reason.strip():
        raise DomainError("reason_required", field="reason")
    _move(lead, Action.NO_DEAL, actor, reason)
    lead.outcome_reason = reason.strip()[:200]
    _tell_others(lead, actor, "no_deal")
    return lead


def next_retention_check(lead: Lead) -> int | None:
    """The retention check due next on a hired lead (3, then 6 months), or None."""
    if lead.status not in (S.HIRED, S.RETAINED) or lead.retained_6m_on is not None:
        return None
    return 3 if lead.retained_3m_on is None else 6


def record_retention(lead: Lead, actor: User, months: int, on: date) -> Lead:
    """The 3- and 6-month checks that the person is still in the job."""
    _require_deputy(actor, lead)
    _check(lead, Action.RETAIN)
    if months not in (3, 6):
        raise DomainError("retention_months", field="months")
    if months != next_retention_check(lead):
        raise DomainError("retention_order", field="months")
    _happened(lead, on)
    earliest = add_months(lead.outcome_date, months)
    if on < earliest:
        raise DomainError(
            "retention_too_early", field="on", months=months, earliest=earliest,
            hired=lead.outcome_date,
        )  # fmt: skip
    if months == 6 and on < lead.retained_3m_on:
        raise DomainError("retention_before_previous", field="on", previous=lead.retained_3m_on)
    _move(lead, Action.RETAIN, actor, months=months, on=on)
    setattr(lead, f"retained_{months}m_on", on)
    _tell_others(lead, actor, "retained", months=months)
    return lead


def record_funds(lead: Lead, actor: User, on: date) -> Lead:
    """到资: the signed funds arrived, not before the signing."""
    _require_follower(actor, lead)
    _check(lead, Action.FUNDS)
    _happened(lead, on)
    if on < lead.outcome_date:
        raise DomainError("funds_before_signing", field="on", signed=lead.outcome_date)
    _move(lead, Action.FUNDS, actor, on=on)
    lead.funds_arrived_on = on
    _tell_others(lead, actor, "funds_arrived")
    return lead


def record_production(lead: Lead, actor: User, on: date) -> Lead:
    """投产: the project went into production, not before the funds arrived."""
    _require_follower(actor, lead)
    _check(lead, Action.PRODUCE)
    _happened(lead, on)
    if on < lead.funds_arrived_on:
        raise DomainError("production_before_funds", field="on", funds=lead.funds_arrived_on)
    _move(lead, Action.PRODUCE, actor, on=on)
    lead.in_production_on = on
    _tell_others(lead, actor, "in_production")
    return lead


def close_out(lead: Lead, actor: User, note: str) -> Lead:
    """销号: the deputy closes the lead with a note; each side is asked to confirm."""
    _require_deputy(actor, lead)
    if not note or not note.strip():
        raise DomainError("closing_note_required", field="note")
    _move(lead, Action.CLOSE, actor, note)
    lead.closing_note = note.strip()
    lead.closed_at = now()
    if lead.connected_at is not None:
        _notify(side_users(lead), "confirm_outcome", lead)
    return lead


# --- the station hands a lead to another deputy -------------------------------------------

#: Statuses a lead may be handed over in: a deputy made the introduction, it is not closed.
HANDED_OVER_FROM = frozenset(set(S) - {S.SUGGESTED, S.DISMISSED, S.CLOSED})


def hand_over_refusal(lead: Lead, deputy: Deputy | None) -> str | None:
    """Why ``deputy`` may not take over ``lead`` (a message code), or None: only a deputy
    of the lead's station who follows its sector, has no declared interest in its firms,
    has an active account and is not already responsible, on a lead past review and not
    closed."""
    if lead.status in (S.CLOSED, S.DISMISSED):
        return "hand_over_closed"
    if lead.status is S.SUGGESTED or lead.deputy_id is None:
        return "hand_over_not_introduced"
    if deputy is None or deputy.station_id != lead.station_id:
        return "hand_over_other_station"
    if deputy.id == lead.deputy_id:
        return "hand_over_same_deputy"
    if lead.sector_id not in {s.id for s in deputy.sectors}:
        return "hand_over_other_sector"
    if conflicted(deputy, lead):
        return "hand_over_conflicted"
    if not deputy.user.active:
        return "hand_over_inactive"
    return None


def hand_over(lead: Lead, actor: User, deputy: Deputy | None, note: str = "") -> Lead:
    """The station's staff give a lead to another deputy of the station, who is told; the
    lead's history says who handed it from whom to whom."""
    if actor.role is not Role.STAFF or actor.station_id != lead.station_id:
        raise DomainError("not_your_lead")
    refusal = hand_over_refusal(lead, deputy)
    if refusal is not None:
        raise DomainError(refusal, field="deputy")
    previous = lead.deputy
    _event(lead, actor, "hand_over", note, from_deputy=previous.name, to_deputy=deputy.name)
    lead.deputy = deputy
    _notify([deputy.user], "handed_over", lead)
    _notify([previous.user], "handed_away", lead)
    db.session.flush()
    return lead


def hand_over_candidates(lead: Lead, deputies: list[Deputy]) -> list[Deputy]:
    """Those of ``deputies`` the lead may be handed to now."""
    return [d for d in deputies if hand_over_refusal(lead, d) is None]


def confirmation_column(lead: Lead, party: ConsentParty | None) -> str | None:
    """Where a side's confirmation of a closed lead's outcome is kept."""
    if party is None:
        return None
    offer_side = party in (ConsentParty.EMPLOYER, ConsentParty.PROJECT_OWNER)
    return "offer_confirmed_at" if offer_side else "seeker_confirmed_at"


def may_confirm(lead: Lead, party: ConsentParty | None) -> bool:
    """A side of a lead closed after they were in contact, that has not confirmed yet."""
    column = confirmation_column(lead, party)
    return (
        column is not None
        and lead.status is S.CLOSED
        and lead.connected_at is not None
        and getattr(lead, column) is None
    )


def confirm_outcome(lead: Lead, actor: User) -> Lead:
    """A side confirms the recorded outcome of a closed lead."""
    party = _require_side(actor, lead)
    if lead.status is not S.CLOSED or lead.connected_at is None:
        raise DomainError("not_closed")
    if not may_confirm(lead, party):
        raise DomainError("already_confirmed")
    setattr(lead, confirmation_column(lead, party), now())
    _event(lead, actor, "outcome_confirmed", party=party.value)
    _notify(_deputy_user(lead), "outcome_confirmed", lead)
    return lead


def outcome_confirmed(lead: Lead) -> bool:
    """Both sides confirmed the outcome (unconfirmed outcomes are shown as such)."""
    return lead.offer_confirmed_at is not None and lead.seeker_confirmed_at is not None


def end_for_erasure(lead: Lead) -> None:
    """A side deleted its account: an open lead closes, noting why (system step)."""
    if allowed(lead, Action.ERASE):
        _move(lead, Action.ERASE, None)
        lead.closing_note = "一方已注销账号"
        lead.closed_at = now()
