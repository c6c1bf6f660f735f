"""A person the station registered, in a real browser on a phone-sized screen: staff
print the invitation from the register, the person opens its link (what the QR code
holds), claims with the mobile number on file, is greeted with the answer a deputy
recorded for them, and withdraws it on the introduction's page."""

import re

import pytest
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Consent, ConsentMethod, ConsentParty, Role
from matchmaker.services import introductions as intro
from matchmaker.services.clock import today
from tests.browser.test_journeys import _tab

pytestmark = pytest.mark.browser

NEW = "a new and long pass phrase"


def test_an_imported_person_claims_the_profile_and_withdraws_a_recorded_answer(
    browser, live_server, talent, make_user
):
    lead, _, _, deputy = talent
    graduate = lead.graduate
    graduate.user_id, graduate.phone = None, "+8613912340001"  # as a roster brings them
    db.session.commit()
    intro.introduce(lead, deputy, "请双方联系。")
    intro.record_offline_consent(
        lead, deputy, ConsentParty.GRADUATE, True, ConsentMethod.PHONE, graduate.name, today(),
        ["name", "phone"], True,
    )  # fmt: skip
    db.session.commit()
    staff = _tab(browser, live_server, make_user(Role.STAFF).email, width=375)
    staff.goto(live_server + "/station/graduates")
    row = staff.locator(f"#graduate-{graduate.id}")
    assert "未开通" in row.inner_text()
    row.locator("button", has_text="邀请开通").click()
    staff.wait_for_selector("code.claim-code")
    assert staff.locator(".invitation svg").count() == 1
    link = re.search(r"https?://\S+/auth/claim\?code=\S+", staff.inner_text(".invitation"))
    code = staff.inner_text("code.claim-code")

    person = _tab(browser, live_server, width=375)
    person.goto(link.group(0))
    assert person.input_value("input[name=claim_code]") == code  # filled in by the QR link
    person.fill("input[name=on_file]", "139 1234 0001")
    person.fill("input[name=password]", NEW)
    person.fill("input[name=confirm]", NEW)
    person.check("input[name=accept_terms]")
    person.click("form.form button[type=submit]")
    person.wait_for_selector(".flash")
    flashes = person.inner_text("body")
    assert "资料已归入您的账号" in flashes and "代表曾为您记录了 1 项" in flashes
    width = person.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, width  # nothing runs off a phone's screen

    person.goto(f"{live_server}/leads/{lead.id}")
    person.click("form[action$='/withdraw-consent'] button[type=submit]")
    person.wait_for_selector(".flash")
    record = db.session.scalar(select(Consent).where(Consent.party == ConsentParty.GRADUATE))
    db.session.refresh(record)
    db.session.refresh(graduate)
    assert record.withdrawn_at is not None and record.user_id == graduate.user_id
