"""The figures a station reports upward, for any region or station and period.

A region's figures count what lies inside it: postings by their location, profiles by
their hometown, leads by the station they belong to. So a parent region's counts are the
sum of its children's plus whatever sits at the parent's own level, and the roll-up
township → county → city → province holds by construction. Medians are taken over
the leads themselves, never averaged from children.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from ..extensions import db
from ..models import (
    Enterprise,
    Graduate,
    InvestmentProject,
    InvestorInterest,
    Lead,
    LeadEvent,
    LeadStatus,
    Region,
    Role,
    Station,
    TalentNeed,
    User,
)
from . import vetting
from .catalogue import regions_within, station_area
from .leads import age_mark

LOCAL = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Period:
    """Whole local days from ``start`` to ``end``, both included."""

    start: date
    end: date

    @classmethod
    def this_year(cls, today: date | None = None) -> Period:
        today = today or datetime.now(LOCAL).date()
        return cls(date(today.year, 1, 1), today)

    def bounds(self) -> tuple[datetime, datetime]:
        """The period as an aware UTC interval [from, to)."""
        start = datetime.combine(self.start, time.min, LOCAL).astimezone(UTC)
        end = datetime.combine(self.end + timedelta(days=1), time.min, LOCAL).astimezone(UTC)
        return start, end


@dataclass
class Figures:
    """One row of the report."""

    deputies_engaged: int = 0
    needs: int = 0
    profiles: int = 0
    projects: int = 0
    interests: int = 0
    suggestions: int = 0
    reviewed: int = 0
    introductions: int = 0
    connected: int = 0
    hires: int = 0
    projects_signed: int = 0
    signed_amount_wan: int = 0
    median_days_to_review: float | None = None
    median_days_to_close: float | None = None
    red_items: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


#: Column order and Chinese headers of every export.
COLUMNS = {
    "deputies_engaged": "参与代表（人）",
    "needs": "岗位需求（个）",
    "profiles": "毕业生和返乡青年（人）",
    "projects": "招商项目（个）",
    "interests": "投资意向（个）",
    "suggestions": "推荐线索（条）",
    "reviewed": "已审核（条）",
    "introductions": "引荐（次）",
    "connected": "双方对接（次）",
    "hires": "促成就业（人）",
    "projects_signed": "签约项目（个）",
    "signed_amount_wan": "签约金额（万元）",
    "median_days_to_review": "审核用时中位数（天）",
    "median_days_to_close": "销号用时中位数（天）",
    "red_items": "超期未审（条）",
}


def _in(column, period: Period):
    start, end = period.bounds()
    return (column >= start) & (column < end)


def _count(query) -> int:
    return int(db.session.scalar(query) or 0)


def compute(region_ids: list[int], station_ids: list[int], period: Period) -> Figures:
    """The figures of whatever lies in ``region_ids`` and belongs to ``station_ids``."""
    f = Figures()
    f.needs = _count(
        select(func.count(TalentNeed.id)).where(
            TalentNeed.region_id.in_(region_ids), _in(TalentNeed.created_at, period)
        )
    )
    f.profiles = _count(
        select(func.count(Graduate.id)).where(
            Graduate.hometown_id.in_(region_ids), _in(Graduate.created_at, period)
        )
    )
    f.projects = _count(
        select(func.count(InvestmentProject.id)).where(
            InvestmentProject.region_id.in_(region_ids), _in(InvestmentProject.created_at, period)
        )
    )
    f.interests = _count(
        select(func.count(InvestorInterest.id))
        .join(Enterprise, Enterprise.id == InvestorInterest.enterprise_id)
        .where(Enterprise.region_id.in_(region_ids), _in(InvestorInterest.created_at, period))
    )
    _lead_figures(f, station_ids, period)
    return f


def _lead_figures(f: Figures, station_ids: list[int], period: Period) -> None:
    mine = Lead.station_id.in_(station_ids)
    for name, column in (
        ("suggestions", Lead.created_at),
        ("reviewed", Lead.reviewed_at),
        ("introductions", Lead.introduced_at),
        ("connected", Lead.connected_at),
    ):
        setattr(f, name, _count(select(func.count(Lead.id)).where(mine, _in(column, period))))
    f.hires = _events_to(LeadStatus.HIRED, station_ids, period)
    signed = select(Lead.id, Lead.outcome_amount_wan).where(
        mine,
        Lead.id.in_(_event_leads(LeadStatus.SIGNED, station_ids, period)),
    )
    rows = db.session.execute(signed).all()
    f.projects_signed = len(rows)
    f.signed_amount_wan = sum(amount or 0 for _, amount in rows)
    f.median_days_to_review = _median_days(mine, Lead.reviewed_at, period)
    f.median_days_to_close = _median_days(mine, Lead.closed_at, period)
    f.deputies_engaged = _count(
        select(func.count(func.distinct(LeadEvent.actor_id)))
        .join(Lead, Lead.id == LeadEvent.lead_id)
        .join(User, User.id == LeadEvent.actor_id)
        .where(mine, User.role == Role.DEPUTY, _in(LeadEvent.created_at, period))
    )
    waiting = db.session.scalars(
        select(Lead).where(mine, Lead.status == LeadStatus.SUGGESTED, vetting.still_open())
    )
    f.red_items = sum(1 for lead in waiting if age_mark(lead) == "red")


def _event_leads(status: LeadStatus, station_ids: list[int], period: Period):
    return (
        select(LeadEvent.lead_id)
        .join(Lead, Lead.id == LeadEvent.lead_id)
        .where(
            Lead.station_id.in_(station_ids),
            LeadEvent.to_status == status,
            LeadEvent.from_status != status,
            _in(LeadEvent.created_at, period),
        )
    )


def _events_to(status: LeadStatus, station_ids: list[int], period: Period) -> int:
    query = select(func.count(func.distinct(LeadEvent.lead_id))).where(
        LeadEvent.lead_id.in_(_event_leads(status, station_ids, period))
    )
    return _count(query)


def _median_days(mine, column, period: Period) -> float | None:
    rows = db.session.execute(
        select(Lead.created_at, column).where(mine, _in(column, period))
    ).all()
    days = [(done - created).total_seconds() / 86400 for created, done in rows]
    return round(statistics.median(days), 1) if days else None


# --- regions, stations and the roll-up ------------------------------------------------


def stations_within(region_ids: list[int]) -> list[int]:
    return list(db.session.scalars(select(Station.id).where(Station.region_id.in_(region_ids))))


def for_region(region: Region, period: Period) -> Figures:
    """Figures of a region and everything below it."""
    ids = regions_within(region)
    return compute(ids, stations_within(ids), period)


def for_station(station: Station, period: Period) -> Figures:
    """Figures of one station: its leads, and the postings and profiles of its area."""
    return compute(station_area(station), [station.id], period)


def breakdown(region: Region, period: Period) -> list[tuple[str, Region | None, Figures]]:
    """One row per child region, plus a row for what sits at the region's own level
    (only when it has anything), so the rows add up to the region's total."""
    rows = [(child.name, child, for_region(child, period)) for child in region.children]
    own = compute([region.id], stations_within([region.id]), period)
    if any(v for v in own.as_dict().values() if isinstance(v, int)):
        rows.append(("本级", None, own))
    return rows


def summary(place: str, f: Figures, period: Period, is_station: bool = False) -> str:
    """A Chinese paragraph in the style of the provincial bulletin, ready to paste."""
    since = (
        "今年以来"
        if period.start.month == 1 and period.start.day == 1
        else (f"{period.start.year}年{period.start.month}月{period.start.day}日以来")
    )
    text = (
        f"{since}，{place}{'' if is_station else '依托人大代表联络站'}，共登记岗位需求{f.needs}个、"
        f"高校毕业生和返乡青年{f.profiles}名、招商项目{f.projects}个、投资意向{f.interests}个。"
        f"平台推荐对接线索{f.suggestions}条，代表审核推荐{f.reviewed}条、牵线引荐{f.introductions}次，"
        f"促成双方对接{f.connected}次，促成就业{f.hires}人，"
        f"签约项目{f.projects_signed}个、金额{f.signed_amount_wan}万元；"
        f"{f.deputies_engaged}名代表参与对接服务"
    )
    if f.median_days_to_review is not None:
        text += f"，推荐线索审核用时中位数{f.median_days_to_review:g}天"
    text += "。"
    text += (
        f"目前尚有{f.red_items}条线索超期未审，已列入督办。"
        if f.red_items
        else "所有线索均按期审核。"
    )
    return text
