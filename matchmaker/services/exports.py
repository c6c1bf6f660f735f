"""Spreadsheets out: the figures and the lead list as .xlsx (formatted) and .csv.

Every text cell that a spreadsheet would read as a formula (starting with = + - @, or
a tab or carriage return) is neutralised with a leading apostrophe. Contact details
are never exported.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from flask_babel import force_locale
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ..labels import LEAD_STATUS
from ..models import Lead
from .figures import COLUMNS, Figures
from .leads import offer_of, seeker_of

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A value that no spreadsheet will evaluate as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def figure_rows(rows: Iterable[tuple[str, Figures]]) -> list[list]:
    """A header and one row per (name, figures)."""
    table = [["地区或联络站", *COLUMNS.values()]]
    for name, figures in rows:
        values = figures.as_dict()
        table.append([name, *(values[key] for key in COLUMNS)])
    return table


LEAD_HEADER = [
    "线索编号", "类型", "状态", "联络站", "行业", "需求或项目", "企业", "人才或投资方",
    "匹配度", "推荐日期", "引荐日期", "销号日期", "结果",
]  # fmt: skip


def lead_rows(leads: Sequence[Lead]) -> list[list]:
    """A header and one row per lead: public facts only, no contact details."""
    table = [LEAD_HEADER]
    for lead in leads:
        offer, seeker = offer_of(lead), seeker_of(lead)
        if lead.kind.value == "talent":
            other = f"{seeker.major}（{seeker.school}）"
        else:
            other = f"{seeker.title}（{seeker.enterprise.name}）"
        table.append([
            lead.id,
            "人才" if lead.kind.value == "talent" else "招商",
            _status_zh(lead),
            lead.station.name if lead.station else "",
            lead.sector.name_zh if lead.sector else "",
            offer.title,
            offer.enterprise.name,
            other,
            round(lead.score, 3),
            _day(lead.created_at),
            _day(lead.introduced_at),
            _day(lead.closed_at),
            _outcome(lead),
        ])  # fmt: skip
    return table


def _status_zh(lead: Lead) -> str:
    with force_locale("zh"):  # the exports are in Chinese whatever the page language
        return str(LEAD_STATUS[lead.status])


def _day(moment) -> str:
    return moment.date().isoformat() if moment else ""


def _outcome(lead: Lead) -> str:
    if lead.outcome_position:
        return f"录用：{lead.outcome_position}"
    if lead.outcome_amount_wan is not None:
        return f"签约：{lead.outcome_amount_wan}万元"
    return lead.outcome_reason or ""


def to_csv(table: list[list]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens the Chinese text correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in table:
        writer.writerow([safe_cell(value) for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(sheets: dict[str, list[list]]) -> bytes:
    """A workbook with one formatted sheet per table: bold header, frozen, sized columns."""
    book = Workbook()
    book.remove(book.active)
    for title, table in sheets.items():
        sheet = book.create_sheet(title[:31])
        for row in table:
            sheet.append([safe_cell(value) for value in row])
        _format(sheet, table)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _format(sheet, table: list[list]) -> None:
    header_fill = PatternFill("solid", fgColor="FBE9E7")
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    sheet.freeze_panes = "B2"
    for index, column in enumerate(zip(*table, strict=False), start=1):
        width = max(len(str(v)) if v is not None else 0 for v in column)
        sheet.column_dimensions[get_column_letter(index)].width = min(max(8, width * 1.8), 40)
