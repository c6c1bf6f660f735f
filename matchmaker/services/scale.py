"""Grow a database to province scale, for measuring: graduates, needs, projects and
interests with realistic Chinese texts (the benchmark corpus of ``bench/synthetic.py``),
placed in this database's own regions and sectors, tokenised on every core and written in
batches of plain rows. No suggestions are built here: ``flask rebuild-matches`` does that.

Texts come from seeded streams, so two databases grown alike hold the same documents.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, insert, select
from stdnum.cn import uscc

from ..extensions import db
from ..matching import tokenise_many
from ..models import (
    Degree,
    Enterprise,
    Graduate,
    InvestmentProject,
    InvestorInterest,
    Region,
    RegionLevel,
    Sector,
    TalentNeed,
    graduate_regions,
    graduate_sectors,
    interest_regions,
    interest_sectors,
)
from . import match_store
from .errors import DomainError
from .matching import document_fields

BATCH = 5_000
NEEDS_PER_FIRM = 5
#: Credit codes of grown firms start with this (a "91" firm registered in Henan, 41…).
CODE_PREFIX = "9141"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏付方白邹孟熊秦邱江尹薛段雷侯龙史贺顾毛郝龚邵万钱武戴孔汤"  # noqa: E501
GIVEN = "子涵欣怡梓轩浩宇思远佳琪俊杰晓峰雨桐文博嘉怡明轩婉清志强丽娜振华海燕"
DEGREES = [Degree.SECONDARY, Degree.ASSOCIATE, Degree.BACHELOR, Degree.MASTER]
DEGREE_WEIGHTS = [1, 4, 4, 1]
NEED_DEGREE = {1: Degree.SECONDARY, 2: Degree.ASSOCIATE, 3: Degree.BACHELOR, 4: Degree.MASTER}
PROJECT_KINDS = ("精深加工项目", "产业园项目", "生产线项目", "示范基地项目", "仓储物流项目")


@dataclass
class Grown:
    """What one run added, by kind."""

    counts: dict[str, int] = field(default_factory=dict)


class _Catalogue:
    """This database's sectors (in the benchmark's order) and places to put documents."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.sectors = list(db.session.scalars(select(Sector.id).order_by(Sector.id)))
        places = db.session.execute(
            select(Region.id, Region.level).where(
                Region.level.in_([RegionLevel.COUNTY, RegionLevel.TOWNSHIP])
            )
        ).all()
        self.places = [r.id for r in places]
        self.counties = [r.id for r in places if r.level is RegionLevel.COUNTY]
        if not self.sectors or not self.places:
            raise DomainError("reference_missing")

    def sector(self, synthetic_id: int) -> int:
        return self.sectors[(synthetic_id - 1) % len(self.sectors)]

    def place(self) -> int:
        return self.rng.choice(self.places)


def grow(
    graduates: int = 0,
    needs: int = 0,
    projects: int = 0,
    interests: int = 0,
    seed: int = 1,
    progress: Callable[[str, int], None] | None = None,
) -> dict[str, int]:
    """Add that many documents of each kind, with their firms; returns the counts."""
    from bench import synthetic  # the benchmark corpus: only needed to grow a database

    rng = random.Random(seed)  # noqa: S311  (made-up data to measure with, not secrets)
    catalogue = _Catalogue(rng)
    counts = {}
    if needs or projects or interests:
        firms = _firms(max(1, -(-(needs + projects + interests) // NEEDS_PER_FIRM)), catalogue)
        counts["enterprises"] = len(firms)
    if needs:
        counts["talent_needs"] = _needs(synthetic, needs, firms, catalogue, progress)
    if projects:
        counts["projects"] = _projects(synthetic, projects, firms, catalogue, progress)
    if interests:
        counts["interests"] = _interests(synthetic, interests, firms, catalogue, progress)
    if graduates:
        counts["graduates"] = _graduates(synthetic, graduates, catalogue, progress)
    return counts


def _firms(count: int, catalogue: _Catalogue) -> list[int]:
    """Firms to own the grown postings, each with its own valid credit code."""
    start = db.session.scalar(
        select(func.count(Enterprise.id)).where(Enterprise.credit_code.like(f"{CODE_PREFIX}%"))
    )
    rows = []
    for n in range(start, start + count):
        base = f"{CODE_PREFIX}{n:013d}"
        rows.append(
            {
                "name": f"河南省规模测试企业{n + 1}号有限公司",
                "credit_code": base + uscc.calc_check_digit(base),
                "sector_id": catalogue.rng.choice(catalogue.sectors),
                "region_id": catalogue.place(),
                "contact_person": _name(catalogue.rng),
                "verified": True,
            }
        )
    return _insert(Enterprise, rows)


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2))))


def _writer(synthetic, kind: str):
    return synthetic._Writer(kind)


def _needs(synthetic, count, firms, catalogue, progress) -> int:
    writer, rng = _writer(synthetic, "need"), catalogue.rng
    rows = []
    for n in range(count):
        texts, facets = writer.need()
        low = int(facets.amount[0] * 1000)
        rows.append(
            {
                "enterprise_id": firms[n % len(firms)],
                "title": texts["title"][:100],
                "description": texts["text"],
                "sector_id": catalogue.sector(next(iter(facets.sectors))),
                "region_id": catalogue.place(),
                "min_degree": NEED_DEGREE.get(facets.level),
                "headcount": rng.choice((1, 1, 2, 3, 5)),
                "salary_min": low,
                "salary_max": int(facets.amount[1] * 1000),
            }
        )
    _tokenise(TalentNeed, rows)
    return len(_insert(TalentNeed, rows, progress, "talent_needs"))


def _projects(synthetic, count, firms, catalogue, progress) -> int:
    writer, rng = _writer(synthetic, "need"), catalogue.rng
    rows = []
    for n in range(count):
        texts, facets = writer.need()
        low = rng.choice((500, 1000, 2000, 3000, 5000))
        sector = next(iter(facets.sectors))
        subject = rng.choice(synthetic.W.SECTORS[sector]["objects"])
        rows.append(
            {
                "enterprise_id": firms[-1 - n % len(firms)],
                "title": subject + rng.choice(PROJECT_KINDS),
                "description": texts["text"],
                "sector_id": catalogue.sector(sector),
                "region_id": catalogue.place(),
                "amount_min_wan": low,
                "amount_max_wan": low * rng.choice((2, 3, 4)),
            }
        )
    _tokenise(InvestmentProject, rows)
    return len(_insert(InvestmentProject, rows, progress, "projects"))


def _interests(synthetic, count, firms, catalogue, progress) -> int:
    writer, rng = _writer(synthetic, "profile"), catalogue.rng
    rows, links = [], []
    for n in range(count):
        texts, facets = writer.profile()
        sectors = sorted({catalogue.sector(s) for s in facets.sectors}) or [
            rng.choice(catalogue.sectors)
        ]  # an investor always names a sector
        low = rng.choice((500, 1000, 2000))
        rows.append(
            {
                "enterprise_id": firms[n % len(firms)],
                "title": f"投资{texts['title']}相关项目"[:100],
                "description": texts["text"] or texts["skills"],
                "amount_min_wan": low,
                "amount_max_wan": low * rng.choice((4, 8, 10)),
            }
        )
        links.append((sectors, [rng.choice(catalogue.counties)]))
    _tokenise(InvestorInterest, rows)
    ids = _insert(InvestorInterest, rows, progress, "interests")
    _link(interest_sectors, interest_regions, "investor_interest_id", ids, links)
    return len(ids)


def _graduates(synthetic, count, catalogue, progress) -> int:
    writer, rng = _writer(synthetic, "profile"), catalogue.rng
    rows, links = [], []
    for _ in range(count):
        texts, facets = writer.profile()
        rows.append(
            {
                "name": _name(rng),
                "school": rng.choice(writer.schools),
                "major": texts["title"][:80],
                "degree": rng.choices(DEGREES, DEGREE_WEIGHTS)[0],
                "graduation_year": rng.randint(2012, 2026),
                "skills": texts["skills"],
                "intro": texts["text"],
                "hometown_id": catalogue.place(),
                "is_returnee": rng.random() < 0.3,
                "open_to_matching": True,
            }
        )
        wanted = sorted({catalogue.sector(s) for s in facets.sectors})
        links.append((wanted, [rng.choice(catalogue.counties)]))
    _tokenise(Graduate, rows)
    ids = _insert(Graduate, rows, progress, "graduates")
    _link(graduate_sectors, graduate_regions, "graduate_id", ids, links)
    return len(ids)


def _tokenise(model, rows: list[dict]) -> None:
    """Each row's tokens, as a write would store them (both cores)."""
    fields = [document_fields(model(**row)) for row in rows]
    for row, tokens in zip(
        rows, tokenise_many(fields, match_store.tokenizer().lexicon), strict=True
    ):
        row["tokens"] = tokens


def _insert(model, rows: list[dict], progress=None, label: str = "") -> list[int]:
    """Write rows in batches as plain inserts; their new ids, in order."""
    ids = []
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        query = insert(model).returning(model.id, sort_by_parameter_order=True)
        ids += db.session.scalars(query, chunk).all()
        db.session.commit()
        if progress and label:
            progress(label, len(ids))
    return ids


def _link(sector_table, region_table, column: str, ids: list[int], links) -> None:
    """The many-to-many rows of grown documents: wanted sectors and regions."""
    pairs = list(zip(ids, links, strict=True))
    sectors = [{column: i, "sector_id": s} for i, (ss, _) in pairs for s in ss]
    regions = [{column: i, "region_id": r} for i, (_, rs) in pairs for r in rs]
    for table, rows in ((sector_table, sectors), (region_table, regions)):
        for start in range(0, len(rows), BATCH):
            db.session.execute(insert(table), rows[start : start + BATCH])
    db.session.commit()
