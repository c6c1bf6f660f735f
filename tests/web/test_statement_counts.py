"""No page's cost grows with the data: every GET page anyone of the two-tenant world can
open is read once on the small world and once after it grew (more graduates, needs,
projects, interests and their suggestions), and must take the same number of statements."""

from matchmaker.extensions import db
from matchmaker.services import accounts, matching, scale
from tests.factories import PASSWORD
from tests.web import two_tenants
from tests.web.test_hostile_forms import page_urls
from tests.web.test_vetting import statements

VIEWERS = ("firm", "graduate", "deputy", "staff", "admin")


def _costs(app, web_app, clients, world) -> dict:
    costs = {}
    for viewer in VIEWERS:
        for url in page_urls(app, world, world.users[viewer].role):
            clients[viewer].get(url)  # warm: first-request work is not the page's
            with statements(web_app) as seen:
                status = clients[viewer].get(url).status_code
            if status == 200:
                costs[(viewer, url)] = len(seen)
    return costs


def test_no_page_costs_more_statements_as_the_data_grows(app, web_app, make_user, reference):
    world = two_tenants.build(make_user, reference)
    clients = {v: two_tenants.signed_in(web_app, world.users[v]) for v in VIEWERS}
    small = _costs(app, web_app, clients, world)
    scale.grow(graduates=150, needs=20, projects=6, interests=6, seed=5)
    for n in range(6):  # more deputies at the world's station, each with its sectors
        accounts.create_deputy(
            email=f"grown.deputy{n}@test.example", password=PASSWORD, name=f"代表{n}",
            level="township", station_id=world.station.id,
            sector_ids=[s.id for s in world.station.sectors],
        )  # fmt: skip
    matching.rebuild()
    db.session.commit()
    large = _costs(app, web_app, clients, world)
    from sqlalchemy import func, select

    from matchmaker.models import Lead

    print(
        "leads",
        db.session.scalar(select(func.count(Lead.id))),
        len(small),
        len(large),
        sorted(large.items())[:40],
    )
    grew = {page: (small[page], large[page]) for page in small if large.get(page, 0) > small[page]}
    assert grew == {}
