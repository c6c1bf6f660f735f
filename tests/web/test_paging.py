"""Pagers count rows up to a cap: past it they say "N+" pages and still move on."""

from sqlalchemy import func, select

from matchmaker import web
from matchmaker.extensions import db
from matchmaker.models import Region


def test_a_pager_counts_up_to_the_cap_and_says_there_is_more(app, reference, monkeypatch):
    monkeypatch.setattr(web, "COUNT_CAP", 5)
    regions = db.session.scalar(select(func.count(Region.id)))
    assert regions > 8
    query = select(Region).order_by(Region.id)
    with app.test_request_context("/?page=4"):
        page = web.paginate(query, 2)
        assert (page.total, page.capped, page.pages) == (5, True, 3)
        assert [r.id for r in page.items] == [r.id for r in db.session.scalars(query)][6:8]
    with app.test_request_context("/?page=1"):
        monkeypatch.setattr(web, "COUNT_CAP", regions)
        page = web.paginate(query, 2)
        assert (page.total, page.capped) == (regions, False)
