"""The two journeys of an introduction, clicked through in a real browser, in Chinese."""

import re

import pytest
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Lead, LeadStatus, Role
from matchmaker.services import postings
from tests.factories import PASSWORD, enterprise_profile, verify

pytestmark = pytest.mark.browser

GRADUATE_PHONE = "139 3741 5678"


def _tab(browser, base, email=None, width=1280):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    if email:
        page.goto(base + "/auth/login")
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", PASSWORD)
        page.click("form.form button[type=submit]")
        page.wait_for_load_state()
    return page


def _click_step(page, step):
    page.click(f"form[action*='/{step}'] button[type=submit]")
    page.wait_for_selector(".flash")  # every step answers with a message


def _consent(page, base, lead_id):
    page.goto(f"{base}/leads/{lead_id}")
    page.click("text=查看将提供的信息并答复")
    page.wait_for_selector("text=您同意的内容")
    page.click("input[name=agree]")
    page.wait_for_selector(".flash")


def _status(lead_id):
    db.session.expire_all()
    return db.session.get(Lead, lead_id).status


def test_talent_journey(browser, live_server, make_user, reference):
    employer = make_user(Role.ENTERPRISE)
    deputy = make_user(Role.DEPUTY)

    firm = _tab(browser, live_server, employer.email)
    firm.goto(live_server + "/enterprise/needs/new")
    firm.fill("input[name=title]", "月季栽培技术员")
    firm.fill(
        "textarea[name=description]", "负责月季苗木栽培、嫁接育苗和病虫害防治，园艺专业优先。"
    )
    firm.select_option("select[name=sector_id]", label="花木/园林")
    firm.select_option("select[name=region_id]", label="许昌市鄢陵县陈化店镇")
    firm.click("form.form button[type=submit]")
    firm.wait_for_selector("text=月季栽培技术员")

    grad = _tab(browser, live_server)
    grad.goto(live_server + "/auth/register")
    grad.check("input[value=graduate]")
    grad.fill("input[name=display_name]", "余丹丹")
    grad.fill("input[name=email]", "yudandan@test.example")
    grad.fill("input[name=password]", PASSWORD)
    grad.fill("input[name=confirm]", PASSWORD)
    grad.check("input[name=accept_terms]")
    grad.click("form.form button[type=submit]")
    grad.wait_for_selector("input[name=school]")
    grad.fill("input[name=name]", "余丹丹")
    grad.fill("input[name=school]", "河南农业大学")
    grad.fill("input[name=major]", "园艺")
    grad.select_option("select[name=degree]", "bachelor")
    grad.fill("input[name=graduation_year]", "2025")
    grad.fill("textarea[name=skills]", "月季栽培, 嫁接育苗, 病虫害防治")
    grad.fill("input[name=phone]", "13937415678")
    grad.click("form.form button[type=submit]")
    grad.wait_for_selector("h1:has-text('我的主页')")

    lead = db.session.scalar(select(Lead).where(Lead.status == LeadStatus.SUGGESTED))
    assert lead is not None

    dep = _tab(browser, live_server, deputy.email)
    dep.goto(live_server + "/deputy/suggestions")
    assert "推荐理由" in dep.content() and "月季栽培技术员" in dep.content()
    assert dep.locator(f"#introduce-note-{lead.id}").count() == 0  # the firm is not verified
    staff = _tab(browser, live_server, make_user(Role.STAFF).email)
    staff.goto(live_server + "/station/verification")
    staff.click(f"#firm-{employer.enterprise.id} button[type=submit]")
    staff.wait_for_selector(".flash")
    dep.reload()
    dep.fill(f"#introduce-note-{lead.id}", "鄢陵月季企业招聘园艺人才，请双方联系。")
    _click_step(dep, "introduce")
    assert _status(lead.id) is LeadStatus.INTRODUCED

    assert GRADUATE_PHONE not in _html(firm, live_server, lead.id)
    _consent(grad, live_server, lead.id)
    assert GRADUATE_PHONE not in _html(firm, live_server, lead.id)
    _consent(firm, live_server, lead.id)
    assert _status(lead.id) is LeadStatus.CONNECTED
    assert GRADUATE_PHONE in _html(firm, live_server, lead.id)

    firm.goto(f"{live_server}/leads/{lead.id}")
    firm.fill(f"#hire-position-{lead.id}", "月季栽培技术员")
    _click_step(firm, "hire")
    assert _status(lead.id) is LeadStatus.HIRED

    dep.goto(f"{live_server}/leads/{lead.id}")
    dep.fill(f"#close-note-{lead.id}", "已录用，销号。")
    _click_step(dep, "close")
    assert _status(lead.id) is LeadStatus.CLOSED
    for page in (grad, firm):
        page.goto(f"{live_server}/leads/{lead.id}")
        page.click("text=我确认此结果")
        page.wait_for_selector("text=谢谢，结果已确认")
    assert "双方均已确认结果" in _html(grad, live_server, lead.id)

    intruder = make_user(Role.ENTERPRISE)
    other = _tab(browser, live_server, intruder.email)
    assert other.goto(f"{live_server}/leads/{lead.id}").status == 404


def test_investment_journey(browser, live_server, make_user, reference):
    owner = make_user(Role.ENTERPRISE)
    investor = make_user(Role.ENTERPRISE, **enterprise_profile(reference, 77))
    deputy = make_user(Role.DEPUTY)
    verify(owner.enterprise, investor.enterprise)
    sector = reference.sector("flower_processing")
    postings.save_project(
        owner.enterprise, title="玫瑰精油精深加工生产线",
        description="新建玫瑰精油提取、花茶精深加工生产线，年处理鲜花1200吨。",
        sector_id=sector.id, region_id=reference.region("河南省/许昌市/鄢陵县/陈化店镇").id,
        amount_min_wan=3000, amount_max_wan=5000,
    )  # fmt: skip
    db.session.commit()

    inv = _tab(browser, live_server, investor.email)
    inv.goto(live_server + "/enterprise/interests/new")
    inv.fill("input[name=title]", "投资玫瑰精油精深加工")
    inv.fill("textarea[name=description]", "关注鄢陵玫瑰精油、花茶精深加工项目，可投资并引入渠道。")
    inv.check(f"input[name=sector_ids][value='{sector.id}']")
    inv.fill("input[name=amount_min_wan]", "1000")
    inv.fill("input[name=amount_max_wan]", "8000")
    inv.click("form.form button[type=submit]")
    inv.wait_for_selector("text=投资玫瑰精油精深加工")
    lead = db.session.scalar(select(Lead).where(Lead.kind == "investment"))
    assert lead is not None

    dep = _tab(browser, live_server, deputy.email)
    dep.goto(f"{live_server}/leads/{lead.id}")
    dep.fill(f"#introduce-note-{lead.id}", "项目与投资方向一致，建议洽谈。")
    _click_step(dep, "introduce")
    own = _tab(browser, live_server, owner.email)
    _consent(own, live_server, lead.id)
    _consent(inv, live_server, lead.id)
    assert _status(lead.id) is LeadStatus.CONNECTED
    assert re.search(r"138 3740 0002", _html(inv, live_server, lead.id))

    inv.goto(f"{live_server}/leads/{lead.id}")
    _click_step(inv, "start")
    inv.fill(f"#sign-amount_wan-{lead.id}", "4200")
    _click_step(inv, "sign")
    assert _status(lead.id) is LeadStatus.SIGNED
    for step in ("funds", "production"):
        own.goto(f"{live_server}/leads/{lead.id}")
        _click_step(own, step)
    assert _status(lead.id) is LeadStatus.IN_PRODUCTION
    dep.goto(f"{live_server}/leads/{lead.id}")
    dep.fill(f"#close-note-{lead.id}", "项目投产，销号。")
    _click_step(dep, "close")
    assert _status(lead.id) is LeadStatus.CLOSED


def _html(page, base, lead_id) -> str:
    page.goto(f"{base}/leads/{lead_id}")
    return page.content()
