"""An import clicked through: a bad row is shown and nothing is written; fixed, it imports.
A large import shows its progress, with JavaScript and without, until the result."""

import re
import time

import pytest
from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import Enterprise, Role
from matchmaker.services import imports
from tests.factories import PASSWORD, valid_credit_code

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("embedded_queue")]


def _csv(second_code: str) -> bytes:
    header = ",".join(imports.ENTERPRISE_COLUMNS)
    rows = [
        f"鄢陵县春晖花木有限公司,{valid_credit_code(11)},花木/园林,许昌市鄢陵县陈化店镇,紫荆,王丽,13837400011,a@test.example",
        f"鄢陵县秋实苗木有限公司,{second_code},花木/园林,许昌市鄢陵县柏梁镇,月季,李强,13837400012,b@test.example",
    ]  # fmt: skip
    return "\r\n".join([header, *rows]).encode("gb18030")


def _upload(data: bytes) -> dict:
    return {"name": "名册.csv", "mimeType": "text/csv", "buffer": data}


def _many_firms(count: int) -> bytes:
    header = ",".join(imports.ENTERPRISE_COLUMNS)
    rows = [
        f"鄢陵县花木合作社{n},{valid_credit_code(1000 + n)},花木/园林,许昌市鄢陵县陈化店镇,"
        f"紫荆月季苗木,王丽,13837400011,c{n}@test.example"
        for n in range(count)
    ]
    return "\r\n".join([header, *rows]).encode("gb18030")


def _signed_in(browser, base: str, email: str, **options):
    context = browser.new_context(locale="zh-CN", **options)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(base + "/auth/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_load_state()
    return page


def _check_and_confirm(page, base: str, data: bytes, rows: int) -> None:
    page.goto(base + "/imports/")
    page.select_option("select[name=kind]", "enterprises")
    page.set_input_files("input[name=file]", _upload(data))
    page.click("form.form button[type=submit]")
    page.wait_for_selector(f"text=新增 {rows} 条", timeout=60_000)
    page.click("text=确认导入")
    page.wait_for_url(re.compile(r"/imports/jobs/[A-Za-z0-9_-]+$"))


def _labels_until_done(page, seconds: float = 120) -> list[str]:
    """What the progress line said, read every 0.1 s, until the result is shown."""
    seen, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if page.locator("#import-result").count():
                return seen
            seen.extend(page.locator("#job-phase").all_inner_texts())
        except Exception:  # noqa: S112  (the page is being replaced: look again)
            continue
        time.sleep(0.1)
    raise AssertionError(f"no result after {seconds} s; saw {seen[-3:]}")


def test_a_large_import_shows_its_progress_until_the_result(browser, live_server, make_user):
    page = _signed_in(browser, live_server, make_user(Role.STAFF).email)
    _check_and_confirm(page, live_server, _many_firms(3000), 3000)
    assert page.locator("h1").inner_text() == "正在导入 名册.csv"
    assert page.locator("progress#job-bar").is_visible()

    labels = _labels_until_done(page)

    counted = [t for t in labels if re.fullmatch(r"(检查|写入) \d+/3000 行", t)]
    assert counted, labels  # the bar moved with counts before the end
    assert "已导入 名册.csv：新增 3000 条" in page.locator("#import-result").inner_text()
    assert db.session.scalar(select(func.count(Enterprise.id))) == 3000


def test_without_javascript_the_progress_page_refreshes_itself(browser, live_server, make_user):
    staff = make_user(Role.STAFF)
    page = _signed_in(browser, live_server, staff.email, java_script_enabled=False)
    _check_and_confirm(page, live_server, _many_firms(1500), 1500)
    page.wait_for_selector("#import-result", timeout=120_000)  # by <noscript> refresh alone
    assert "新增 1500 条" in page.locator("#import-result").inner_text()


def test_bad_row_then_fixed_file(browser, live_server, make_user):
    staff = make_user(Role.STAFF)
    page = _signed_in(browser, live_server, staff.email)

    page.goto(live_server + "/imports/")
    page.select_option("select[name=kind]", "enterprises")
    bad = _csv("91411024MA0000000X")
    page.set_input_files(
        "input[name=file]", {"name": "名册.csv", "mimeType": "text/csv", "buffer": bad}
    )
    page.click("form.form button[type=submit]")
    page.wait_for_selector("text=发现 1 处问题")
    assert "统一社会信用代码无效" in page.content()
    assert page.locator("text=确认导入").count() == 0
    assert db.session.scalar(select(func.count(Enterprise.id))) == 0

    good = _csv(valid_credit_code(12))
    page.set_input_files(
        "input[name=file]", {"name": "名册.csv", "mimeType": "text/csv", "buffer": good}
    )
    page.click("form.form button[type=submit]")
    page.wait_for_selector("text=新增 2 条")
    page.click("text=确认导入")
    page.wait_for_selector("text=已导入 名册.csv")
    assert db.session.scalar(select(func.count(Enterprise.id))) == 2
    page.goto(live_server + "/imports/history")
    assert "名册.csv" in page.content()
