"""Plain test data: a password, valid profiles, valid credit codes."""

from datetime import UTC, datetime

from stdnum.cn import uscc

PASSWORD = "correct horse battery staple"


def graduate_profile(loader) -> dict:
    return dict(
        name="李明",
        school="河南农业大学",
        major="园艺",
        degree="bachelor",
        graduation_year=2025,
        skills="嫁接, 病虫害防治",
        intro="想回鄢陵从事花木栽培。",
        hometown_id=loader.region("河南省/许昌市/鄢陵县/陈化店镇").id,
        is_returnee=True,
        phone="13837400001",
        email="liming@test.example",
        wanted_sector_ids=[loader.sector("horticulture").id],
        wanted_region_ids=[loader.region("河南省/许昌市/鄢陵县").id],
        open_to_matching=True,
    )


def valid_credit_code(n: int) -> str:
    """A distinct, valid unified social credit code for test firm number ``n``."""
    body = f"91411024MA{n:07d}"
    return body + uscc.calc_check_digit(body)


def enterprise_profile(loader, n: int = 1) -> dict:
    return dict(
        name=f"鄢陵县测试花木有限公司{n}",
        credit_code=valid_credit_code(n),
        sector_id=loader.sector("horticulture").id,
        region_id=loader.region("河南省/许昌市/鄢陵县/陈化店镇").id,
        description="紫荆、月季苗木培育。",
        contact_person="王丽",
        phone="13837400002",
        email=f"firm{n}@test.example",
    )


def backdate(lead, days: int) -> None:
    """Move a lead's own history ``days`` into the past (suggested, introduced, connected),
    so steps dated before today can be recorded on it."""
    from datetime import timedelta

    shift = timedelta(days=days)
    for column in ("created_at", "introduced_at", "connected_at", "answer_by"):
        if getattr(lead, column) is not None:
            setattr(lead, column, getattr(lead, column) - shift)


def days_ago(days: int):
    """The local calendar date ``days`` before today (the clock dated steps check)."""
    from datetime import timedelta

    from matchmaker.services.clock import today

    return today() - timedelta(days=days)


def verify(*firms) -> None:
    """Mark firms as checked by their station (only verified firms are introduced)."""
    for firm in firms:
        firm.verified, firm.verified_at = True, datetime.now(UTC)


def committed_talent_leads() -> dict:
    """Every talent lead another process committed, by (need, graduate): (score, listed
    by the need, listed by the graduate). Holds no transaction after (SQLite's lock)."""
    from sqlalchemy import select

    from matchmaker.extensions import db
    from matchmaker.models import Lead

    db.session.rollback()
    found = {
        (lead.talent_need_id, lead.graduate_id): (
            round(lead.score, 6),
            lead.ranked_by_offer,
            lead.ranked_by_seeker,
        )
        for lead in db.session.scalars(select(Lead))
    }
    db.session.rollback()
    return found
