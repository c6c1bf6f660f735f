"""The spreadsheet a station fills in to import a roster.

The first sheet has the columns (named as the forms name the fields, required ones
marked), an example row, and drop-downs where the values are a fixed list; a second
sheet says what each column takes and how to give several values. The example row is
skipped on import (``is_example``), so a template sent back unchanged imports nothing.
"""

from __future__ import annotations

import io

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select

from ..extensions import db
from ..models import Sector, Station
from . import rosters
from .exports import safe_cell

#: A filled row of each kind, as the first row under the header.
EXAMPLES = {
    "graduates": {
        "姓名": "张三", "毕业院校": "河南农业大学", "专业": "园艺", "学历": "本科",
        "毕业年份": "2025", "技能": "嫁接育苗、苗木栽培", "家乡": "许昌市鄢陵县",
        "是否返乡": "是", "手机号码": "13800138000", "联系邮箱": "zhangsan@example.com",
        "意向行业": "花木/园林", "意向工作地": "许昌市鄢陵县", "个人简介": "想回乡发展苗木产业",
        "出生年月": "2003.05", "意向岗位": "苗木技术员",
    },
    "enterprises": {
        "企业名称": "示例苗木有限公司", "统一社会信用代码": "91411024MA44UGPF1P",
        "行业": "花木/园林", "所在地": "许昌市鄢陵县陈化店镇", "企业简介": "紫荆、月季苗木",
        "联系人": "王丽", "联系电话": "13800138000", "联系邮箱": "wangli@example.com",
    },
    "deputies": {
        "姓名": "李四", "邮箱": "lisi@example.com", "手机": "13800138000", "层级": "乡镇",
        "联络站": "", "联系行业": "花木/园林", "工作单位及职务": "示例合作社理事长",
        "关联企业信用代码": "",
    },
    "needs": {
        "企业信用代码": "91411024MA44UGPF1P", "岗位名称": "苗木技术员",
        "岗位说明": "负责苗圃嫁接与养护", "行业": "花木/园林", "工作地点": "许昌市鄢陵县",
        "最低学历": "大专", "招聘人数": "2", "月薪下限": "4000", "月薪上限": "6000",
    },
}  # fmt: skip
DEGREE_VALUES = ["高中", "中专", "大专", "本科", "硕士", "博士"]
#: Columns whose values come from a fixed list: a drop-down each.
FIXED = {
    "学历": DEGREE_VALUES,
    "最低学历": ["不限", *DEGREE_VALUES],
    "是否返乡": ["是", "否"],
    "层级": ["乡镇", "县", "市", "省", "全国"],
}
#: Columns that take several values, separated as ``SEVERAL`` says.
MANY = {"意向行业", "意向工作地", "联系行业"}
SEVERAL = _l("Several values: separate them with 、 or a comma, e.g. 花木/园林、电子商务.")
HINTS = {
    "手机号码": _l("An 11-digit mobile number; give the phone or the e-mail (or both)."),
    "联系邮箱": _l("Give the phone or the e-mail (or both)."),
    "毕业年份": _l("A year such as 2025; may be left empty."),
    "出生年月": _l("Year and month, such as 2003.05."),
    "家乡": _l("A county or township, or the full household address."),
    "统一社会信用代码": _l("18 characters, as on the business licence."),
    "企业信用代码": _l("The credit code of an enterprise already imported or registered."),
    "关联企业信用代码": _l("Only if the deputy works for an enterprise already imported."),
    "行业": _l("One sector from the list."),
    "联络站": _l("The station's full name, from the list."),
    "所在地": _l("A county or township, such as 许昌市鄢陵县陈化店镇."),
    "工作地点": _l("A county or township, such as 许昌市鄢陵县."),
    "招聘人数": _l("A whole number from 1 to 1000."),
}
REQUIRED_FILL = PatternFill("solid", fgColor="FDE9D9")
EXAMPLE_FONT = Font(italic=True, color="808080")
LAST_ROW = rosters.MAX_ROWS + 2  # drop-downs reach as far as an import may


def is_example(kind: str, row: dict[str, str]) -> bool:
    """Whether a row is the template's example, left in place."""
    example = {k: v for k, v in EXAMPLES[kind].items() if v}
    return all(row.get(k, "") == v for k, v in example.items())


def workbook(kind: str) -> bytes:
    """The template of ``kind`` as .xlsx bytes."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Roster")
    columns = rosters.fields(kind)
    sheet.append(columns)
    sheet.append([EXAMPLES[kind].get(c, "") for c in columns])
    _style(sheet, kind, columns)
    lists = _lists(kind)
    options = _options_sheet(book, lists)
    for index, column in enumerate(columns, start=1):
        if column in lists:
            _drop_down(sheet, index, options, list(lists).index(column) + 1, len(lists[column]))
    _number_checks(sheet, columns)
    _instructions(book, kind, columns, lists)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _style(sheet, kind: str, columns: list[str]) -> None:
    """Required columns shaded and starred in a note row; the example greyed."""
    required = rosters.REQUIRED[kind]
    for index, column in enumerate(columns, start=1):
        head = sheet.cell(row=1, column=index)
        head.font = Font(bold=True)
        if column in required:
            head.fill = REQUIRED_FILL
        sheet.cell(row=2, column=index).font = EXAMPLE_FONT
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(column) * 3)
    sheet.freeze_panes = "A2"


def _lists(kind: str) -> dict[str, list[str]]:
    """The fixed lists of this kind's columns, sectors and stations from the database."""
    columns = rosters.fields(kind)
    lists = {c: values for c, values in FIXED.items() if c in columns}
    if "行业" in columns:
        lists["行业"] = list(db.session.scalars(select(Sector.name_zh).order_by(Sector.id)))
    if "联络站" in columns:
        lists["联络站"] = list(db.session.scalars(select(Station.name).order_by(Station.name)))
    return {c: values for c, values in lists.items() if values}


def _options_sheet(book: Workbook, lists: dict[str, list[str]]):
    """A hidden sheet with one list per column: drop-downs refer to it (a list written
    into the drop-down itself may not pass 255 characters)."""
    options = book.create_sheet(_("Lists"))
    for index, (column, values) in enumerate(lists.items(), start=1):
        options.cell(row=1, column=index, value=column)
        for row, value in enumerate(values, start=2):
            options.cell(row=row, column=index, value=safe_cell(value))
    options.sheet_state = "hidden"
    return options


def _drop_down(sheet, index: int, options, list_column: int, length: int) -> None:
    letter, source = get_column_letter(index), get_column_letter(list_column)
    rule = DataValidation(
        type="list",
        formula1=f"{quote_sheetname(options.title)}!${source}$2:${source}${length + 1}",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=_("Not in the list"),
        error=_("Choose a value from the list."),
    )
    rule.add(f"{letter}2:{letter}{LAST_ROW}")
    sheet.add_data_validation(rule)


def _number_checks(sheet, columns: list[str]) -> None:
    """Years and head counts as whole numbers in range."""
    ranges = {"毕业年份": (1950, 2100), "招聘人数": (1, 1000)}
    for index, column in enumerate(columns, start=1):
        if column in ranges:
            low, high = ranges[column]
            rule = DataValidation(
                type="whole", operator="between", formula1=str(low), formula2=str(high),
                allow_blank=True, showErrorMessage=True,
                error=_("Enter a whole number from %(low)s to %(high)s.", low=low, high=high),
            )  # fmt: skip
            letter = get_column_letter(index)
            rule.add(f"{letter}2:{letter}{LAST_ROW}")
            sheet.add_data_validation(rule)


def _instructions(book: Workbook, kind: str, columns: list[str], lists: dict) -> None:
    """A sheet saying, for each column, whether it is required and what it takes."""
    notes = book.create_sheet(_("How to fill in"), 1)
    notes.append([_("Column"), _("Required"), _("What to write")])
    required = rosters.REQUIRED[kind]
    for column in columns:
        notes.append([column, _("yes") if column in required else "", _hint(column, lists)])
    notes.append([])
    notes.append([str(SEVERAL)])
    notes.append([_("Row 2 is an example: it is skipped on import; write over it or leave it.")])
    notes.append([_("Title rows above the header and signature lines below are allowed.")])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["C"].width = 80


def _hint(column: str, lists: dict) -> str:
    """What a column takes: its list of values, several values, or a hint."""
    if column in FIXED and column in lists:
        return _("One of: %(values)s", values="、".join(lists[column]))
    if column in lists:
        return str(HINTS.get(column, _("One value from the drop-down list.")))
    if column in MANY:
        return str(SEVERAL)
    return str(HINTS.get(column, ""))
