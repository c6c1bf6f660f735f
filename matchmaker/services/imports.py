"""Rosters in: deputies, enterprises, graduates and talent needs from .xlsx or .csv.

Two steps. ``preview`` reads the file and checks every cell, reporting each problem as
(row, column, message); nothing is written. ``apply`` writes everything in the caller's
one transaction, and only when the preview found no error: all or nothing. Rows are
matched to existing records by natural keys (credit code, e-mail or phone, enterprise
and title), so importing the same file again creates nothing, and a changed row updates
its record.

A confirmed import runs as a background job (``import_job``) that reports its phases:
checking the rows again, writing them, then refreshing suggestions.
"""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import select

from ..extensions import db
from ..identifiers import (
    IdentifierError,
    check_credit_code,
    check_email,
    check_phone,
    normalise_text,
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
from . import audit
from .errors import DomainError

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_UNZIPPED = 50 * 1024 * 1024  # an .xlsx is a zip: refuse bombs before parsing

DEGREES = {"高中": "secondary", "中专": "secondary", "高中/中专": "secondary", "大专": "associate",
           "专科": "associate", "本科": "bachelor", "学士": "bachelor", "硕士": "master",
           "研究生": "master", "博士": "doctor"}  # fmt: skip
LEVELS = {"乡镇": "township", "乡": "township", "镇": "township", "县": "county",
          "县（区）": "county", "区": "county", "市": "city", "省": "province",
          "全国": "national"}  # fmt: skip
YES = {"是", "y", "yes", "true", "1", "√"}


class ImportFileError(ValueError):
    """The file as a whole cannot be read (size, type, encoding, broken)."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params


@dataclass
class Problem:
    row: int  # as the spreadsheet numbers it (header is row 1)
    column: str
    message: str


@dataclass
class Preview:
    kind: str
    filename: str
    sha256: str
    rows: list[dict] = field(default_factory=list)  # parsed values, one per data row
    actions: list[str] = field(default_factory=list)  # create / update / unchanged
    problems: list[Problem] = field(default_factory=list)

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


# --- reading files ------------------------------------------------------------------------


def read_table(filename: str, data: bytes) -> list[dict[str, str]]:
    """Rows of the first sheet (or the CSV) as header → text, empty rows skipped."""
    if len(data) > MAX_BYTES:
        raise ImportFileError("file_too_large", limit_mb=MAX_BYTES // (1024 * 1024))
    name = filename.lower()
    if name.endswith(".xlsx"):
        rows = _xlsx_rows(data)
    elif name.endswith(".csv"):
        rows = _csv_rows(data)
    else:
        raise ImportFileError("file_type")
    if not rows:
        raise ImportFileError("file_empty")
    header = [normalise_text(str(h or "")) for h in rows[0]]
    body = [r for r in rows[1:] if any(str(v or "").strip() for v in r)]
    if len(body) > MAX_ROWS:
        raise ImportFileError("too_many_rows", limit=MAX_ROWS)
    return [
        {
            h: normalise_text(str(v)) if v is not None else ""
            for h, v in zip(header, r, strict=False)
        }
        for r in body
    ]


def _xlsx_rows(data: bytes) -> list[list]:
    from openpyxl import load_workbook  # uses defusedxml when it is installed

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED:
                raise ImportFileError("file_too_large", limit_mb=MAX_BYTES // (1024 * 1024))
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        book.close()
        return rows
    except ImportFileError:
        raise
    except Exception:  # a broken or disguised file: say so, never a 500
        raise ImportFileError("file_broken") from None


def _csv_rows(data: bytes) -> list[list]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError("file_encoding")
    return list(csv.reader(io.StringIO(text)))


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


class RowCheck:
    """Collects the problems of one row while its values are read."""

    def __init__(self, row: dict, line: int, problems: list[Problem]):
        self.row, self.line, self.problems = row, line, problems

    def fail(self, column: str, message: str) -> None:
        self.problems.append(Problem(self.line, column, message))

    def given(self, column: str, required: bool) -> str:
        """The cell's text; an empty required cell is a problem."""
        value = self.row.get(column, "")
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
            self.fail(column, f"未知的{what}：{value}")
        return found

    def many(self, column: str, table: dict, what: str) -> list:
        value = self.row.get(column, "")
        names = [n.strip() for n in value.replace("，", "、").replace(",", "、").split("、")]
        found = []
        for name in filter(None, names):
            if name in table:
                found.append(table[name])
            else:
                self.fail(column, f"未知的{what}：{name}")
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
        "description": check.text("简介", limit=4000),
        "contact_person": check.text("联系人", limit=50),
        "phone": check.identifier("联系电话", check_phone, "电话号码无效"),
        "email": check.identifier("联系邮箱", check_email, "邮箱地址无效"),
    }  # fmt: skip


def _graduate(check: RowCheck, lookups: Lookups) -> dict:
    values = {
        "name": check.text("姓名", required=True, limit=50),
        "school": check.text("毕业院校", required=True, limit=80),
        "major": check.text("专业", required=True, limit=80),
        "degree": check.pick("学历", DEGREES, what="学历"),
        "graduation_year": check.number("毕业年份", 1950, 2100, required=True),
        "skills": check.text("技能", limit=1000),
        "hometown": check.pick("家乡", lookups.regions, required=False, what="地区"),
        "is_returnee": check.row.get("是否返乡", "").lower() in YES,
        "phone": check.identifier("手机", check_phone, "手机号码无效"),
        "email": check.identifier("邮箱", check_email, "邮箱地址无效"),
        "wanted_sectors": check.many("意向行业", lookups.sectors, "行业"),
        "wanted_regions": check.many("意向地区", lookups.regions, "地区"),
        "intro": check.text("个人简介", limit=2000),
    }
    if not values["phone"] and not values["email"]:
        check.fail("手机", "手机和邮箱至少填一项（用于识别同一人）")
    return values


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
        "headcount": check.number("人数", 1, 1000) or 1,
        "salary_min": low,
        "salary_max": high,
    }


@dataclass(frozen=True)
class Kind:
    columns: tuple[str, ...]
    read: Callable[[RowCheck, Lookups], dict]
    key: Callable[[dict], tuple]


ENTERPRISE_COLUMNS = (
    "企业名称", "统一社会信用代码", "行业", "所在地", "简介", "联系人", "联系电话", "联系邮箱",
)  # fmt: skip
DEPUTY_COLUMNS = (
    "姓名", "邮箱", "手机", "层级", "联络站", "联系行业", "工作单位及职务", "关联企业信用代码",
)  # fmt: skip
GRADUATE_COLUMNS = (
    "姓名", "毕业院校", "专业", "学历", "毕业年份", "技能", "家乡", "是否返乡", "手机", "邮箱",
    "意向行业", "意向地区", "个人简介",
)  # fmt: skip
NEED_COLUMNS = (
    "企业信用代码", "岗位名称", "岗位说明", "行业", "工作地点", "最低学历", "人数", "月薪下限",
    "月薪上限",
)  # fmt: skip

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


# --- preview and apply --------------------------------------------------------------------


def preview(kind: str, filename: str, data: bytes, progress: Reporter | None = None) -> Preview:
    """Read and check a file; nothing is written."""
    progress = progress or Silent()
    spec = KINDS[kind]
    result = Preview(kind, filename[:200], hashlib.sha256(data).hexdigest())
    table = read_table(filename, data)
    progress.phase("checking", len(table))
    missing = [c for c in spec.columns if c not in table[0]] if table else list(spec.columns)
    required_missing = [c for c in missing if c in _REQUIRED[kind]]
    if required_missing:
        raise ImportFileError("columns_missing", columns="、".join(required_missing))
    lookups = Lookups()
    seen: dict[tuple, int] = {}
    for number, row in enumerate(table, start=2):
        check = RowCheck(row, number, result.problems)
        for column, value in row.items():
            if "\x00" in value:  # no database stores it; never let it reach a query
                check.fail(column, "含有无法保存的字符（NUL）")
                row[column] = value.replace("\x00", "")
        values = spec.read(check, lookups)
        key = spec.key(values)
        if key in seen and all(key):
            check.fail(spec.columns[0], f"与第{seen[key]}行重复")
        seen[key] = number
        result.rows.append(values)
        result.actions.append(_action(kind, values) if all(key) else "create")
        progress.advance()
    return result


_REQUIRED = {
    "enterprises": {"企业名称", "统一社会信用代码", "行业", "所在地"},
    "deputies": {"姓名", "邮箱", "层级", "联络站"},
    "graduates": {"姓名", "毕业院校", "专业", "学历", "毕业年份"},
    "needs": {"企业信用代码", "岗位名称", "岗位说明", "行业", "工作地点"},
}


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
    rows = [v for v, a in zip(result.rows, result.actions, strict=True) if a != "unchanged"]
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
            for key, value in _fields(result.kind, values).items():
                setattr(record, key, value)
            changed.append(record)
            progress.advance()
    db.session.flush()
    _refresh_suggestions(changed, progress)
    counts = {a: result.count(a) for a in ("create", "update", "unchanged")}
    db.session.add(
        ImportRecord(
            actor_id=actor.id, kind=result.kind, filename=result.filename, sha256=result.sha256,
            rows=len(result.rows), created=counts["create"], updated=counts["update"],
            unchanged=counts["unchanged"],
        )
    )  # fmt: skip
    audit.record(actor, "import", result.kind, sha256=result.sha256, **counts)
    db.session.flush()
    return {"counts": counts, "passwords": passwords}


def import_job(kind: str, filename: str, data: bytes, actor_id: int):
    """The background work of a confirmed import, for ``jobs.start``.

    The file is checked again (records may have changed since the preview), then
    written; the job runner commits it all, or nothing when anything fails. The result
    is plain data; new deputies' passwords are kept apart, to be shown once.
    """

    def work(progress) -> dict:
        actor = db.session.get(User, actor_id)
        try:
            result = preview(kind, filename, data, progress)
            outcome = apply(result, actor, progress)
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
