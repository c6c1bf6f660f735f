"""Rosters in: deputies, enterprises, graduates and talent needs from .xlsx or .csv.

Two steps. ``preview`` reads the file (``rosters`` finds its header under any title
rows and takes each column as the mapping says: matched by name, or as the staff
member chose) and checks every cell, reporting each problem as (row, column, message)
with the sheet's own row number and the file's own column name; nothing is written.
``apply`` writes everything in the caller's one transaction, and only when the preview
found no error: all or nothing. Rows are matched to existing records by natural keys
(credit code, e-mail or phone, enterprise and title), so importing the same file again
creates nothing, and a changed row updates its record.

A confirmed import runs as a background job (``import_job``) that reports its phases:
checking the rows again, writing them, then refreshing suggestions.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from sqlalchemy import select

from ..extensions import db
from ..identifiers import (
    IdentifierError,
    check_credit_code,
    check_email,
    check_phone,
)
from ..models import (
    Degree,
    Deputy,
    DeputyLevel,
    Enterprise,
    Graduate,
    ImportRecord,
    Region,
    Role,
    Sector,
    Station,
    TalentNeed,
    User,
)
from ..passwords import hash_password
from . import audit, roster_template, rosters
from .errors import DomainError
from .rosters import (  # noqa: F401 (callers know the limits and the error as imports.*)
    MAX_BYTES,
    MAX_ROWS,
    MAX_UNZIPPED,
    ImportFileError,
)

DEGREES = {"高中": "secondary", "中专": "secondary", "高中/中专": "secondary", "大专": "associate",
           "专科": "associate", "本科": "bachelor", "学士": "bachelor", "硕士": "master",
           "研究生": "master", "博士": "doctor"}  # fmt: skip
LEVELS = {"乡镇": "township", "乡": "township", "镇": "township", "县": "county",
          "县（区）": "county", "区": "county", "市": "city", "省": "province",
          "全国": "national"}  # fmt: skip
YES = {"是", "y", "yes", "true", "1", "√"}
#: Only this much of an address is read for the place it names.
PLACE_LIMIT = 60
#: Only this much of an unknown value is repeated in its problem (a cell may be huge).
SHOWN = 40
_YEAR = re.compile(r"^((?:19|20)\d\d)(?:\D|$)")
_MONTH = re.compile(r"^((?:19|20)\d\d)\s*[-./年]?\s*(\d{1,2})(?:\D|$)")
_BETWEEN_HAN = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")


@dataclass
class Problem:
    row: int  # as the spreadsheet numbers it, title rows and blank rows counted
    column: str  # as the file names it
    column: str
    message: str


@dataclass
class Preview:
    kind: str
    filename: str
    sha256: str
    rows: list[dict] = field(default_factory=list)  # parsed values, one per data row
    # create / update / unchanged / kept (a person's or firm's own account's profile)
    actions: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    header: list[str] = field(default_factory=list)  # the file's column names

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)

    def count(self, action: str) -> int:
        return self.actions.count(action)


class Reporter(Protocol):
    """Where long steps report how far they are (``jobs.Progress`` is one)."""

    def phase(self, name: str, total: int = 0) -> None: ...
    def advance(self, count: int = 1) -> None: ...


class Silent:
    """A reporter nobody reads (imports run outside a job, as in the tests)."""

    def phase(self, name: str, total: int = 0) -> None:
        """Nothing to report."""

    def advance(self, count: int = 1) -> None:
        """Nothing to report."""


# --- lookups shared by the kinds ------------------------------------------------------------


class Lookups:
    """Sectors, regions and stations by the names people write in spreadsheets."""

    def __init__(self):
        self.sectors = {}
        for sector in db.session.scalars(select(Sector)):
            for name in (sector.code, sector.name_zh, *sector.name_zh.split("/")):
                self.sectors.setdefault(name, sector)
        self.regions = {}
        for region in db.session.scalars(select(Region)):
            for name in (region.path, region.label, region.name):
                self.regions.setdefault(name, region)
        self.stations = {s.name: s for s in db.session.scalars(select(Station))}

    def place(self, text: str) -> Region | None:
        """The region a place or an address names: the longest known name it starts with.

        河南省许昌市鄢陵县陈化店镇王庄村 is 许昌市鄢陵县陈化店镇, as rosters write 户籍地址.
        """
        if text in self.regions:
            return self.regions[text]
        address = re.sub(r"^河南省?", "", text)[:PLACE_LIMIT]
        for end in range(len(address), 1, -1):
            if address[:end] in self.regions:
                return self.regions[address[:end]]
        return None


class RowCheck:
    """Collects the problems of one row while its values are read."""

    def __init__(self, row: dict, line: int, problems: list[Problem], names: dict | None = None):
        self.row, self.line, self.problems = row, line, problems
        self.names = names or {}  # field → the file's name for its column

    def fail(self, column: str, message: str) -> None:
        self.problems.append(Problem(self.line, self.names.get(column, column), message))

    def given(self, column: str, required: bool) -> str:
        """The cell's text, another way of writing a value read as the usual one (专科 →
        大专); an empty required cell is a problem."""
        value = self.row.get(column, "")
        value = rosters.value_aliases(column).get(value, value)
        if required and not value:
            self.fail(column, "必填，不能为空")
        return value

    def text(self, column: str, required=False, limit=200) -> str:
        value = self.given(column, required)
        if len(value) > limit:
            self.fail(column, f"不能超过{limit}个字")
        return value

    def pick(self, column: str, table: dict, required=True, what="选项"):
        value = self.given(column, required)
        if not value:
            return None
        found = table.get(value)
        if found is None:
            self.fail(column, f"未知的{what}：{value[:SHOWN]}")
        return found

    def name(self, column: str) -> str:
        """A person's name, without the spaces rosters put between two characters (张  伟)."""
        self.row[column] = _BETWEEN_HAN.sub("", self.row.get(column, ""))
        return self.text(column, required=True, limit=50)

    def place(self, column: str, lookups: Lookups) -> Region | None:
        """The region a place or an address names (户籍地址 gives a full address)."""
        value = self.given(column, required=False)
        found = lookups.place(value) if value else None
        if value and found is None:
            self.fail(column, f"未知的地区：{value[:SHOWN]}")
        return found

    def year(self, column: str) -> int | None:
        """A year, also from a date (2025.06, 2025年6月, 2025-06-30)."""
        value = self.given(column, required=False)
        found = _YEAR.match(value)
        if value and not found:
            self.fail(column, "应为年份，如 2025")
        return int(found.group(1)) if found else None

    def month(self, column: str) -> date | None:
        """The first day of a month written as 1999.05, 1999-5, 1999年5月 or 199905."""
        value = self.given(column, required=False)
        found = _MONTH.match(value)
        if found and 1 <= int(found.group(2)) <= 12:
            return date(int(found.group(1)), int(found.group(2)), 1)
        if value:
            self.fail(column, "应为年月，如 1999.05")
        return None

    def many(self, column: str, table: dict, what: str) -> list:
        value = self.row.get(column, "")
        names = [n.strip() for n in value.replace("，", "、").replace(",", "、").split("、")]
        found = []
        for name in filter(None, names):
            if name in table:
                found.append(table[name])
            else:
                self.fail(column, f"未知的{what}：{name[:SHOWN]}")
        return found

    def identifier(self, column: str, check: Callable, message: str, required=False):
        value = self.given(column, required)
        if not value:
            return None
        try:
            return check(value)
        except IdentifierError:
            self.fail(column, message)
            return None

    def number(self, column: str, low: int, high: int, required=False) -> int | None:
        value = self.given(column, required)
        if not value:
            return None
        try:
            number = int(float(value))  # Excel writes 2025 as 2025.0
        except (ValueError, OverflowError):  # not a number, or 1e999 / inf
            self.fail(column, "应为整数")
            return None
        if not low <= number <= high:
            self.fail(column, f"应在{low}到{high}之间")
        return number


# --- the four kinds -----------------------------------------------------------------------


def _enterprise(check: RowCheck, lookups: Lookups) -> dict:
    return {
        "name": check.text("企业名称", required=True, limit=120),
        "credit_code": check.identifier(
            "统一社会信用代码", check_credit_code, "统一社会信用代码无效（长度、字符或校验码不对）",
            required=True,
        ),
        "sector": check.pick("行业", lookups.sectors, what="行业"),
        "region": check.pick("所在地", lookups.regions, what="地区"),
        "description": check.text("企业简介", limit=4000),
        "contact_person": check.text("联系人", limit=50),
        "phone": check.identifier("联系电话", check_phone, "电话号码无效"),
        "email": check.identifier("联系邮箱", check_email, "邮箱地址无效"),
    }  # fmt: skip


def _graduate(check: RowCheck, lookups: Lookups) -> dict:
    values = {
        "name": check.name("姓名"),
        "school": check.text("毕业院校", required=True, limit=80),
        "major": check.text("专业", required=True, limit=80),
        "degree": check.pick("学历", DEGREES, what="学历"),
        "graduation_year": _graduation_year(check),
        "birth_month": check.month("出生年月"),
        "skills": check.text("技能", limit=1000),
        "hometown": check.place("家乡", lookups),
        "is_returnee": check.given("是否返乡", required=False).lower() in YES,
        "phone": check.identifier("手机号码", check_phone, "手机号码无效"),
        "email": check.identifier("联系邮箱", check_email, "邮箱地址无效"),
        "wanted_sectors": check.many("意向行业", lookups.sectors, "行业"),
        "wanted_regions": check.many("意向工作地", lookups.regions, "地区"),
        "intro": _intro(check),
    }
    if not values["phone"] and not values["email"]:
        check.fail("手机号码", "手机号码和邮箱至少填一项（用于识别同一人）")
    return values


def _graduation_year(check: RowCheck) -> int | None:
    """The year of graduation, when the roster gives one (many do not)."""
    year = check.year("毕业年份")
    if year is not None and not 1950 <= year <= 2100:
        check.fail("毕业年份", "应在1950到2100之间")
    return year


def _intro(check: RowCheck) -> str:
    """The introduction, led by the wanted position (意向岗位) when the roster names one:
    the profile has no field of its own for it, and matching reads the introduction."""
    intro = check.text("个人简介", limit=2000)
    wanted = check.text("意向岗位", limit=100)
    return "\n".join(filter(None, [f"意向岗位：{wanted}" if wanted else "", intro]))


def _deputy(check: RowCheck, lookups: Lookups) -> dict:
    station = check.pick("联络站", lookups.stations, what="联络站")
    sectors = check.many("联系行业", lookups.sectors, "行业")
    if station is not None:
        served = {s.id for s in station.sectors}
        for sector in sectors:
            if sector.id not in served:
                check.fail("联系行业", f"{station.name}不服务“{sector.name_zh}”行业")
    code = check.row.get("关联企业信用代码", "")
    firm = None
    if code:
        firm = db.session.scalar(select(Enterprise).where(Enterprise.credit_code == code))
        if firm is None:
            check.fail("关联企业信用代码", f"未找到该企业：{code}")
    return {
        "name": check.text("姓名", required=True, limit=50),
        "email": check.identifier("邮箱", check_email, "邮箱地址无效", required=True),
        "phone": check.identifier("手机", check_phone, "手机号码无效"),
        "level": check.pick("层级", LEVELS, what="层级"),
        "station": station,
        "sectors": sectors,
        "affiliation": check.text("工作单位及职务", limit=120),
        "affiliated_enterprise": firm,
    }


def _need(check: RowCheck, lookups: Lookups) -> dict:
    code = check.row.get("企业信用代码", "")
    firm = db.session.scalar(select(Enterprise).where(Enterprise.credit_code == code))
    if firm is None:
        check.fail("企业信用代码", f"未找到该企业：{code}" if code else "必填，不能为空")
    low = check.number("月薪下限", 0, 1_000_000)
    high = check.number("月薪上限", 0, 1_000_000)
    if low is not None and high is not None and low > high:
        check.fail("月薪上限", "月薪上限不能低于下限")
    degree = check.row.get("最低学历", "")
    return {
        "enterprise": firm,
        "title": check.text("岗位名称", required=True, limit=100),
        "description": check.text("岗位说明", required=True, limit=4000),
        "sector": check.pick("行业", lookups.sectors, what="行业"),
        "region": check.pick("工作地点", lookups.regions, what="地区"),
        "min_degree": (
            None if degree in ("", "不限") else check.pick("最低学历", DEGREES, what="学历")
        ),
        "headcount": check.number("招聘人数", 1, 1000) or 1,
        "salary_min": low,
        "salary_max": high,
    }


@dataclass(frozen=True)
class Kind:
    columns: tuple[str, ...]
    read: Callable[[RowCheck, Lookups], dict]
    key: Callable[[dict], tuple]


#: Each kind's fields, as its template names them (data/import_aliases.json).
ENTERPRISE_COLUMNS = tuple(rosters.fields("enterprises"))
DEPUTY_COLUMNS = tuple(rosters.fields("deputies"))
GRADUATE_COLUMNS = tuple(rosters.fields("graduates"))
NEED_COLUMNS = tuple(rosters.fields("needs"))

KINDS = {
    "enterprises": Kind(ENTERPRISE_COLUMNS, _enterprise, lambda v: (v["credit_code"],)),
    "deputies": Kind(DEPUTY_COLUMNS, _deputy, lambda v: (v["email"],)),
    "graduates": Kind(GRADUATE_COLUMNS, _graduate, lambda v: (v["email"] or v["phone"],)),
    "needs": Kind(
        NEED_COLUMNS,
        _need,
        lambda v: (v["enterprise"].id if v["enterprise"] else None, v["title"]),
    ),
}

REQUIRED = rosters.REQUIRED


# --- preview and apply --------------------------------------------------------------------


def check_mapping(kind: str, header: list[str], mapping: list[str]) -> None:
    """Refuse a mapping that does not fit the file, maps a field twice or leaves out a
    required field, naming what is wrong."""
    if not rosters.valid(kind, mapping, header):
        raise ImportFileError("mapping_invalid")
    if twice := rosters.twice(mapping):
        raise ImportFileError("columns_twice", columns="、".join(twice))
    if missing := rosters.missing(kind, mapping, REQUIRED[kind]):
        raise ImportFileError("columns_missing", columns="、".join(missing))


def preview(
    kind: str,
    filename: str,
    data: bytes,
    progress: Reporter | None = None,
    mapping: list[str] | None = None,
) -> Preview:
    """Read and check a file, its columns taken as ``mapping`` says (one field or "" per
    column; by default, matched by name); nothing is written."""
    progress = progress or Silent()
    spec = KINDS[kind]
    result = Preview(kind, filename[:200], hashlib.sha256(data).hexdigest())
    sheet = rosters.read_sheet(filename, data)
    result.header = sheet.header
    mapping = rosters.guess(kind, sheet.header) if mapping is None else mapping
    check_mapping(kind, sheet.header, mapping)
    names = {f: sheet.header[i][:60] for i, f in enumerate(mapping) if f}
    progress.phase("checking", len(sheet.rows))
    lookups = Lookups()
    seen: dict[tuple, int] = {}
    for number, cells in sheet.rows:
        row = _by_field(mapping, cells)
        if roster_template.is_example(kind, row):
            continue
        check = RowCheck(row, number, result.problems, names)
        _drop_nul(check)
        values = spec.read(check, lookups)
        key = spec.key(values)
        if key in seen and all(key):
            check.fail(spec.columns[0], f"与第{seen[key]}行重复")
        seen[key] = number
        result.rows.append(values)
        result.actions.append(_action(kind, values) if all(key) else "create")
        progress.advance()
    return result


def _by_field(mapping: list[str], cells: list[str]) -> dict[str, str]:
    """A row's cells by the field their column is mapped to; ignored columns left out."""
    return {field: cell for field, cell in zip(mapping, cells, strict=False) if field}


def _drop_nul(check: RowCheck) -> None:
    """No database stores a NUL: report it and never let it reach a query."""
    for column, value in check.row.items():
        if "\x00" in value:
            check.fail(column, "含有无法保存的字符（NUL）")
            check.row[column] = value.replace("\x00", "")


def _existing(kind: str, values: dict):
    if kind == "enterprises":
        query = select(Enterprise).where(Enterprise.credit_code == values["credit_code"])
    elif kind == "deputies":
        query = select(Deputy).join(User).where(User.email == values["email"])
    elif kind == "graduates":
        column = Graduate.email if values["email"] else Graduate.phone
        query = select(Graduate).where(column == (values["email"] or values["phone"]))
    else:
        query = select(TalentNeed).where(
            TalentNeed.enterprise_id == values["enterprise"].id,
            TalentNeed.title == values["title"],
        )
    return db.session.scalar(query)


#: Rows of these kinds may match a profile its person or firm keeps with an account.
OWNED_KINDS = ("enterprises", "graduates")
WRITTEN = ("create", "update")


def _fields(kind: str, values: dict) -> dict:
    """The model attributes a row sets (relations included)."""
    if kind == "deputies":
        return {k: v for k, v in values.items() if k not in ("email",)} | {
            "level": DeputyLevel(values["level"])
        }
    if kind == "graduates":
        return values | {"degree": Degree(values["degree"])}
    if kind == "needs":
        degree = values["min_degree"]
        return values | {"min_degree": Degree(degree) if degree else None}
    return values


def _action(kind: str, values: dict) -> str:
    existing = _existing(kind, values)
    if existing is None:
        return "create"
    if kind in OWNED_KINDS and existing.user_id is not None:
        return "kept"  # its owner keeps it as they wrote it: a roster never overwrites
    same = all(getattr(existing, k) == v for k, v in _fields(kind, values).items())
    return "unchanged" if same else "update"


def apply(result: Preview, actor: User, progress: Reporter | None = None) -> dict:
    """Write a clean preview: creates and updates in the caller's transaction.

    Reports the phases ``writing`` (one step per created or updated row) and
    ``matching`` (one per imported need or profile). Returns the counts and, for new
    deputy accounts, their one-time passwords.
    """
    if not result.ok:
        raise ImportFileError("not_clean")
    progress = progress or Silent()
    rows = [v for v, a in zip(result.rows, result.actions, strict=True) if a in WRITTEN]
    progress.phase("writing", len(rows))
    passwords = {}
    changed = []
    # no flush before each look-up: a file never holds a natural key twice (the preview
    # refuses it), so the rows are written together at the end, not one by one
    with db.session.no_autoflush:
        for values in rows:
            record = _existing(result.kind, values)
            if record is None:
                record = _create(result.kind, values, passwords)
                if isinstance(record, Graduate):  # the station's own register lists them
                    record.registered_by_id = actor.station_id
            for key, value in _fields(result.kind, values).items():
                setattr(record, key, value)
            changed.append(record)
            progress.advance()
    db.session.flush()
    _refresh_suggestions(changed, progress)
    counts = {a: result.count(a) for a in ("create", "update", "unchanged", "kept")}
    db.session.add(
        ImportRecord(
            actor_id=actor.id, kind=result.kind, filename=result.filename, sha256=result.sha256,
            rows=len(result.rows), created=counts["create"], updated=counts["update"],
            unchanged=counts["unchanged"] + counts["kept"],
        )
    )  # fmt: skip
    audit.record(actor, "import", result.kind, sha256=result.sha256, **counts)
    db.session.flush()
    return {"counts": counts, "passwords": passwords}


def import_job(
    kind: str, filename: str, data: bytes, actor_id: int, mapping: list[str] | None = None
):
    """The background work of a confirmed import, for ``jobs.start``.

    The file is checked again (records may have changed since the preview), then
    written, and the station remembers the mapping for its next file of this shape;
    the job runner commits it all, or nothing when anything fails. The result is plain
    data; new deputies' passwords are kept apart, to be shown once.
    """

    def work(progress) -> dict:
        actor = db.session.get(User, actor_id)
        try:
            result = preview(kind, filename, data, progress, mapping)
            outcome = apply(result, actor, progress)
            if mapping is not None:
                rosters.remember(actor.station_id, kind, result.header, mapping)
        except ImportFileError as error:  # the job reports a refusal by its code
            raise DomainError(error.code, **error.params) from error
        if outcome["passwords"]:
            progress.keep_once(outcome["passwords"])
        return {"filename": result.filename, "counts": outcome["counts"],
                "accounts": len(outcome["passwords"])}  # fmt: skip

    return work


def _create(kind: str, values: dict, passwords: dict):
    if kind == "deputies":
        password = secrets.token_urlsafe(9)
        user = User(email=values["email"], role=Role.DEPUTY, display_name=values["name"],
                    password_hash=hash_password(password))  # fmt: skip
        passwords[values["email"]] = password
        record = Deputy(user=user, name=values["name"], level=DeputyLevel(values["level"]),
                        station=values["station"])  # fmt: skip
    else:
        model = {"enterprises": Enterprise, "graduates": Graduate, "needs": TalentNeed}[kind]
        record = model()
    db.session.add(record)
    return record


def _refresh_suggestions(records: list, progress: Reporter) -> None:
    """Imported needs and profiles get their suggestions like typed ones (in one batch)."""
    from . import matching

    documents = [r for r in records if isinstance(r, TalentNeed | Graduate)]
    progress.phase("matching", len(documents))
    matching.refresh_many(documents, progress=progress.advance)
