"""Fetch referenced rows by id, refusing unknown ids with a field-level ``DomainError``."""

from sqlalchemy import select

from ..extensions import db
from ..models import Region, Sector
from .errors import DomainError


def get_or_refuse(model, ident, code: str, field: str):
    """The ``model`` row with primary key ``ident``, or ``DomainError(code, field)``."""
    obj = db.session.get(model, ident) if ident is not None else None
    if obj is None:
        raise DomainError(code, field=field)
    return obj


def _many(model, ids, code: str, field: str) -> list:
    wanted = set(ids or [])
    if not wanted:
        return []
    rows = db.session.scalars(select(model).where(model.id.in_(wanted)).order_by(model.id)).all()
    if len(rows) != len(wanted):
        raise DomainError(code, field=field)
    return list(rows)


def sectors_by_ids(ids, field: str = "sector_ids") -> list[Sector]:
    """The sectors with these ids; an unknown id is refused."""
    return _many(Sector, ids, "sector_unknown", field)


def regions_by_ids(ids, field: str = "region_ids") -> list[Region]:
    """The regions with these ids; an unknown id is refused."""
    return _many(Region, ids, "region_unknown", field)
