"""Two of everything: the people on a talent lead and an investment lead at 陈化店镇, and
strangers of every role (another firm, another graduate, a deputy of another station or
other sectors, staff of another station) who must not reach them."""

from dataclasses import dataclass

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Lead, LeadKind, Role, User
from matchmaker.services import accounts, postings
from matchmaker.services import introductions as intro
from tests.factories import PASSWORD, enterprise_profile, verify

HOME = "陈化店镇人大代表联络站"
FAR = "孟轲乡新兴产业人大代表联络站"
TOWN = "河南省/许昌市/鄢陵县/陈化店镇"


@dataclass
class World:
    users: dict[str, User]  # by part: firm, investor, graduate, deputy, staff, admin, strangers
    talent: Lead  # the firm's need × the graduate, introduced by the deputy
    investment: Lead  # the firm's project × the investor's interest, introduced
    need: object
    project: object
    interest: object  # the investor's
    station: object
    far_station: object

    @property
    def leads(self) -> list[Lead]:
        return [self.talent, self.investment]


#: Who is not on the world's leads and postings, by role.
STRANGERS = {
    "other_firm": Role.ENTERPRISE,
    "other_graduate": Role.GRADUATE,
    "far_deputy": Role.DEPUTY,  # another station
    "other_sector_deputy": Role.DEPUTY,  # this station, sectors the leads are not in
    "far_staff": Role.STAFF,  # another station
}


def build(make_user, reference) -> World:
    """The world above, committed; both leads introduced so their sides may see them."""
    station, far = reference.station(HOME), reference.station(FAR)
    users = {
        "firm": make_user(Role.ENTERPRISE),
        "investor": make_user(Role.ENTERPRISE, **enterprise_profile(reference, 99)),
        "graduate": make_user(Role.GRADUATE),
        "deputy": make_user(Role.DEPUTY),  # horticulture and flower processing
        "staff": make_user(Role.STAFF),
        "admin": make_user(Role.ADMIN),
    }
    verify(users["firm"].enterprise, users["investor"].enterprise)
    need, project, interest = _postings(users, reference)
    users.update(_strangers(make_user, reference, far))
    db.session.commit()
    talent = _lead(
        LeadKind.TALENT, talent_need_id=need.id, graduate_id=users["graduate"].graduate.id
    )
    investment = _lead(LeadKind.INVESTMENT, project_id=project.id, interest_id=interest.id)
    for lead in (talent, investment):
        intro.introduce(lead, users["deputy"], "请双方联系。")
    db.session.commit()
    return World(users, talent, investment, need, project, interest, station, far)


def _postings(users, reference):
    town = reference.region(TOWN).id
    need = postings.save_need(
        users["firm"].enterprise,
        title="花木栽培技术员",
        description="紫荆、月季苗木栽培，嫁接育苗，病虫害防治。",
        sector_id=reference.sector("horticulture").id,
        region_id=town,
    )
    processing = reference.sector("flower_processing").id
    project = postings.save_project(
        users["firm"].enterprise,
        title="玫瑰精油精深加工生产线",
        description="新建玫瑰精油提取和花茶精深加工生产线。",
        sector_id=processing,
        region_id=town,
        amount_min_wan=3000,
        amount_max_wan=5000,
    )
    interest = postings.save_interest(
        users["investor"].enterprise,
        title="投资玫瑰精油精深加工",
        description="关注鄢陵玫瑰精油和花茶精深加工项目。",
        sector_ids=[processing],
        region_ids=[reference.region("河南省/许昌市/鄢陵县").id],
        amount_min_wan=1000,
        amount_max_wan=8000,
    )
    db.session.commit()
    return need, project, interest


def _strangers(make_user, reference, far) -> dict:
    other_sector = make_user(Role.DEPUTY)
    other_sector.deputy.sectors = [reference.sector("tourism")]
    far_deputy = accounts.create_deputy(
        email="far.deputy@test.example",
        password=PASSWORD,
        name="远方代表",
        level="township",
        station_id=far.id,
        sector_ids=[s.id for s in far.sectors],
    )
    far_staff = accounts.create_staff("far.staff@test.example", PASSWORD, "远方工作人员", far.id)
    return {
        "other_firm": make_user(Role.ENTERPRISE),
        "other_graduate": make_user(Role.GRADUATE),
        "far_deputy": far_deputy.user,
        "other_sector_deputy": other_sector,
        "far_staff": far_staff,
    }


def _lead(kind: LeadKind, **ids) -> Lead:
    query = select(Lead).where(Lead.kind == kind)
    for column, value in ids.items():
        query = query.where(getattr(Lead, column) == value)
    lead = db.session.scalar(query)
    assert lead is not None, f"matching suggested no {kind.value} lead for the world"
    return lead


def signed_in(web_app, user: User):
    """A test client of its own, signed in as ``user``."""
    client = web_app.test_client()
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, (user.email, response.status_code)
    return client
