"""The promise of an introduction, proved by enumeration: every page anyone can open (every
GET route of ``app.url_map``, found as the hostile-forms sweep finds them: lead pages, the
history, consent pages, inbox, my-leads lists, the queue, staff pages, exports) and every
e-mail sent to those on the leads (from a real local SMTP server) is read by
everyone of the two-tenant world at every state of a talent and an investment lead, and
each personal value of each side must appear exactly where the promise below allows.

The promise is written here on its own, from the consent rows, not by asking the service,
so a page that decides alone, or a service that decides wrongly, fails:

- a side sees the other side's name, school or contact person once both agreed (the lead
  was connected) and that side's consent stands; its phone and e-mail only while the two
  are in contact (not after close-out);
- the deputy who introduced them sees a graduate's school always (part of the profile
  weighed), names and contact details like a side;
- the lead station's staff and administrators see everything (they keep the register);
- everyone else (another firm, graduate, station's staff, a deputy of another station or
  of other sectors) sees nothing.
"""

import io
from datetime import timedelta

import openpyxl
import pytest
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.identifiers import display_phone
from matchmaker.models import ConsentDecision, ConsentParty, Lead, LeadStatus
from matchmaker.services import introductions as intro
from matchmaker.services.leads import seeker_of
from tests.factories import backdate, days_ago
from tests.web import two_tenants
from tests.web.test_hostile_forms import page_urls

P = ConsentParty
IDENTITY = {"name", "school", "contact_person"}
VIEWERS = (
    "firm", "investor", "graduate", "deputy", "staff", "admin",
    "other_firm", "other_graduate", "far_deputy", "other_sector_deputy", "far_staff",
)  # fmt: skip
#: Personal values, each found nowhere else in the world.
PEOPLE = {
    "graduate": {"name": "甄秘密", "school": "保密职业技术学院", "phone": "+8613911112222",
                 "email": "zhen.secret@mail.example"},
    "firm": {"contact_person": "钱联络", "phone": "+8613833334444",
             "email": "qian.contact@firm.example"},
    "investor": {"contact_person": "孙投资", "phone": "+8613755556666",
                 "email": "sun.invest@inv.example"},
}  # fmt: skip
IN_CONTACT = intro.IN_CONTACT


@pytest.fixture
def world(make_user, reference):
    world = two_tenants.build(make_user, reference)
    graduate = world.users["graduate"].graduate
    for field, value in PEOPLE["graduate"].items():
        setattr(graduate, field, value)
    world.users["graduate"].display_name = PEOPLE["graduate"]["name"]
    for part in ("firm", "investor"):
        firm = world.users[part].enterprise
        for field, value in PEOPLE[part].items():
            setattr(firm, field, value)
        world.users[part].display_name = PEOPLE[part]["contact_person"]
    db.session.commit()
    return world


def holder_part(lead: Lead, party: P) -> str:
    return {P.GRADUATE: "graduate", P.INVESTOR: "investor"}.get(party, "firm")


def forms_of(value: str) -> list[str]:
    """The ways a value can be written on a page."""
    if value.startswith("+86"):
        return [value[3:], display_phone(value)]
    return [value]


def granted(lead: Lead, party: P) -> bool:
    record = next((c for c in lead.consents if c.party is party), None)
    return (
        record is not None
        and record.decision is ConsentDecision.GRANTED
        and record.withdrawn_at is None
        and record.notice_version == intro.NOTICE_VERSION
    )


def promised(lead: Lead, viewer: str, party: P, field: str, users) -> bool:
    """The promise, stated apart from the code that keeps it."""
    user = users[viewer]
    own = intro.party_of(lead, user)
    on_lead = own is not None and lead.status not in (LeadStatus.SUGGESTED, LeadStatus.DISMISSED)
    if own is party:
        return True
    if viewer in ("staff", "admin"):
        return True
    connected = lead.connected_at is not None and granted(lead, party)
    contact_now = connected and lead.status in IN_CONTACT
    if viewer == "deputy":  # the deputy who introduced them
        if field == "school":
            return True
        return connected if field in IDENTITY else contact_now
    if on_lead:
        return connected if field in IDENTITY else contact_now
    return False


class Reader:
    """Everyone's clients and the text of every page they can open."""

    def __init__(self, app, web_app, world):
        self.app, self.world = app, world
        self.clients = {v: two_tenants.signed_in(web_app, world.users[v]) for v in VIEWERS}
        self.urls = {v: page_urls(app, world, world.users[v].role) for v in VIEWERS}

    def pages(self, viewer: str):
        for url in self.urls[viewer]:
            response = self.clients[viewer].get(url)
            assert response.status_code < 500, (viewer, url)
            if response.status_code == 200:
                text = text_of(response)
                assert "Submit" not in text, (viewer, url)  # every button says what it does
                yield url, text


def text_of(response) -> str:
    if "spreadsheetml" in response.mimetype:
        book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
        cells = (c for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row)
        return "\n".join(str(c) for c in cells if c is not None)
    if response.mimetype.startswith(("text/", "application/json")):
        return response.get_data(as_text=True)
    return ""


def check_state(reader: Reader, state: str) -> int:
    """Every page of every viewer against the promise, for both leads in their state."""
    world, users = reader.world, reader.world.users
    leads = [db.session.get(Lead, lead.id) for lead in world.leads]
    checked = 0
    for viewer in VIEWERS:
        allowed, forbidden = {}, {}
        for lead in leads:
            for party in intro_parties(lead):
                part = holder_part(lead, party)
                if intro.party_of(lead, users[viewer]) is party:
                    continue  # one's own details
                for field, value in PEOPLE[part].items():
                    target = allowed if promised(lead, viewer, party, field, users) else forbidden
                    target[(lead.id, part, field)] = value
        # a value allowed on one lead (the firm's, on both) is not forbidden by the other
        shown_somewhere = set(allowed.values())
        pages = list(reader.pages(viewer))
        for (_lead_id, part, field), value in forbidden.items():
            if value in shown_somewhere or part == viewer:
                continue
            for url, text in pages:
                for written in forms_of(value):
                    assert written not in text, (state, viewer, url, part, field)
            checked += 1
        for (lead_id, part, field), value in allowed.items():
            page = dict(pages).get(f"/leads/{lead_id}")
            if page is None:
                continue
            assert any(w in page for w in forms_of(value)), (state, viewer, lead_id, part, field)
            checked += 1
    return checked


def intro_parties(lead: Lead):
    if lead.kind.value == "talent":
        return (P.EMPLOYER, P.GRADUATE)
    return (P.PROJECT_OWNER, P.INVESTOR)


def _consent(part, agree=True):
    def step(lead, users):
        if intro.party_of(lead, users[part]) is not None:
            intro.consent(lead, users[part], agree, intro.NOTICE_VERSION)

    return step


def _as(part, action, *args):
    def step(lead, users):
        action(lead, users[part], *args)

    return step


def _by_kind(talent_step, investment_step):
    def step(lead, users):
        (talent_step if lead.kind.value == "talent" else investment_step)(lead, users)

    return step


def _backdate(lead, users):
    backdate(lead, 400)


def _withdraw(part):
    def step(lead, users):
        if intro.party_of(lead, users[part]) is not None and intro.may_withdraw(
            lead, intro.party_of(lead, users[part])
        ):
            intro.withdraw_consent(lead, users[part])

    return step


def _lapse(lead, users):
    lead.answer_by = lead.answer_by - timedelta(days=30)
    db.session.flush()
    intro.lapse_overdue()


SEEKER = _by_kind(_consent("graduate"), _consent("investor"))


def _both(lead, users):
    SEEKER(lead, users)
    _consent("firm")(lead, users)


SEEKER_NO = _by_kind(_consent("graduate", False), _consent("investor", False))
WALKS = {
    "to close-out": [
        ("one side agreed", SEEKER),
        ("connected", _consent("firm")),
        ("talking", _as("firm", intro.start_follow_up)),
        ("outcome", _by_kind(
            lambda ld, u: (backdate(ld, 400),
                           intro.record_hire(ld, u["firm"], days_ago(390), "园艺技术员")),
            lambda ld, u: (backdate(ld, 400),
                           intro.record_signing(ld, u["firm"], days_ago(390), 3000)),
        )),
        ("seeker withdrew", _by_kind(_withdraw("graduate"), _withdraw("investor"))),
        ("closed", _as("deputy", intro.close_out, "已销号。")),
        ("confirmed", _as("firm", intro.confirm_outcome)),
    ],
    "to production": [
        ("connected", _both),
        ("outcome", _by_kind(
            lambda ld, u: (backdate(ld, 400),
                           intro.record_hire(ld, u["firm"], days_ago(390), "园艺技术员")),
            lambda ld, u: (backdate(ld, 400),
                           intro.record_signing(ld, u["firm"], days_ago(390), 3000)),
        )),
        ("followed up", _by_kind(
            lambda ld, u: intro.record_retention(ld, u["deputy"], 3, days_ago(200)),
            lambda ld, u: intro.record_funds(ld, u["firm"], days_ago(200)),
        )),
        ("ended well", _by_kind(
            lambda ld, u: intro.record_retention(ld, u["deputy"], 6, days_ago(100)),
            lambda ld, u: intro.record_production(ld, u["firm"], days_ago(100)),
        )),
        ("closed", _as("deputy", intro.close_out, "已销号。")),
    ],
    "no deal": [
        ("connected", _both),
        ("talking", _as("firm", intro.start_follow_up)),
        ("no deal", _as("firm", intro.record_no_deal, "薪资未谈拢")),
        ("closed", _as("deputy", intro.close_out, "未成，销号。")),
    ],
    "left matching": [
        ("one side agreed", SEEKER),
        ("seeker left", lambda ld, u: intro.withdraw_open_introductions(seeker_of(ld))),
        ("closed", _as("deputy", intro.close_out, "一方退出，销号。")),
    ],
    "declined": [
        ("offer agreed", _consent("firm")),
        ("seeker declined", SEEKER_NO),
        ("closed", _as("deputy", intro.close_out, "婉拒，销号。")),
    ],
    "lapsed": [
        ("one side agreed", SEEKER),
        ("lapsed", _lapse),
    ],
}  # fmt: skip


def check_mail(smtp_server, state: str) -> int:
    """No e-mail about a lead carries anyone's personal value: a notice says what happened
    and links to the page, which asks the rule."""
    smtp_server.wait_idle()
    for message in smtp_server.messages:
        text = "\n".join(part.get_content() for part in message.walk() if not part.is_multipart())
        for values in PEOPLE.values():
            for value in values.values():
                for written in forms_of(value):
                    assert written not in text, (state, message["To"], written)
    return len(smtp_server.messages)


@pytest.mark.parametrize("walk", sorted(WALKS))
def test_personal_values_appear_exactly_where_the_promise_allows(
    app, web_app, smtp_server, world, walk
):
    reader = Reader(app, web_app, world)
    checked = check_state(reader, "introduced")
    for state, step in WALKS[walk]:
        for lead in world.leads:
            step(db.session.get(Lead, lead.id), world.users)
        db.session.commit()
        checked += check_state(reader, state)
    assert checked > 100  # the sweep did look
    assert check_mail(smtp_server, walk) >= 4  # the steps were mailed, and read


def test_the_sweep_fails_on_a_page_that_decides_alone(app, web_app, world, monkeypatch):
    """Sanity: a lead page that shows the other side's details without asking (the leak of
    the history naming the actor) is caught."""
    from matchmaker.services import disclosure

    monkeypatch.setattr(disclosure, "may_show", lambda *args: True)
    reader = Reader(app, web_app, world)
    for lead in world.leads:
        SEEKER(db.session.get(Lead, lead.id), world.users)
    db.session.commit()
    with pytest.raises(AssertionError):
        check_state(reader, "one side agreed")


CANDIDATE = {"name": "甄候选", "school": "候选职业学院", "phone": "+8613600007777",
             "email": "hou.xuan@mail.example"}  # fmt: skip


def test_a_suggestion_shows_nobody_but_officials_anything(app, web_app, world):
    """Suggested, then dismissed: the firm never learns of the candidate; the deputies
    weighing it see the school only; the station's staff keep the register."""
    candidate = world.users["other_graduate"]
    for field, value in CANDIDATE.items():
        setattr(candidate.graduate, field, value)
    candidate.display_name = CANDIDATE["name"]
    db.session.commit()
    lead = db.session.scalar(
        select(Lead).where(Lead.graduate_id == candidate.graduate.id, Lead.status == "suggested")
    )
    assert lead is not None
    reader = Reader(app, web_app, world)
    for viewer in VIEWERS:
        reader.urls[viewer].append(f"/leads/{lead.id}")
    for state in ("suggested", "dismissed"):
        for viewer in set(VIEWERS) - {"other_graduate", "staff", "admin"}:
            allowed = {"school"} if viewer == "deputy" else set()
            pages = list(reader.pages(viewer))
            for field, value in CANDIDATE.items():
                shown = [url for url, text in pages if any(w in text for w in forms_of(value))]
                if field in allowed:
                    assert f"/leads/{lead.id}" in shown, (state, viewer, field)
                else:
                    assert shown == [], (state, viewer, field, shown)
        if state == "suggested":
            lead = db.session.get(Lead, lead.id)
            intro.dismiss(lead, world.users["deputy"], "skills_mismatch")
            db.session.commit()
