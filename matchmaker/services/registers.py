"""The station's register: graduates, talent needs, investment projects and firms of a
station's area, searched and filtered in SQL (a page of the answer is a page of it)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, or_, select, true
from sqlalchemy.orm import joinedload, selectinload

from ..models import (
    Enterprise,
    Graduate,
    InvestmentProject,
    NeedStatus,
    ProjectStatus,
    TalentNeed,
    graduate_sectors,
)
from . import vetting

#: What each register may be narrowed to by its status select.
STATUSES = {
    "graduates": ("open", "paused", "returnee"),
    "needs": tuple(s.value for s in NeedStatus),
    "projects": tuple(s.value for s in ProjectStatus),
    "enterprises": ("verified", "unverified"),
}


@dataclass(frozen=True)
class RegisterFilter:
    """What staff narrow a register to (every field optional)."""

    text: str = ""
    sector_id: int | None = None
    place_ids: tuple[int, ...] | None = None  # a region of the area and all below it
    status: str | None = None


def _places(path):
    return path  # a region comes with its lineage (``Region.parent`` is joined)


def graduates(
    area: list[int] | None, wanted: RegisterFilter, station_id: int | None = None
) -> Select:
    """Graduates whose hometown is in the area, or whom the station's own roster brought
    in (``station_id``; with no place chosen), newest first."""
    where = _in_area(Graduate.hometown_id, area, wanted)
    if station_id is not None and wanted.place_ids is None:
        where = or_(where, Graduate.registered_by_id == station_id)
    query = select(Graduate).where(where)
    if wanted.text:
        query = query.where(
            or_(*(c.contains(wanted.text, autoescape=True)
                  for c in (Graduate.name, Graduate.school, Graduate.major)))
        )  # fmt: skip
    if wanted.sector_id is not None:
        query = query.where(
            Graduate.id.in_(
                select(graduate_sectors.c.graduate_id).where(
                    graduate_sectors.c.sector_id == wanted.sector_id
                )
            )
        )
    status = {
        "open": Graduate.open_to_matching.is_(True),
        "paused": Graduate.open_to_matching.is_(False),
        "returnee": Graduate.is_returnee.is_(True),
    }.get(wanted.status)
    if status is not None:
        query = query.where(status)
    return query.options(
        _places(joinedload(Graduate.hometown)), selectinload(Graduate.wanted_sectors)
    ).order_by(Graduate.created_at.desc(), Graduate.id.desc())


def _postings(model, area: list[int] | None, wanted: RegisterFilter, statuses) -> Select:
    query = select(model).where(_in_area(model.region_id, area, wanted))
    if wanted.text:
        firms = select(Enterprise.id).where(Enterprise.name.contains(wanted.text, autoescape=True))
        query = query.where(
            or_(model.title.contains(wanted.text, autoescape=True), model.enterprise_id.in_(firms))
        )
    if wanted.sector_id is not None:
        query = query.where(model.sector_id == wanted.sector_id)
    if wanted.status in {s.value for s in statuses}:
        query = query.where(model.status == statuses(wanted.status))
    return query.options(
        joinedload(model.enterprise), joinedload(model.sector), _places(joinedload(model.region))
    ).order_by(model.created_at.desc(), model.id.desc())


def needs(area: list[int] | None, wanted: RegisterFilter) -> Select:
    """Talent needs posted for places in the area, newest first."""
    return _postings(TalentNeed, area, wanted, NeedStatus)


def projects(area: list[int] | None, wanted: RegisterFilter) -> Select:
    """Investment projects in the area, newest first."""
    return _postings(InvestmentProject, area, wanted, ProjectStatus)


def enterprises(area: list[int] | None, wanted: RegisterFilter) -> Select:
    """Firms registered in the area, unverified first."""
    query = select(Enterprise).where(_in_area(Enterprise.region_id, area, wanted))
    if wanted.text:
        query = query.where(
            or_(
                Enterprise.name.contains(wanted.text, autoescape=True),
                Enterprise.credit_code.contains(wanted.text.upper(), autoescape=True),
            )
        )
    if wanted.sector_id is not None:
        query = query.where(Enterprise.sector_id == wanted.sector_id)
    if wanted.status in ("verified", "unverified"):
        query = query.where(Enterprise.verified.is_(wanted.status == "verified"))
    return query.options(*vetting.FIRM_ROWS).order_by(Enterprise.verified, Enterprise.id)


def _in_area(column, area: list[int] | None, wanted: RegisterFilter):
    """SQL: ``column`` (a region id) in the area (None: anywhere), and in the chosen
    place of it (a place outside the area adds nothing outside: the area bounds it)."""
    places = area
    if wanted.place_ids is not None:
        places = [i for i in wanted.place_ids if area is None or i in set(area)]
    return true() if places is None else column.in_(places)


REGISTERS = {
    "graduates": graduates,
    "needs": needs,
    "projects": projects,
    "enterprises": enterprises,
}
