"""The figures a station reports upward, for any region or station and period.

A region's figures count what lies inside it: postings by their location, profiles by
their hometown, leads by the station they belong to. So a parent region's counts are the
sum of its children's plus whatever sits at the parent's own level, and the roll-up
township → county → city → province holds by construction. Medians are taken over
the leads themselves, never averaged from children. Every figure is an aggregate
query: no page loads the leads one by one.

Definitions (a lead counts for a period when the moment named falls in it):

- suggestions: leads created (suggested) in the period; reviewed: leads whose review
  (introduced or dismissed) fell in the period, whenever they were suggested.
- awaiting_review / overdue_review / reviewed_late: of the period's suggestions, those
  not reviewed yet; of those, the ones older than their station's review deadline
  (amber or red); and those whose review came later than the deadline.
- closed_out (销号): leads that reached status ``closed`` in the period (``closed_at`` in
  the period), by a deputy's close-out or because a side deleted its account.
- solved: the closed-out leads whose recorded outcome is a result — a hire (hired or
  retained: ``outcome_position`` set) or a signing (signed, funds arrived, in
  production: ``outcome_amount_wan`` set) — rather than no deal, a decline or a lapse.
- red_items: suggestions of the station(s) waiting now for more than twice their
  station's review deadline (三色督办 red), whenever they were suggested.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import groupby

from sqlalchemy import case, false, func, or_, select

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
from .catalogue import regions_within, station_area
from .clock import LOCAL, today
from .leads import red
from .sqltime import DAY, epoch_seconds

#: Every lead status but suggested, named (``IN`` is answered by the status index).
NOT_SUGGESTED = tuple(s for s in LeadStatus if s is not LeadStatus.SUGGESTED)


def zh_date(day: date) -> str:
    """2026年11月29日, whatever the page language (the reports are in Chinese)."""
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class Period:
    """Whole local days from ``start`` to ``end``, both included."""

    start: date
    end: date

    @classmethod
    def this_year(cls, day: date | None = None) -> Period:
        day = day or today()
        return cls(date(day.year, 1, 1), day)

    def zh(self) -> str:
        """2026年1月1日—2026年11月29日"""
        return f"{zh_date(self.start)}—{zh_date(self.end)}"

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
    awaiting_review: int = 0
    overdue_review: int = 0
    reviewed_late: int = 0
    introductions: int = 0
    connected: int = 0
    hires: int = 0
    projects_signed: int = 0
    signed_amount_wan: int = 0
    closed_out: int = 0
    solved: int = 0
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
    "awaiting_review": "推荐线索中未审核（条）",
    "overdue_review": "未审核中已超期（条）",
    "reviewed_late": "推荐线索中超期审核（条）",
    "introductions": "引荐（次）",
    "connected": "双方对接（次）",
    "hires": "促成就业（人）",
    "projects_signed": "签约项目（个）",
    "signed_amount_wan": "签约金额（万元）",
    "closed_out": "销号线索（条）",
    "solved": "销号中促成就业或签约（条）",
    "median_days_to_review": "审核用时中位数（天）",
    "median_days_to_close": "销号用时中位数（天）",
    "red_items": "超期未审（条）",
}


def _in(column, period: Period):
    start, end = period.bounds()
    return (column >= start) & (column < end)


def _tally(condition):
    """How many rows meet ``condition``: one column of an aggregate query."""
    return func.count(case((condition, 1)))


def compute(region_ids: list[int], station_ids: list[int], period: Period) -> Figures:
    """The figures of whatever lies in ``region_ids`` and belongs to ``station_ids``."""
    return compute_many([(region_ids, station_ids)], period)[0]


def compute_many(groups: list[tuple[list[int], list[int]]], period: Period) -> list[Figures]:
    """``compute`` for several (regions, stations) groups at once, in a fixed number of
    aggregate queries whatever the groups and the data: each table is read once, grouped
    by region or by station, and the groups are summed from those rows (a lead belongs to
    one station, so its counts add up; medians and distinct deputies are worked out from
    the few reviewed rows, per group)."""
    regions = sorted({r for region_ids, _ in groups for r in region_ids})
    stations = sorted({s for _, station_ids in groups for s in station_ids})
    by_region = _documents_by_region(regions, period)
    by_station = _leads_by_station(stations, period)
    spans = {
        name: _spans_by_station(column, stations, period)
        for name, column in (("review", Lead.reviewed_at), ("close", Lead.closed_at))
    }
    actors = _deputies_by_station(stations, period)
    results = []
    for region_ids, station_ids in groups:
        f = Figures()
        for name, counts in by_region.items():
            setattr(f, name, sum(counts.get(r, 0) for r in region_ids))
        for station in station_ids:
            for name, value in by_station.get(station, {}).items():
                setattr(f, name, getattr(f, name) + value)
        f.median_days_to_review = _median(spans["review"], station_ids)
        f.median_days_to_close = _median(spans["close"], station_ids)
        f.deputies_engaged = len(set().union(*(actors.get(s, set()) for s in station_ids)))
        results.append(f)
    return results


def _grouped(query) -> dict[int, int]:
    return {key: int(value or 0) for key, value in db.session.execute(query)}


def _documents_by_region(regions: list[int], period: Period) -> dict[str, dict[int, int]]:
    """Needs, profiles, projects and interests registered in the period, per region."""
    if not regions:
        return {}

    def per(column, created, *joins):
        query = select(column, func.count()).select_from(created.class_)
        for join in joins:
            query = query.join(*join)
        return _grouped(query.where(column.in_(regions), _in(created, period)).group_by(column))

    return {
        "needs": per(TalentNeed.region_id, TalentNeed.created_at),
        "profiles": per(Graduate.hometown_id, Graduate.created_at),
        "projects": per(InvestmentProject.region_id, InvestmentProject.created_at),
        "interests": per(Enterprise.region_id, InvestorInterest.created_at,
                         (Enterprise, Enterprise.id == InvestorInterest.enterprise_id)),
    }  # fmt: skip


def _leads_by_station(stations: list[int], period: Period) -> dict[int, dict[str, int]]:
    """Every additive lead figure per station: the counts read off the lead rows (one
    aggregate over them), hires and signed projects (from the history)."""
    if not stations:
        return {}
    now = datetime.now(UTC).timestamp()
    deadline = Station.review_deadline_days * DAY
    age = now - epoch_seconds(Lead.created_at)
    suggested = _in(Lead.created_at, period)
    waiting = suggested & Lead.reviewed_at.is_(None)
    closed = _in(Lead.closed_at, period)
    result = Lead.outcome_position.is_not(None) | Lead.outcome_amount_wan.is_not(None)
    late = epoch_seconds(Lead.reviewed_at) - epoch_seconds(Lead.created_at) > deadline
    counts = {
        "suggestions": _tally(suggested),
        "reviewed": _tally(_in(Lead.reviewed_at, period)),
        "awaiting_review": _tally(waiting),
        "overdue_review": _tally(waiting & (age > deadline)),
        "reviewed_late": _tally(suggested & Lead.reviewed_at.is_not(None) & late),
        "introductions": _tally(_in(Lead.introduced_at, period)),
        "connected": _tally(_in(Lead.connected_at, period)),
        "closed_out": _tally(closed),
        "solved": _tally(closed & result),
    }
    found: dict[int, dict[str, int]] = {}

    def add(query, names) -> None:
        for station, *values in db.session.execute(query.group_by(Lead.station_id)):
            row = found.setdefault(station, dict.fromkeys(counts, 0))
            for name, value in zip(names, values, strict=True):
                row[name] += int(value or 0)

    mine = Lead.station_id.in_(stations)
    # The leads past suggestion (few, by the station-and-status index): every count.
    reviewed = select(Lead.station_id, *counts.values()).join(
        Station, Station.id == Lead.station_id
    )
    add(reviewed.where(mine, Lead.status.in_(NOT_SUGGESTED)), list(counts))
    # The suggestions (most of the table): a suggestion is never reviewed, introduced,
    # connected or closed (those steps move it on), so it adds to three counts only,
    # read off the queue's partial index without touching the rows.
    at = datetime.now(UTC)
    deadlines = db.session.execute(
        select(Station.review_deadline_days, Station.id).where(Station.id.in_(stations))
    )
    past_deadline = or_(
        false(),
        *(
            Lead.station_id.in_([station for _, station in group])
            & (Lead.created_at < at - timedelta(days=days))
            for days, group in groupby(sorted(deadlines), key=lambda row: row[0])
        ),
    )
    suggestions = select(Lead.station_id, func.count(), func.count(), _tally(past_deadline)).where(
        mine, Lead.status == LeadStatus.SUGGESTED, suggested
    )
    add(suggestions, ("suggestions", "awaiting_review", "overdue_review"))
    hires = _grouped(
        select(Lead.station_id, func.count(func.distinct(Lead.id)))
        .where(Lead.id.in_(_event_leads(LeadStatus.HIRED, stations, period)))
        .group_by(Lead.station_id)
    )
    signed = (
        select(Lead.station_id, func.count(Lead.id), func.sum(Lead.outcome_amount_wan))
        .where(Lead.id.in_(_event_leads(LeadStatus.SIGNED, stations, period)))
        .group_by(Lead.station_id)
    )
    for station, count, amount in db.session.execute(signed):
        row = found.setdefault(station, {})
        row["projects_signed"], row["signed_amount_wan"] = int(count or 0), int(amount or 0)
    for station, count in hires.items():
        found.setdefault(station, {})["hires"] = count
    red_items = _grouped(  # the old suggestions only, read by their index
        select(Lead.station_id, func.count()).where(Lead.station_id.in_(stations), red())
        .group_by(Lead.station_id)
    )  # fmt: skip
    for station, count in red_items.items():
        found.setdefault(station, {})["red_items"] = count
    return found


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


def _spans_by_station(column, stations: list[int], period: Period) -> dict[int, list[float]]:
    """Per station, the days from suggestion to ``column`` of the leads that reached it
    in the period (reviewed or closed leads: a few, read by an index)."""
    span = epoch_seconds(column) - epoch_seconds(Lead.created_at)
    query = select(Lead.station_id, span).where(Lead.station_id.in_(stations), _in(column, period))
    found: dict[int, list[float]] = {}
    for station, seconds in db.session.execute(query):
        found.setdefault(station, []).append(float(seconds) / DAY)
    return found


def _median(spans: dict[int, list[float]], station_ids: list[int]) -> float | None:
    values = [v for s in station_ids for v in spans.get(s, ())]
    return round(statistics.median(values), 1) if values else None


def _deputies_by_station(stations: list[int], period: Period) -> dict[int, set[int]]:
    """Per station, the deputies who took a step on one of its leads in the period."""
    query = (
        select(Lead.station_id, LeadEvent.actor_id)
        .distinct()
        .join(Lead, Lead.id == LeadEvent.lead_id)
        .join(User, User.id == LeadEvent.actor_id)
        .where(Lead.station_id.in_(stations), User.role == Role.DEPUTY,
               _in(LeadEvent.created_at, period))
    )  # fmt: skip
    found: dict[int, set[int]] = {}
    for station, actor in db.session.execute(query):
        found.setdefault(station, set()).add(actor)
    return found


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
    return breakdown_and_total(region, period)[0]


def breakdown_and_total(region: Region, period: Period) -> tuple[list, Figures]:
    """``breakdown`` and the region's total, from one reading of each table."""
    children = list(region.children)
    below = descendants([region.id, *(child.id for child in children)])
    station_at = dict(db.session.execute(select(Station.id, Station.region_id)).all())
    groups = []
    for ids in [*(below[child.id] for child in children), [region.id], below[region.id]]:
        inside = set(ids)
        groups.append((ids, [s for s, r in station_at.items() if r in inside]))
    *computed, own, total = compute_many(groups, period)
    rows = [(child.name, child, f) for child, f in zip(children, computed, strict=True)]
    if any(v for v in own.as_dict().values() if isinstance(v, int)):
        rows.append(("本级", None, own))
    return rows, total


def descendants(roots: list[int]) -> dict[int, list[int]]:
    """For each region in ``roots``: its id and every id below it (the region tree is
    read once)."""
    children: dict[int, list[int]] = {}
    for ident, parent in db.session.execute(select(Region.id, Region.parent_id)):
        children.setdefault(parent, []).append(ident)
    found = {}
    for root in roots:
        ids, frontier = [root], [root]
        while frontier:
            frontier = [c for node in frontier for c in children.get(node, ())]
            ids.extend(frontier)
        found[root] = ids
    return found


@dataclass(frozen=True)
class Sentence:
    """One clause of the summary and the condition on the counts under which it is true."""

    when: Callable[[Figures], bool]
    text: str  # str.format over the figures' fields and ``summary_values``


def _registered(f: Figures) -> int:
    return f.needs + f.profiles + f.projects + f.interests


#: The summary's clauses; each one appears exactly when its ``when`` holds.
SENTENCES: dict[str, Sentence] = {
    "registered": Sentence(
        lambda f: _registered(f) > 0,
        "{since}，{place}{via}共登记岗位需求{needs}个、高校毕业生和返乡青年{profiles}名、"
        "招商项目{projects}个、投资意向{interests}个",
    ),
    "nothing_registered": Sentence(
        lambda f: _registered(f) == 0,
        "{since}，{place}{via}未新登记岗位需求、高校毕业生和返乡青年、招商项目或投资意向",
    ),
    "no_suggestions": Sentence(lambda f: f.suggestions == 0, "平台未产生新的推荐对接线索"),
    "all_reviewed_on_time": Sentence(
        lambda f: f.suggestions > 0 and f.awaiting_review == 0 and f.reviewed_late == 0,
        "平台推荐对接线索{suggestions}条，均已在审核期限内审核",
    ),
    "all_reviewed_some_late": Sentence(
        lambda f: f.suggestions > 0 and f.awaiting_review == 0 and f.reviewed_late > 0,
        "平台推荐对接线索{suggestions}条，均已审核，其中{reviewed_late}条超过审核期限后才审核",
    ),
    "none_reviewed": Sentence(
        lambda f: f.suggestions > 0 and f.awaiting_review == f.suggestions,
        "平台推荐对接线索{suggestions}条，均未审核",
    ),
    "partly_reviewed": Sentence(
        lambda f: 0 < f.awaiting_review < f.suggestions,
        "平台推荐对接线索{suggestions}条，已审核{reviewed_of_suggestions}条，"
        "尚有{awaiting_review}条未审核",
    ),
    "overdue": Sentence(lambda f: f.overdue_review > 0, "其中{overdue_review}条已超过审核期限"),
    "review_time": Sentence(
        lambda f: f.reviewed > 0 and f.median_days_to_review is not None,
        "期内代表共审核推荐线索{reviewed}条，审核用时中位数{review_days}",
    ),
    "deputies": Sentence(
        lambda f: f.deputies_engaged > 0, "{deputies_engaged}名代表参与线索审核和对接服务"
    ),
    "introduced": Sentence(lambda f: f.introductions > 0, "牵线引荐{introductions}次"),
    "connected": Sentence(lambda f: f.connected > 0, "促成双方同意对接{connected}次"),
    "no_introductions": Sentence(
        lambda f: f.introductions == 0 and f.connected == 0, "期内尚无牵线引荐和双方对接"
    ),
    "hired": Sentence(lambda f: f.hires > 0, "促成就业{hires}人"),
    "signed": Sentence(
        lambda f: f.projects_signed > 0, "签约项目{projects_signed}个、金额{signed_amount_wan}万元"
    ),
    "no_results": Sentence(
        lambda f: f.hires == 0 and f.projects_signed == 0, "尚未促成就业或项目签约"
    ),
    "closed_all_solved": Sentence(
        lambda f: f.closed_out > 0 and f.solved == f.closed_out,
        "办结销号线索{closed_out}条，均促成就业或签约",
    ),
    "closed_some_solved": Sentence(
        lambda f: 0 < f.solved < f.closed_out,
        "办结销号线索{closed_out}条，其中促成就业或签约{solved}条",
    ),
    "closed_none_solved": Sentence(
        lambda f: f.closed_out > 0 and f.solved == 0,
        "办结销号线索{closed_out}条，均未促成就业或签约",
    ),
    "none_closed": Sentence(lambda f: f.closed_out == 0, "期内尚无线索办结销号"),
    "close_time": Sentence(
        lambda f: f.closed_out > 0 and f.median_days_to_close is not None,
        "从推荐到销号用时中位数{close_days}",
    ),
    "red": Sentence(
        lambda f: f.red_items > 0,
        "目前尚有{red_items}条推荐线索超过审核期限两倍仍未审核，已列入督办",
    ),
}

#: Which clauses make up each sentence of the paragraph, in reading order.
PARAGRAPH = (
    ("registered", "nothing_registered"),
    (
        "no_suggestions",
        "all_reviewed_on_time",
        "all_reviewed_some_late",
        "none_reviewed",
        "partly_reviewed",
        "overdue",
    ),
    ("review_time",),
    ("deputies", "introduced", "connected", "no_introductions", "hired", "signed", "no_results"),
    ("closed_all_solved", "closed_some_solved", "closed_none_solved", "none_closed", "close_time"),
    ("red",),
)


def _since(period: Period) -> str:
    """今年以来 only for this year up to today; a period ending earlier names its end."""
    now = today()
    if period.end < now:
        return f"{zh_date(period.start)}至{zh_date(period.end)}"
    if period.start == date(now.year, 1, 1):
        return "今年以来"
    return f"{zh_date(period.start)}以来"


def summary_values(place: str, f: Figures, period: Period, is_station: bool) -> dict:
    """What the clauses are filled with: the figures and a few phrases."""
    return {
        **f.as_dict(),
        "since": _since(period),
        "place": place,
        "via": "" if is_station else "依托人大代表联络站",
        "reviewed_of_suggestions": f.suggestions - f.awaiting_review,
        "review_days": _days(f.median_days_to_review),
        "close_days": _days(f.median_days_to_close),
    }


def _days(median: float | None) -> str:
    """9.5天; under a day as 不足1天 rather than a bare 0."""
    if median is None:
        return ""
    return "不足1天" if median < 1 else f"{median:g}天"


def summary(place: str, f: Figures, period: Period, is_station: bool = False) -> str:
    """A Chinese paragraph in the style of the provincial bulletin, ready to paste; it
    says only what the counts support (see ``SENTENCES``)."""
    values = summary_values(place, f, period, is_station)
    sentences = []
    for names in PARAGRAPH:
        clauses = [SENTENCES[n].text.format(**values) for n in names if SENTENCES[n].when(f)]
        if clauses:
            sentences.append("，".join(clauses) + "。")
    return "".join(sentences)
