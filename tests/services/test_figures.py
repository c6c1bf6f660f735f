"""Figures against hand-counted fixtures, the roll-up, exports and the summary."""

import csv
import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Lead, Region, Role
from matchmaker.services import exports, figures
from matchmaker.services import introductions as intro
from matchmaker.services.catalogue import regions_within
from tests.factories import verify

YEAR = figures.Period(date(2026, 1, 1), date(2099, 12, 31))


@pytest.fixture
def worked(talent):
    """One lead introduced, connected, hired and closed at 陈化店镇."""
    lead, graduate, employer, deputy = talent
    intro.introduce(lead, deputy, "note")
    intro.consent(lead, graduate, True, intro.NOTICE_VERSION)
    intro.consent(lead, employer, True, intro.NOTICE_VERSION)
    intro.record_hire(lead, employer, date(2026, 12, 1), "技术员")
    intro.close_out(lead, deputy, "录用，销号")
    db.session.commit()
    return lead


def test_station_figures_count_what_happened(worked, reference):
    station = reference.station("陈化店镇人大代表联络站")
    f = figures.for_station(station, YEAR)
    assert (f.needs, f.profiles, f.suggestions) == (1, 1, 1)
    assert (f.reviewed, f.introductions, f.connected, f.hires) == (1, 1, 1, 1)
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
    intro.record_signing(lead, deputy, date(2026, 12, 1), 4200)
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
        for key in ("needs", "profiles", "suggestions", "introductions", "hires"):
            assert sum(f.as_dict()[key] for _, _, f in rows) == total[key], (path, key)
    assert figures.for_region(reference.region("河南省/许昌市"), YEAR).hires == 1
    assert figures.for_region(reference.region("河南省/濮阳市"), YEAR).hires == 0


def test_summary_reads_like_the_bulletin(worked, reference):
    station = reference.station("陈化店镇人大代表联络站")
    text = figures.summary(
        "陈化店镇", figures.for_station(station, YEAR), figures.Period.this_year()
    )
    assert text.startswith("今年以来，陈化店镇")
    assert "促成就业1人" in text and "签约项目0个、金额0万元" in text


def test_xlsx_export_round_trips_with_chinese_headers(app, worked, reference):
    station = reference.station("陈化店镇人大代表联络站")
    table = exports.figure_rows([("陈化店镇", figures.for_station(station, YEAR))])
    with app.test_request_context("/?lang=en"):
        leads = exports.lead_rows(list(db.session.scalars(select(Lead))))
    book = load_workbook(io.BytesIO(exports.to_xlsx({"数据汇总": table, "线索清单": leads})))
    sheet = book["数据汇总"]
    assert [c.value for c in sheet[1]][:3] == ["地区或联络站", "参与代表（人）", "岗位需求（个）"]
    assert sheet["A2"].value == "陈化店镇"
    assert sheet[1][0].font.bold
    rows = list(book["线索清单"].values)
    assert rows[1][2] == "已销号"
    assert "138" not in str(rows)  # no phone numbers in any export


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
