"""The figures pages: scope, drill-down, downloads."""

import io

from openpyxl import load_workbook

from matchmaker.models import Role


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
    response = client.get(f"/figures/region/{province.id}/figures.xlsx")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data))["数据汇总"]
    assert sheet["A1"].value == "地区或联络站"
    assert [row[0] for row in sheet.iter_rows(values_only=True)][-1] == "合计"
    csv_response = client.get(f"/figures/region/{province.id}/leads.csv")
    assert csv_response.data.startswith("\ufeff线索编号".encode())


def test_bad_dates_fall_back_with_a_message(client, auth, reference):
    auth.login_as(Role.STAFF)
    own = reference.station("陈化店镇人大代表联络站")
    page = client.get(f"/figures/station/{own.id}?start=昨天&end=2026-01-01").text
    assert "日期格式应为" in page
