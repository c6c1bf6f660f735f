"""Rosters as township stations write them: title rows, blank rows, footers, their own
column names, full-width digits, a remembered mapping, and the template to fill in."""

import csv
import io
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import Graduate, ImportMapping, Role
from matchmaker.services import imports, roster_template, rosters

#: How a township station heads its graduate roster.
HEADER = ["序号", "姓名", "性别", "出生年月", "毕业院校", "所学专业", "学历", "联系电话",
          "意向岗位", "户籍地址", "备注"]  # fmt: skip
TITLE = "陈化店镇人大代表联络站返乡大学生信息登记表"


def _row(n: int, **changes) -> list:
    row = {
        "序号": n, "姓名": f" 王　{'一二三四五六七八九'[n - 1]} ", "性别": "男",
        "出生年月": "２００２.０５", "毕业院校": "河南农业大学", "所学专业": "园艺",
        "学历": "专科", "联系电话": f"138-3740-{n:04d}", "意向岗位": "苗木技术员",
        "户籍地址": "河南省许昌市鄢陵县陈化店镇王庄村", "备注": "",
    } | changes  # fmt: skip
    return [row[c] for c in HEADER]


def _roster(rows: list[list], title: bool = True) -> bytes:
    """A roster as stations send it: a merged title row, a date row, the header, rows
    with a blank row among them, and the signatures below."""
    book = Workbook()
    sheet = book.active
    if title:
        sheet.append([TITLE])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
        sheet.append(["填报单位：陈化店镇人大代表联络站", None, None, None, None, None, None,
                      "填报日期：2026年11月"])  # fmt: skip
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    sheet.append([])
    sheet.append(["填表人：李梅", None, None, None, "审核人：张强", None, "填表日期：2026.11.20"])
    sheet.append(["注：以上信息由本人填写并核实。"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMIN)


def test_the_header_is_found_under_the_title_and_the_footer_is_skipped(reference):
    rows = [_row(1), [], _row(2)]  # a blank row between the two graduates
    sheet = rosters.read_sheet("roster.xlsx", _roster(rows))
    assert sheet.header_row == 3 and sheet.header == HEADER
    assert [number for number, _ in sheet.rows] == [4, 6]


def test_the_realistic_header_maps_by_name_and_alias(reference):
    mapping = rosters.guess("graduates", HEADER)
    assert dict(zip(HEADER, mapping, strict=True)) == {
        "序号": "", "姓名": "姓名", "性别": "", "出生年月": "出生年月", "毕业院校": "毕业院校",
        "所学专业": "专业", "学历": "学历", "联系电话": "手机号码", "意向岗位": "意向岗位",
        "户籍地址": "家乡", "备注": "",
    }  # fmt: skip


def test_a_township_roster_imports_as_written(admin, need):
    result = imports.preview("graduates", "roster.xlsx", _roster([_row(1), [], _row(2)]))
    assert result.problems == [] and result.ok
    imports.apply(result, admin)
    db.session.commit()
    graduate = db.session.scalar(select(Graduate).where(Graduate.phone == "+8613837400001"))
    assert graduate.name == "王一"  # padded, and the space between the characters gone
    assert graduate.degree.value == "associate" and graduate.graduation_year is None
    assert graduate.birth_month == date(2002, 5, 1)
    assert graduate.hometown.label == "许昌市鄢陵县陈化店镇"
    assert "苗木技术员" in graduate.intro


def test_problems_carry_the_sheets_own_row_numbers_and_column_names(reference):
    rows = [_row(1), [], _row(2, 联系电话="12345"), _row(3, 学历="私塾")]
    result = imports.preview("graduates", "roster.xlsx", _roster(rows))
    # title 1, date 2, header 3, rows 4, blank 5, then 6 and 7
    assert {(p.row, p.column) for p in result.problems} == {(6, "联系电话"), (7, "学历")}
    assert not result.ok


def test_an_unmapped_required_field_is_named(reference):
    data = _without_major(_roster([_row(1)]))
    with pytest.raises(imports.ImportFileError) as caught:
        imports.preview("graduates", "g.xlsx", data)
    assert caught.value.code == "columns_missing" and caught.value.params["columns"] == "专业"


def test_a_mapping_that_does_not_fit_the_file_is_refused(reference):
    short = rosters.guess("graduates", HEADER[:-1])
    with pytest.raises(imports.ImportFileError) as caught:
        imports.preview("graduates", "g.xlsx", _roster([_row(1)]), mapping=short)
    assert caught.value.code == "mapping_invalid"


def _without_major(data: bytes) -> bytes:
    book = load_workbook(io.BytesIO(data))
    book.active.delete_cols(HEADER.index("所学专业") + 1)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_column_mapped_by_hand_is_remembered_for_the_same_shape(reference, make_user):
    station = make_user(Role.STAFF).station
    header = ["姓名", "学校名称全称", "专业", "学历", "手机"]  # 学校名称全称: no alias
    guessed, remembered = rosters.recall(station.id, "graduates", header)
    assert guessed[1] == "" and not remembered
    chosen = ["姓名", "毕业院校", "专业", "学历", "手机号码"]
    rosters.remember(station.id, "graduates", header, chosen)
    db.session.commit()
    # next month's file: same columns, written with other spacing and a star
    again = ["姓 名", "学校名称全称", "专业*", "学历", "手机"]
    assert rosters.recall(station.id, "graduates", again) == (chosen, True)
    assert rosters.recall(None, "graduates", again) == (guessed, False)  # another station's
    rosters.remember(station.id, "graduates", header, chosen)
    assert db.session.scalar(select(func.count(ImportMapping.id))) == 1


def test_a_file_without_a_header_is_refused_with_a_reason(reference):
    book = Workbook()
    for n in range(30):
        book.active.append([f"甲{n}", f"乙{n}", n])
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(imports.ImportFileError) as caught:
        imports.preview("graduates", "g.xlsx", out.getvalue())
    assert caught.value.code == "header_not_found"


def test_hostile_cells_in_a_roster_are_problems_not_errors(reference):
    rows = [_row(1, 姓名='=HYPERLINK("http://evil.example","点我")'),
            _row(2, 所学专业="长" * 100_000)]  # fmt: skip
    result = imports.preview("graduates", "roster.xlsx", _roster(rows))
    assert {(p.row, p.column) for p in result.problems} == {(4, "姓名"), (5, "所学专业")}


def test_more_rows_than_an_import_takes_are_refused(reference):
    rows = [_row(1, 联系电话=f"1383740{n:04d}") for n in range(imports.MAX_ROWS + 1)]
    with pytest.raises(imports.ImportFileError) as caught:
        imports.preview("graduates", "many.xlsx", _roster(rows))
    assert caught.value.code == "too_many_rows"


@pytest.mark.parametrize("kind", sorted(imports.KINDS))
def test_the_template_has_an_example_drop_downs_and_instructions(app, reference, kind):
    with app.test_request_context():  # its instructions speak the visitor's language
        book = load_workbook(io.BytesIO(roster_template.workbook(kind)))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header == list(imports.KINDS[kind].columns)
    assert any(c.value for c in sheet[2])  # the example row
    validated = {
        header[cell.column - 1]
        for rule in sheet.data_validations.dataValidation
        if rule.type == "list"
        for ranges in rule.sqref.ranges
        for cell in sheet[ranges.coord][0]
    }
    expected = {"graduates": {"学历", "是否返乡"}, "enterprises": {"行业"},
                "needs": {"行业", "最低学历"}, "deputies": {"层级", "联络站"}}  # fmt: skip
    assert validated == expected[kind]
    assert len(book.worksheets) == 3 and book.worksheets[2].sheet_state == "hidden"


def test_the_template_sent_back_unchanged_imports_nothing_and_filled_imports(app, admin, need):
    with app.test_request_context():
        data = roster_template.workbook("graduates")
    assert imports.preview("graduates", "t.xlsx", data).rows == []
    book = load_workbook(io.BytesIO(data))
    book.active.append(["李四", "郑州大学", "农学", "大专", "", "", "许昌市鄢陵县", "否",
                        "13837400099"])  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    result = imports.preview("graduates", "t.xlsx", out.getvalue())
    assert result.ok and len(result.rows) == 1 and result.rows[0]["graduation_year"] is None


@pytest.mark.parametrize(
    ("kind", "header"),
    [("graduates", ["姓名", "毕业院校", "专业", "学历", "毕业年份", "技能", "家乡", "是否返乡",
                    "手机", "邮箱", "意向行业", "意向地区", "个人简介"]),
     ("enterprises", ["企业名称", "统一社会信用代码", "行业", "所在地", "简介", "联系人",
                      "联系电话", "联系邮箱"]),
     ("needs", ["企业信用代码", "岗位名称", "岗位说明", "行业", "工作地点", "最低学历", "人数",
                "月薪下限", "月薪上限"])],
)  # fmt: skip
def test_files_made_from_the_earlier_templates_still_map_every_column(kind, header):
    assert "" not in rosters.guess(kind, header)


def test_a_huge_unknown_value_is_not_repeated_whole(reference):
    result = imports.preview("graduates", "g.xlsx", _roster([_row(1, 学历="博" * 50_000)]))
    assert [(p.row, p.column) for p in result.problems] == [(4, "学历")]
    assert len(result.problems[0].message) < 100


# --- headers written over two rows --------------------------------------------------------

#: A township's header over rows 3 and 4: 毕业情况 and 联系方式 are group labels merged
#: across their sub-headers, the other columns are merged down over both rows.
TOP = ["序号", "姓名", "性别", "出生年月", "毕业情况", None, None, "联系方式", None, "备注"]
SUB = [None, None, None, None, "毕业院校", "所学专业", "学历", "联系电话", "电子邮箱", None]
GROUPED = ["序号", "姓名", "性别", "出生年月", "毕业情况/毕业院校", "毕业情况/所学专业",
           "毕业情况/学历", "联系方式/联系电话", "联系方式/电子邮箱", "备注"]  # fmt: skip


def _grouped_row(n: int, **changes) -> list:
    row = {
        "序号": "１２３４５６７８９"[n - 1], "姓名": f"王 {'一二三四五六七八九'[n - 1]}",
        "性别": "女", "出生年月": "２００１.１１", "毕业院校": "许昌学院", "所学专业": "园艺",
        "学历": "本科", "联系电话": f"138 3741 {n:04d}", "电子邮箱": f"w{n}@example.cn",
        "备注": "",
    } | changes  # fmt: skip
    return [row[below or top] for top, below in zip(TOP, SUB, strict=True)]


def _two_row_roster(rows: list[list], sub: list | None = None) -> bytes:
    """A roster headed over two rows, under a merged title and a blank row."""
    book = Workbook()
    sheet = book.active
    sheet.append([TITLE])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(TOP))
    sheet.append([])
    sheet.append(TOP)
    sheet.append(sub or SUB)
    for column, (top, below) in enumerate(zip(TOP, sub or SUB, strict=True), start=1):
        if top and not below:  # a single-row column, merged down
            sheet.merge_cells(start_row=3, start_column=column, end_row=4, end_column=column)
    sheet.merge_cells("E3:G3")
    sheet.merge_cells("H3:I3")
    for row in rows:
        sheet.append(row)
    sheet.append(["填表人：李梅", None, None, None, "审核人：张强", None, "填表日期：2026.11.20"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_header_over_two_rows_names_each_column_by_group_and_sub_header(reference):
    rows = [_grouped_row(1), [], _grouped_row(2)]
    sheet = rosters.read_sheet("roster.xlsx", _two_row_roster(rows))
    assert sheet.header_row == 3 and sheet.header == GROUPED
    assert [number for number, _ in sheet.rows] == [5, 7]  # the blank row 6 and footer gone
    assert dict(zip(GROUPED, rosters.guess("graduates", sheet.header), strict=True)) == {
        "序号": "", "姓名": "姓名", "性别": "", "出生年月": "出生年月",
        "毕业情况/毕业院校": "毕业院校", "毕业情况/所学专业": "专业", "毕业情况/学历": "学历",
        "联系方式/联系电话": "手机号码", "联系方式/电子邮箱": "联系邮箱", "备注": "",
    }  # fmt: skip


def test_a_two_row_roster_imports_with_the_sheets_own_row_numbers(admin, need):
    rows = [_grouped_row(1), [], _grouped_row(2, 联系电话="12345"), _grouped_row(3, 学历="私塾")]
    result = imports.preview("graduates", "roster.xlsx", _two_row_roster(rows))
    # title 1, blank 2, header 3 and 4, rows 5, blank 6, then 7 and 8
    assert {(p.row, p.column) for p in result.problems} == {
        (7, "联系方式/联系电话"), (8, "毕业情况/学历")
    }  # fmt: skip
    result = imports.preview("graduates", "roster.xlsx", _two_row_roster(rows[:2]))
    assert result.problems == [] and result.ok
    imports.apply(result, admin)
    db.session.commit()
    graduate = db.session.scalar(select(Graduate).where(Graduate.phone == "+8613837410001"))
    assert graduate.name == "王一" and graduate.major == "园艺"
    assert graduate.email == "w1@example.cn" and graduate.birth_month == date(2001, 11, 1)


def test_next_months_two_row_roster_has_the_same_shape(reference, make_user):
    station = make_user(Role.STAFF).station
    first = rosters.read_sheet("r.xlsx", _two_row_roster([_grouped_row(1)]))
    chosen = rosters.guess("graduates", first.header)
    chosen[2] = "个人简介"  # the staff member's own choice for 性别
    rosters.remember(station.id, "graduates", first.header, chosen)
    db.session.commit()
    later = rosters.read_sheet("r.xlsx", _two_row_roster([_grouped_row(4), _grouped_row(5)]))
    assert rosters.recall(station.id, "graduates", later.header) == (chosen, True)


def test_a_csv_header_over_two_rows_carries_each_group_label_over_its_columns(reference):
    top = ["序号", "姓名", "毕业情况", "", "", "意向", "", "联系方式"]
    sub = ["", "", "毕业院校", "所学专业", "学历", "意向岗位", "意向地区", "联系电话"]
    lines = [[TITLE], top, sub, ["1", "张伟", "郑州大学", "农学", "大专", "技术员", "许昌市",
             "13837400001"], [], ["2", "李娜", "许昌学院", "园艺", "博士后", "", "", "1"],
             ["填表人：李梅"]]  # fmt: skip
    text = io.StringIO()
    csv.writer(text).writerows(lines)
    data = text.getvalue().encode("gb18030")
    sheet = rosters.read_sheet("roster.csv", data)
    assert sheet.header == ["序号", "姓名", "毕业情况/毕业院校", "毕业情况/所学专业",
                            "毕业情况/学历", "意向/意向岗位", "意向/意向地区",
                            "联系方式/联系电话"]  # fmt: skip
    assert rosters.guess("graduates", sheet.header) == [
        "", "姓名", "毕业院校", "专业", "学历", "意向岗位", "意向工作地", "手机号码"
    ]  # fmt: skip
    result = imports.preview("graduates", "roster.csv", data)
    assert {(p.row, p.column) for p in result.problems} == {
        (6, "毕业情况/学历"), (6, "联系方式/联系电话")
    }  # fmt: skip


def test_a_first_data_row_of_short_text_is_not_taken_for_a_sub_header(reference):
    header = ["姓名", "毕业院校", "所学专业", "学历", "意向岗位", "就业情况", "备注"]
    # no digit, and 返乡 (a name of the 是否返乡 column) under a column no alias knows
    rows = [header, ["张伟", "郑州大学", "园艺", "本科", "技术员", "返乡", "专业"],
            ["李娜", "许昌学院", "农学", "大专", "", "在外", ""]]  # fmt: skip
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    sheet = rosters.read_sheet("r.csv", text.getvalue().encode())
    assert sheet.header_row == 1 and sheet.header == header
    assert [number for number, _ in sheet.rows] == [2, 3]
    # in a workbook, under a title merged across, with a merged label over a name
    book = Workbook()
    book.active.append([TITLE])
    book.active.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    sheet = rosters.read_sheet("r.xlsx", out.getvalue())
    assert sheet.header_row == 2 and sheet.header == header
    assert [number for number, _ in sheet.rows] == [3, 4]


def test_sub_headers_naming_more_columns_than_their_group_row_still_join_it(reference):
    top = ["序号", "基本情况", "", "", "", "联系方式", ""]
    sub = ["", "姓名", "毕业院校", "所学专业", "学历", "联系电话", "电子邮箱"]
    text = io.StringIO()
    csv.writer(text).writerows([[TITLE], top, sub, ["1", "张伟", "郑州大学", "农学", "大专",
                                "13837400001", ""]])  # fmt: skip
    sheet = rosters.read_sheet("r.csv", text.getvalue().encode())
    assert sheet.header_row == 2 and [number for number, _ in sheet.rows] == [4]
    assert sheet.header[:3] == ["序号", "基本情况/姓名", "基本情况/毕业院校"]
    assert rosters.guess("graduates", sheet.header) == [
        "", "姓名", "毕业院校", "专业", "学历", "手机号码", "联系邮箱"
    ]  # fmt: skip


def test_unknown_sub_headers_map_what_they_can_and_name_what_is_missing(reference):
    sub = [*SUB[:4], "学校名称全称", "所学专业", "学历层次", "联系电话", "微信号", None]
    data = _two_row_roster([_grouped_row(1)], sub=sub)
    sheet = rosters.read_sheet("r.xlsx", data)
    assert sheet.header[4] == "毕业情况/学校名称全称" and sheet.header[8] == "联系方式/微信号"
    assert [number for number, _ in sheet.rows] == [5]
    mapping = rosters.guess("graduates", sheet.header)
    assert mapping[4:9] == ["", "专业", "学历", "手机号码", ""]  # 联系方式 alone is no guide
    with pytest.raises(imports.ImportFileError) as caught:
        imports.preview("graduates", "r.xlsx", data)
    assert caught.value.code == "columns_missing" and caught.value.params["columns"] == "毕业院校"


def test_a_merged_group_label_names_every_column_it_spans(reference):
    sub = [*SUB[:5], None, *SUB[6:]]  # 所学专业 left out, its cell under 毕业情况 blank
    sheet = rosters.read_sheet("r.xlsx", _two_row_roster([_grouped_row(1)], sub=sub))
    assert sheet.header[4:7] == ["毕业情况/毕业院校", "毕业情况", "毕业情况/学历"]


def test_short_sub_headers_are_read_after_their_group_label(reference):
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "毕业", None, None, "学历", "意向", None, "手机"])
    sheet.append([None, "院校", "专业", "时间", None, "岗位", "地区", None])
    sheet.append(["张伟", "郑州大学", "农学", "２０２５.０６", "大专", "技术员", "许昌市",
                  "138 3740 0001"])  # fmt: skip
    for column in "AEH":
        sheet.merge_cells(f"{column}1:{column}2")
    sheet.merge_cells("B1:D1")
    sheet.merge_cells("F1:G1")
    out = io.BytesIO()
    book.save(out)
    read = rosters.read_sheet("r.xlsx", out.getvalue())
    assert read.header[5:7] == ["意向/岗位", "意向/地区"]  # 岗位, 地区: no column of their own
    assert [number for number, _ in read.rows] == [3]
    assert rosters.guess("graduates", read.header) == [
        "姓名", "毕业院校", "专业", "毕业年份", "学历", "意向岗位", "意向工作地", "手机号码"
    ]  # fmt: skip
