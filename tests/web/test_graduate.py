import pytest
from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import Graduate, Role
from tests.factories import PASSWORD, graduate_profile


@pytest.fixture
def registered(client, reference):
    client.post(
        "/auth/register",
        data={
            "role": "graduate",
            "display_name": "余丹丹",
            "email": "yudandan@test.example",
            "password": PASSWORD,
            "confirm": PASSWORD,
            "accept_terms": "y",
        },
    )
    return reference


def _form(reference, **overrides):
    data = graduate_profile(reference)
    data["is_returnee"] = "y"
    data["open_to_matching"] = "y"
    return {**data, **overrides}


def test_profile_is_created_with_wanted_sectors_and_regions(client, registered):
    response = client.post("/graduate/profile", data=_form(registered))
    assert response.status_code == 302
    graduate = db.session.scalar(select(Graduate))
    assert graduate.major == "园艺"
    assert graduate.phone == "+8613837400001"
    assert [s.code for s in graduate.wanted_sectors] == ["horticulture"]
    assert [r.name for r in graduate.wanted_regions] == ["鄢陵县"]
    assert graduate.hometown.name == "陈化店镇"
    page = client.get("/graduate/").text
    assert "园艺" in page and "138 3740 0001" in page


def test_only_a_major_is_enough_beyond_the_required_fields(client, registered):
    minimal = {
        "name": "张伟",
        "school": "许昌学院",
        "major": "电子商务",
        "degree": "associate",
        "graduation_year": "2024",
    }
    assert client.post("/graduate/profile", data=minimal).status_code == 302
    graduate = db.session.scalar(select(Graduate))
    assert graduate.open_to_matching is False  # an unticked box is a "no"
    assert graduate.wanted_sectors == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("major", "", "该字段是必填字段"),
        ("graduation_year", "1890", "请输入 1950 到 2100 之间的年份。"),
        ("graduation_year", "明年", "请输入 1950 到 2100 之间的年份。"),
        ("phone", "1383740", "请输入有效的中国大陆电话号码"),
        ("email", "a@", "请输入有效的电子邮箱地址"),
        ("degree", "phd", "不是有效的选择"),
        ("school", "校" * 81, "80"),
    ],
)
def test_bad_profile_input_is_refused_next_to_the_field(client, registered, field, value, message):
    response = client.post("/graduate/profile", data=_form(registered, **{field: value}))
    assert response.status_code == 200
    assert message in response.text
    assert db.session.scalar(select(func.count(Graduate.id))) == 0


def test_edit_keeps_the_phone_readable(client, auth):
    auth.login_as(Role.GRADUATE)
    page = client.get("/graduate/profile").text
    assert 'value="138 3740 0001"' in page
    assert "+86" not in page


def test_matching_switch_turns_off_and_on(client, auth):
    user = auth.login_as(Role.GRADUATE)
    assert user.graduate.open_to_matching is True
    client.post("/graduate/matching")
    db.session.refresh(user.graduate)
    assert user.graduate.open_to_matching is False
    assert "开启推荐" in client.get("/graduate/").text
    client.post("/graduate/matching")
    db.session.refresh(user.graduate)
    assert user.graduate.open_to_matching is True


def test_role_field_in_the_profile_form_changes_nothing(client, auth, reference):
    user = auth.login_as(Role.GRADUATE)
    client.post("/graduate/profile", data=_form(reference, role="admin", user_id="1"))
    db.session.refresh(user)
    assert user.role is Role.GRADUATE
