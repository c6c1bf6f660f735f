"""The data model: every object of the design, with its invariants in the database.

Enumerations are stored as short strings guarded by CHECK constraints, so the same
schema works on SQLite and PostgreSQL. Timestamps are timezone-aware UTC.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    func,
    select,
    text,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from .extensions import db


def utcnow() -> datetime:
    """Return the current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite keeps no zone, PostgreSQL does; this makes both behave the same.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def str_enum(cls: type[enum.Enum], name: str) -> Enum:
    """A string enumeration column type with a named CHECK constraint."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in cls),
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def created_column() -> Mapped[datetime]:
    return mapped_column(UTCDateTime(), default=utcnow, nullable=False)


def updated_column() -> Mapped[datetime]:
    return mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False)


# --- enumerations -------------------------------------------------------------------


class Role(enum.StrEnum):
    ENTERPRISE = "enterprise"
    GRADUATE = "graduate"
    DEPUTY = "deputy"
    STAFF = "staff"
    ADMIN = "admin"


class RegionLevel(enum.StrEnum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"


class DeputyLevel(enum.StrEnum):
    TOWNSHIP = "township"
    COUNTY = "county"
    CITY = "city"
    PROVINCE = "province"
    NATIONAL = "national"


class Degree(enum.StrEnum):
    """Highest education, in ascending order (the order is used for requirements)."""

    SECONDARY = "secondary"
    ASSOCIATE = "associate"
    BACHELOR = "bachelor"
    MASTER = "master"
    DOCTOR = "doctor"

    @property
    def rank(self) -> int:
        return list(Degree).index(self)


class NeedStatus(enum.StrEnum):
    OPEN = "open"
    FILLED = "filled"
    CLOSED = "closed"


class ProjectStatus(enum.StrEnum):
    OPEN = "open"
    SIGNED = "signed"
    CLOSED = "closed"


class InterestStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class LeadKind(enum.StrEnum):
    TALENT = "talent"
    INVESTMENT = "investment"


class LeadStatus(enum.StrEnum):
    SUGGESTED = "suggested"
    DISMISSED = "dismissed"
    INTRODUCED = "introduced"
    DECLINED = "declined"
    LAPSED = "lapsed"
    WITHDRAWN = "withdrawn"
    CONNECTED = "connected"
    INTERVIEWING = "interviewing"
    HIRED = "hired"
    RETAINED = "retained"
    NEGOTIATING = "negotiating"
    SIGNED = "signed"
    FUNDS_ARRIVED = "funds_arrived"
    IN_PRODUCTION = "in_production"
    NO_DEAL = "no_deal"
    CLOSED = "closed"


class ConsentParty(enum.StrEnum):
    """Which side of a lead a consent belongs to."""

    GRADUATE = "graduate"
    EMPLOYER = "employer"
    PROJECT_OWNER = "project_owner"
    INVESTOR = "investor"


class ConsentMethod(enum.StrEnum):
    """How a consent was given: by the side online, or offline and recorded by a deputy."""

    ONLINE = "online"
    IN_PERSON = "in_person"
    PHONE = "phone"
    PAPER = "paper"


class ConsentDecision(enum.StrEnum):
    GRANTED = "granted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


# --- association tables -------------------------------------------------------------


def _link_table(name: str, left: str, right: str) -> Table:
    return Table(
        name,
        db.metadata,
        Column(f"{left}_id", ForeignKey(f"{left}.id", ondelete="CASCADE"), primary_key=True),
        Column(f"{right}_id", ForeignKey(f"{right}.id", ondelete="CASCADE"), primary_key=True),
    )


station_sectors = _link_table("station_sector", "station", "sector")
deputy_sectors = _link_table("deputy_sector", "deputy", "sector")
graduate_sectors = _link_table("graduate_sector", "graduate", "sector")
graduate_regions = _link_table("graduate_region", "graduate", "region")
interest_sectors = _link_table("interest_sector", "investor_interest", "sector")
interest_regions = _link_table("interest_region", "investor_interest", "region")


class Matchable:
    """What the matching engine keeps on a document it pairs.

    ``tokens`` are the document's words per field, computed once when it is written,
    so refitting never runs the word segmenter again. ``match_floor`` is the score of
    the last of its top suggestions (None while it has fewer than k), used to find the
    documents whose suggestions a change can affect.
    """

    tokens: Mapped[dict | None] = mapped_column(JSON)
    match_floor: Mapped[float | None] = mapped_column(Float)
    # When what the engine reads of it last changed (text, facets, status); while
    # ``match_pending`` its suggestions wait for the task queue; ``ranked_seq``: the
    # ranking (``MatchSequence``) that last ranked it, which each worker's side index
    # catches up from.
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    match_pending: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false(), index=True
    )
    ranked_seq: Mapped[int | None] = mapped_column(Integer, index=True)


class MatchSequence(db.Model):
    """The change sequence of rankings: each ranking of waiting documents takes the next
    number (the row is locked until it commits, so numbers follow commit order) and
    stamps it on the documents it ranked."""

    __tablename__ = "match_sequence"

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0, nullable=False)


# --- places and sectors -------------------------------------------------------------


class Region(db.Model):
    """An administrative area: province → city → county → township."""

    __tablename__ = "region"
    __table_args__ = (
        UniqueConstraint("parent_id", "name"),
        CheckConstraint(
            "(level = 'province' AND parent_id IS NULL)"
            " OR (level <> 'province' AND parent_id IS NOT NULL)",
            name="root_is_province",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    code: Mapped[str | None] = mapped_column(String(12), unique=True)
    level: Mapped[RegionLevel] = mapped_column(str_enum(RegionLevel, "region_level"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"), index=True)

    # Joined with every region loaded, up to the province (a township is three levels
    # below): a place's label needs its whole lineage, and the table is a few dozen rows.
    parent: Mapped[Region | None] = relationship(
        remote_side=[id], back_populates="children", lazy="joined", join_depth=3
    )
    children: Mapped[list[Region]] = relationship(back_populates="parent", order_by="Region.id")

    def lineage(self) -> list[Region]:
        """This region and its ancestors, province first."""
        chain, node = [], self
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain[::-1]

    @property
    def path(self) -> str:
        """Names from the province down, joined with '/' (the natural key in data files)."""
        return "/".join(r.name for r in self.lineage())

    def ancestor(self, level: RegionLevel) -> Region | None:
        """This region or the ancestor at ``level`` (e.g. the city of a township)."""
        return next((r for r in self.lineage() if r.level is level), None)

    @property
    def label(self) -> str:
        """Display name without the province: 许昌市鄢陵县陈化店镇."""
        parts = [r.name for r in self.lineage() if r.level is not RegionLevel.PROVINCE]
        return "".join(parts) or self.name

    def __repr__(self) -> str:
        return f"<Region {self.path}>"


class Sector(db.Model):
    """An industry sector with its names and the synonyms folded to it by matching."""

    __tablename__ = "sector"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(40), unique=True)
    name_en: Mapped[str] = mapped_column(String(80))
    synonyms: Mapped[list[str]] = mapped_column(JSON, default=list)

    def name_for(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") else self.name_zh

    def __repr__(self) -> str:
        return f"<Sector {self.code}>"


class Station(db.Model):
    """A deputy liaison station (人大代表联络站) in a region, serving some sectors."""

    __tablename__ = "station"
    __table_args__ = (
        CheckConstraint("review_deadline_days > 0", name="review_deadline_positive"),
        CheckConstraint("consent_deadline_days > 0", name="consent_deadline_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    review_deadline_days: Mapped[int] = mapped_column(Integer, default=7)
    consent_deadline_days: Mapped[int] = mapped_column(Integer, default=14)
    created_at: Mapped[datetime] = created_column()

    region: Mapped[Region] = relationship()
    sectors: Mapped[list[Sector]] = relationship(secondary=station_sectors, order_by=Sector.id)
    deputies: Mapped[list[Deputy]] = relationship(back_populates="station")

    def __repr__(self) -> str:
        return f"<Station {self.name}>"


# --- people -------------------------------------------------------------------------


class User(UserMixin, db.Model):
    """An account. Its role decides which area of the site it may use."""

    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint("email = lower(email)", name="email_lower_case"),
        CheckConstraint("role <> 'staff' OR station_id IS NOT NULL", name="staff_has_station"),
        CheckConstraint("email IS NOT NULL OR phone IS NOT NULL", name="has_sign_in_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # At least one of e-mail and mobile number: either one signs in. E.164 (+86…).
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role, "user_role"), index=True)
    display_name: Mapped[str] = mapped_column(String(50))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Part of every session's identity: changing it (sign-out, new password) ends all
    # sessions signed before, even a copied cookie.
    session_token: Mapped[str | None] = mapped_column(String(64))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"), index=True)
    # The station whose poster (QR code) the person registered through, if any.
    registered_via_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"))
    created_at: Mapped[datetime] = created_column()
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A one-time reset code issued by staff or an administrator: its hash, its end, and
    # the wrong tries against it (too many void it).
    reset_code_hash: Mapped[str | None] = mapped_column(String(255))
    reset_code_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reset_code_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The version of the privacy policy and user agreement the person accepted.
    terms_version: Mapped[str | None] = mapped_column(String(20))
    terms_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    station: Mapped[Station | None] = relationship(foreign_keys=[station_id])
    registered_via: Mapped[Station | None] = relationship(foreign_keys=[registered_via_id])
    enterprise: Mapped[Enterprise | None] = relationship(
        back_populates="user", foreign_keys="Enterprise.user_id"
    )
    graduate: Mapped[Graduate | None] = relationship(back_populates="user")
    deputy: Mapped[Deputy | None] = relationship(back_populates="user")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def get_id(self) -> str:
        """The session identity: the account and its current session token."""
        return f"{self.id}.{self.session_token or ''}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role.value}>"


class Deputy(db.Model):
    """A people's congress deputy (人大代表) attached to a station."""

    __tablename__ = "deputy"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    level: Mapped[DeputyLevel] = mapped_column(str_enum(DeputyLevel, "deputy_level"))
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"), index=True)
    affiliation: Mapped[str] = mapped_column(String(120), default="")
    affiliated_enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprise.id"), index=True
    )
    phone: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = created_column()

    user: Mapped[User] = relationship(back_populates="deputy")
    station: Mapped[Station] = relationship(back_populates="deputies")
    sectors: Mapped[list[Sector]] = relationship(secondary=deputy_sectors, order_by=Sector.id)
    affiliated_enterprise: Mapped[Enterprise | None] = relationship()

    def __repr__(self) -> str:
        return f"<Deputy {self.name}>"


class Enterprise(db.Model):
    """A firm, identified by its 18-character unified social credit code (GB 32100)."""

    __tablename__ = "enterprise"
    __table_args__ = (CheckConstraint("length(credit_code) = 18", name="credit_code_length"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    sector_id: Mapped[int] = mapped_column(ForeignKey("sector.id"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    contact_person: Mapped[str] = mapped_column(String(50), default="")
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = created_column()
    updated_at: Mapped[datetime] = updated_column()

    user: Mapped[User | None] = relationship(back_populates="enterprise", foreign_keys=[user_id])
    sector: Mapped[Sector] = relationship()
    region: Mapped[Region] = relationship()
    talent_needs: Mapped[list[TalentNeed]] = relationship(
        back_populates="enterprise", order_by="TalentNeed.id"
    )
    projects: Mapped[list[InvestmentProject]] = relationship(
        back_populates="enterprise", order_by="InvestmentProject.id"
    )
    interests: Mapped[list[InvestorInterest]] = relationship(
        back_populates="enterprise", order_by="InvestorInterest.id"
    )

    def __repr__(self) -> str:
        return f"<Enterprise {self.credit_code}>"


class Graduate(Matchable, db.Model):
    """A college graduate or young returnee (返乡青年) looking for work at home."""

    __tablename__ = "graduate"
    __table_args__ = (
        CheckConstraint("graduation_year BETWEEN 1950 AND 2100", name="graduation_year_plausible"),
        # the figures count profiles per hometown and period off this index alone
        Index("ix_graduate_hometown_created", "hometown_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    school: Mapped[str] = mapped_column(String(80))
    major: Mapped[str] = mapped_column(String(80))
    degree: Mapped[Degree] = mapped_column(str_enum(Degree, "degree"))
    # None when a station's roster did not say (the year is optional in imports)
    graduation_year: Mapped[int | None] = mapped_column(Integer)
    # The first day of the month of birth, as rosters give it (出生年月); optional
    birth_month: Mapped[date | None] = mapped_column(Date)
    skills: Mapped[str] = mapped_column(Text, default="")
    intro: Mapped[str] = mapped_column(Text, default="")
    hometown_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    is_returnee: Mapped[bool] = mapped_column(Boolean, default=False)
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    open_to_matching: Mapped[bool] = mapped_column(Boolean, default=True)
    # The station whose roster brought the person in (an import), if any: its register
    # lists them, and its staff may invite them, wherever (or whether) a hometown is known.
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"), index=True)
    # Set when the graduate was told that an inactive profile will be anonymised.
    inactive_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = created_column()
    updated_at: Mapped[datetime] = updated_column()

    user: Mapped[User | None] = relationship(back_populates="graduate")
    hometown: Mapped[Region | None] = relationship()
    wanted_sectors: Mapped[list[Sector]] = relationship(
        secondary=graduate_sectors, order_by=Sector.id
    )
    wanted_regions: Mapped[list[Region]] = relationship(
        secondary=graduate_regions, order_by=Region.id
    )

    def __repr__(self) -> str:
        return f"<Graduate {self.id} {self.major}>"


# --- what enterprises and investors post --------------------------------------------


def _amount_checks() -> tuple[CheckConstraint, ...]:
    """Amounts in 万元: not negative, and the range in order (new objects per table)."""
    return (
        CheckConstraint(
            "amount_min_wan IS NULL OR amount_min_wan >= 0", name="amount_min_not_negative"
        ),
        CheckConstraint(
            "amount_min_wan IS NULL OR amount_max_wan IS NULL OR amount_min_wan <= amount_max_wan",
            name="amount_range_ordered",
        ),
    )


class Posting(Matchable):
    """What needs, projects and interests share: an owner, a title, a text, a lifetime."""

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = created_column()
    updated_at: Mapped[datetime] = updated_column()
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id} {self.title}>"


class AmountRange:
    """A range of money in 万元 (ten thousand yuan), either end optional."""

    amount_min_wan: Mapped[int | None] = mapped_column(Integer)
    amount_max_wan: Mapped[int | None] = mapped_column(Integer)


class TalentNeed(Posting, db.Model):
    """A job an enterprise wants filled (岗位需求)."""

    __tablename__ = "talent_need"
    __table_args__ = (
        CheckConstraint("headcount BETWEEN 1 AND 1000", name="headcount_range"),
        CheckConstraint("salary_min IS NULL OR salary_min >= 0", name="salary_min_not_negative"),
        CheckConstraint(
            "salary_min IS NULL OR salary_max IS NULL OR salary_min <= salary_max",
            name="salary_range_ordered",
        ),
    )

    sector_id: Mapped[int] = mapped_column(ForeignKey("sector.id"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    min_degree: Mapped[Degree | None] = mapped_column(str_enum(Degree, "need_min_degree"))
    headcount: Mapped[int] = mapped_column(Integer, default=1)
    salary_min: Mapped[int | None] = mapped_column(Integer)
    salary_max: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[NeedStatus] = mapped_column(
        str_enum(NeedStatus, "need_status"), default=NeedStatus.OPEN, index=True
    )

    enterprise: Mapped[Enterprise] = relationship(back_populates="talent_needs")
    sector: Mapped[Sector] = relationship()
    region: Mapped[Region] = relationship()


class InvestmentProject(Posting, AmountRange, db.Model):
    """A project an enterprise seeks investment for (招商项目), amounts in 万元."""

    __tablename__ = "investment_project"
    __table_args__ = _amount_checks()

    sector_id: Mapped[int] = mapped_column(ForeignKey("sector.id"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    status: Mapped[ProjectStatus] = mapped_column(
        str_enum(ProjectStatus, "project_status"), default=ProjectStatus.OPEN, index=True
    )

    enterprise: Mapped[Enterprise] = relationship(back_populates="projects")
    sector: Mapped[Sector] = relationship()
    region: Mapped[Region] = relationship()


class InvestorInterest(Posting, AmountRange, db.Model):
    """What an investing enterprise wants to put money into (投资意向), in 万元."""

    __tablename__ = "investor_interest"
    __table_args__ = _amount_checks()

    status: Mapped[InterestStatus] = mapped_column(
        str_enum(InterestStatus, "interest_status"), default=InterestStatus.OPEN, index=True
    )

    enterprise: Mapped[Enterprise] = relationship(back_populates="interests")
    sectors: Mapped[list[Sector]] = relationship(secondary=interest_sectors, order_by=Sector.id)
    regions: Mapped[list[Region]] = relationship(secondary=interest_regions, order_by=Region.id)


# --- leads and their history --------------------------------------------------------


class Lead(db.Model):
    """One suggested pairing: a graduate for a need, or an investor for a project."""

    __tablename__ = "lead"
    __table_args__ = (
        UniqueConstraint("talent_need_id", "graduate_id"),
        UniqueConstraint("project_id", "interest_id"),
        CheckConstraint(
            "(kind = 'talent' AND talent_need_id IS NOT NULL AND graduate_id IS NOT NULL"
            " AND project_id IS NULL AND interest_id IS NULL)"
            " OR (kind = 'investment' AND project_id IS NOT NULL AND interest_id IS NOT NULL"
            " AND talent_need_id IS NULL AND graduate_id IS NULL)",
            name="sides_match_kind",
        ),
        CheckConstraint("score >= 0 AND score <= 1", name="score_in_unit_range"),
        CheckConstraint(
            "outcome_amount_wan IS NULL OR outcome_amount_wan >= 0",
            name="outcome_amount_not_negative",
        ),
        Index("ix_lead_station_status", "station_id", "status"),
        # A station's queue, best first, and the oldest suggestions (red items), read by
        # index among the suggestions only (a million rows at province scale).
        Index(
            "ix_lead_suggested_queue",
            "station_id",
            text("score DESC"),
            "created_at",
            "id",
            postgresql_where=text("status = 'suggested'"),
            sqlite_where=text("status = 'suggested'"),
        ),
        Index(
            "ix_lead_suggested_age",
            "created_at",
            postgresql_where=text("status = 'suggested'"),
            sqlite_where=text("status = 'suggested'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[LeadKind] = mapped_column(str_enum(LeadKind, "lead_kind"))
    talent_need_id: Mapped[int | None] = mapped_column(
        ForeignKey("talent_need.id", ondelete="CASCADE"), index=True
    )
    graduate_id: Mapped[int | None] = mapped_column(
        ForeignKey("graduate.id", ondelete="CASCADE"), index=True
    )
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("investment_project.id", ondelete="CASCADE"), index=True
    )
    interest_id: Mapped[int | None] = mapped_column(
        ForeignKey("investor_interest.id", ondelete="CASCADE"), index=True
    )
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"))
    sector_id: Mapped[int | None] = mapped_column(ForeignKey("sector.id"), index=True)
    score: Mapped[float] = mapped_column(Float)
    explanation: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[LeadStatus] = mapped_column(
        str_enum(LeadStatus, "lead_status"), default=LeadStatus.SUGGESTED, index=True
    )
    # Which side's top suggestions list this pair: the need's/project's ("offer"), the
    # graduate's/interest's ("seeker"), or both. A suggested lead listed by neither is stale.
    ranked_by_offer: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    ranked_by_seeker: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    deputy_id: Mapped[int | None] = mapped_column(ForeignKey("deputy.id"), index=True)
    introduction_note: Mapped[str | None] = mapped_column(Text)
    answer_by: Mapped[datetime | None] = mapped_column(UTCDateTime())
    dismiss_reason: Mapped[str | None] = mapped_column(String(40))
    deferred_until: Mapped[date | None] = mapped_column(Date)
    outcome_date: Mapped[date | None] = mapped_column(Date)
    outcome_position: Mapped[str | None] = mapped_column(String(100))
    outcome_amount_wan: Mapped[int | None] = mapped_column(Integer)
    outcome_reason: Mapped[str | None] = mapped_column(String(200))
    retained_3m_on: Mapped[date | None] = mapped_column(Date)
    retained_6m_on: Mapped[date | None] = mapped_column(Date)
    funds_arrived_on: Mapped[date | None] = mapped_column(Date)
    in_production_on: Mapped[date | None] = mapped_column(Date)
    closing_note: Mapped[str | None] = mapped_column(Text)
    offer_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    seeker_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = created_column()
    updated_at: Mapped[datetime] = updated_column()
    status_changed_at: Mapped[datetime] = created_column()
    # Indexed: the figures read the few reviewed or closed leads of a period by them.
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    introduced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    connected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)

    talent_need: Mapped[TalentNeed | None] = relationship()
    graduate: Mapped[Graduate | None] = relationship()
    project: Mapped[InvestmentProject | None] = relationship()
    interest: Mapped[InvestorInterest | None] = relationship()
    station: Mapped[Station | None] = relationship()
    sector: Mapped[Sector | None] = relationship()
    deputy: Mapped[Deputy | None] = relationship()
    events: Mapped[list[LeadEvent]] = relationship(
        back_populates="lead", order_by="LeadEvent.id", cascade="all, delete-orphan"
    )
    consents: Mapped[list[Consent]] = relationship(
        back_populates="lead", order_by="Consent.id", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Lead {self.id} {self.kind.value} {self.status.value}>"


class LeadEvent(db.Model):
    """One transition of a lead: who moved it, from what, to what, and why."""

    __tablename__ = "lead_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    from_status: Mapped[LeadStatus | None] = mapped_column(
        str_enum(LeadStatus, "event_from_status")
    )
    to_status: Mapped[LeadStatus] = mapped_column(str_enum(LeadStatus, "event_to_status"))
    # What happened, as a code the history turns into a sentence in the reader's language
    # (introduce, consent_given, hire …), with its facts (a party, a date, an amount).
    action: Mapped[str | None] = mapped_column(String(30))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    # Only what a person wrote (a deputy's note, a closing note, a reason): never a code.
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = created_column()

    lead: Mapped[Lead] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class Consent(db.Model):
    """A side's decision to share named fields with the other side of one lead."""

    __tablename__ = "consent"
    __table_args__ = (UniqueConstraint("lead_id", "party"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id", ondelete="CASCADE"), index=True)
    # The side's account; none when a deputy recorded a consent given offline by someone
    # who has no account yet (``recorded_by_id``, ``method``, ``given_by``, ``given_at``).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    party: Mapped[ConsentParty] = mapped_column(str_enum(ConsentParty, "consent_party"))
    method: Mapped[ConsentMethod] = mapped_column(
        str_enum(ConsentMethod, "consent_method"),
        default=ConsentMethod.ONLINE,
        server_default=ConsentMethod.ONLINE.value,
    )
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    given_by: Mapped[str] = mapped_column(String(50), default="", server_default="")
    given_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision: Mapped[ConsentDecision] = mapped_column(str_enum(ConsentDecision, "consent_decision"))
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    purpose: Mapped[str] = mapped_column(Text, default="")
    notice_version: Mapped[str] = mapped_column(String(20))
    decided_at: Mapped[datetime] = created_column()
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    lead: Mapped[Lead] = relationship(back_populates="consents")
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    # The photo of the signed paper form, when the deputy took one (its bytes stay unread).
    photo: Mapped[ConsentPhoto | None] = relationship(
        back_populates="consent", cascade="all, delete-orphan", passive_deletes=True
    )


#: The image types a photo of a signed consent form is kept as.
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")


class ConsentPhoto(db.Model):
    """A photo of the signed paper form behind a consent a deputy recorded offline.

    Kept in the database, so every web worker on every machine serves the same photo; it
    was decoded and encoded again on upload (no EXIF, no GPS position). ``data`` is read
    only when asked for: knowing that a consent has a photo never loads the image.
    """

    __tablename__ = "consent_photo"
    __table_args__ = (
        CheckConstraint(
            "content_type IN (" + ", ".join(f"'{t}'" for t in PHOTO_TYPES) + ")",
            name="photo_content_type",
        ),
        CheckConstraint("size > 0", name="photo_size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consent_id: Mapped[int] = mapped_column(
        ForeignKey("consent.id", ondelete="CASCADE"), unique=True
    )
    content_type: Mapped[str] = mapped_column(String(20))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = created_column()

    consent: Mapped[Consent] = relationship(back_populates="photo")


class ProfileClaim(db.Model):
    """An invitation for a person or firm a station registered (by import or by hand) to
    take over their profile with an account of their own.

    The one-time claim code is kept only as its SHA-256 (about 59 random bits: found by
    it, never readable from it). It works once, until ``expires_at``, and five claims
    with the wrong mobile number (or e-mail, or credit code) void it; a newer invitation
    for the same profile voids the older ones.
    """

    __tablename__ = "profile_claim"
    __table_args__ = (
        CheckConstraint(
            "(graduate_id IS NULL) <> (enterprise_id IS NULL)", name="claims_one_profile"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    graduate_id: Mapped[int | None] = mapped_column(
        ForeignKey("graduate.id", ondelete="CASCADE"), index=True
    )
    enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprise.id", ondelete="CASCADE"), index=True
    )
    code_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    issued_at: Mapped[datetime] = created_column()
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    graduate: Mapped[Graduate | None] = relationship()
    enterprise: Mapped[Enterprise | None] = relationship()
    issued_by: Mapped[User] = relationship(foreign_keys=[issued_by_id])


class ImportRecord(db.Model):
    """One applied import: who, when, which file (by hash), and what it did."""

    __tablename__ = "import_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    rows: Mapped[int] = mapped_column(Integer)
    created: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[datetime] = created_column()

    actor: Mapped[User] = relationship()


class ImportMapping(db.Model):
    """How a station's roster of one shape maps onto the fields of an import.

    The shape is a hash of the kind and the normalised header row, so next month's
    roster with the same headers maps itself. ``columns`` holds one field name per
    column of the file, "" for a column that is ignored. A NULL station is the
    administrators' own.
    """

    __tablename__ = "import_mapping"
    __table_args__ = (UniqueConstraint("station_id", "kind", "shape"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"))
    kind: Mapped[str] = mapped_column(String(20))
    shape: Mapped[str] = mapped_column(String(64))
    columns: Mapped[list[str]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = updated_column()


class AuditEvent(db.Model):
    """An append-only record of sensitive actions (exports, account changes, imports).

    The database refuses UPDATE and DELETE on this table (triggers, see migration 0007).
    """

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = created_column()
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    subject: Mapped[str] = mapped_column(String(80), default="")
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    request_id: Mapped[str] = mapped_column(String(64), default="")


class ContactView(db.Model):
    """A record that someone saw another person's contact details on a lead."""

    __tablename__ = "contact_view"

    id: Mapped[int] = mapped_column(primary_key=True)
    viewer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("lead.id", ondelete="SET NULL"))
    viewed_at: Mapped[datetime] = created_column()

    viewer: Mapped[User] = relationship(foreign_keys=[viewer_id])
    subject: Mapped[User] = relationship(foreign_keys=[subject_id])


class MailStatus(enum.StrEnum):
    """Where a notification's e-mail is: the notification table is the outbox."""

    PENDING = "pending"  # to be sent (again)
    SENDING = "sending"  # claimed by one sender
    SENT = "sent"
    FAILED = "failed"  # refused for good, or too many tries
    NONE = "none"  # not to be mailed: e-mail off, or no address


class Notification(db.Model):
    """An in-app message (and its e-mail); its text is rendered from ``kind`` and
    ``params`` per locale (``matchmaker.notices``)."""

    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_user_unread", "user_id", "read_at"),
        Index("ix_notification_email_status", "email_status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("lead.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = created_column()
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Rows written before e-mail existed (and by hand) are not mailed: the server default.
    email_status: Mapped[MailStatus] = mapped_column(
        str_enum(MailStatus, "email_status"), default=MailStatus.NONE, server_default="none"
    )
    email_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    email_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()
    lead: Mapped[Lead | None] = relationship()


#: Unread notifications of an account, loaded with the account where asked for
#: (``undefer``): the inbox badge of every page, without a statement of its own.
User.unread_count = column_property(
    select(func.count(Notification.id))
    .where(Notification.user_id == User.id, Notification.read_at.is_(None))
    .correlate_except(Notification)
    .scalar_subquery(),
    deferred=True,
)
