"""Red items (三色督办) are found by the database, agreeing with each lead's own mark, so
a list never loses them to a LIMIT taken before a filter."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Lead, Role
from matchmaker.services.leads import age_mark, leads_for, overdue, red, red_suggestions


def _matches(condition, lead, at) -> bool:
    return db.session.scalar(select(Lead.id).where(Lead.id == lead.id, condition(at))) is not None


@pytest.mark.parametrize("deadline", [7, 3])
@pytest.mark.parametrize("days", [1, 4, 6.9, 7.1, 8, 13.9, 14.1, 20])
def test_the_database_marks_a_suggestion_as_each_lead_does(talent, deadline, days):
    lead = talent[0]
    lead.station.review_deadline_days = deadline
    db.session.commit()
    at = lead.created_at + timedelta(days=days)
    mark = age_mark(lead, at)
    assert _matches(red, lead, at) == (mark == "red")
    assert _matches(lambda moment: overdue(1, moment), lead, at) == (mark != "green")


def test_staff_and_administrators_see_red_suggestions_only(talent, make_user):
    lead = talent[0]
    staff, admin = make_user(Role.STAFF), make_user(Role.ADMIN)
    assert lead not in leads_for(staff) and lead not in red_suggestions()
    lead.created_at = datetime.now(UTC) - timedelta(days=15)
    db.session.commit()
    assert lead in leads_for(staff) and lead in leads_for(admin) and lead in red_suggestions()
    assert leads_for(staff, limit=1) == [lead]  # counted by the database, before the limit
