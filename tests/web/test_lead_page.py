"""The lead page: steps that say what they record, the outcome shown, the history read as
sentences in the reader's language, and buttons only where they can do something."""

import re

from matchmaker.extensions import db
from matchmaker.models import Lead, LeadEvent
from matchmaker.services import introductions as intro
from tests.factories import backdate, days_ago
from tests.services.test_introductions import _connect
from tests.web import two_tenants

CODES = re.compile(r"consent:|outcome confirmed|deferred until|\b(employer|graduate|investor)\b")


def _page(web_app, user, lead, lang="zh"):
    client = two_tenants.signed_in(web_app, user)
    if lang == "en":
        client.get("/lang/en")
    return client.get(f"/leads/{lead.id}").get_data(as_text=True)


def test_steps_say_what_they_record_in_both_languages(web_app, talent):
    lead, graduate, employer, deputy = talent
    _connect(lead, graduate, employer, deputy)
    db.session.commit()
    page = _page(web_app, employer, lead)
    assert "开始面试" in page and "Submit" not in page
    english = _page(web_app, employer, lead, "en")
    assert "Interviews have started" in english and "Submit" not in english


def test_outcome_and_history_read_as_sentences(web_app, talent):
    lead, graduate, employer, deputy = talent
    _connect(lead, graduate, employer, deputy)
    intro.start_follow_up(lead, employer)
    backdate(lead, 200)
    intro.record_hire(lead, employer, days_ago(100), "月季嫁接技术员")
    intro.close_out(lead, deputy, "已录用，销号。")
    intro.confirm_outcome(lead, employer)
    db.session.commit()
    page = _page(web_app, employer, lead)
    assert "录用岗位" in page and "月季嫁接技术员" in page
    assert "登记录用：岗位月季嫁接技术员" in page
    assert "您确认了登记的结果" in page and "办理了销号" in page
    assert "我确认此结果" not in page  # confirmed already: no button
    assert "撤回我的同意" not in page  # closed out: nothing left to withdraw
    assert not CODES.search(re.sub(r"<[^>]+>", " ", page)), CODES.search(page)
    graduate_page = _page(web_app, graduate, lead)
    assert "我确认此结果" in graduate_page


def test_the_dismissal_reason_is_shown(web_app, talent):
    lead, _, _, deputy = talent
    intro.dismiss(lead, deputy, "skills_mismatch", "专业不对口")
    db.session.commit()
    page = _page(web_app, deputy, lead)
    reason = intro.dismiss_reasons()["skills_mismatch"]["zh"]
    assert page.count(reason) >= 2  # in the outcome and in the history sentence


def test_signed_amount_is_shown(web_app, make_user, reference):
    from matchmaker.models import Role
    from tests.services.test_figures import _investment_lead

    owner, investor = make_user(Role.ENTERPRISE), make_user(Role.ENTERPRISE)
    lead = _investment_lead(owner, investor, reference)
    deputy = make_user(Role.DEPUTY)
    _connect(lead, owner, investor, deputy)
    backdate(lead, 30)
    intro.record_signing(lead, owner, days_ago(20), 4200)
    db.session.commit()
    page = _page(web_app, investor, lead)
    assert "签约金额" in page and "4200万元" in page
    assert "资金到位（到资）" in page and "登记资金到位" in page


def test_a_date_in_the_future_is_refused_with_the_reason(web_app, talent):
    lead, graduate, employer, deputy = talent
    _connect(lead, graduate, employer, deputy)
    db.session.commit()
    client = two_tenants.signed_in(web_app, employer)
    answer = client.post(
        f"/leads/{lead.id}/hire",
        data={"hire-on": days_ago(-60).isoformat(), "hire-position": "技术员"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "该日期尚未到来" in answer
    assert db.session.get(Lead, lead.id).outcome_date is None
    assert db.session.query(LeadEvent).filter_by(lead_id=lead.id, action="hire").count() == 0


def test_an_unverified_firm_is_marked_and_offers_no_introduction(web_app, talent):
    lead, _, _, deputy = talent
    lead.talent_need.enterprise.verified = False
    db.session.commit()
    page = _page(web_app, deputy, lead)
    assert "待核验" in page and f"introduce-note-{lead.id}" not in page
    assert f"dismiss-reason-{lead.id}" in page  # dismissing stays possible
    lead.talent_need.enterprise.verified = True
    db.session.commit()
    assert f"introduce-note-{lead.id}" in _page(web_app, deputy, lead)


def test_a_graduate_without_a_year_of_graduation_is_shown_without_one(web_app, talent):
    """Rosters may leave the year out (the import takes it as unknown)."""
    lead, graduate, _employer, deputy = talent
    lead.graduate.graduation_year = None
    db.session.commit()
    page = _page(web_app, deputy, lead)
    assert lead.graduate.major in page and "None" not in page
    home = two_tenants.signed_in(web_app, graduate).get("/graduate/").get_data(as_text=True)
    assert lead.graduate.school in home and "None" not in home
