"""Fixtures shared by the service tests."""

import pytest

from matchmaker.extensions import db
from matchmaker.models import Role
from matchmaker.services import postings


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
