"""Rosters as stations write them: where the header is, which column is which field.

A township's roster rarely starts with the header: a title row merged across the
columns (某某镇人大代表联络站返乡大学生信息登记表), perhaps a date row, then the header,
the rows with blank ones between, and signature lines below (填表人、审核人、填表日期).
``read_sheet`` finds the header among the first rows by the column names it knows and
keeps every data row with the spreadsheet's own row number.

Township offices often head a roster over two rows: a group label (毕业情况, 联系方式,
意向) merged across the columns of its group, the sub-headers (毕业院校 | 所学专业 | 学历)
below it, and the single-row columns merged down over both rows. ``_two_rows`` tells such a
header from a header and its first data row, and each column is named by both rows
(毕业情况/毕业院校), matched to a field by its sub-header.

Column names differ from station to station (联系电话, 手机号码, 手机号). Each column is
matched to a field by name and the aliases in ``data/import_aliases.json``; the staff
member may change the match, and ``remember`` keeps it for the station and the file's
shape (the kind and its normalised header), so ``recall`` maps next month's file alike.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
from pathlib import Path

from sqlalchemy import select

from ..extensions import db
from ..identifiers import normalise_text
from ..models import ImportMapping

ALIASES_FILE = Path(__file__).resolve().parents[2] / "data" / "import_aliases.json"
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_UNZIPPED = 50 * 1024 * 1024  # an .xlsx is a zip: refuse bombs before parsing
#: More columns than any roster has: each is offered a choice of field on the page.
MAX_COLUMNS = 60
#: The header is looked for among this many rows from the top.
HEADER_SEARCH = 20
#: A header names at least this many known columns (a title row names none).
HEADER_MIN_KNOWN = 2
#: Fields a file must have a column for (a row may still leave other cells empty).
REQUIRED = {
    "enterprises": {"企业名称", "统一社会信用代码", "行业", "所在地"},
    "deputies": {"姓名", "邮箱", "层级", "联络站"},
    "graduates": {"姓名", "毕业院校", "专业", "学历"},
    "needs": {"企业信用代码", "岗位名称", "岗位说明", "行业", "工作地点"},
}
#: Ignored column, in a mapping.
IGNORE = ""
#: Joins a group label and a sub-header into one column name (联系方式/联系电话).
GROUP_SEP = "/"
_DIGIT = re.compile(r"\d")
_NOTE = re.compile(r"[(（\[【].*?[)）\]】]$")  # 联系电话（手机） → 联系电话


class ImportFileError(ValueError):
    """The file as a whole cannot be read (size, type, encoding, broken, no header)."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params


@dataclass
class Sheet:
    """A roster's header (as written) and its data rows with their own row numbers."""

    header: list[str]
    header_row: int  # the (first) header row's number
    rows: list[tuple[int, list[str]]]  # (row number in the file, cell texts)


@cache
def aliases() -> dict:
    """The alias file, read once."""
    return json.loads(ALIASES_FILE.read_text(encoding="utf-8"))


# --- reading files ------------------------------------------------------------------------


def read_sheet(filename: str, data: bytes) -> Sheet:
    """The first sheet (or the CSV) of a roster: header found, blanks and footers dropped."""
    if len(data) > MAX_BYTES:
        raise ImportFileError("file_too_large", limit_mb=MAX_BYTES // (1024 * 1024))
    name = filename.lower()
    if name.endswith(".xlsx"):
        rows, merges = _xlsx_rows(data)
    elif name.endswith(".csv"):
        rows, merges = _csv_rows(data), []
    else:
        raise ImportFileError("file_type")
    texts = [[cell_text(v) for v in row] for row in rows]
    if not any(any(row) for row in texts):
        raise ImportFileError("file_empty")
    at, header, height = _header(texts, merges)
    if len(header) > MAX_COLUMNS:
        raise ImportFileError("too_many_columns", limit=MAX_COLUMNS)
    first = at + height  # index of the first row below the header
    body = [
        (number, row[: len(header)])
        for number, row in enumerate(texts[first:], start=first + 1)
        if any(row) and not _is_footer(row)
    ]
    if len(body) > MAX_ROWS:
        raise ImportFileError("too_many_rows", limit=MAX_ROWS)
    return Sheet(header, at + 1, body)


def _xlsx_rows(data: bytes) -> tuple[list[tuple], list[tuple[int, int, int, int]]]:
    """The first sheet's rows, and its merged ranges near the top (see ``_merges``)."""
    from openpyxl import load_workbook  # uses defusedxml when it is installed

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED:
                raise ImportFileError("file_too_large", limit_mb=MAX_BYTES // (1024 * 1024))
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        # read-only sheets yield every row from the first, blank ones too, so the
        # position of a row is its number in the spreadsheet
        sheet = book.worksheets[0]
        rows = list(sheet.iter_rows(min_row=1, values_only=True))
        merges = _merges(sheet)
        book.close()
        return rows, merges
    except ImportFileError:
        raise
    except Exception:  # a broken or disguised file: say so, never a 500
        raise ImportFileError("file_broken") from None


def _merges(sheet) -> list[tuple[int, int, int, int]]:
    """Merged ranges starting in the rows a header may be in, as 0-based (first row,
    first column, last row, last column).

    A read-only sheet keeps no merged cells, and a sheet loaded whole costs about five
    times the memory, so the ranges are read from the sheet's XML as it streams past.
    """
    from openpyxl.utils.cell import range_boundaries
    from openpyxl.xml.constants import SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse  # defusedxml's when it is installed

    tag, found = f"{{{SHEET_MAIN_NS}}}mergeCell", []
    xml = getattr(sheet, "_get_source", None)  # the sheet's XML in the workbook's archive
    if xml is None:  # another openpyxl: group labels are then read as a CSV's are
        return found
    with xml() as source:
        for _, element in iterparse(source):
            if element.tag == tag:
                low_col, low_row, high_col, high_row = range_boundaries(element.get("ref"))
                if low_row <= HEADER_SEARCH + 1:
                    found.append((low_row - 1, low_col - 1, high_row - 1, high_col - 1))
            element.clear()
    return found


def _csv_rows(data: bytes) -> list[list]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError("file_encoding")
    try:
        return list(csv.reader(io.StringIO(text)))
    except csv.Error:  # a NUL or a runaway quote: the file is not a table
        raise ImportFileError("file_broken") from None


def cell_text(value) -> str:
    """A cell as the text a person reads in it (2025.0 → 2025, a date without its time)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, datetime):
        value = value.date() if value.time() == time() else value
    if isinstance(value, date):
        return value.isoformat()
    return normalise_text(str(value))


def _trim(row: list[str]) -> list[str]:
    """The row without its empty trailing cells (sheets report formatted blank columns)."""
    end = len(row)
    while end and not row[end - 1]:
        end -= 1
    return row[:end]


def _is_footer(row: list[str]) -> bool:
    """A signature or note line below the table (填表人：…, 填表日期：…)."""
    first = next(cell for cell in row if cell)
    return first.startswith(_footers())


@cache
def _footers() -> tuple[str, ...]:
    """How footer lines start, folded as cells are (full-width colons become ':')."""
    return tuple(normalise_text(start) for start in aliases()["footers"])


def _header_index(rows: list[list[str]]) -> int:
    """The index of the row naming the most known columns, among the first rows."""
    known = _known_names()
    counts = [
        sum(header_key(cell) in known for cell in row if cell) for row in rows[:HEADER_SEARCH]
    ]
    best = max(counts, default=0)
    if best < HEADER_MIN_KNOWN:
        raise ImportFileError("header_not_found", rows=HEADER_SEARCH)
    return counts.index(best)


def _header(rows: list[list[str]], merges: list) -> tuple[int, list[str], int]:
    """Where the header starts, its column names, and how many rows it takes (1 or 2)."""
    at = _header_index(rows)
    for top in (at, at - 1):
        if top >= 0 and top + 1 < len(rows):
            upper, lower = _spread(rows[top], top, merges), rows[top + 1]
            if _two_rows(upper, lower, below_header=top == at):
                return top, _trim(_combined(upper, lower)), 2
    return at, _trim(rows[at]), 1


def _spread(row: list[str], index: int, merges: list) -> list[str]:
    """The row with each label merged across columns written in every column it spans."""
    row = list(row)
    for low_row, low_col, _, high_col in merges:
        if low_row == index and high_col > low_col and low_col < len(row):
            high_col = min(high_col, MAX_COLUMNS)  # a range over the whole width is refused
            row.extend([""] * (high_col + 1 - len(row)))
            row[low_col : high_col + 1] = [row[low_col]] * (high_col + 1 - low_col)
    return row


def _two_rows(upper: list[str], lower: list[str], below_header: bool) -> bool:
    """Whether ``lower`` holds sub-headers of ``upper`` rather than data.

    It does when none of its cells has a digit (data rows carry a 序号, a phone number,
    a date or a year); when at least half its filled cells are known column names, alone
    or after their group label (意向 → 岗位: 意向岗位); and when one of those names sits
    under a group label: a cell merged across columns, one followed by blank cells over
    other sub-headers (as a CSV writes a group), a blank cell, or a name that is no known
    column. ``upper`` is the header row found, or the row above it, which is then a header
    only when it names a column of its own (merged down over both rows, so blank below).
    """
    known, filled = _known_names(), [c for c in lower if c]
    if not filled or _DIGIT.search("".join(filled)) or _is_footer(lower):
        return False
    names = _combined(upper, lower)
    named = [
        j
        for j, cell in enumerate(lower)
        if cell and any(key in known for key in _sub_keys(header_key(names[j])))
    ]
    if 2 * len(named) < len(filled):
        return False
    grouped = _grouped(upper, lower)
    under_group = any(j in grouped or header_key(_at(upper, j)) not in known for j in named)
    own = any(header_key(c) in known and not _at(lower, j) for j, c in enumerate(upper) if c)
    return under_group and (below_header or own)


def _grouped(upper: list[str], lower: list[str]) -> set[int]:
    """Columns under a group label: one label over several sub-headers, written in each
    column (merged, spread) or in the first only (a CSV)."""
    grouped, label = set(), None
    for j in range(max(len(upper), len(lower))):
        top, sub = _at(upper, j), _at(lower, j)
        if top and j > 0 and top == _at(upper, j - 1) and sub:
            grouped |= {j - 1, j}
        elif not top and sub and label is not None:
            grouped |= {label, j}
            continue
        label = j if top and sub else None
    return grouped


def _combined(upper: list[str], lower: list[str]) -> list[str]:
    """One name per column: the sub-header under its group label (联系方式/联系电话), the
    top name alone where the column has no sub-header. A group label written in its first
    column only (a CSV) is carried over the blank cells to its right."""
    names, label = [], ""
    for j in range(max(len(upper), len(lower))):
        top, sub = _at(upper, j), _at(lower, j)
        if not top and sub:
            top = label
        label = top if sub else ""
        same = top and sub and header_key(top) == header_key(sub)
        names.append(f"{top}{GROUP_SEP}{sub}" if top and sub and not same else sub or top)
    return names


def _sub_keys(key: str) -> list[str]:
    """How a column under a group label may be known: by its whole name, its label and
    sub-header run together (意向/岗位 → 意向岗位), or its sub-header alone."""
    if GROUP_SEP not in key:
        return [key]
    label, sub = key.rsplit(GROUP_SEP, 1)
    return [key, label + sub, sub]


def _at(row: list[str], j: int) -> str:
    return row[j] if j < len(row) else ""


# --- column names and fields --------------------------------------------------------------


def header_key(name: str) -> str:
    """A column name compared with others: no spaces or '*', no trailing note, lower case."""
    key = re.sub(r"[\s*]", "", normalise_text(name)).lower()
    return _NOTE.sub("", key) or key


@cache
def _names(kind: str) -> dict[str, str]:
    """Every known column name of ``kind`` (by ``header_key``) → its field."""
    names = {}
    for field, others in aliases()["columns"][kind].items():
        for name in (field, *others):
            names.setdefault(header_key(name), field)
    return names


@cache
def _known_names() -> frozenset[str]:
    """Column names of any kind, and the ignored ones: what makes a row a header."""
    known = {header_key(n) for n in aliases()["ignored"]}
    for kind in aliases()["columns"]:
        known |= set(_names(kind))
    return frozenset(known)


def fields(kind: str) -> list[str]:
    """The fields of ``kind``, in the order of its template."""
    return list(aliases()["columns"][kind])


def value_aliases(field: str) -> dict[str, str]:
    """Other ways of writing the allowed values of ``field`` (专科 → 大专)."""
    return aliases()["values"].get(field, {})


def guess(kind: str, header: list[str]) -> list[str]:
    """A field for each column by its name; a column is matched to a field once at most.

    A column under a group label (联系方式/联系电话) is matched by its whole name if an
    alias has it, else, after the columns matched by their whole name, by its label and
    sub-header run together (意向/岗位 → 意向岗位) or by its sub-header alone.
    """
    names, taken, mapping = _names(kind), set(), []
    for name in header:
        field = names.get(header_key(name), IGNORE)
        mapping.append(IGNORE if field in taken else field)
        taken.add(field)
    for j, name in enumerate(header):
        key = header_key(name)
        if mapping[j] == IGNORE and key not in names:
            candidates = (names.get(k) for k in _sub_keys(key)[1:])
            mapping[j] = next((f for f in candidates if f and f not in taken), IGNORE)
            taken.add(mapping[j])
    return mapping


def shape(kind: str, header: list[str]) -> str:
    """What identifies a file's layout: the kind and its normalised column names."""
    text = "\x1f".join([kind, *(header_key(h) for h in header)])
    return hashlib.sha256(text.encode()).hexdigest()


def missing(kind: str, mapping: list[str], required: set[str]) -> list[str]:
    """The required fields no column is mapped to, in template order."""
    return [f for f in fields(kind) if f in required and f not in mapping]


def twice(mapping: list[str]) -> list[str]:
    """Fields that more than one column is mapped to."""
    return sorted({f for f in mapping if f and mapping.count(f) > 1})


def valid(kind: str, mapping: list[str], header: list[str]) -> bool:
    """A mapping fits the file (one entry per column) and names only fields of ``kind``."""
    allowed = {IGNORE, *fields(kind)}
    return len(mapping) == len(header) and all(f in allowed for f in mapping)


# --- remembered mappings ------------------------------------------------------------------


def _stored(station_id: int | None, kind: str, header: list[str]) -> ImportMapping | None:
    station = (
        ImportMapping.station_id.is_(None)
        if station_id is None
        else ImportMapping.station_id == station_id
    )
    query = select(ImportMapping).where(
        station, ImportMapping.kind == kind, ImportMapping.shape == shape(kind, header)
    )
    return db.session.scalar(query)


def recall(station_id: int | None, kind: str, header: list[str]) -> tuple[list[str], bool]:
    """The station's mapping for a file of this shape, or a guess; and whether remembered."""
    stored = _stored(station_id, kind, header)
    if stored is not None and valid(kind, stored.columns, header):
        return list(stored.columns), True
    return guess(kind, header), False


def remember(station_id: int | None, kind: str, header: list[str], mapping: list[str]) -> None:
    """Keep the mapping for the station's files of this shape (flushed, not committed)."""
    stored = _stored(station_id, kind, header)
    if stored is None:
        stored = ImportMapping(station_id=station_id, kind=kind, shape=shape(kind, header))
        db.session.add(stored)
    stored.columns = list(mapping)
    db.session.flush()
