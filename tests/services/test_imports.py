"""Imports: preview with every problem, all or nothing, idempotent, encodings, limits."""

import io
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import Deputy, Enterprise, Graduate, ImportRecord, Lead, Role, TalentNeed
from matchmaker.services import imports
from tests.factories import valid_credit_code

ENTERPRISE_HEADER = list(imports.ENTERPRISE_COLUMNS)


def _xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _firm(n, **changes):
    row = {
        "企业名称": f"鄢陵县测试苗木有限公司{n}", "统一社会信用代码": valid_credit_code(n),
        "行业": "花木/园林", "所在地": "许昌市鄢陵县陈化店镇", "企业简介": "紫荆苗木",
        "联系人": "王丽", "联系电话": "13837400002", "联系邮箱": f"f{n}@test.example",
    } | changes  # fmt: skip
    return [row[c] for c in ENTERPRISE_HEADER]


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMIN)


def _import(kind, name, data, actor):
    result = imports.preview(kind, name, data)
    outcome = imports.apply(result, actor)
    db.session.commit()
    return outcome["counts"]


def _count(model):
    return db.session.scalar(select(func.count(model.id)))


def test_clean_file_imports_and_reimport_changes_nothing(admin, reference):
    data = _xlsx([ENTERPRISE_HEADER, _firm(1), _firm(2)])
    assert _import("enterprises", "firms.xlsx", data, admin) == {
        "create": 2, "update": 0, "unchanged": 0, "kept": 0,
    }  # fmt: skip
    assert _import("enterprises", "firms.xlsx", data, admin) == {
        "create": 0, "update": 0, "unchanged": 2, "kept": 0,
    }  # fmt: skip
    assert _count(Enterprise) == 2
    assert _count(ImportRecord) == 2


def test_a_changed_row_updates_its_record(admin, reference):
    _import("enterprises", "a.xlsx", _xlsx([ENTERPRISE_HEADER, _firm(1)]), admin)
    changed = _xlsx([ENTERPRISE_HEADER, _firm(1, 企业简介="月季和紫荆苗木")])
    assert _import("enterprises", "b.xlsx", changed, admin)["update"] == 1
    assert db.session.scalar(select(Enterprise.description)) == "月季和紫荆苗木"


def test_one_bad_row_means_nothing_is_written(admin, reference):
    bad = _firm(2, 统一社会信用代码="91411024MA0000000X", 联系电话="12345")
    result = imports.preview("enterprises", "f.xlsx", _xlsx([ENTERPRISE_HEADER, _firm(1), bad]))
    assert not result.ok
    assert {(p.row, p.column) for p in result.problems} == {
        (3, "统一社会信用代码"),
        (3, "联系电话"),
    }
    with pytest.raises(imports.ImportFileError):
        imports.apply(result, admin)
    assert _count(Enterprise) == 0


def test_csv_in_gb18030_and_utf8_with_bom(admin, reference):
    lines = [",".join(ENTERPRISE_HEADER), ",".join(_firm(1)), ",".join(_firm(2))]
    text = "\r\n".join(lines)
    assert _import("enterprises", "gbk.csv", text.encode("gb18030"), admin)["create"] == 2
    assert _import("enterprises", "bom.csv", ("\ufeff" + text).encode(), admin)["unchanged"] == 2


def test_graduates_get_suggestions_like_typed_ones(admin, need):
    header = list(imports.GRADUATE_COLUMNS)
    row = ["张伟", "河南农业大学", "园艺", "本科", "2025", "嫁接育苗, 苗木栽培", "许昌市鄢陵县",
           "是", "13937400009", "", "花木/园林", "许昌市鄢陵县", ""]  # fmt: skip
    assert _import("graduates", "g.xlsx", _xlsx([header, row]), admin)["create"] == 1
    graduate = db.session.scalar(select(Graduate).where(Graduate.name == "张伟"))
    assert graduate.tokens and graduate.degree.value == "bachelor" and graduate.is_returnee
    assert db.session.scalar(select(Lead).where(Lead.graduate_id == graduate.id)) is not None


def test_deputy_roster_creates_accounts_with_one_time_passwords(admin, reference):
    header = list(imports.DEPUTY_COLUMNS)
    row = ["李建华", "lijianhua@test.example", "13903931234", "县", "孟轲乡新兴产业人大代表联络站",
           "汽车及零部件、制造业", "德众汽车产业园总经理", ""]  # fmt: skip
    result = imports.preview("deputies", "d.xlsx", _xlsx([header, row]))
    outcome = imports.apply(result, admin)
    db.session.commit()
    assert list(outcome["passwords"]) == ["lijianhua@test.example"]
    deputy = db.session.scalar(select(Deputy))
    assert deputy.level.value == "county" and len(deputy.sectors) == 2
    wrong = ["王五", "w@test.example", "", "乡镇", "孟轲乡新兴产业人大代表联络站", "茶产业", "", ""]
    problems = imports.preview("deputies", "d.xlsx", _xlsx([header, wrong])).problems
    assert problems[0].column == "联系行业"


def test_needs_refer_to_known_enterprises(admin, reference):
    header = list(imports.NEED_COLUMNS)
    row = [valid_credit_code(5), "质检员", "药品质量检验", "医药", "濮阳市华龙区孟轲乡",
           "大专", "2", "5000", "4000"]  # fmt: skip
    problems = imports.preview("needs", "n.xlsx", _xlsx([header, row])).problems
    assert {p.column for p in problems} == {"企业信用代码", "月薪上限"}
    assert _count(TalentNeed) == 0


def test_duplicate_rows_in_one_file_are_reported(admin, reference):
    result = imports.preview(
        "enterprises", "f.xlsx", _xlsx([ENTERPRISE_HEADER, _firm(1), _firm(1)])
    )
    assert [p.message for p in result.problems] == ["与第2行重复"]


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("big.csv", b"x" * (imports.MAX_BYTES + 1), "file_too_large"),
        ("broken.xlsx", b"PK\x03\x04 not really a workbook", "file_broken"),
        ("notes.txt", b"hello", "file_type"),
        ("empty.csv", b"", "file_empty"),
        ("latin.csv", "企业名称".encode("utf-16"), "file_encoding"),
    ],
)
def test_unreadable_files_get_a_clear_error(reference, name, data, code):
    with pytest.raises(imports.ImportFileError) as caught:
        imports.preview("enterprises", name, data)
    assert caught.value.code == code


def test_too_many_rows_are_refused(reference):
    rows = "\n".join([",".join(ENTERPRISE_HEADER)] + ["a"] * (imports.MAX_ROWS + 1))
    with pytest.raises(imports.ImportFileError) as caught:
        imports.preview("enterprises", "many.csv", rows.encode())
    assert caught.value.code == "too_many_rows"


def test_a_zip_bomb_is_refused_before_parsing(reference):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (imports.MAX_UNZIPPED + 1))
    with pytest.raises(imports.ImportFileError) as caught:
        imports.preview("enterprises", "bomb.xlsx", out.getvalue())
    assert caught.value.code == "file_too_large"


def test_missing_columns_are_named(reference):
    with pytest.raises(imports.ImportFileError) as caught:
        imports.preview("enterprises", "f.csv", "企业名称,行业\n甲,花木".encode())
    assert "统一社会信用代码" in caught.value.params["columns"]


def test_formulas_are_not_evaluated(admin, reference):
    row = _firm(1)
    row[0] = '=HYPERLINK("http://evil.example")'
    result = imports.preview("enterprises", "f.xlsx", _xlsx([ENTERPRISE_HEADER, row]))
    # A formula is never run: only a value the file itself stored is read, and this
    # one stored none, so the row is reported instead of importing anything.
    assert [(p.row, p.column) for p in result.problems] == [(2, "企业名称")]
    assert "HYPERLINK" not in str(result.rows)
