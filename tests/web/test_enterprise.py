import pytest
from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import (
    Enterprise,
    InvestmentProject,
    InvestorInterest,
    NeedStatus,
    ProjectStatus,
    Role,
    TalentNeed,
)
from tests.factories import enterprise_profile, valid_credit_code


def _firm_form(reference, **overrides):
    data = enterprise_profile(reference, 7)
    return {**data, **overrides}


@pytest.fixture
def new_firm_user(auth, client, reference):
    client.post(
        "/auth/register",
        data={
            "role": "enterprise",
            "display_name": "王丽",
            "email": "wangli@test.example",
            "password": "correct horse battery staple",
            "confirm": "correct horse battery staple",
            "accept_terms": "y",
        },
    )
    return reference


def test_firm_profile_is_created(client, new_firm_user):
    response = client.post("/enterprise/profile", data=_firm_form(new_firm_user))
    assert response.status_code == 302
    firm = db.session.scalar(select(Enterprise))
    assert firm.credit_code == valid_credit_code(7)
    assert firm.phone == "+8613837400002"
    assert firm.verified is False


def test_wrong_check_character_gets_a_clear_message(client, new_firm_user):
    good = valid_credit_code(7)
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    response = client.post("/enterprise/profile", data=_firm_form(new_firm_user, credit_code=wrong))
    assert response.status_code == 200
    assert f"应为 {good[17]}" in response.text
    assert "校验码" in response.text
    assert db.session.scalar(select(func.count(Enterprise.id))) == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("credit_code", "91411024", "应为 18 位"),
        ("phone", "12345", "请输入有效的中国大陆电话号码"),
        ("email", "not-mail", "请输入有效的电子邮箱地址"),
        ("name", "", "该字段是必填字段"),
        ("name", "企" * 121, "120"),
        ("region_id", "999999", "不是有效的选择。"),
    ],
)
def test_bad_firm_input_is_refused_and_nothing_saved(client, new_firm_user, field, value, message):
    response = client.post("/enterprise/profile", data=_firm_form(new_firm_user, **{field: value}))
    assert response.status_code == 200
    assert message in response.text
    assert db.session.scalar(select(func.count(Enterprise.id))) == 0


def test_credit_code_held_by_another_firm_is_refused(client, new_firm_user, make_user):
    other = make_user(Role.ENTERPRISE).enterprise
    response = client.post(
        "/enterprise/profile", data=_firm_form(new_firm_user, credit_code=other.credit_code)
    )
    assert "该统一社会信用代码已有企业注册。" in response.text
    assert db.session.scalar(select(func.count(Enterprise.id))) == 1


def test_postings_wait_for_the_firm_profile(client, new_firm_user):
    response = client.get("/enterprise/needs/new")
    assert response.headers["Location"] == "/enterprise/profile?next=/enterprise/needs/new"


def _need_form(reference, **overrides):
    return {
        "title": "花木栽培技术员",
        "description": "负责紫荆、月季苗木的日常栽培管理和病虫害防治。",
        "sector_id": reference.sector("horticulture").id,
        "region_id": reference.region("河南省/许昌市/鄢陵县/陈化店镇").id,
        "min_degree": "associate",
        "headcount": "2",
        "salary_min": "4000",
        "salary_max": "6000",
        **overrides,
    }


def test_need_create_edit_close(client, auth, reference):
    auth.login_as(Role.ENTERPRISE)
    assert client.post("/enterprise/needs/new", data=_need_form(reference)).status_code == 302
    need = db.session.scalar(select(TalentNeed))
    assert (need.title, need.headcount, need.min_degree.value) == ("花木栽培技术员", 2, "associate")

    edit = _need_form(reference, title="园艺技术员", min_degree="")
    assert client.post(f"/enterprise/needs/{need.id}/edit", data=edit).status_code == 302
    db.session.refresh(need)
    assert need.title == "园艺技术员" and need.min_degree is None

    client.post(f"/enterprise/needs/{need.id}/close", data={"needs-outcome": "filled"})
    db.session.refresh(need)
    assert need.status is NeedStatus.FILLED and need.closed_at is not None
    response = client.post(f"/enterprise/needs/{need.id}/edit", data=edit)
    assert "只有进行中的发布才能修改或关闭。" in response.text


def test_closing_needs_a_chosen_outcome(client, auth, reference):
    auth.login_as(Role.ENTERPRISE)
    client.post("/enterprise/needs/new", data=_need_form(reference))
    need = db.session.scalar(select(TalentNeed))
    client.post(f"/enterprise/needs/{need.id}/close", data={"needs-outcome": ""})
    db.session.refresh(need)
    assert need.status is NeedStatus.OPEN


def test_reversed_salary_range_is_refused(client, auth, reference):
    auth.login_as(Role.ENTERPRISE)
    response = client.post(
        "/enterprise/needs/new", data=_need_form(reference, salary_min="9000", salary_max="3000")
    )
    assert "下限不能高于上限。" in response.text
    assert db.session.scalar(select(func.count(TalentNeed.id))) == 0


def test_project_and_interest(client, auth, reference):
    auth.login_as(Role.ENTERPRISE)
    project = {
        "title": "玫瑰精油深加工生产线",
        "description": "新建玫瑰精油提取车间，年处理鲜花1200吨。",
        "sector_id": reference.sector("flower_processing").id,
        "region_id": reference.region("河南省/许昌市/鄢陵县/陈化店镇").id,
        "amount_min_wan": "3000",
        "amount_max_wan": "5000",
    }
    assert client.post("/enterprise/projects/new", data=project).status_code == 302
    interest = {
        "title": "投资花卉深加工",
        "description": "关注鄢陵花卉精深加工项目。",
        "sector_ids": [reference.sector("flower_processing").id],
        "region_ids": [reference.region("河南省/许昌市/鄢陵县").id],
        "amount_min_wan": "1000",
        "amount_max_wan": "8000",
    }
    assert client.post("/enterprise/interests/new", data=interest).status_code == 302
    saved = db.session.scalar(select(InvestorInterest))
    assert [s.code for s in saved.sectors] == ["flower_processing"]
    row = db.session.scalar(select(InvestmentProject))
    client.post(f"/enterprise/projects/{row.id}/close", data={"projects-outcome": "signed"})
    db.session.refresh(row)
    assert row.status is ProjectStatus.SIGNED


def test_interest_needs_a_sector(client, auth, reference):
    auth.login_as(Role.ENTERPRISE)
    response = client.post(
        "/enterprise/interests/new", data={"title": "投资", "description": "说明", "sector_ids": []}
    )
    assert "请至少选择一个行业。" in response.text


def test_another_firms_posting_is_404(client, auth, make_user, reference):
    owner = make_user(Role.ENTERPRISE)
    need = TalentNeed(
        enterprise=owner.enterprise,
        title="质检员",
        sector=owner.enterprise.sector,
        region=owner.enterprise.region,
    )
    db.session.add(need)
    db.session.commit()
    auth.login_as(Role.ENTERPRISE)
    assert client.get(f"/enterprise/needs/{need.id}/edit").status_code == 404
    assert (
        client.post(
            f"/enterprise/needs/{need.id}/close", data={"needs-outcome": "closed"}
        ).status_code
        == 404
    )
    assert client.get(f"/enterprise/projects/{need.id}/edit").status_code == 404


def test_extra_form_fields_are_ignored(client, auth, reference):
    user = auth.login_as(Role.ENTERPRISE)
    form = _firm_form(reference, verified="y", user_id="999", credit_code=valid_credit_code(1))
    client.post("/enterprise/profile", data=form)
    db.session.refresh(user.enterprise)
    assert user.enterprise.verified is False
    assert user.enterprise.user_id == user.id
