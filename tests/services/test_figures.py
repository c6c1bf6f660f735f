"""Figures against hand-counted fixtures, the roll-up, exports and the summary."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import event, select

from matchmaker.extensions import db
from matchmaker.models import Lead, Region, Role
from matchmaker.services import exports, figures
from matchmaker.services import introductions as intro
from matchmaker.services.catalogue import regions_within
from tests.factories import days_ago, verify

YEAR = figures.Period(date(2026, 1, 1), date(2099, 12, 31))


@pytest.fixture
def worked(talent):
    """One lead introduced, connected, hired and closed at 陈化店镇."""
    lead, graduate, employer, deputy = talent
    intro.introduce(lead, deputy, "note")
    intro.consent(lead, graduate, True, intro.NOTICE_VERSION)
    intro.consent(lead, employer, True, intro.NOTICE_VERSION)
    intro.record_hire(lead, employer, days_ago(0), "技术员")
    intro.close_out(lead, deputy, "录用，销号")
    db.session.commit()
    return lead


def test_station_figures_count_what_happened(worked, reference):
    station = reference.station("陈化店镇人大代表联络站")
    f = figures.for_station(station, YEAR)
    assert (f.needs, f.profiles, f.suggestions) == (1, 1, 1)
    assert (f.reviewed, f.introductions, f.connected, f.hires) == (1, 1, 1, 1)
    assert (f.closed_out, f.solved, f.awaiting_review, f.reviewed_late) == (1, 1, 0, 0)
    assert f.deputies_engaged == 1
    assert f.median_days_to_review is not None and f.median_days_to_review < 1
    assert f.median_days_to_close is not None
    assert (f.projects_signed, f.red_items) == (0, 0)


def test_other_stations_and_periods_see_none_of_it(worked, reference):
    other = reference.station("湖东街道人大代表联络站")
    assert figures.for_station(other, YEAR).suggestions == 0
    past = figures.Period(date(2020, 1, 1), date(2020, 12, 31))
    station = reference.station("陈化店镇人大代表联络站")
    assert figures.for_station(station, past).hires == 0


def test_red_items_count_overdue_suggestions(talent, reference):
    lead = talent[0]
    lead.created_at = lead.created_at - timedelta(days=15)
    db.session.commit()
    station = reference.station("陈化店镇人大代表联络站")
    assert figures.for_station(station, YEAR).red_items == 1


def test_signed_projects_and_amounts(make_user, reference):
    from tests.services.test_introductions import _connect

    owner, investor = make_user(Role.ENTERPRISE), make_user(Role.ENTERPRISE)
    lead = _investment_lead(owner, investor, reference)
    deputy = make_user(Role.DEPUTY)
    _connect(lead, owner, investor, deputy)
    intro.record_signing(lead, deputy, days_ago(0), 4200)
    db.session.commit()
    f = figures.for_region(reference.region("河南省"), YEAR)
    assert (f.projects_signed, f.signed_amount_wan, f.projects, f.interests) == (1, 4200, 1, 1)


def _investment_lead(owner, investor, reference):
    from matchmaker.services import postings

    verify(owner.enterprise, investor.enterprise)
    sector = reference.sector("flower_processing")
    postings.save_project(
        owner.enterprise, title="玫瑰精油生产线", description="玫瑰精油提取精深加工。",
        sector_id=sector.id, region_id=reference.region("河南省/许昌市/鄢陵县/陈化店镇").id,
    )  # fmt: skip
    postings.save_interest(
        investor.enterprise, title="投资玫瑰精油", description="玫瑰精油精深加工投资。",
        sector_ids=[sector.id], region_ids=[],
    )  # fmt: skip
    db.session.commit()
    return db.session.scalar(select(Lead).where(Lead.kind == "investment"))


def test_roll_up_rows_add_up_to_the_parent(worked, reference):
    for path in ("河南省", "河南省/许昌市", "河南省/许昌市/鄢陵县"):
        region = reference.region(path)
        total = figures.for_region(region, YEAR).as_dict()
        rows = figures.breakdown(region, YEAR)
        keys = ("needs", "profiles", "suggestions", "introductions", "hires", "closed_out")
        for key in (*keys, "solved", "awaiting_review"):
            assert sum(f.as_dict()[key] for _, _, f in rows) == total[key], (path, key)
    city = figures.for_region(reference.region("河南省/许昌市"), YEAR)
    assert (city.hires, city.closed_out, city.solved) == (1, 1, 1)
    other = figures.for_region(reference.region("河南省/濮阳市"), YEAR)
    assert (other.hires, other.closed_out, other.solved) == (0, 0, 0)


def test_summary_reads_like_the_bulletin(worked, reference):
    station = reference.station("陈化店镇人大代表联络站")
    text = figures.summary(
        "陈化店镇", figures.for_station(station, YEAR), figures.Period.this_year()
    )
    assert text.startswith("今年以来，陈化店镇")
    assert "促成就业1人" in text and "办结销号线索1条，均促成就业或签约" in text
    assert "签约项目" not in text  # nothing was signed: no sentence about signings


def test_xlsx_export_round_trips_with_chinese_headers(app, worked, reference):
    station = reference.station("陈化店镇人大代表联络站")
    table = exports.figure_rows([("陈化店镇", figures.for_station(station, YEAR))])
    with app.test_request_context("/?lang=en"):
        leads = exports.lead_rows([station.id], YEAR)
    title = exports.title(station.name, "数据汇总", YEAR, made=date(2026, 11, 29))
    assert title == (
        "陈化店镇人大代表联络站 数据汇总 2026年1月1日—2099年12月31日 制表日期：2026年11月29日"
    )
    data = exports.to_xlsx({"数据汇总": table, "线索清单": leads}, title=title)
    book = load_workbook(io.BytesIO(data))
    sheet = book["数据汇总"]
    assert sheet["A1"].value == title and sheet["A1"].font.bold
    assert {str(r) for r in sheet.merged_cells.ranges} == {
        f"A1:{get_column_letter(len(table[0]))}1"
    }
    assert sheet.freeze_panes == "B3"  # the header stays in view below the title
    assert [c.value for c in sheet[2]][:3] == ["地区或联络站", "参与代表（人）", "岗位需求（个）"]
    assert sheet[2][0].font.bold
    assert sheet["A3"].value == "陈化店镇"
    header = [c.value for c in sheet[2]]
    assert sheet.cell(3, header.index("销号线索（条）") + 1).value == 1
    assert sheet.cell(3, header.index("销号中促成就业或签约（条）") + 1).value == 1
    rows = list(book["线索清单"].values)
    assert rows[0][0] == title and rows[1][0] == "线索编号"
    assert rows[2][2] == "已销号" and rows[2][-1] == worked.deputy.name
    assert "138" not in str(rows)  # no phone numbers in any export


def test_every_export_opens_with_its_title_and_neutralises_it():
    data = exports.to_csv([["名称"], ["=1+1"]], title="=某站 线索明细")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["'=某站 线索明细"], ["名称"], ["'=1+1"]]
    book = load_workbook(io.BytesIO(exports.to_xlsx({"表": [["名称"], ["@x"]]}, title="+某站")))
    assert list(book["表"].values) == [("'+某站",), ("名称",), ("'@x",)]


def test_csv_has_a_bom_and_neutralises_formulas():
    data = exports.to_csv([["名称", "值"], ["=1+1", "+86"], ["@SUM(A1)", "-2"], ["正常", 3]])
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[1] == ["'=1+1", "'+86"]
    assert rows[2] == ["'@SUM(A1)", "'-2"]
    assert rows[3] == ["正常", "3"]


def test_region_ids_cover_the_subtree(reference):
    county = reference.region("河南省/许昌市/鄢陵县")
    assert db.session.get(Region, regions_within(county)[0]) is county


# --- close-out and solved ------------------------------------------------------------


def _more_leads(talent, make_user, n: int) -> list[Lead]:
    """The fixture's lead and ``n`` more for the same need, from new graduates."""
    for _ in range(n):
        make_user(Role.GRADUATE)
    leads = db.session.scalars(select(Lead).order_by(Lead.id)).all()
    assert len(leads) == n + 1
    return list(leads)


def _users_of(lead):
    return lead.graduate.user, lead.talent_need.enterprise.user


def test_closed_out_counts_every_close_and_solved_only_those_with_a_result(
    talent, make_user, reference
):
    deputy = talent[3]
    hired, no_deal, declined, open_hire, long_ago = _more_leads(talent, make_user, 4)
    for lead in (hired, no_deal, open_hire, long_ago):
        graduate, employer = _users_of(lead)
        intro.introduce(lead, deputy, "note")
        intro.consent(lead, graduate, True, intro.NOTICE_VERSION)
        intro.consent(lead, employer, True, intro.NOTICE_VERSION)
    for lead in (hired, open_hire, long_ago):
        intro.record_hire(lead, _users_of(lead)[1], days_ago(0), "技术员")
    intro.record_no_deal(no_deal, deputy, "薪酬未谈拢")
    intro.introduce(declined, deputy, "note")
    intro.consent(declined, _users_of(declined)[0], False, intro.NOTICE_VERSION)
    for lead in (hired, no_deal, declined, long_ago):
        intro.close_out(lead, deputy, "销号")
    long_ago.closed_at = long_ago.closed_at.replace(year=2025)
    db.session.commit()
    f = figures.for_station(reference.station("陈化店镇人大代表联络站"), YEAR)
    assert (f.closed_out, f.solved) == (3, 1)
    assert (
        figures.for_station(
            reference.station("陈化店镇人大代表联络站"),
            figures.Period(date(2025, 1, 1), date(2025, 12, 31)),
        ).closed_out
        == 1
    )


def test_a_closed_signing_is_solved(make_user, reference):
    from tests.services.test_introductions import _connect

    owner, investor = make_user(Role.ENTERPRISE), make_user(Role.ENTERPRISE)
    lead = _investment_lead(owner, investor, reference)
    deputy = make_user(Role.DEPUTY)
    _connect(lead, owner, investor, deputy)
    intro.record_signing(lead, deputy, days_ago(0), 0)  # a signing, even at 0 万元
    intro.close_out(lead, deputy, "签约，销号")
    db.session.commit()
    f = figures.for_region(reference.region("河南省"), YEAR)
    assert (f.projects_signed, f.closed_out, f.solved) == (1, 1, 1)


def test_unreviewed_suggestions_are_never_called_reviewed_on_time(talent, make_user, reference):
    leads = _more_leads(talent, make_user, 2)
    for lead in leads[:2]:  # past the 7-day review deadline, not yet twice it (amber)
        lead.created_at = lead.created_at - timedelta(days=8)
    db.session.commit()
    station = reference.station("陈化店镇人大代表联络站")
    f = figures.for_station(station, YEAR)
    assert (f.suggestions, f.reviewed, f.awaiting_review, f.overdue_review) == (3, 0, 3, 2)
    assert f.red_items == 0
    text = figures.summary(station.name, f, YEAR, is_station=True)
    assert "平台推荐对接线索3条，均未审核，其中2条已超过审核期限。" in text
    assert "按期" not in text and "均已" not in text


def test_a_late_review_is_not_on_time(talent, reference):
    lead, _, _, deputy = talent
    lead.created_at = lead.created_at - timedelta(days=9)
    intro.introduce(lead, deputy, "note")
    db.session.commit()
    f = figures.for_station(reference.station("陈化店镇人大代表联络站"), YEAR)
    assert (f.awaiting_review, f.reviewed_late, f.overdue_review) == (0, 1, 0)
    assert f.median_days_to_review == 9.0


def test_figures_cost_the_same_statements_at_any_size_and_load_no_lead(
    talent, make_user, reference
):
    station = reference.station("陈化店镇人大代表联络站")
    seen = {"statements": 0, "leads": 0}

    def on_statement(*args):
        seen["statements"] += 1

    def on_lead(*args):
        seen["leads"] += 1

    def measure() -> tuple[int, int]:
        db.session.expire_all()
        seen.update(statements=0, leads=0)
        event.listen(db.engine, "before_cursor_execute", on_statement)
        event.listen(Lead, "load", on_lead)
        try:
            figures.for_station(station, YEAR)
            figures.for_region(reference.region("河南省/许昌市"), YEAR)
        finally:
            event.remove(db.engine, "before_cursor_execute", on_statement)
            event.remove(Lead, "load", on_lead)
        return seen["statements"], seen["leads"]

    small = measure()
    _more_leads(talent, make_user, 3)
    assert measure() == small
    assert small[1] == 0  # counted in the database, never loaded as objects


def test_the_lead_list_holds_the_leads_live_in_the_period(app, talent, make_user, reference):
    deputy = talent[3]
    dismissed_long_ago, open_since_2025, suggested_later = _more_leads(talent, make_user, 2)
    intro.dismiss(dismissed_long_ago, deputy, next(iter(intro.dismiss_reasons())))
    dismissed_long_ago.status_changed_at = dismissed_long_ago.created_at = datetime(
        2025, 3, 1, tzinfo=UTC
    )
    open_since_2025.created_at = datetime(2025, 6, 1, tzinfo=UTC)  # open when the period began
    suggested_later.created_at = datetime(2100, 1, 1, tzinfo=UTC)
    db.session.commit()
    station = reference.station("陈化店镇人大代表联络站")
    with app.test_request_context():
        rows = exports.lead_rows([station.id], YEAR)
    assert [row[0] for row in rows[1:]] == [open_since_2025.id]
    assert rows[1][2] == "待审核" and rows[1][-1] == ""  # no deputy yet: an empty cell


def test_each_station_counts_overdue_by_its_own_review_deadline(talent, make_user, reference):
    chen = reference.station("陈化店镇人大代表联络站")
    hudong = reference.station("湖东街道人大代表联络站")
    chen.review_deadline_days, hudong.review_deadline_days = 3, 10
    leads = _more_leads(talent, make_user, 2)
    for lead, days in zip(leads, (4, 4, 9), strict=True):
        lead.created_at = lead.created_at - timedelta(days=days)
    leads[2].station = hudong
    db.session.commit()
    assert figures.for_station(chen, YEAR).overdue_review == 2  # 4 days > 3
    assert figures.for_station(hudong, YEAR).overdue_review == 0  # 9 days < 10
    both = figures.compute([], [chen.id, hudong.id], YEAR)
    assert (both.suggestions, both.awaiting_review, both.overdue_review) == (3, 3, 2)
    hudong.review_deadline_days = 8
    db.session.commit()
    assert figures.compute([], [chen.id, hudong.id], YEAR).overdue_review == 3
