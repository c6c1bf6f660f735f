"""The figures pages: scope, drill-down, downloads."""

import io
import re

from openpyxl import load_workbook
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Lead, Role
from matchmaker.services import figures
from matchmaker.services import introductions as intro
from tests.factories import verify


def test_staff_see_their_own_station_only(client, auth, reference):
    auth.login_as(Role.STAFF)  # 陈化店镇
    own = reference.station("陈化店镇人大代表联络站")
    response = client.get("/figures/")
    assert response.headers["Location"].endswith(f"/figures/station/{own.id}")
    page = client.get(f"/figures/station/{own.id}").text
    assert "今年以来，陈化店镇人大代表联络站" in page and "报送用文字概述" in page
    other = reference.station("湖东街道人大代表联络站")
    assert client.get(f"/figures/station/{other.id}").status_code == 404
    assert client.get(f"/figures/region/{own.region_id}").status_code == 404


def test_admin_drills_down_from_the_province(client, auth, reference):
    auth.login_as(Role.ADMIN)
    province = client.get("/figures/", follow_redirects=True).text
    assert "许昌市" in province and "濮阳市" in province and "<svg" in province
    county = reference.region("河南省/许昌市/鄢陵县")
    page = client.get(f"/figures/region/{county.id}").text
    assert "陈化店镇" in page and "陈化店镇人大代表联络站" in page


def test_downloads(client, auth, reference):
    auth.login_as(Role.ADMIN)
    province = reference.region("河南省")
    response = client.get(f"/figures/region/{province.id}/figures.xlsx?start=2026-01-01")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data))["数据汇总"]
    made = figures.zh_date(figures.today())
    assert sheet["A1"].value.startswith("河南省 数据汇总 2026年1月1日—")
    assert sheet["A1"].value.endswith(f"制表日期：{made}")
    assert sheet["A2"].value == "地区或联络站" and sheet.freeze_panes == "B3"
    assert [row[0] for row in sheet.iter_rows(values_only=True)][-1] == "合计"
    csv_response = client.get(f"/figures/region/{province.id}/leads.csv")
    lines = csv_response.data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("河南省 线索明细 ") and lines[1].startswith("线索编号,")


def test_station_exports_name_the_station_and_period(client, auth, reference):
    auth.login_as(Role.STAFF)
    own = reference.station("陈化店镇人大代表联络站")
    for what in ("figures", "leads"):
        url = f"/figures/station/{own.id}/{what}.csv?start=2026-01-01&end=2026-11-29"
        first = client.get(url).data.decode("utf-8-sig").splitlines()[0]
        table = "数据汇总" if what == "figures" else "线索明细"
        assert first.startswith(
            f"陈化店镇人大代表联络站 {table} 2026年1月1日—2026年11月29日 制表日期："
        )


#: Personal values of both sides, distinctive enough to find anywhere in a file.
PERSONAL = {
    "graduate": dict(
        name="隐秘甲某",
        school="绝密理工学院",
        phone="13911112222",
        email="hidden-grad@secret.example",
    ),
    "employer": dict(
        contact_person="隐秘乙某", phone="13933334444", email="hidden-firm@secret.example"
    ),
    "owner": dict(
        contact_person="隐秘丙某", phone="13955556666", email="hidden-own@secret.example"
    ),
    "investor": dict(
        contact_person="隐秘丁某", phone="13977778888", email="hidden-inv@secret.example"
    ),
}


def _leads_with_personal_values(make_user, reference):
    from matchmaker.services import postings
    from tests.services.test_figures import _investment_lead

    make_user(Role.GRADUATE, **PERSONAL["graduate"])
    employer = make_user(Role.ENTERPRISE, **PERSONAL["employer"])
    postings.save_need(
        employer.enterprise, title="花木栽培技术员", description="紫荆、月季苗木栽培，嫁接育苗。",
        sector_id=reference.sector("horticulture").id,
        region_id=reference.region("河南省/许昌市/鄢陵县/陈化店镇").id,
    )  # fmt: skip
    owner = make_user(Role.ENTERPRISE, **PERSONAL["owner"])
    investor = make_user(Role.ENTERPRISE, **PERSONAL["investor"])
    _investment_lead(owner, investor, reference)
    deputy = make_user(Role.DEPUTY)
    verify(employer.enterprise, owner.enterprise, investor.enterprise)
    for lead in db.session.scalars(select(Lead)):
        intro.introduce(lead, deputy, "请双方联系")
        for side in intro.side_users(lead):
            intro.consent(lead, side, True, intro.NOTICE_VERSION)
    db.session.commit()
    return deputy.deputy


def test_lead_exports_carry_the_deputy_and_no_personal_value(client, auth, make_user, reference):
    deputy = _leads_with_personal_values(make_user, reference)
    auth.login_as(Role.STAFF)
    own = reference.station("陈化店镇人大代表联络站")
    text = client.get(f"/figures/station/{own.id}/leads.csv").data.decode("utf-8-sig")
    book = load_workbook(io.BytesIO(client.get(f"/figures/station/{own.id}/leads.xlsx").data))
    rows = list(book["线索清单"].values)
    cells = "\n".join(str(v) for row in rows for v in row)
    assert len(rows) == 4 and rows[1][-1] == "负责代表"
    assert [row[-1] for row in rows[2:]] == [deputy.name, deputy.name]
    assert "鄢陵县测试花木有限公司" in cells and "玫瑰精油生产线" in cells  # the firms, titles
    for values in PERSONAL.values():
        for value in values.values():
            assert value not in text, value
            assert value not in cells, value


def test_bad_dates_fall_back_with_a_message(client, auth, reference):
    auth.login_as(Role.STAFF)
    own = reference.station("陈化店镇人大代表联络站")
    page = client.get(f"/figures/station/{own.id}?start=昨天&end=2026-01-01").text
    assert "日期格式应为" in page


def _print_rules(css: str) -> str:
    """The text of every ``@media print { … }`` block of a stylesheet."""
    blocks = []
    for match in re.finditer(r"@media\s+print\s*\{", css):
        depth, end = 1, match.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(css[end], 0)
            end += 1
        blocks.append(css[match.end() : end - 1])
    return "\n".join(blocks)


def _hidden_selectors(rules: str) -> set[str]:
    hidden = set()
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", rules):
        if re.search(r"display:\s*none", body):
            hidden |= {s.strip() for s in selectors.split(",")}
    return hidden


def test_figure_pages_link_a_print_stylesheet_that_hides_the_controls(client, auth, reference):
    auth.login_as(Role.STAFF)
    own = reference.station("陈化店镇人大代表联络站")
    page = client.get(f"/figures/station/{own.id}?start=2026-01-01&end=2026-11-29").text
    href = re.search(r'<link rel="stylesheet" href="([^"]+)"', page).group(1)
    assert href.startswith("/static/")  # served by the app itself
    with client.get(href) as stylesheet:
        hidden = _hidden_selectors(_print_rules(stylesheet.text))
    for selector in ("nav", ".site-header", ".lang", ".button", "button", "form", ".flash"):
        assert selector in hidden, selector
    printed = re.search(r'<p class="print-only period-line">(.*?)</p>', page).group(1)
    assert "2026年1月1日" in printed and "2026年11月29日" in printed  # the period, printed
    assert 'class="filters no-print"' in page
