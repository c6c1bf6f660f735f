"""What deputies may change about themselves."""

from sqlalchemy import Select
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import Deputy
from .errors import DomainError
from .lookup import sectors_by_ids
from .profiles import contact_phone


def update_own_profile(
    deputy: Deputy, *, affiliation: str, phone: str | None, sector_ids: list[int]
) -> Deputy:
    """Change post, phone and followed sectors; sectors must be served by the station."""
    sectors = sectors_by_ids(sector_ids)
    served = {s.id for s in deputy.station.sectors}
    if any(s.id not in served for s in sectors):
        raise DomainError("sector_not_served", field="sector_ids")
    deputy.affiliation = (affiliation or "").strip()
    deputy.phone = contact_phone(phone)
    deputy.sectors = sectors
    db.session.flush()
    return deputy


def deputy_rows(query: Select) -> Select:
    """Deputies in list order, with the station and sectors each row shows loaded with
    the list instead of per row."""
    return query.options(joinedload(Deputy.station), selectinload(Deputy.sectors)).order_by(
        Deputy.station_id, Deputy.id
    )
