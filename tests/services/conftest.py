"""Fixtures shared by the service tests."""

import pytest
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Lead, LeadKind, Role
from matchmaker.services import postings
from tests.factories import enterprise_profile, verify


@pytest.fixture
def need(make_user, reference):
    """An open talent need at 陈化店镇 (horticulture), for imported graduates to meet."""
    firm = make_user(Role.ENTERPRISE).enterprise
    posted = postings.save_need(
        firm, title="园艺技术员", description="月季紫荆苗木栽培，嫁接育苗。",
        sector_id=reference.sector("horticulture").id,
        region_id=reference.region("河南省/许昌市/鄢陵县/陈化店镇").id,
    )  # fmt: skip
    db.session.commit()
    return posted


@pytest.fixture
def investment(make_user, reference):
    """A suggested investment lead at 陈化店镇 between two verified firms:
    (lead, owner user, investor user, deputy user)."""
    owner = make_user(Role.ENTERPRISE)
    investor = make_user(Role.ENTERPRISE, **enterprise_profile(reference, 99))
    verify(owner.enterprise, investor.enterprise)
    sector = reference.sector("flower_processing")
    postings.save_project(
        owner.enterprise,
        title="玫瑰精油精深加工生产线",
        description="新建玫瑰精油提取和花茶精深加工生产线。",
        sector_id=sector.id,
        region_id=reference.region("河南省/许昌市/鄢陵县/陈化店镇").id,
        amount_min_wan=3000,
        amount_max_wan=5000,
    )
    postings.save_interest(
        investor.enterprise,
        title="投资玫瑰精油精深加工",
        description="关注鄢陵玫瑰精油和花茶精深加工项目。",
        sector_ids=[sector.id],
        region_ids=[reference.region("河南省/许昌市/鄢陵县").id],
        amount_min_wan=1000,
        amount_max_wan=8000,
    )
    db.session.commit()
    lead = db.session.scalar(select(Lead).where(Lead.kind == LeadKind.INVESTMENT))
    deputy = make_user(Role.DEPUTY)
    return lead, owner, investor, deputy
