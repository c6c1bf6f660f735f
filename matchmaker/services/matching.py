"""Suggestions: keep ``Lead`` rows in step with what the matching engine ranks.

A pair is suggested while it is among the top ``k`` (above a minimum score) of either
of its two documents: the need's or project's list (the "offer" side) or the graduate's
or interest's list (the "seeker" side). Each lead records which lists hold it, and each
document the score of the last of its top ``k`` (its floor). When one document changes,
only its own list and the lists it can enter or leave are ranked again, so a refresh
gives the same leads as ranking everything again with the same fitted model.

Reviewed leads (anything past ``suggested``) are never touched here, and their pairs are
never suggested again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import scipy.sparse as sp
from flask import current_app
from sqlalchemy import bindparam, delete, func, select, update

from .. import queue
from ..extensions import db
from ..matching import Facets, Matcher, TextModel, tokenise_many
from ..matching.errors import EmptyVocabularyError
from ..models import (
    Graduate,
    InterestStatus,
    InvestmentProject,
    InvestorInterest,
    Lead,
    LeadKind,
    LeadStatus,
    NeedStatus,
    ProjectStatus,
    Region,
    RegionLevel,
    Station,
    TalentNeed,
)
from . import match_store, side_index, vetting
from .clock import now

DEFAULT_TOP_K = 10
DEFAULT_MIN_SCORE = 0.3


@dataclass(frozen=True)
class Pairing:
    """One kind of lead: which model is the offer, which the seeker, and their lead keys."""

    kind: LeadKind
    offer: type
    seeker: type
    offer_key: str
    seeker_key: str


TALENT = Pairing(LeadKind.TALENT, TalentNeed, Graduate, "talent_need_id", "graduate_id")
INVESTMENT = Pairing(
    LeadKind.INVESTMENT, InvestmentProject, InvestorInterest, "project_id", "interest_id"
)
PAIRINGS = (TALENT, INVESTMENT)


def pairing_of(document) -> tuple[Pairing, bool]:
    """The pairing a document takes part in, and whether it is that pairing's offer."""
    for pairing in PAIRINGS:
        if isinstance(document, pairing.offer):
            return pairing, True
        if isinstance(document, pairing.seeker):
            return pairing, False
    raise TypeError(f"{type(document).__name__} is not matched")


# --- what the engine sees of a document ---------------------------------------------


def document_fields(document) -> dict[str, str]:
    """The texts of a document by field: title, skills, text."""
    if isinstance(document, Graduate):
        return {"title": document.major, "skills": document.skills, "text": document.intro}
    return {"title": document.title, "text": document.description}


def is_active(document) -> bool:
    """Whether a document may be suggested at all (open, and opted in)."""
    if isinstance(document, Graduate):
        return bool(document.open_to_matching)
    open_status = {
        TalentNeed: NeedStatus.OPEN,
        InvestmentProject: ProjectStatus.OPEN,
        InvestorInterest: InterestStatus.OPEN,
    }[type(document)]
    return document.status is open_status


class Places:
    """Region ancestry, loaded once per use: a region's lineage below the province."""

    def __init__(self):
        rows = db.session.execute(select(Region.id, Region.parent_id, Region.level)).all()
        self.parent = {r.id: r.parent_id for r in rows}
        self.level = {r.id: r.level for r in rows}
        self.station_at: dict[int, int] = {}  # region id → the first station there
        stations = db.session.execute(select(Station.id, Station.region_id).order_by(Station.id))
        for station_id, region_id in stations:
            self.station_at.setdefault(region_id, station_id)

    def lineage(self, region_id: int | None) -> frozenset[int]:
        ids, node = set(), region_id
        while node is not None:
            if self.level[node] is not RegionLevel.PROVINCE:
                ids.add(node)
            node = self.parent[node]
        return frozenset(ids)

    def county_of(self, region_id: int | None) -> int | None:
        for node in self.lineage(region_id):
            if self.level[node] is RegionLevel.COUNTY:
                return node
        return None


def facets(document, places: Places) -> Facets:
    """The structured side of a document for the rules (see ``matching.rules``)."""
    if isinstance(document, TalentNeed):
        level = document.min_degree.rank if document.min_degree else None
        return Facets({document.sector_id}, places.lineage(document.region_id), level)
    if isinstance(document, Graduate):
        wanted = {r.id for r in document.wanted_regions}
        home = places.county_of(document.hometown_id)
        if home is not None:
            wanted.add(home)
        sectors = frozenset(s.id for s in document.wanted_sectors)
        return Facets(sectors, frozenset(wanted), document.degree.rank)
    amount = (document.amount_min_wan, document.amount_max_wan)
    if isinstance(document, InvestmentProject):
        lineage = places.lineage(document.region_id)
        return Facets({document.sector_id}, lineage, amount=amount)
    sectors = frozenset(s.id for s in document.sectors)
    return Facets(sectors, frozenset(r.id for r in document.regions), amount=amount)


def tokenize(document) -> dict[str, list[str]]:
    """Tokenise a document's fields and keep the tokens on it (done once per write)."""
    document.tokens = match_store.tokenizer().document(document_fields(document))
    return document.tokens


def warm_up(indexes: bool = False) -> None:
    """Load what a process's first write would otherwise wait for: jieba's dictionary
    with the domain lexicon, each pairing's fitted model, and (``indexes``: the worker)
    each pairing's side index, all kept per process."""
    tokenizer = match_store.tokenizer()
    db.session.rollback()  # jieba loads for a second or two: hold no database lock meanwhile
    tokenizer.tokens("预热")
    for pairing in PAIRINGS:
        if indexes:
            _ranking(pairing)
        else:
            match_store.load(pairing.kind.value)
    db.session.rollback()


# --- settings -------------------------------------------------------------------------


def _top_k() -> int:
    return int(current_app.config.get("MATCH_TOP_K", DEFAULT_TOP_K))


def _min_score() -> float:
    return float(current_app.config.get("MATCH_MIN_SCORE", DEFAULT_MIN_SCORE))


# --- sides ----------------------------------------------------------------------------


class Ranking:
    """Everything needed to rank one pairing: the model and both sides' kept index."""

    def __init__(self, pairing: Pairing, version: int, model: TextModel):
        self.pairing = pairing
        self.matcher = Matcher(pairing.kind.value, model)
        self.places = Places()
        self.index = side_index.current(pairing, version, model, self.read)
        self.taken = _taken(pairing)
        self.sides = {side: self.index.side(side, self.taken[side]) for side in (True, False)}

    def model_of(self, is_offer: bool):
        return self.pairing.offer if is_offer else self.pairing.seeker

    def read(self, is_offer: bool, ids: list[int] | None) -> tuple:
        """Row arguments of ``SideIndex.replace`` for these documents (None: all), read
        set-based (``rebuild.load_side``) and transformed."""
        from .rebuild import load_side

        rows = load_side(self.pairing, is_offer, self.places, ids=ids, with_active=False)
        model = self.matcher.model
        if len(rows):
            vectors = model.transform(rows.tokens)
        else:
            vectors = sp.csr_matrix((0, model.n_features_), dtype=np.float32)
        none = np.full(len(rows), -1, np.int64)
        sector = rows.sector_id if rows.sector_id is not None else none
        region = rows.region_id if rows.region_id is not None else none
        return rows.ids.tolist(), vectors, rows.facets, rows.active, sector, region

    def active(self, ident: int, is_offer: bool) -> bool:
        """Open (``is_active``), and not a filled need or a hired graduate."""
        position = self.index.position(is_offer, ident)
        return position is not None and bool(self.sides[is_offer].active[position])

    def _query(self, ident: int, is_offer: bool):
        position = self.index.position(is_offer, ident)
        rows = self.index.sides[is_offer]
        return rows.facets[position], self.sides[is_offer].vectors[position]

    def rank(self, ident: int, is_offer: bool, exclude) -> list:
        """Top k of the other side for the document ``ident`` (with explanations)."""
        if not self.active(ident, is_offer):
            return []
        query_facets, vector = self._query(ident, is_offer)
        return self.matcher.rank(
            None, query_facets, self.sides[not is_offer], query_is_need=is_offer,
            k=_top_k(), min_score=_min_score(), exclude=exclude, vector=vector,
        )  # fmt: skip

    def scores(self, ident: int, is_offer: bool) -> tuple[np.ndarray, np.ndarray]:
        query_facets, vector = self._query(ident, is_offer)
        return self.matcher.scores(
            None, query_facets, self.sides[not is_offer], query_is_need=is_offer, vector=vector
        )

    def offer_place(self, offer_id: int) -> tuple[int, int]:
        """An offer's sector and region ids (a lead's sector and station come from them)."""
        position = self.index.position(True, offer_id)
        rows = self.index.sides[True]
        return int(rows.sector[position]), int(rows.region[position])


def _taken(pairing: Pairing) -> dict[bool, set[int]]:
    """Per side (offer: True), the ids no longer to be suggested: filled needs, hired
    graduates (investment has none)."""
    if pairing is not TALENT:
        return {True: set(), False: set()}
    return {True: vetting.filled_need_ids(), False: vetting.hired_graduate_ids()}


#: How long a process trusts its count of a pairing's documents (it only decides when
#: the model has outgrown its vocabulary: by a fifth, not by a minute's saves).
COUNT_SECONDS = 60
_counts: dict[tuple[str, str], tuple[float, int]] = {}


def _document_count(pairing: Pairing) -> int:
    key = (str(current_app.config.get("SQLALCHEMY_DATABASE_URI")), pairing.kind.value)
    counted_at, count = _counts.get(key, (0.0, 0))
    if time.monotonic() - counted_at > COUNT_SECONDS or current_app.testing:
        count = sum(
            db.session.scalar(select(func.count(model.id)))
            for model in (pairing.offer, pairing.seeker)
        )
        _counts[key] = (time.monotonic(), count)
    return count


def _ranking(pairing: Pairing) -> Ranking | None:
    """The ranking state of a pairing, or None while there is no word to match on."""
    count = _document_count(pairing)
    model = match_store.model_for(pairing.kind.value, _fit_documents(pairing), count)
    if model is None:
        return None
    return Ranking(pairing, match_store.version(pairing.kind.value), model)


def _fit_documents(pairing: Pairing) -> Callable[[], list]:
    """A callable giving the token lists of both sides, for a first fit."""

    def documents() -> list:
        tokenize_missing()
        docs = []
        for model in (pairing.offer, pairing.seeker):  # the token column only, streamed
            query = select(model.tokens).order_by(model.id).execution_options(yield_per=2000)
            docs.extend(db.session.scalars(query))
        return docs

    return documents


# --- leads ----------------------------------------------------------------------------


class Lists:
    """Applies ranked lists to the leads of one pairing, batched: leads are read per
    chunk of documents, floors written in one statement, stale leads found among those
    touched (never by scanning the lead table)."""

    def __init__(self, ranking: Ranking):
        self.ranking = ranking
        self.floors: dict[bool, dict[int, float | None]] = {True: {}, False: {}}
        self.unlisted: set[int] = set()  # ids of leads some list let go

    def apply(self, ids, is_offer: bool) -> None:
        """Rank the lists of these documents again and record them."""
        ids = sorted(set(ids))
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            leads = _leads_of(self.ranking.pairing, chunk, is_offer)
            for ident in chunk:
                self._apply_one(ident, is_offer, leads.get(ident, {}))
        db.session.flush()

    def _apply_one(self, ident: int, is_offer: bool, leads: dict[int, Lead]) -> None:
        ranking = self.ranking
        reviewed = {o for o, lead in leads.items() if lead.status is not LeadStatus.SUGGESTED}
        try:
            matches = ranking.rank(ident, is_offer, exclude=reviewed)
        except EmptyVocabularyError:
            matches = []
        flag = "ranked_by_offer" if is_offer else "ranked_by_seeker"
        listed = {m.id: m for m in matches}
        for other, lead in leads.items():
            suggested = lead.status is LeadStatus.SUGGESTED
            if suggested and other not in listed and getattr(lead, flag):
                setattr(lead, flag, False)
                self.unlisted.add(lead.id)
        for other, match in listed.items():
            lead = leads.get(other) or _new_lead(ranking, ident, is_offer, other)
            setattr(lead, flag, True)
            lead.score = round(match.score, 6)
            lead.explanation = match.explanation
        full = len(matches) >= _top_k()
        self.floors[is_offer][ident] = float(matches[-1].score) if full and matches else None

    def finish(self) -> int:
        """Write the floors, delete the leads no list holds now; returns how many went."""
        db.session.flush()
        for is_offer, floors in self.floors.items():
            table = self.ranking.model_of(is_offer).__table__
            if floors:
                db.session.execute(
                    update(table).where(table.c.id == bindparam("ident"))
                    .values(match_floor=bindparam("floor")),
                    [{"ident": i, "floor": f} for i, f in sorted(floors.items())],
                )  # fmt: skip
        dropped = 0
        ids = sorted(self.unlisted)
        for start in range(0, len(ids), 500):
            result = db.session.execute(
                delete(Lead)
                .where(Lead.id.in_(ids[start : start + 500]),
                       Lead.status == LeadStatus.SUGGESTED,
                       Lead.ranked_by_offer.is_(False), Lead.ranked_by_seeker.is_(False))
                .execution_options(synchronize_session=False)
            )  # fmt: skip
            dropped += result.rowcount
        db.session.expire_all()
        return dropped


def _leads_of(pairing: Pairing, ids: list[int], is_offer: bool) -> dict[int, dict[int, Lead]]:
    """The leads of these documents: {document id: {other side's id: lead}}."""
    mine = pairing.offer_key if is_offer else pairing.seeker_key
    other = pairing.seeker_key if is_offer else pairing.offer_key
    found: dict[int, dict[int, Lead]] = {}
    for lead in db.session.scalars(select(Lead).where(getattr(Lead, mine).in_(ids))):
        found.setdefault(getattr(lead, mine), {})[getattr(lead, other)] = lead
    return found


def _new_lead(ranking: Ranking, ident: int, is_offer: bool, other_id: int) -> Lead:
    pairing = ranking.pairing
    offer_id = ident if is_offer else other_id
    lead = Lead(kind=pairing.kind, score=0.0, status=LeadStatus.SUGGESTED)
    setattr(lead, pairing.offer_key, offer_id)
    setattr(lead, pairing.seeker_key, other_id if is_offer else ident)
    sector_id, region_id = ranking.offer_place(offer_id)
    lead.sector_id = sector_id
    lead.station_id = station_for(region_id, ranking.places)
    db.session.add(lead)
    return lead


def station_for(region_id: int, places: Places) -> int | None:
    """The station a lead belongs to: the nearest one up the region's lineage, else one
    in the same county (a township station serves its county)."""
    node = region_id
    while node is not None:
        if node in places.station_at:
            return places.station_at[node]
        node = places.parent[node]
    county = places.county_of(region_id)
    for station_region, station_id in places.station_at.items():
        if county is not None and places.county_of(station_region) == county:
            return station_id
    return None


# --- writing a document, and ranking what changed -------------------------------------


def changed(document) -> None:
    """A document was written: keep its tokens, mark it waiting to be ranked, and queue
    its ranking for when this transaction commits (``tasks.refresh_suggestions``)."""
    pairing, _ = pairing_of(document)
    tokenize(document)
    document.changed_at = now()
    document.match_pending = True
    db.session.flush()
    queue.later("refresh_suggestions", pairing.kind.value)


def refresh(document) -> None:
    """Rank a document again now, in this transaction (commands and tests; pages use
    ``changed`` and the queue)."""
    changed(document)
    refresh_pending(pairing_of(document)[0].kind.value)


def refresh_many(documents, progress: Callable[[int], None] | None = None) -> None:
    """``changed`` for many documents at once (an import): one tokenising pass on every
    core; their ranking is queued for when the import commits."""
    if not documents:
        return
    fields = [document_fields(document) for document in documents]
    stamp = now()
    for document, tokens in zip(
        documents, tokenise_many(fields, match_store.tokenizer().lexicon), strict=True
    ):
        document.tokens = tokens
        document.changed_at = stamp
        document.match_pending = True
        if progress:
            progress(1)
    db.session.flush()
    for kind in {pairing_of(document)[0].kind.value for document in documents}:
        queue.later("refresh_suggestions", kind)


PAIRING_OF_KIND = {pairing.kind.value: pairing for pairing in PAIRINGS}
#: A document still waiting this long after its change is said to be late (the worker
#: is down or failing); the schedule keeps retrying it every minute.
LATE = timedelta(seconds=60)


def pending_count(firm) -> int:
    """How many of a firm's postings wait for their suggestions (one statement each kind)."""
    total = 0
    for model in (TalentNeed, InvestmentProject, InvestorInterest):
        total += db.session.scalar(
            select(func.count(model.id)).where(
                model.enterprise_id == firm.id, model.match_pending.is_(True)
            )
        )
    return total


def suggestion_state(document) -> str:
    """Where a document's suggestions are: ``ready``, ``preparing`` (queued, normally
    within two seconds) or ``late`` (waiting longer: retried until the worker takes it)."""
    if not document.match_pending:
        return "ready"
    if document.changed_at is not None and now() - document.changed_at > LATE:
        return "late"
    return "preparing"


def kinds_pending() -> list[str]:
    """The pairings with documents waiting to be ranked."""
    kinds = []
    for pairing in PAIRINGS:
        for model in (pairing.offer, pairing.seeker):
            if db.session.scalar(select(model.id).where(model.match_pending.is_(True)).limit(1)):
                kinds.append(pairing.kind.value)
                break
    return kinds


def refresh_pending(kind: str) -> int:
    """Rank the documents of ``kind`` waiting to be ranked, and every list of the other
    side they can now enter or that held them; returns how many documents were ranked.

    The caller holds the pairing's lock (``tasks.refresh_suggestions``) and commits.
    A document changed again meanwhile stays waiting (its new version is ranked next).
    """
    pairing = PAIRING_OF_KIND[kind]
    waiting = {
        is_offer: dict(
            db.session.execute(
                select(model.id, model.changed_at).where(model.match_pending.is_(True))
            ).all()
        )
        for is_offer, model in ((True, pairing.offer), (False, pairing.seeker))
    }
    if not any(waiting.values()):
        return 0
    ranking = _ranking(pairing)
    if ranking is not None:
        _rank_documents(ranking, waiting)
    stamp = side_index.next_number()
    for is_offer, seen in waiting.items():
        if seen:
            table = (pairing.offer if is_offer else pairing.seeker).__table__
            db.session.execute(
                update(table)
                .where(table.c.id == bindparam("ident"), table.c.changed_at == bindparam("seen"))
                .values(match_pending=False, ranked_seq=stamp),
                [{"ident": i, "seen": c} for i, c in sorted(seen.items())],
            )  # fmt: skip
    return sum(len(seen) for seen in waiting.values())


def _rank_documents(ranking: Ranking, waiting: dict[bool, dict]) -> None:
    lists = Lists(ranking)
    affected: dict[bool, set[int]] = {True: set(), False: set()}
    held = {
        is_offer: _held(ranking, sorted(ids), is_offer) for is_offer, ids in waiting.items()
    }  # read once, before any list changes
    for is_offer, ids in waiting.items():
        lists.apply(ids, is_offer)
        for ident in ids:
            affected[not is_offer].update(
                _affected(ranking, ident, is_offer, held[is_offer].get(ident, ()))
            )
    for is_offer, ids in affected.items():
        lists.apply(ids - set(waiting[is_offer]), is_offer)
    lists.finish()


def _affected(ranking: Ranking, ident: int, is_offer: bool, held) -> set[int]:
    """Documents of the other side whose top list this document can enter or leave:
    those its score reaches (above the floor of their list), and those holding it."""
    affected = set(held)
    side = ranking.sides[not is_offer]
    if not len(side) or not ranking.active(ident, is_offer):
        return affected
    scores, text = ranking.scores(ident, is_offer)
    reach = (scores >= _min_score()) & (text > 0) & side.active
    candidates = side.ids[reach]
    if not len(candidates):
        return affected
    floors = _floors(ranking.model_of(not is_offer), candidates.tolist())
    above = scores[reach] >= np.array([floors.get(int(i), -1.0) for i in candidates])
    affected.update(int(i) for i in candidates[above])
    return affected


def _floors(model, ids: list[int]) -> dict[int, float]:
    """The floors of these documents' lists (absent: the list is not full)."""
    found = {}
    for start in range(0, len(ids), 1000):
        rows = db.session.execute(
            select(model.id, model.match_floor).where(
                model.id.in_(ids[start : start + 1000]), model.match_floor.is_not(None)
            )
        )
        found.update(dict(rows.all()))
    return found


def _held(ranking: Ranking, ids: list[int], is_offer: bool) -> dict[int, set[int]]:
    """For each document id: the ids of the other side's lists that hold it now."""
    pairing = ranking.pairing
    flag = Lead.ranked_by_seeker if is_offer else Lead.ranked_by_offer
    mine = pairing.offer_key if is_offer else pairing.seeker_key
    theirs = pairing.seeker_key if is_offer else pairing.offer_key
    found: dict[int, set[int]] = {}
    for start in range(0, len(ids), 500):  # bound the IN list
        chunk = ids[start : start + 500]
        query = select(getattr(Lead, mine), getattr(Lead, theirs)).where(
            getattr(Lead, mine).in_(chunk), flag.is_(True)
        )
        for me, other in db.session.execute(query):
            found.setdefault(me, set()).add(other)
    return found


def tokenize_missing(retokenize: bool = False) -> int:
    """Tokenise (on every core) the documents that have no stored tokens yet, or all."""
    documents = []
    for pairing in PAIRINGS:
        for model in (pairing.offer, pairing.seeker):
            query = select(model) if retokenize else select(model).where(model.tokens.is_(None))
            documents.extend(db.session.scalars(query))
    if documents:
        fields = [document_fields(document) for document in documents]
        tokens = tokenise_many(fields, match_store.tokenizer().lexicon)
        for document, document_tokens in zip(documents, tokens, strict=True):
            document.tokens = document_tokens
        db.session.flush()
    return len(documents)


def rebuild(
    refit: bool = True,
    retokenize: bool = False,
    progress: Callable[[int], None] | None = None,
) -> dict:
    """Rank every list of both pairings again (refitting the models first by default).

    Tokens stored on the documents are reused; only documents without them (or all,
    with ``retokenize``, after the dictionary changed) go through the segmenter.
    ``progress(n)`` is called as documents are ranked. Returns counts per kind.
    """
    from .rebuild import rebuild_all  # set-based; imports this module

    return rebuild_all(refit=refit, retokenize=retokenize, progress=progress)


def document_count() -> int:
    """How many documents a rebuild ranks (for a progress bar)."""
    total = 0
    for pairing in PAIRINGS:
        for model in (pairing.offer, pairing.seeker):
            total += db.session.scalar(select(func.count(model.id)))
    return total
