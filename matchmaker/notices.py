"""What each notification says, in the inbox and by e-mail: one place for the texts.

A notification is stored as a ``kind`` (and code-only ``params``); its words are made
here per locale. A text says what happened and what the reader should do, and never
names or describes the other side: the only thing of a lead a notice shows is its own
public title (the need's or the project's).
"""

from __future__ import annotations

from typing import NamedTuple

from flask import current_app
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .labels import LEAD_STATUS
from .mail import Letter
from .models import Lead, LeadStatus, Notification
from .templating import long_date


class Notice(NamedTuple):
    """A kind's short headline (the e-mail's subject) and its sentence."""

    headline: object  # lazy strings: translated when shown
    text: object


NOTICES: dict[str, Notice] = {
    "introduced": Notice(
        _l("New introduction"),
        _l(
            "A deputy has introduced you to a possible match: please open the lead and "
            "answer whether you agree to share your contact details."
        ),
    ),
    "consent_reminder": Notice(
        _l("Introduction awaiting your answer"),
        _l(
            "An introduction is still waiting for your answer and lapses at its "
            "deadline: please open the lead and answer soon."
        ),
    ),
    "consent_given": Notice(
        _l("One side agreed"),
        _l(
            "One side has agreed to share its contact details; the introduction connects "
            "once both sides agree. If you have not answered yet, please do."
        ),
    ),
    "connected": Notice(
        _l("Both sides agreed"),
        _l("Both sides agreed: contact details are now visible on the lead. Please get in touch."),
    ),
    "declined": Notice(
        _l("Introduction declined"),
        _l("An introduction was declined. Nothing more is needed from you."),
    ),
    "lapsed": Notice(
        _l("Introduction lapsed"),
        _l(
            "An introduction lapsed without an answer by its deadline. "
            "Nothing more is needed from you."
        ),
    ),
    "withdrawn": Notice(
        _l("Introduction withdrawn"),
        _l(
            "An introduction was withdrawn before both sides answered. "
            "Nothing more is needed from you."
        ),
    ),
    "consent_withdrawn": Notice(
        _l("Consent withdrawn"),
        _l(
            "One side withdrew its consent: its contact details are hidden again. "
            "Please do not use them any more."
        ),
    ),
    "follow_up_started": Notice(
        _l("Follow-up started"),
        _l(
            "Interviews or negotiations on a lead have started. Please record the "
            "outcome on the lead once there is one."
        ),
    ),
    "hired": Notice(
        _l("Hire recorded"),
        _l("A hire was recorded on a lead. Please check that it is correct."),
    ),
    "signed": Notice(
        _l("Signing recorded"),
        _l("A signed agreement was recorded on a lead. Please check that it is correct."),
    ),
    "funds_arrived": Notice(
        _l("Arrival of funds recorded"),
        _l("The arrival of funds was recorded on a lead. Please check that it is correct."),
    ),
    "in_production": Notice(
        _l("Start of production recorded"),
        _l("The start of production was recorded on a lead. Please check that it is correct."),
    ),
    "retained": Notice(
        _l("Retention check recorded"),
        _l(
            "A check that the person is still in the job was recorded on a lead. "
            "Please check that it is correct."
        ),
    ),
    "no_deal": Notice(
        _l("No deal recorded"),
        _l("A lead was recorded as ending without a deal. Please check that it is correct."),
    ),
    "confirm_outcome": Notice(
        _l("Please confirm the outcome"),
        _l("A lead was closed out. Please open it and confirm its outcome."),
    ),
    "outcome_confirmed": Notice(
        _l("Outcome confirmed"),
        _l("A side confirmed the outcome of a closed lead. Nothing more is needed from you."),
    ),
    "handed_over": Notice(
        _l("A lead handed to you"),
        _l(
            "The station's staff handed you a lead another deputy introduced: please open "
            "it, read its history and follow it up."
        ),
    ),
    "handed_away": Notice(
        _l("A lead handed to another deputy"),
        _l("The station's staff handed one of your leads to another deputy. Thank you."),
    ),
    "inactive": Notice(
        _l("Sign in to keep your profile"),
        _l(
            "You have not used Matchmaker for two years: sign in within 30 days to keep "
            "your profile, or it will be anonymised."
        ),
    ),
    "password_reset": Notice(
        _l("Set a new password"),
        _l(
            "Someone, probably you, asked to set a new password for your account. Open the "
            "link in the e-mail within 30 minutes to choose one; it works once. If it was "
            "not you, ignore it: your password stays as it is."
        ),
    ),
}

#: For a kind this module does not know (never its raw code).
GENERIC = Notice(
    _l("New message"),
    _l("You have a new message on Matchmaker. Please sign in to read it."),
)

#: Kinds whose e-mail also gives the answer deadline.
ANSWER_KINDS = frozenset({"introduced", "consent_reminder", "consent_given"})


def notice_for(kind: str) -> Notice:
    """The headline and sentence for ``kind`` (the generic ones for an unknown kind)."""
    return NOTICES.get(kind, GENERIC)


def text_of(kind: str) -> str:
    """The sentence for ``kind`` in the current locale."""
    return str(notice_for(kind).text)


def lead_title(lead: Lead | None) -> str:
    """A lead's own public title: its need's or its project's, on one line."""
    posting = lead and (lead.talent_need or lead.project)
    return " ".join((posting.title if posting else "").split())


def inbox_row(note: Notification) -> dict:
    """What the inbox shows of a notification, in the current locale."""
    return {
        "lead_id": note.lead_id,
        "text": text_of(note.kind),
        "title": lead_title(note.lead),
        "created_at": note.created_at,
        "unread": note.read_at is None,
    }


def lead_path(lead_id: int | None) -> str:
    """The site path a notice links to: its lead, or the sign-in page."""
    urls = current_app.url_map.bind("localhost")
    if lead_id is None:
        return urls.build("auth.login")
    return urls.build("leads.show", {"lead_id": lead_id})


def reset_path(user) -> str:
    """The path of a new password-reset link for ``user``, signed now (30 minutes)."""
    from .services.resets import link_token

    urls = current_app.url_map.bind("localhost")
    return urls.build("auth.reset_password", {"token": link_token(user)})


def compose(note: Notification, to: str) -> Letter:
    """The e-mail for ``note``: Chinese first, then English; title and link, nothing of
    the other side."""
    title = lead_title(note.lead)
    lead_id = note.lead.id if note.lead else note.lead_id
    path = reset_path(note.user) if note.kind == "password_reset" else lead_path(lead_id)
    link = current_app.config["PUBLIC_URL"].rstrip("/") + path
    parts = []
    for locale in ("zh", "en"):
        with force_locale(locale):
            parts.append(_words(note, title, link))
    subject = parts[0]["subject"]
    text = _render("mail/notice.txt", parts=parts)
    html = _render("mail/notice.html", parts=parts, subject=subject)
    return Letter(to=to, subject=subject, text=text, html=html)


def _words(note: Notification, title: str, link: str) -> dict:
    """Everything one language's part of the e-mail says, in the current locale."""
    lead = note.lead
    status = lead.status if lead is not None else None
    answer_by = lead.answer_by if lead and status is LeadStatus.INTRODUCED else None
    due = long_date(answer_by) if note.kind in ANSWER_KINDS and answer_by else ""
    status_label = str(LEAD_STATUS.get(status, "")) if status else ""
    headline, brand = str(notice_for(note.kind).headline), _("Matchmaker")
    return {
        "lang": "zh-CN" if str(get_locale()) == "zh" else "en",
        "subject": f"【{brand}】{headline}" + (f"：{title}" if title else ""),
        "hello": _("Hello,"),
        "text": text_of(note.kind),
        "facts": [
            (_("Lead"), _("Lead: %(title)s", title=title), title),
            (_("Status"), _("Status: %(status)s", status=status_label), status_label),
            (_("Answer by"), _("Answer by: %(date)s", date=due), due),
        ],
        "link": link,
        "open_line": _("Open it here: %(link)s", link=link),
        "open_label": _("Open it on Matchmaker"),
        "footer": _(
            "This e-mail was sent automatically by Matchmaker; please do not reply to it. "
            "All your messages are also in your inbox on the site."
        ),
    }


def _render(name: str, **context) -> str:
    """A mail template, without the page's context processors (there is no request)."""
    return current_app.jinja_env.get_template(name).render(**context)
