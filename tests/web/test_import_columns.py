"""The column step of an import: each column of the file with the field it was matched
to, changed by hand, remembered for the station's next file of the same shape."""

import io
import re

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import Graduate, ImportMapping, Role
from tests.services.test_import_jobs import wait_for
from tests.services.test_rosters import (
    GROUPED,
    HEADER,
    _grouped_row,
    _roster,
    _row,
    _two_row_roster,
)
from tests.web.test_hostile_forms import read_forms

pytestmark = pytest.mark.usefixtures("embedded_queue")  # imports run in the background


def _upload(client, data: bytes, name: str = "roster.xlsx", kind: str = "graduates"):
    response = client.post(
        "/imports/", data={"kind": kind, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == 200
    return response.text


def _form(page: str, action: str):
    return next((f for f in read_forms("/imports/", page) if action in f.action), None)


def _chosen(page: str) -> list[str]:
    """The field each column is matched to on the page, in the file's order."""
    data = _form(page, "/columns").data
    keys = sorted((k for k in data if k.startswith("columns-")), key=lambda k: int(k[8:]))
    return [data[k][0] if data[k] else "" for k in keys]


def _errors(page: str) -> str:
    found = re.search(r'<div class="form-errors" role="alert">(.*?)</div>', page, re.S)
    return found.group(1) if found else ""


def _relabelled(data: bytes, column: str, name: str) -> bytes:
    """The roster with one column headed as no alias knows it."""
    book = load_workbook(io.BytesIO(data))
    for cell in book.active[3]:
        if cell.value == column:
            cell.value = name
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_township_roster_shows_its_columns_matched_and_its_preview(client, auth):
    auth.login_as(Role.STAFF)
    page = _upload(client, _roster([_row(1), [], _row(2)]))
    assert dict(zip(HEADER, _chosen(page), strict=True)) == {
        "序号": "", "姓名": "姓名", "性别": "", "出生年月": "出生年月", "毕业院校": "毕业院校",
        "所学专业": "专业", "学历": "学历", "联系电话": "手机号码", "意向岗位": "意向岗位",
        "户籍地址": "家乡", "备注": "",
    }  # fmt: skip
    assert _errors(page) == ""
    assert _form(page, "/apply") is not None  # every required field has a column


def test_a_roster_headed_over_two_rows_shows_every_column_matched(client, auth):
    auth.login_as(Role.STAFF)
    page = _upload(client, _two_row_roster([_grouped_row(1), [], _grouped_row(2)]))
    assert "联系方式/联系电话" in page
    assert _chosen(page) == ["", "姓名", "", "出生年月", "毕业院校", "专业", "学历", "手机号码",
                             "联系邮箱", ""]  # fmt: skip
    assert len(_chosen(page)) == len(GROUPED)
    assert _errors(page) == "" and _form(page, "/apply") is not None


def test_an_unmatched_required_field_is_named_and_nothing_is_offered(client, auth):
    auth.login_as(Role.STAFF)
    page = _upload(client, _relabelled(_roster([_row(1)]), "所学专业", "学习方向"))
    assert "专业" in _errors(page)
    assert _form(page, "/apply") is None and _form(page, "/columns") is not None


def test_a_mapping_made_by_hand_maps_the_next_file_of_that_shape(client, auth):
    staff = auth.login_as(Role.STAFF)
    data = _relabelled(_roster([_row(1)]), "所学专业", "学习方向")
    form = _form(_upload(client, data), "/columns")
    column = f"columns-{HEADER.index('所学专业')}"
    page = client.post(form.action, data=form.data | {column: ["专业"]}).text
    assert _errors(page) == "" and _form(page, "/apply") is not None
    stored = db.session.scalar(select(ImportMapping))
    assert (
        stored.station_id == staff.station_id and stored.columns[HEADER.index("所学专业")] == "专业"
    )
    # next month: other graduates, the same columns
    nextmonth = _relabelled(_roster([_row(3), _row(4)]), "所学专业", "学习方向")
    page = _upload(client, nextmonth, name="roster-12.xlsx")
    assert _chosen(page)[HEADER.index("所学专业")] == "专业"
    assert _form(page, "/apply") is not None


def test_the_confirmed_columns_are_imported_as_chosen(client, auth, make_user):
    auth.login_as(Role.STAFF)
    make_user(Role.ENTERPRISE)
    data = _relabelled(_roster([_row(1), [], _row(2)]), "所学专业", "学习方向")
    form = _form(_upload(client, data), "/columns")
    chosen = form.data | {f"columns-{HEADER.index('所学专业')}": ["专业"]}
    apply = _form(client.post(form.action, data=chosen).text, "/apply")
    response = client.post(apply.action, data=apply.data)
    assert response.status_code == 303
    wait_for(client.application, response.headers["Location"].rsplit("/", 1)[1])
    majors = db.session.scalars(select(Graduate.major)).all()
    assert majors == ["园艺", "园艺"]


def test_a_roster_that_cannot_be_read_says_why(client, auth):
    auth.login_as(Role.STAFF)
    book = Workbook()
    for n in range(25):
        book.active.append([f'=HYPERLINK("http://evil.example/{n}")', "长" * 30_000])
    out = io.BytesIO()
    book.save(out)
    page = _upload(client, out.getvalue())
    assert 'class="field-error"' in page or "has-error" in page
    assert _form(page, "/columns") is None
    assert db.session.scalar(select(func.count(ImportMapping.id))) == 0


def test_more_rows_than_an_import_takes_are_refused_on_the_page(client, auth):
    auth.login_as(Role.STAFF)
    lines = ["姓名,毕业院校,专业,学历,手机"] + [f"学生{n},郑大,园艺,本科,1383740{n:04d}"
                                            for n in range(5001)]  # fmt: skip
    page = _upload(client, "\n".join(lines).encode(), name="many.csv")
    assert "has-error" in page and "5000" in page
    assert _form(page, "/columns") is None


def test_the_template_download_has_drop_downs(client, auth):
    auth.login_as(Role.STAFF)
    response = client.get("/imports/template/graduates.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    assert [c.value for c in sheet[1]][:4] == ["姓名", "毕业院校", "专业", "学历"]
    assert any(rule.type == "list" for rule in sheet.data_validations.dataValidation)


def test_a_roster_with_a_header_and_no_rows_has_nothing_to_import(client, auth):
    auth.login_as(Role.STAFF)
    page = _upload(client, _roster([]))
    assert _form(page, "/columns") is not None and _form(page, "/apply") is None
    assert 'class="form-errors"' in page
