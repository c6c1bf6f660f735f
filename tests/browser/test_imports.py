"""An import clicked through: a bad row is shown and nothing is written; fixed, it imports."""

import pytest
from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import Enterprise, Role
from matchmaker.services import imports
from tests.factories import PASSWORD, valid_credit_code

pytestmark = pytest.mark.browser


def _csv(second_code: str) -> bytes:
    header = ",".join(imports.ENTERPRISE_COLUMNS)
    rows = [
        f"鄢陵县春晖花木有限公司,{valid_credit_code(11)},花木/园林,许昌市鄢陵县陈化店镇,紫荆,王丽,13837400011,a@test.example",
        f"鄢陵县秋实苗木有限公司,{second_code},花木/园林,许昌市鄢陵县柏梁镇,月季,李强,13837400012,b@test.example",
    ]  # fmt: skip
    return "\r\n".join([header, *rows]).encode("gb18030")


def _upload(data: bytes) -> dict:
    return {"name": "名册.csv", "mimeType": "text/csv", "buffer": data}


def test_bad_row_then_fixed_file(browser, live_server, make_user):
    staff = make_user(Role.STAFF)
    page = browser.new_context(locale="zh-CN").new_page()
    page.goto(live_server + "/auth/login")
    page.fill("input[name=email]", staff.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_load_state()

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
