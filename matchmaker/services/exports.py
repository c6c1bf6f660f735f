"""Spreadsheets out: the figures and the lead list as .xlsx (formatted) and .csv.

Every text cell that a spreadsheet would read as a formula (starting with = + - @, or
a tab or carriage return) is neutralised with a leading apostrophe. A station's export
opens with a title row (place, table, period, date made), then the header, then the
data. No personal value of either side is exported: no graduate's name, school, phone
or e-mail, no firm's contact person, phone or e-mail.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date

from flask_babel import force_locale
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import and_, func, not_, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..labels import LEAD_STATUS
from ..models import (
    Deputy,
    Enterprise,
    InvestmentProject,
    InvestorInterest,
    Lead,
    LeadKind,
    LeadStatus,
    Sector,
    Station,
    TalentNeed,
)
from .figures import COLUMNS, LOCAL, Figures, Period, today, zh_date

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A value that no spreadsheet will evaluate as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def title(place: str, table: str, period: Period, made: date | None = None) -> str:
    """湖东街道人大代表联络站 线索明细 2026年1月1日—2026年11月29日 制表日期：2026年11月29日"""
    made = made or today()
    return f"{place} {table} {period.zh()} 制表日期：{zh_date(made)}"


def figure_rows(rows: Iterable[tuple[str, Figures]]) -> list[list]:
    """A header and one row per (name, figures)."""
    table = [["地区或联络站", *COLUMNS.values()]]
    for name, figures in rows:
        values = figures.as_dict()
        table.append([name, *(values[key] for key in COLUMNS)])
    return table


LEAD_HEADER = [
    "线索编号", "类型", "状态", "联络站", "行业", "需求或项目", "发布企业", "人才或投资意向",
    "投资方企业", "匹配度", "推荐日期", "引荐日期", "销号日期", "结果", "负责代表",
]  # fmt: skip


def lead_rows(station_ids: list[int], period: Period) -> list[list]:
    """A header and one row per lead of the stations live in the period: ids, titles,
    firm names, dates, outcome and deputy only (see ``_lead_query``)."""
    table = [LEAD_HEADER]
    with force_locale("zh"):  # the exports are in Chinese whatever the page language
        status_zh = {status: str(LEAD_STATUS[status]) for status in LeadStatus}
    for row in db.session.execute(_lead_query(station_ids, period)):
        talent = row.kind is LeadKind.TALENT
        table.append([
            row.id,
            "人才" if talent else "招商",
            status_zh[row.status],
            row.station or "",
            row.sector or "",
            row.offer_title or "",
            row.offer_firm or "",
            f"毕业生（编号{row.graduate_id}）" if talent else row.interest_title or "",
            "" if talent else row.investor_firm or "",
            round(row.score, 3),
            _day(row.created_at),
            _day(row.introduced_at),
            _day(row.closed_at),
            _outcome(row.outcome_position, row.outcome_amount_wan),
            row.deputy or "",
        ])  # fmt: skip
    return table


def _lead_query(station_ids: list[int], period: Period):
    """Leads live at some time in the period: suggested before it ended, and not closed
    out or dismissed before it began. Only non-personal columns are selected."""
    start, end = period.bounds()
    offer_firm, investor_firm = aliased(Enterprise), aliased(Enterprise)
    finished = Lead.status.in_((LeadStatus.CLOSED, LeadStatus.DISMISSED))
    offer_firm_id = func.coalesce(TalentNeed.enterprise_id, InvestmentProject.enterprise_id)
    return (
        select(
            Lead.id,
            Lead.kind,
            Lead.status,
            Lead.score,
            Lead.graduate_id,
            Lead.created_at,
            Lead.introduced_at,
            Lead.closed_at,
            Lead.outcome_position,
            Lead.outcome_amount_wan,
            Station.name.label("station"),
            Sector.name_zh.label("sector"),
            func.coalesce(TalentNeed.title, InvestmentProject.title).label("offer_title"),
            offer_firm.name.label("offer_firm"),
            InvestorInterest.title.label("interest_title"),
            investor_firm.name.label("investor_firm"),
            Deputy.name.label("deputy"),
        )
        .outerjoin(Station, Station.id == Lead.station_id)
        .outerjoin(Sector, Sector.id == Lead.sector_id)
        .outerjoin(TalentNeed, TalentNeed.id == Lead.talent_need_id)
        .outerjoin(InvestmentProject, InvestmentProject.id == Lead.project_id)
        .outerjoin(offer_firm, offer_firm.id == offer_firm_id)
        .outerjoin(InvestorInterest, InvestorInterest.id == Lead.interest_id)
        .outerjoin(investor_firm, investor_firm.id == InvestorInterest.enterprise_id)
        .outerjoin(Deputy, Deputy.id == Lead.deputy_id)
        .where(
            Lead.station_id.in_(station_ids),
            Lead.created_at < end,
            not_(and_(finished, Lead.status_changed_at < start)),
        )
        .order_by(Lead.id)
    )


def _day(moment) -> str:
    return moment.astimezone(LOCAL).date().isoformat() if moment else ""


def _outcome(position: str | None, amount_wan: int | None) -> str:
    if position:
        return f"录用：{position}"
    if amount_wan is not None:
        return f"签约：{amount_wan}万元"
    return ""


def to_csv(table: list[list], title: str | None = None) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens the Chinese text correctly; the
    title, if any, is the first row."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in ([[title]] if title else []) + table:
        writer.writerow([safe_cell(value) for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(sheets: dict[str, list[list]], title: str | None = None) -> bytes:
    """A workbook with one formatted sheet per table: the title (if any) bold and merged
    across the columns, a bold frozen header, sized columns."""
    book = Workbook()
    book.remove(book.active)
    for name, table in sheets.items():
        sheet = book.create_sheet(name[:31])
        if title:
            _title_row(sheet, title, len(table[0]))
        for row in table:
            sheet.append([safe_cell(value) for value in row])
        _format(sheet, table, header_row=2 if title else 1)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _title_row(sheet, title: str, width: int) -> None:
    sheet.append([safe_cell(title)])
    if width > 1:
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet["A1"].font = Font(bold=True, size=13)
    sheet["A1"].alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 24


def _format(sheet, table: list[list], header_row: int = 1) -> None:
    header_fill = PatternFill("solid", fgColor="FBE9E7")
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    sheet.freeze_panes = f"B{header_row + 1}"
    for index, column in enumerate(zip(*table, strict=False), start=1):
        width = max(len(str(v)) if v is not None else 0 for v in column)
        sheet.column_dimensions[get_column_letter(index)].width = min(max(8, width * 1.8), 40)
