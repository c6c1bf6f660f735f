"""Invariants the database itself refuses to break, whatever the forms let through."""

import pytest
from sqlalchemy.exc import IntegrityError, StatementError

from matchmaker.extensions import db
from matchmaker.models import (
    Lead,
    LeadKind,
    Role,
    TalentNeed,
    User,
)


@pytest.fixture
def need_and_graduate(make_user):
    firm = make_user(Role.ENTERPRISE).enterprise
    graduate = make_user(Role.GRADUATE).graduate
    need = TalentNeed(
        enterprise=firm, title="花木栽培技术员", sector=firm.sector, region=firm.region
    )
    db.session.add(need)
    db.session.commit()
    return need, graduate


def _refused(obj) -> None:
    db.session.add(obj)
    with pytest.raises((IntegrityError, StatementError)):
        db.session.commit()
    db.session.rollback()


def test_one_lead_per_pair(need_and_graduate):
    need, graduate = need_and_graduate
    db.session.add(Lead(kind=LeadKind.TALENT, talent_need=need, graduate=graduate, score=0.5))
    db.session.commit()
    _refused(Lead(kind=LeadKind.TALENT, talent_need=need, graduate=graduate, score=0.7))


def test_lead_sides_must_match_its_kind(need_and_graduate):
    need, graduate = need_and_graduate
    _refused(Lead(kind=LeadKind.INVESTMENT, talent_need=need, graduate=graduate, score=0.5))
    _refused(Lead(kind=LeadKind.TALENT, talent_need=need, score=0.5))


@pytest.mark.parametrize("score", [-0.01, 1.01])
def test_lead_score_stays_in_unit_range(need_and_graduate, score):
    need, graduate = need_and_graduate
    _refused(Lead(kind=LeadKind.TALENT, talent_need=need, graduate=graduate, score=score))


def test_salary_range_must_be_ordered(need_and_graduate):
    need, _ = need_and_graduate
    need.salary_min, need.salary_max = 6000, 4000
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_headcount_must_be_positive(need_and_graduate):
    need, _ = need_and_graduate
    need.headcount = 0
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_staff_account_needs_a_station(app):
    _refused(User(email="s@test.example", password_hash="x", role=Role.STAFF, display_name="s"))


def test_emails_are_stored_lower_case(app):
    _refused(User(email="Up@test.example", password_hash="x", role=Role.ADMIN, display_name="a"))


def test_unknown_role_is_refused(app):
    _refused(User(email="r@test.example", password_hash="x", role="superuser", display_name="r"))


def test_credit_code_must_have_18_characters(make_user):
    firm = make_user(Role.ENTERPRISE).enterprise
    firm.credit_code = "91411024MA"
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_foreign_keys_are_enforced(need_and_graduate):
    need, _ = need_and_graduate
    need.enterprise_id = 999_999
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
