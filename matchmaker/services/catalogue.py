"""What administrators keep: sectors, stations, and the verification of enterprises."""

from datetime import UTC, datetime

from sqlalchemy import select

from ..extensions import db
from ..models import Enterprise, Region, RegionLevel, Sector, Station, User
from . import audit
from .errors import DomainError
from .lookup import get_or_refuse, sectors_by_ids


def split_synonyms(text: str) -> list[str]:
    """Synonyms typed one per line or separated by commas (either width), de-duplicated."""
    parts = text.replace("，", ",").replace("、", ",").replace("\n", ",").split(",")
    seen: dict[str, None] = {}
    for part in parts:
        word = part.strip()
        if word:
            seen.setdefault(word, None)
    return list(seen)


def _unique(model, column, value, current, code: str, field: str) -> None:
    holder = db.session.scalar(select(model).where(column == value))
    if holder is not None and holder is not current:
        raise DomainError(code, field=field)


def save_sector(
    *, code: str, name_zh: str, name_en: str, synonyms: str = "", sector: Sector | None = None
) -> Sector:
    """Create or update a sector; code and Chinese name are unique."""
    code = code.strip().lower()
    _unique(Sector, Sector.code, code, sector, "sector_code_taken", "code")
    _unique(Sector, Sector.name_zh, name_zh.strip(), sector, "sector_name_taken", "name_zh")
    if sector is None:
        sector = Sector()
        db.session.add(sector)
    sector.code = code
    sector.name_zh = name_zh.strip()
    sector.name_en = name_en.strip()
    sector.synonyms = split_synonyms(synonyms)
    db.session.flush()
    return sector


def save_station(
    *,
    name: str,
    region_id: int,
    sector_ids: list[int],
    review_deadline_days: int = 7,
    consent_deadline_days: int = 14,
    station: Station | None = None,
) -> Station:
    """Create or update a liaison station."""
    name = name.strip()
    _unique(Station, Station.name, name, station, "station_name_taken", "name")
    region = get_or_refuse(Region, region_id, "region_unknown", "region_id")
    if station is None:
        station = Station()
        db.session.add(station)
    station.name = name
    station.region = region
    station.sectors = sectors_by_ids(sector_ids)
    station.review_deadline_days = int(review_deadline_days)
    station.consent_deadline_days = int(consent_deadline_days)
    db.session.flush()
    return station


def set_verified(actor: User, enterprise: Enterprise, verified: bool) -> Enterprise:
    """Mark an enterprise as checked by station staff or an administrator (or undo it)."""
    enterprise.verified = verified
    enterprise.verified_at = datetime.now(UTC) if verified else None
    enterprise.verified_by_id = actor.id if verified else None
    audit.record(actor, "verified" if verified else "unverified", f"enterprise:{enterprise.id}")
    db.session.flush()
    return enterprise


def load_regions() -> list[Region]:
    """Every region, in one statement, into the session: a page that names many places
    (许昌市鄢陵县陈化店镇 walks each up to its province) then finds every parent in the
    session instead of asking the database, however many places it shows. The caller
    keeps the list while it renders (the session holds objects only while referenced)."""
    return list(db.session.scalars(select(Region)))


def regions_within(region: Region) -> list[int]:
    """Ids of ``region`` and every region below it."""
    ids, frontier = [region.id], [region.id]
    while frontier:
        frontier = list(db.session.scalars(select(Region.id).where(Region.parent_id.in_(frontier))))
        ids.extend(frontier)
    return ids


def station_area(station: Station) -> list[int]:
    """The regions a station serves: a township station its whole county, any other
    station its own region, each with everything below."""
    region = station.region
    area = region.parent if region.level is RegionLevel.TOWNSHIP else region
    return regions_within(area)
