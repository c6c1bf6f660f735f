"""Service rules that hold whatever page calls them."""

import pytest

from matchmaker.extensions import db
from matchmaker.models import InterestStatus, NeedStatus, Role, TalentNeed
from matchmaker.services import accounts, catalogue, postings, profiles
from matchmaker.services.errors import DomainError
from tests.factories import PASSWORD, enterprise_profile


def _need(firm) -> TalentNeed:
    return postings.save_need(
        firm,
        title="电商运营专员",
        description="负责花木网店日常运营。",
        sector_id=firm.sector_id,
        region_id=firm.region_id,
    )


def test_close_posting_allows_only_outcomes_of_its_kind(make_user):
    firm = make_user(Role.ENTERPRISE).enterprise
    need = _need(firm)
    with pytest.raises(DomainError) as caught:
        postings.close_posting(need, "signed")
    assert caught.value.code == "outcome_unknown"
    postings.close_posting(need, "filled")
    assert need.status is NeedStatus.FILLED
    with pytest.raises(DomainError):
        postings.close_posting(need, "closed")


def test_interest_closes(make_user, reference):
    firm = make_user(Role.ENTERPRISE).enterprise
    interest = postings.save_interest(
        firm,
        title="投资汽车零部件",
        description="关注孟轲乡汽车零部件配套项目。",
        sector_ids=[reference.sector("auto_parts").id],
        region_ids=[reference.region("河南省/濮阳市/华龙区").id],
    )
    postings.close_posting(interest)
    assert interest.status is InterestStatus.CLOSED


def test_unknown_sector_is_refused_with_its_field(make_user):
    firm = make_user(Role.ENTERPRISE).enterprise
    with pytest.raises(DomainError) as caught:
        postings.save_need(firm, title="x", description="y", sector_id=9999, region_id=1)
    assert (caught.value.code, caught.value.field) == ("sector_unknown", "sector_id")


def test_changing_the_credit_code_drops_verification(make_user, reference):
    user = make_user(Role.ENTERPRISE)
    catalogue.set_verified(user, user.enterprise, True)
    profiles.save_enterprise(user, **enterprise_profile(reference, 42))
    assert user.enterprise.verified is False


def test_synonyms_split_on_any_comma_or_line():
    assert catalogue.split_synonyms("花木，苗木、紫荆\n月季, 花木") == [
        "花木",
        "苗木",
        "紫荆",
        "月季",
    ]


def test_regions_within_a_county(reference):
    county = reference.region("河南省/许昌市/鄢陵县")
    ids = set(catalogue.regions_within(county))
    assert reference.region("河南省/许昌市/鄢陵县/陈化店镇").id in ids
    assert reference.region("河南省/濮阳市/华龙区/孟轲乡").id not in ids


def test_register_refuses_privileged_roles(app):
    with pytest.raises(DomainError):
        accounts.register("x@test.example", PASSWORD, Role.ADMIN, "x")
    db.session.rollback()


def test_staff_needs_a_real_station(app):
    with pytest.raises(DomainError) as caught:
        accounts.create_staff("s@test.example", PASSWORD, "s", station_id=12345)
    assert caught.value.field == "station_id"
