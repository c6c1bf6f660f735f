"""Load reference data (regions, sectors, stations) and the demo data set from ``data/``.

Everything is looked up by its natural key first, so loading twice creates nothing new.
"""

import json
from pathlib import Path

from sqlalchemy import select

from .. import terms
from ..extensions import db
from ..identifiers import check_phone
from ..models import (
    Degree,
    Deputy,
    DeputyLevel,
    Enterprise,
    Graduate,
    InterestStatus,
    InvestmentProject,
    InvestorInterest,
    NeedStatus,
    ProjectStatus,
    Region,
    RegionLevel,
    Role,
    Sector,
    Station,
    TalentNeed,
    User,
)
from ..passwords import hash_password

DATA_DIR = Path(__file__).resolve().parents[2] / "data"


def _read(name: str, data_dir: Path = DATA_DIR):
    return json.loads((data_dir / name).read_text(encoding="utf-8"))


class Loader:
    """Creates what is missing and counts what it created, per kind."""

    def __init__(self, data_dir: Path = DATA_DIR):
        self.data_dir = data_dir
        self.created: dict[str, int] = {}
        self._regions: dict[str, Region] = {}
        self._password_hash: str | None = None

    def _count(self, kind: str) -> None:
        self.created[kind] = self.created.get(kind, 0) + 1

    # reference data ---------------------------------------------------------------

    def load_reference(self) -> None:
        """Regions, sectors and stations: what every installation needs."""
        self._region_tree(_read("regions.json", self.data_dir), None)
        for row in _read("sectors.json", self.data_dir):
            self._sector(row)
        db.session.flush()
        for row in _read("stations.json", self.data_dir):
            self._station(row)
        db.session.flush()

    def _region_tree(self, node: dict, parent: Region | None) -> None:
        region = db.session.scalar(
            select(Region).where(Region.name == node["name"], Region.parent == parent)
        )
        if region is None:
            region = Region(
                name=node["name"],
                code=node.get("code"),
                level=RegionLevel(node["level"]),
                parent=parent,
            )
            db.session.add(region)
            db.session.flush()
            self._count("regions")
        self._regions[region.path] = region
        for child in node.get("children", []):
            self._region_tree(child, region)

    def region(self, path: str) -> Region:
        if not self._regions:
            for region in db.session.scalars(select(Region)):
                self._regions[region.path] = region
        return self._regions[path]

    def sector(self, code: str) -> Sector:
        return db.session.scalar(select(Sector).where(Sector.code == code))

    def _sector(self, row: dict) -> None:
        if self.sector(row["code"]) is None:
            db.session.add(Sector(**row))
            self._count("sectors")

    def station(self, name: str) -> Station:
        return db.session.scalar(select(Station).where(Station.name == name))

    def _station(self, row: dict) -> None:
        if self.station(row["name"]) is not None:
            return
        db.session.add(
            Station(
                name=row["name"],
                region=self.region(row["region"]),
                sectors=[self.sector(code) for code in row["sectors"]],
                review_deadline_days=row.get("review_deadline_days", 7),
                consent_deadline_days=row.get("consent_deadline_days", 14),
            )
        )
        self._count("stations")

    # demo data --------------------------------------------------------------------

    def load_demo(self) -> None:
        """The demo people, firms and postings, plus one login per role."""
        self.load_reference()
        accounts = _read("demo/accounts.json", self.data_dir)
        self._password = accounts["password"]
        self._renames = {
            fixed["replaces"]: fixed["email"] for fixed in accounts["fixed_logins"].values()
        }
        self._user(accounts["admin"]["email"], Role.ADMIN, accounts["admin"]["name"])
        for row in accounts["staff"]:
            self._user(row["email"], Role.STAFF, row["name"], station=self.station(row["station"]))
        steps = [
            ("enterprises.json", self._enterprise),
            ("deputies.json", self._deputy),
            ("graduates.json", self._graduate),
            ("talent_needs.json", self._need),
            ("investment_projects.json", self._project),
            ("investor_interests.json", self._interest),
        ]
        for name, load_row in steps:
            for row in _read(f"demo/{name}", self.data_dir):
                load_row(row)
            db.session.flush()

    def _hash(self) -> str:
        # One hash for the shared demo password keeps loading fast; each real
        # account gets its own salted hash.
        if self._password_hash is None:
            self._password_hash = hash_password(self._password)
        return self._password_hash

    def _user(self, email: str, role: Role, name: str, **extra) -> tuple[User, bool]:
        email = self._renames.get(email, email)
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None:
            return user, False
        user = User(
            email=email,
            role=role,
            display_name=name,
            password_hash=self._hash(),
            terms_version=terms.current_version(),  # demo people have read them
            **extra,
        )
        db.session.add(user)
        self._count(f"users:{role.value}")
        return user, True

    def enterprise(self, credit_code: str) -> Enterprise:
        return db.session.scalar(select(Enterprise).where(Enterprise.credit_code == credit_code))

    def _enterprise(self, row: dict) -> None:
        if self.enterprise(row["credit_code"]) is not None:
            return
        user, _ = self._user(row["login_email"], Role.ENTERPRISE, row["contact_person"])
        db.session.add(
            Enterprise(
                user=user,
                name=row["name"],
                credit_code=row["credit_code"],
                sector=self.sector(row["sector"]),
                region=self.region(row["region"]),
                description=row["description"],
                contact_person=row["contact_person"],
                phone=_e164(row["phone"]),
                email=row["email"],
                verified=row["verified"],
            )
        )
        self._count("enterprises")

    def _deputy(self, row: dict) -> None:
        user, created = self._user(row["login_email"], Role.DEPUTY, row["name"])
        if not created:
            return
        affiliated = row.get("affiliated_enterprise")
        db.session.add(
            Deputy(
                user=user,
                name=row["name"],
                level=DeputyLevel(row["level"]),
                station=self.station(row["station"]),
                sectors=[self.sector(code) for code in row["sectors"]],
                affiliation=row.get("affiliation", ""),
                affiliated_enterprise=self.enterprise(affiliated) if affiliated else None,
                phone=_e164(row.get("phone")),
            )
        )
        self._count("deputies")

    def _graduate(self, row: dict) -> None:
        user, created = self._user(row["login_email"], Role.GRADUATE, row["name"])
        if not created:
            return
        db.session.add(
            Graduate(
                user=user,
                name=row["name"],
                school=row["school"],
                major=row["major"],
                degree=Degree(row["degree"]),
                graduation_year=row["graduation_year"],
                skills=row.get("skills", ""),
                intro=row.get("intro", ""),
                hometown=self.region(row["hometown"]) if row.get("hometown") else None,
                is_returnee=row.get("is_returnee", False),
                phone=_e164(row.get("phone")),
                email=row.get("email"),
                wanted_sectors=[self.sector(code) for code in row.get("wanted_sectors", [])],
                wanted_regions=[self.region(path) for path in row.get("wanted_regions", [])],
                open_to_matching=row.get("open_to_matching", True),
            )
        )
        self._count("graduates")

    def _posting_exists(self, model, firm: Enterprise, title: str) -> bool:
        query = select(model.id).where(model.enterprise_id == firm.id, model.title == title)
        return db.session.scalar(query) is not None

    def _need(self, row: dict) -> None:
        firm = self.enterprise(row["enterprise"])
        if self._posting_exists(TalentNeed, firm, row["title"]):
            return
        min_degree = row.get("min_degree")
        db.session.add(
            TalentNeed(
                enterprise=firm,
                title=row["title"],
                description=row["description"],
                sector=self.sector(row["sector"]),
                region=self.region(row["region"]),
                min_degree=Degree(min_degree) if min_degree not in (None, "", "none") else None,
                headcount=row.get("headcount", 1),
                salary_min=row.get("salary_min"),
                salary_max=row.get("salary_max"),
                status=NeedStatus(row.get("status", "open")),
            )
        )
        self._count("talent_needs")

    def _project(self, row: dict) -> None:
        firm = self.enterprise(row["enterprise"])
        if self._posting_exists(InvestmentProject, firm, row["title"]):
            return
        db.session.add(
            InvestmentProject(
                enterprise=firm,
                title=row["title"],
                description=row["description"],
                sector=self.sector(row["sector"]),
                region=self.region(row["region"]),
                amount_min_wan=row.get("amount_min_wan"),
                amount_max_wan=row.get("amount_max_wan"),
                status=ProjectStatus(row.get("status", "open")),
            )
        )
        self._count("investment_projects")

    def _interest(self, row: dict) -> None:
        firm = self.enterprise(row["enterprise"])
        if self._posting_exists(InvestorInterest, firm, row["title"]):
            return
        db.session.add(
            InvestorInterest(
                enterprise=firm,
                title=row["title"],
                description=row["description"],
                sectors=[self.sector(code) for code in row["sectors"]],
                regions=[self.region(path) for path in row["regions"]],
                amount_min_wan=row.get("amount_min_wan"),
                amount_max_wan=row.get("amount_max_wan"),
                status=InterestStatus(row.get("status", "open")),
            )
        )
        self._count("investor_interests")


def _e164(phone: str | None) -> str | None:
    return check_phone(phone) if phone else None


def demo_logins(data_dir: Path = DATA_DIR) -> list[tuple[str, str]]:
    """``(role, e-mail)`` for the demo logins (each station's staff), and the shared
    password last."""
    accounts = _read("demo/accounts.json", data_dir)
    rows = [("admin", accounts["admin"]["email"])]
    rows += [(f"staff · {row['station']}", row["email"]) for row in accounts["staff"]]
    rows += [(role, fixed["email"]) for role, fixed in accounts["fixed_logins"].items()]
    return [*rows, ("password", accounts["password"])]
