"""The full rebuild of suggestions at database speed, and explanations made when shown.

``rebuild_all`` gives the leads and floors that ranking every document one at a time
with ``Matcher.rank`` gives (see ``matching``), but reads each side with a few set-based
statements (``load_side``), ranks every document of a pairing at once with the engine's
batch kernel (``Matcher.top_many``) in both directions, and writes the leads set-based:
the wanted rows are staged in a temporary table (``COPY`` on PostgreSQL), then a few
statements update the suggested leads that stay, insert the new ones, delete the ones no
list holds and set every document's floor.

Reviewed pairs are excluded as ``rank`` excludes them: each list asks for ``k + E``
(``E`` bounds the reviewed pairs of one document, at most ``MAX_EXTRA``), drops its
reviewed pairs and keeps ``k``; a document that lost too many is ranked alone.

Explanations (shared terms, rule verdicts) are not written by the rebuild: a lead it
writes or changes gets an empty explanation, and ``explain_many`` fills the missing ones
of a page of leads when they are first shown, the way ``Matcher.rank`` makes them.
"""

from __future__ import annotations

import copy
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    Integer,
    MetaData,
    SmallInteger,
    Table,
    Text,
    and_,
    bindparam,
    cast,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ..matching import Facets, Matcher, Side, tokenise_many
from ..models import (
    Graduate,
    InvestmentProject,
    InvestorInterest,
    Lead,
    LeadStatus,
    TalentNeed,
    UTCDateTime,
    graduate_regions,
    graduate_sectors,
    interest_regions,
    interest_sectors,
    utcnow,
)
from . import match_store, matching, vetting
from .matching import PAIRINGS, TALENT, Pairing, Places

#: At most this many places beyond k are asked of each list to make room for its
#: reviewed pairs; a document with more reviewed pairs may be ranked alone.
MAX_EXTRA = 32
#: About this many candidate scores per ranking chunk (the progress bar moves per chunk).
CHUNK_CELLS = 400_000_000
#: Staged rows written per ``COPY`` or ``executemany``.
STAGE_ROWS = 250_000

EMPTY = "{}"  # an explanation still to be made (see ``explain_many``)
_SUGGESTED = LeadStatus.SUGGESTED.value


# --- reading a side -------------------------------------------------------------------


@dataclass
class SideRows:
    """One side of a pairing as plain data, rows in id order.

    ``tokens``: stored tokens per row (field → tokens); ``facets``: as
    ``matching.facets`` makes them; ``active``: may be suggested (``matching.is_active``
    and not a filled need or hired graduate). Offers also carry ``sector_id`` and
    ``region_id`` (a lead's sector and station come from its offer); None for seekers.
    """

    ids: np.ndarray
    tokens: list[dict]
    facets: list[Facets]
    active: np.ndarray
    sector_id: np.ndarray | None = None
    region_id: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.ids)


def load_side(
    pairing: Pairing,
    is_offer: bool,
    places: Places,
    ids: Sequence[int] | None = None,
    with_active: bool = True,
) -> SideRows:
    """Read one whole side of ``pairing`` (offers: needs or projects; seekers: graduates
    or interests), or its documents ``ids`` only, in a few statements; documents without
    tokens are tokenised (and their tokens stored) first. Without ``with_active``,
    ``active`` is the documents' own state alone (open, opted in), as a kept index
    wants it."""
    return _read_side(pairing, is_offer, places, ids=ids, with_active=with_active)


def _read_side(
    pairing: Pairing,
    is_offer: bool,
    places: Places,
    retokenize: bool = False,
    ids: Sequence[int] | None = None,
    with_active: bool = True,
) -> SideRows:
    """``load_side``, optionally retokenising every document, or for ``ids`` only."""
    model = pairing.offer if is_offer else pairing.seeker
    _tokenise(model, retokenize, ids)
    columns = {
        TalentNeed: (TalentNeed.status, TalentNeed.min_degree, TalentNeed.sector_id,
                     TalentNeed.region_id),
        Graduate: (Graduate.open_to_matching, Graduate.degree, Graduate.hometown_id),
        InvestmentProject: (InvestmentProject.status, InvestmentProject.amount_min_wan,
                            InvestmentProject.amount_max_wan, InvestmentProject.sector_id,
                            InvestmentProject.region_id),
        InvestorInterest: (InvestorInterest.status, InvestorInterest.amount_min_wan,
                           InvestorInterest.amount_max_wan),
    }[model]  # fmt: skip
    # tokens as text, parsed here: each token string is then kept once (see _Interner)
    query = select(model.id, cast(model.tokens, Text).label("tokens"), *columns)
    query = query.order_by(model.id)
    if ids is not None:
        query = query.where(model.id.in_(sorted(set(ids))))
    rows = db.session.connection().execute(query).all()
    links = {name: _links(table, ids) for name, table in _LINKS.get(model, {}).items()}
    taken = _taken_ids(pairing, is_offer) if with_active else set()
    lineage = _Memo(places.lineage)
    state = "open_to_matching" if model is Graduate else "status"
    # ``matching.is_active`` asked once per value of the one column it reads
    is_open = _Memo(lambda value: matching.is_active(model(**{state: value})))
    level_of = _Memo(lambda degree: degree.rank if degree else None)  # Degree.rank, once each
    intern = _Interner()
    tokens = [intern.document(row.tokens) for row in rows]
    facets, active = [], []
    sector_id = region_id = None
    if model is Graduate:
        county = _Memo(places.county_of)
        for row in rows:
            wanted = set(links["regions"].get(row.id, ()))
            home = county(row.hometown_id)
            if home is not None:
                wanted.add(home)
            sectors = frozenset(links["sectors"].get(row.id, ()))
            facets.append(Facets(sectors, frozenset(wanted), level_of(row.degree)))
            active.append(is_open(row.open_to_matching) and row.id not in taken)
    elif model is InvestorInterest:
        for row in rows:
            sectors = frozenset(links["sectors"].get(row.id, ()))
            regions = frozenset(links["regions"].get(row.id, ()))
            amount = (row.amount_min_wan, row.amount_max_wan)
            facets.append(Facets(sectors, regions, amount=amount))
            active.append(is_open(row.status) and row.id not in taken)
    else:
        for row in rows:
            if model is TalentNeed:
                level = level_of(row.min_degree)
                facet = Facets(frozenset({row.sector_id}), lineage(row.region_id), level)
            else:
                amount = (row.amount_min_wan, row.amount_max_wan)
                facet = Facets(frozenset({row.sector_id}), lineage(row.region_id), amount=amount)
            facets.append(facet)
            active.append(is_open(row.status) and row.id not in taken)
        sector_id = np.array([row.sector_id for row in rows], dtype=np.int64)
        region_id = np.array([row.region_id for row in rows], dtype=np.int64)
    return SideRows(
        np.array([row.id for row in rows], dtype=np.int64),
        tokens,
        facets,
        np.array(active, dtype=bool),
        sector_id,
        region_id,
    )


_LINKS = {
    Graduate: {"sectors": graduate_sectors, "regions": graduate_regions},
    InvestorInterest: {"sectors": interest_sectors, "regions": interest_regions},
}


def _links(table, ids: Sequence[int] | None) -> dict[int, list[int]]:
    """A link table as owner id → linked ids (one statement)."""
    owner, other = table.c  # (owner id, linked id), as ``models._link_table`` makes them
    query = select(owner, other)
    if ids is not None:
        query = query.where(owner.in_(sorted(set(ids))))
    found: dict[int, list[int]] = defaultdict(list)
    for key, value in db.session.connection().execute(query).all():
        found[key].append(value)
    return found


def _taken_ids(pairing: Pairing, is_offer: bool) -> set[int]:
    """Filled needs or hired graduates (investment has none), as ``matching._taken``."""
    if pairing is not TALENT:
        return set()
    return vetting.filled_need_ids() if is_offer else vetting.hired_graduate_ids()


def _tokenise(model, retokenize: bool, ids: Sequence[int] | None) -> int:
    """Tokenise (on every core) and store the documents of ``model`` that have no tokens
    yet (or all of them), as ``matching.tokenize_missing`` does for ORM objects."""
    fields = (
        (Graduate.major, Graduate.skills, Graduate.intro)
        if model is Graduate
        else (model.title, model.description)
    )
    query = select(model.id, *fields).order_by(model.id)
    if not retokenize:  # no tokens: SQL NULL, or a JSON null written through the ORM
        query = query.where(or_(model.tokens.is_(None), cast(model.tokens, Text) == "null"))
    if ids is not None:
        query = query.where(model.id.in_(sorted(set(ids))))
    rows = db.session.execute(query).all()
    if not rows:
        return 0
    names = ("title", "skills", "text") if model is Graduate else ("title", "text")
    texts = [dict(zip(names, row[1:], strict=True)) for row in rows]
    tokens = tokenise_many(texts, match_store.tokenizer().lexicon)
    table = model.__table__
    statement = (
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values(tokens=bindparam("b_tokens", type_=JSON))
    )
    db.session.execute(
        statement,
        [{"b_id": row.id, "b_tokens": t} for row, t in zip(rows, tokens, strict=True)],
    )
    return len(rows)


class _Memo(dict):
    """A function's results by argument (regions are few, documents many)."""

    def __init__(self, function):
        super().__init__()
        self.function = function

    def __call__(self, key):
        if key not in self:
            self[key] = self.function(key)
        return self[key]


class _Interner(dict):
    """Stored tokens parsed with one string object per distinct token: 100k documents
    share a small vocabulary (a third of the memory of parsing them plainly)."""

    def document(self, stored: str | None) -> dict:
        tokens = json.loads(stored) if stored else None
        if not tokens:
            return {}
        keep = self.setdefault
        return {field: list(map(keep, words, words)) for field, words in tokens.items()}


# --- ranking --------------------------------------------------------------------------


@dataclass
class Lists:
    """What one direction's lists hold: pairs as (offer row, seeker row, score), and
    each query document's floor (NaN: none), rows of the two ``SideRows``."""

    offer: np.ndarray
    seeker: np.ndarray
    score: np.ndarray
    floor: np.ndarray


class _Pairing:
    """One pairing being rebuilt: its model, both sides read and transformed."""

    def __init__(
        self,
        pairing: Pairing,
        matcher: Matcher,
        offers: SideRows,
        seekers: SideRows,
        vectors: sp.csr_matrix | None = None,
    ):
        """``vectors``: both sides' vectors, offers first, when the fit made them."""
        self.pairing, self.matcher = pairing, matcher
        self.rows = {True: offers, False: seekers}
        self.sides = {}
        for is_offer, rows in self.rows.items():
            if vectors is not None:  # offers first, as ``_documents`` lists them
                mine = vectors[: len(offers)] if is_offer else vectors[len(offers) :]
            elif len(rows):
                mine = matcher.model.transform(rows.tokens)
            else:
                mine = sp.csr_matrix((0, matcher.model.n_features_), dtype=np.float32)
            self.sides[is_offer] = Side(rows.ids, mine, rows.facets, rows.active)
            rows.tokens = []  # not needed any more: the side holds the vectors
        self.reviewed = self._reviewed()

    def _reviewed(self) -> np.ndarray:
        """Keys (offer row · n seekers + seeker row) of the reviewed pairs, sorted."""
        pairing, lead = self.pairing, Lead.__table__.c
        query = select(lead[pairing.offer_key], lead[pairing.seeker_key]).where(
            lead.kind == pairing.kind.value, lead.status != _SUGGESTED
        )
        pairs = np.array(db.session.execute(query).all(), dtype=np.int64).reshape(-1, 2)
        offer = _rows_of(self.rows[True].ids, pairs[:, 0])
        seeker = _rows_of(self.rows[False].ids, pairs[:, 1])
        known = (offer >= 0) & (seeker >= 0)
        return np.unique(offer[known] * len(self.rows[False]) + seeker[known])

    def key(self, offer: np.ndarray, seeker: np.ndarray) -> np.ndarray:
        return offer.astype(np.int64) * len(self.rows[False]) + seeker

    def rank(self, is_offer: bool, k: int, min_score: float, progress) -> Lists:
        """The top ``k`` of every list of one side, reviewed pairs excluded."""
        queries, side = self.sides[is_offer], self.sides[not is_offer]
        n_seekers = len(self.rows[False])
        owner = self.reviewed // n_seekers if is_offer else self.reviewed % n_seekers
        per_document = np.bincount(owner, minlength=len(queries))
        extra = int(min(MAX_EXTRA, per_document.max(initial=0)))
        wanted = k + extra
        floor = np.full(len(queries), np.nan)
        parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        step = max(256, CHUNK_CELLS // max(1, len(side)))
        for start in range(0, len(queries), step):
            stop = min(len(queries), start + step)
            if len(side) and k > 0:
                chunk = copy.copy(queries)  # the same vectors and facets, fewer active
                chunk.active = np.zeros(len(queries), dtype=bool)
                chunk.active[start:stop] = queries.active[start:stop]
                top = self.matcher.top_many(chunk, side, is_offer, wanted, min_score)
                parts.append(self._kept(top, is_offer, k, wanted, min_score, floor, per_document))
            if progress:
                progress(stop - start)
        query, other, score = (
            np.concatenate([p[i] for p in parts]) if parts else np.zeros(0, dtype)
            for i, dtype in enumerate((np.int64, np.int64, np.float64))
        )
        offer, seeker = (query, other) if is_offer else (other, query)
        return Lists(offer, seeker, score, floor)

    def _kept(
        self, top, is_offer: bool, k: int, wanted: int, min_score: float, floor, per_document
    ):
        """The pairs of one ``TopK`` without the reviewed ones, k per list; documents
        whose list lost too many to its reviewed pairs are ranked alone."""
        rows, positions, scores = top.rows, top.positions, top.scores
        valid = positions >= 0
        if self.reviewed.size and positions.size:
            offer, seeker = (rows[:, None], positions) if is_offer else (positions, rows[:, None])
            keys = self.key(np.broadcast_to(offer, positions.shape), seeker)
            valid &= ~np.isin(keys, self.reviewed)
        place = np.cumsum(valid, axis=1)
        keep = valid & (place <= k)
        kept = keep.sum(axis=1)
        full = kept >= k
        if full.any():
            last = np.argmax(keep & (place == k), axis=1)
            floor[rows[full]] = scores[full, last[full]]
        alone = (kept < k) & (top.counts >= wanted) & (per_document[rows] > 0)
        keep[alone] = False
        at, column = np.nonzero(keep)
        query, other, score = [rows[at]], [positions[at, column]], [scores[at, column]]
        for row in rows[alone].tolist():
            found = self._rank_alone(row, is_offer, k, min_score)
            query.append(np.full(len(found[0]), row, dtype=np.int64))
            other.append(found[0])
            score.append(found[1])
            if len(found[0]) >= k:
                floor[row] = found[1][-1]
        return np.concatenate(query), np.concatenate(other), np.concatenate(score)

    def _rank_alone(self, row: int, is_offer: bool, k: int, min_score: float):
        """One document's list by ``Matcher.rank``, its reviewed pairs excluded."""
        queries, side = self.sides[is_offer], self.sides[not is_offer]
        n_seekers = len(self.rows[False])
        if is_offer:
            mine = self.reviewed[self.reviewed // n_seekers == row] % n_seekers
        else:
            mine = self.reviewed[self.reviewed % n_seekers == row] // n_seekers
        exclude = self.rows[not is_offer].ids[mine].tolist()
        matches = self.matcher.rank(
            {}, self.rows[is_offer].facets[row], side, query_is_need=is_offer, k=k,
            min_score=min_score, exclude=exclude, vector=queries.vectors[row],
        )  # fmt: skip
        other = _rows_of(side.ids, np.array([m.id for m in matches], dtype=np.int64))
        return other, np.array([m.score for m in matches], dtype=np.float64)


def _rows_of(ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Rows of ``wanted`` ids in the sorted ``ids`` (-1 for ids not there)."""
    if ids.size == 0:
        return np.full(len(wanted), -1, dtype=np.int64)
    at = np.minimum(np.searchsorted(ids, wanted), ids.size - 1)
    return np.where(ids[at] == wanted, at, -1).astype(np.int64)


def _merge(state: _Pairing, by_offer: Lists, by_seeker: Lists):
    """Both directions' pairs as one row per pair, sorted by (offer, seeker): rows of the
    two sides, the score, and flags (1: the offer's list holds it, 2: the seeker's)."""
    offer = np.concatenate([by_offer.offer, by_seeker.offer])
    seeker = np.concatenate([by_offer.seeker, by_seeker.seeker])
    score = np.concatenate([by_offer.score, by_seeker.score])
    bits = np.concatenate(
        [np.full(len(by_offer.offer), 1, np.uint8), np.full(len(by_seeker.offer), 2, np.uint8)]
    )
    key = state.key(offer, seeker)
    order = np.argsort(key, kind="stable")
    key = key[order]
    first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if key.size else key
    flags = np.bitwise_or.reduceat(bits[order], first) if key.size else bits
    pick = order[first]
    return offer[pick], seeker[pick], score[pick], flags


# --- writing --------------------------------------------------------------------------

_STAGED = MetaData()
#: One row per listed pair (station 0: none).
STAGE_LEAD = Table(
    "rebuild_lead", _STAGED,
    Column("offer_id", Integer, nullable=False), Column("seeker_id", Integer, nullable=False),
    Column("score", Float(53), nullable=False), Column("by_offer", Boolean, nullable=False),
    Column("by_seeker", Boolean, nullable=False), Column("station_id", Integer, nullable=False),
    Column("sector_id", Integer, nullable=False),
    prefixes=["TEMPORARY"],
)  # fmt: skip
#: The staged pairs whose lead is missing (``lead_id`` 0) or differs: one join finds
#: both, and the insert then reads no table it grows (one that does may be planned as a
#: scan of it per row when its statistics say it is empty, as after a vacuum).
STAGE_CHANGED = Table(
    "rebuild_changed", _STAGED,
    *(Column(c.name, c.type, nullable=False) for c in STAGE_LEAD.c),
    Column("lead_id", Integer, nullable=False),
    prefixes=["TEMPORARY"],
)  # fmt: skip
#: One row per document whose list is full (side 1: offers, 0: seekers).
STAGE_FLOOR = Table(
    "rebuild_floor", _STAGED,
    Column("side", SmallInteger, nullable=False), Column("doc_id", Integer, nullable=False),
    Column("floor", Float(53), nullable=False),
    prefixes=["TEMPORARY"],
)  # fmt: skip
#: The binary ``COPY`` layout of each staged column (big-endian, as PostgreSQL sends it).
_BINARY = {Integer: ">i4", SmallInteger: ">i2", Float: ">f8", Boolean: "u1"}
_PG_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8
_PG_TRAILER = b"\xff\xff"


class _Stage:
    """The temporary tables the wanted rows go through, on the session's connection."""

    def __init__(self):
        self.connection = db.session.connection()
        self.postgres = self.connection.dialect.name == "postgresql"
        self.drop()
        for table in (STAGE_LEAD, STAGE_FLOOR, STAGE_CHANGED):
            table.create(self.connection)
        if not self.postgres:  # PostgreSQL hashes the staged rows instead
            for statement in (
                "CREATE INDEX rebuild_lead_pair ON rebuild_lead (offer_id, seeker_id)",
                "CREATE INDEX rebuild_floor_doc ON rebuild_floor (side, doc_id)",
            ):
                self.connection.execute(text(statement))

    def drop(self) -> None:
        self.connection.execute(text("DROP TABLE IF EXISTS rebuild_lead"))
        self.connection.execute(text("DROP TABLE IF EXISTS rebuild_floor"))
        self.connection.execute(text("DROP TABLE IF EXISTS rebuild_changed"))

    def clear(self) -> None:
        for table in (STAGE_LEAD, STAGE_FLOOR, STAGE_CHANGED):
            self.connection.execute(delete(table))

    def write(self, table: Table, arrays: list[np.ndarray]) -> None:
        """Append rows given column by column (PostgreSQL: one binary ``COPY``)."""
        n = len(arrays[0])
        if n == 0:
            return
        if not self.postgres:
            names = [column.name for column in table.columns]
            for start in range(0, n, STAGE_ROWS):
                part = [a[start : start + STAGE_ROWS].tolist() for a in arrays]
                rows = [dict(zip(names, row, strict=True)) for row in zip(*part, strict=True)]
                self.connection.execute(insert(table), rows)
            return
        kinds = [_BINARY[type(column.type)] for column in table.columns]
        fields = [("count", ">i2")]
        for i, kind in enumerate(kinds):
            fields += [(f"size{i}", ">i4"), (f"value{i}", kind)]
        cursor = self.connection.connection.cursor()
        listed = ", ".join(column.name for column in table.columns)
        with cursor.copy(f"COPY {table.name} ({listed}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.write(_PG_HEADER)
            for start in range(0, n, STAGE_ROWS):
                part = [a[start : start + STAGE_ROWS] for a in arrays]
                record = np.empty(len(part[0]), dtype=fields)
                record["count"] = len(kinds)
                for i, kind in enumerate(kinds):
                    record[f"size{i}"] = np.dtype(kind).itemsize
                    record[f"value{i}"] = part[i]
                copy.write(record.tobytes())
            copy.write(_PG_TRAILER)
        cursor.close()

    def ready(self) -> None:
        """Analyse what was staged, for the joins (PostgreSQL never analyses temporary
        tables by itself; SQLite has the tables' indexes)."""
        if self.postgres:
            self.connection.execute(text("ANALYZE rebuild_lead"))
            self.connection.execute(text("ANALYZE rebuild_floor"))

    def apply(self, pairing: Pairing) -> int:
        """Bring the leads and floors of ``pairing`` in step with the staged rows; returns
        how many suggested leads were dropped."""
        lead, staged = Lead.__table__, STAGE_LEAD.c
        offer, seeker = lead.c[pairing.offer_key], lead.c[pairing.seeker_key]
        mine = and_(lead.c.kind == pairing.kind, lead.c.status == LeadStatus.SUGGESTED)
        same_pair = and_(staged.offer_id == offer, staged.seeker_id == seeker)
        now = utcnow()
        dropped = self.connection.execute(
            delete(lead).where(mine, ~exists().where(same_pair))
        ).rowcount
        differs = or_(
            lead.c.id.is_(None), lead.c.score != staged.score,
            lead.c.ranked_by_offer != staged.by_offer, lead.c.ranked_by_seeker != staged.by_seeker,
            cast(lead.c.explanation, Text) != EMPTY,
        )  # fmt: skip
        self.connection.execute(
            insert(STAGE_CHANGED).from_select(
                [*STAGE_LEAD.c.keys(), "lead_id"],
                select(*STAGE_LEAD.c, func.coalesce(lead.c.id, 0))
                .select_from(STAGE_LEAD.outerjoin(lead, and_(mine, same_pair)))
                .where(differs),
            )
        )
        changed = STAGE_CHANGED.c
        self.connection.execute(
            update(lead)
            .values(
                score=changed.score, ranked_by_offer=changed.by_offer,
                ranked_by_seeker=changed.by_seeker, explanation={}, updated_at=now,
            )
            .where(changed.lead_id != 0, lead.c.id == changed.lead_id)
        )  # fmt: skip
        values = {
            lead.c.kind: literal(pairing.kind, lead.c.kind.type),
            offer: changed.offer_id,
            seeker: changed.seeker_id,
            lead.c.station_id: func.nullif(changed.station_id, 0),
            lead.c.sector_id: changed.sector_id,
            lead.c.score: changed.score,
            lead.c.explanation: literal({}, lead.c.explanation.type),
            lead.c.status: literal(LeadStatus.SUGGESTED, lead.c.status.type),
            lead.c.ranked_by_offer: changed.by_offer,
            lead.c.ranked_by_seeker: changed.by_seeker,
            lead.c.created_at: literal(now, UTCDateTime()),
            lead.c.updated_at: literal(now, UTCDateTime()),
            lead.c.status_changed_at: literal(now, UTCDateTime()),
        }
        new = select(*values.values()).where(changed.lead_id == 0)
        self.connection.execute(insert(lead).from_select(list(values), new))
        floors = STAGE_FLOOR.c
        for side, model in ((1, pairing.offer), (0, pairing.seeker)):
            table = model.__table__
            held = and_(floors.side == side, floors.doc_id == table.c.id)
            self.connection.execute(
                update(table)
                .values(match_floor=floors.floor)
                .where(
                    held, or_(table.c.match_floor.is_(None), table.c.match_floor != floors.floor)
                )
            )
            self.connection.execute(
                update(table)
                .values(match_floor=None)
                .where(table.c.match_floor.is_not(None), ~exists().where(held))
            )
        return dropped


def round_like_python(values: np.ndarray, digits: int) -> np.ndarray:
    """``round(value, digits)`` of each value, as Python rounds (what a lead's score was).

    Both give the double nearest to ``k / 10**digits``; they can only choose a different
    ``k`` when ``value · 10**digits`` lies next to a half, and those few go through
    ``round`` itself.
    """
    scaled = values * 10.0**digits
    rounded = np.rint(scaled) / 10.0**digits
    near_half = np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6
    for i in np.flatnonzero(near_half).tolist():
        rounded[i] = round(float(values[i]), digits)
    return rounded


def _stage_pairing(stage: _Stage, state: _Pairing, places: Places, lists: dict) -> int:
    """Stage the wanted leads and floors of one pairing; returns how many leads."""
    offers, seekers = state.rows[True], state.rows[False]
    offer, seeker, score, flags = _merge(state, lists[True], lists[False])
    station_of = _Memo(lambda region: matching.station_for(region, places) or 0)
    stations = np.array([station_of(r) for r in offers.region_id.tolist()], dtype=np.int64)
    rounded = round_like_python(score, 6)
    stage.write(
        STAGE_LEAD,
        [
            offers.ids[offer], seekers.ids[seeker], rounded, (flags & 1) > 0, (flags & 2) > 0,
            stations[offer], offers.sector_id[offer],
        ],
    )  # fmt: skip
    for side, is_offer in ((1, True), (0, False)):
        floor = lists[is_offer].floor
        full = np.flatnonzero(~np.isnan(floor))
        ids = state.rows[is_offer].ids[full]
        stage.write(STAGE_FLOOR, [np.full(len(full), side), ids, floor[full]])
    stage.ready()
    return len(offer)


# --- the rebuild ----------------------------------------------------------------------


def rebuild_all(
    refit: bool = True,
    retokenize: bool = False,
    progress: Callable[[int], None] | None = None,
) -> dict:
    """Rank every list of both pairings again (refitting the models first by default)
    and write the leads and floors set-based. Same arguments and result as
    ``matching.rebuild``: counts per kind (documents, open suggestions, dropped)."""
    db.session.flush()  # the statements below read the tables, not the session
    places = Places()
    k, min_score = matching._top_k(), matching._min_score()
    summary = {}
    stage = _Stage()
    try:
        for pairing in PAIRINGS:
            kind = pairing.kind.value
            offers = _read_side(pairing, True, places, retokenize)
            seekers = _read_side(pairing, False, places, retokenize)
            documents = _documents(offers, seekers)
            fitted = match_store.refit_transform(kind, documents()) if refit else None
            if fitted is not None:
                model, vectors = fitted
            else:
                vectors = None
                model = match_store.model_for(kind, documents, len(offers) + len(seekers))
            if model is None:
                if progress:
                    progress(len(offers) + len(seekers))
                continue
            state = _Pairing(pairing, Matcher(kind, model), offers, seekers, vectors)
            del fitted, vectors
            lists = {
                is_offer: state.rank(is_offer, k, min_score, progress) for is_offer in (True, False)
            }
            state.sides.clear()  # the vectors are not needed to write
            stage.clear()
            staged = _stage_pairing(stage, state, places, lists)
            del lists
            summary[kind] = {
                "documents": len(offers) + len(seekers),
                "suggested": staged,  # every staged pair is now a suggested lead, no other
                "dropped": stage.apply(pairing),
            }
    finally:
        stage.drop()
    db.session.expire_all()  # leads and floors changed under the session's objects
    return summary


def _documents(offers: SideRows, seekers: SideRows) -> Callable[[], list]:
    """Both sides' tokens for a fit, offers first (as ``matching`` fits)."""
    return lambda: offers.tokens + seekers.tokens


# --- explanations ---------------------------------------------------------------------


def explain_many(leads: Iterable[Lead]) -> int:
    """Make the missing explanations of ``leads`` (a page of them) and store them.

    Each is what ``Matcher.rank`` gives for the pair with the current model. A fixed
    number of statements, whatever the number of leads (none when nothing is missing).
    Returns how many were made.
    """
    missing = [lead for lead in leads if not lead.explanation]
    if not missing:
        return 0
    places = None
    made: list[tuple[Lead, dict]] = []
    for pairing in PAIRINGS:
        mine = [lead for lead in missing if lead.kind is pairing.kind]
        found = match_store.load(pairing.kind.value) if mine else None
        if found is None:
            continue
        places = places or Places()
        matcher = Matcher(pairing.kind.value, found[1])
        offer_ids = [getattr(lead, pairing.offer_key) for lead in mine]
        seeker_ids = [getattr(lead, pairing.seeker_key) for lead in mine]
        offers = _read_side(pairing, True, places, ids=offer_ids, with_active=False)
        seekers = _read_side(pairing, False, places, ids=seeker_ids, with_active=False)
        by_offer: dict[int, list[Lead]] = defaultdict(list)
        for lead, offer_id in zip(mine, offer_ids, strict=True):
            by_offer[offer_id].append(lead)
        for offer_id, its in by_offer.items():
            explained = _explain(matcher, offers, offer_id, seekers, its, pairing)
            made += [(lead, explained[getattr(lead, pairing.seeker_key)])
                     for lead in its if getattr(lead, pairing.seeker_key) in explained]  # fmt: skip
    if made:
        table = Lead.__table__
        statement = (
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(explanation=bindparam("b_explanation", type_=JSON))
            .values(updated_at=table.c.updated_at)  # a missing part filled in, not a change
        )
        db.session.execute(
            statement, [{"b_id": lead.id, "b_explanation": value} for lead, value in made]
        )
        for lead, value in made:
            set_committed_value(lead, "explanation", value)
    return len(made)


def _explain(matcher: Matcher, offers: SideRows, offer_id: int, seekers: SideRows, leads, pairing):
    """Explanations of one offer's pairs with the seekers of ``leads``, by seeker id."""
    row = int(_rows_of(offers.ids, np.array([offer_id]))[0])
    wanted = np.unique([getattr(lead, pairing.seeker_key) for lead in leads])
    rows = _rows_of(seekers.ids, wanted)
    rows = rows[rows >= 0]
    if row < 0 or rows.size == 0:
        return {}
    vectors = matcher.model.transform([seekers.tokens[r] for r in rows.tolist()])
    side = Side(seekers.ids[rows], vectors, [seekers.facets[r] for r in rows.tolist()])
    matches = matcher.rank(
        offers.tokens[row], offers.facets[row], side, query_is_need=True, k=len(rows),
        min_score=0.0,
    )  # fmt: skip
    return {match.id: match.explanation for match in matches}
