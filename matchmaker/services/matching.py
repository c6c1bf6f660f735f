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

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from flask import current_app
from sqlalchemy import func, select

from ..extensions import db
from ..matching import Facets, Matcher, Side, TextModel, tokenise_many
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
from . import match_store, vetting

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


def warm_up() -> None:
    """Load what a process's first write would otherwise wait for: jieba's dictionary
    with the domain lexicon, and each pairing's fitted model (both kept per process)."""
    match_store.tokenizer().tokens("预热")
    for pairing in PAIRINGS:
        match_store.load(pairing.kind.value)


# --- settings -------------------------------------------------------------------------


def _top_k() -> int:
    return int(current_app.config.get("MATCH_TOP_K", DEFAULT_TOP_K))


def _min_score() -> float:
    return float(current_app.config.get("MATCH_MIN_SCORE", DEFAULT_MIN_SCORE))


# --- sides ----------------------------------------------------------------------------


class Ranking:
    """Everything needed to rank one pairing: the model, both sides, the rows behind them."""

    def __init__(self, pairing: Pairing, model: TextModel):
        self.pairing = pairing
        self.matcher = Matcher(pairing.kind.value, model)
        self.places = Places()
        self.rows = {}
        self.sides = {}
        self.taken = _taken(pairing)
        for is_offer in (True, False):
            self.reload(is_offer)

    def model_of(self, is_offer: bool):
        return self.pairing.offer if is_offer else self.pairing.seeker

    def active(self, document, is_offer: bool) -> bool:
        """``is_active``, and not a filled need or a hired graduate."""
        return is_active(document) and document.id not in self.taken[is_offer]

    def reload(self, is_offer: bool) -> None:
        model = self.model_of(is_offer)
        rows = list(db.session.scalars(select(model).order_by(model.id)))
        for row in rows:
            if row.tokens is None:
                tokenize(row)
        self.rows[is_offer] = {row.id: row for row in rows}
        model = self.matcher.model
        if rows:
            vectors = model.transform([row.tokens for row in rows])
        else:
            vectors = sp.csr_matrix((0, model.n_features_), dtype=np.float32)
        self.sides[is_offer] = Side(
            [row.id for row in rows],
            vectors,
            [facets(row, self.places) for row in rows],
            [self.active(row, is_offer) for row in rows],
        )

    def rank(self, document, is_offer: bool, exclude) -> list:
        """Top k of the other side for ``document`` (with explanations)."""
        if not self.active(document, is_offer):
            return []
        return self.matcher.rank(
            document.tokens,
            facets(document, self.places),
            self.sides[not is_offer],
            query_is_need=is_offer,
            k=_top_k(),
            min_score=_min_score(),
            exclude=exclude,
            vector=self.vector(document, is_offer),
        )

    def scores(self, document, is_offer: bool) -> tuple[np.ndarray, np.ndarray]:
        return self.matcher.scores(
            document.tokens,
            facets(document, self.places),
            self.sides[not is_offer],
            query_is_need=is_offer,
            vector=self.vector(document, is_offer),
        )

    def vector(self, document, is_offer: bool):
        """The document's row of its own side (transformed once, when the side was made)."""
        side = self.sides[is_offer]
        position = side.position.get(document.id)
        return None if position is None else side.vectors[position]


def _taken(pairing: Pairing) -> dict[bool, set[int]]:
    """Per side (offer: True), the ids no longer to be suggested: filled needs, hired
    graduates (investment has none)."""
    if pairing is not TALENT:
        return {True: set(), False: set()}
    return {True: vetting.filled_need_ids(), False: vetting.hired_graduate_ids()}


def _ranking(pairing: Pairing) -> Ranking | None:
    """The ranking state of a pairing, or None while there is no word to match on."""
    count = sum(
        db.session.scalar(select(func.count(model.id))) for model in (pairing.offer, pairing.seeker)
    )
    model = match_store.model_for(pairing.kind.value, _fit_documents(pairing), count)
    return Ranking(pairing, model) if model is not None else None


def _fit_documents(pairing: Pairing) -> Callable[[], list]:
    """A callable giving the token lists of both sides, for a first fit."""

    def documents() -> list:
        docs = []
        for model in (pairing.offer, pairing.seeker):
            for row in db.session.scalars(select(model).order_by(model.id)):
                docs.append(row.tokens if row.tokens is not None else tokenize(row))
        return docs

    return documents


# --- leads ----------------------------------------------------------------------------


def _leads_of(pairing: Pairing, document, is_offer: bool) -> dict[int, Lead]:
    """Leads of this document by the other side's id."""
    mine = pairing.offer_key if is_offer else pairing.seeker_key
    other = pairing.seeker_key if is_offer else pairing.offer_key
    leads = db.session.scalars(select(Lead).where(getattr(Lead, mine) == document.id))
    return {getattr(lead, other): lead for lead in leads}


def _apply_list(ranking: Ranking, document, is_offer: bool) -> None:
    """Rank one document's list again and record it on its leads and its floor."""
    pairing = ranking.pairing
    leads = _leads_of(pairing, document, is_offer)
    reviewed = {other for other, lead in leads.items() if lead.status is not LeadStatus.SUGGESTED}
    try:
        matches = ranking.rank(document, is_offer, exclude=reviewed)
    except EmptyVocabularyError:
        matches = []
    flag = "ranked_by_offer" if is_offer else "ranked_by_seeker"
    listed = {m.id: m for m in matches}
    for other, lead in leads.items():
        if lead.status is LeadStatus.SUGGESTED and other not in listed:
            setattr(lead, flag, False)
    for other, match in listed.items():
        lead = leads.get(other) or _new_lead(ranking, document, is_offer, other)
        setattr(lead, flag, True)
        lead.score = round(match.score, 6)
        lead.explanation = match.explanation
    full = len(matches) >= _top_k()
    document.match_floor = float(matches[-1].score) if full and matches else None


def _new_lead(ranking: Ranking, document, is_offer: bool, other_id: int) -> Lead:
    pairing = ranking.pairing
    offer = document if is_offer else ranking.rows[True][other_id]
    lead = Lead(kind=pairing.kind, score=0.0, status=LeadStatus.SUGGESTED)
    setattr(lead, pairing.offer_key, offer.id)
    setattr(lead, pairing.seeker_key, other_id if is_offer else document.id)
    lead.sector_id = offer.sector_id
    lead.station_id = station_for(offer.region_id, ranking.places)
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


def _drop_stale(pairing: Pairing) -> int:
    """Delete suggested leads that no list holds any more."""
    stale = db.session.scalars(
        select(Lead).where(
            Lead.kind == pairing.kind,
            Lead.status == LeadStatus.SUGGESTED,
            Lead.ranked_by_offer.is_(False),
            Lead.ranked_by_seeker.is_(False),
        )
    ).all()
    for lead in stale:
        db.session.delete(lead)
    return len(stale)


# --- the two entry points -------------------------------------------------------------


def refresh(document) -> None:
    """Re-tokenise a new or changed document and bring its suggestions up to date.

    Ranks the document's own list, then every list on the other side that it can now
    enter (its score reaches that list's floor) or that held it before. No refit.
    """
    pairing, is_offer = pairing_of(document)
    tokenize(document)
    db.session.flush()
    ranking = _ranking(pairing)
    if ranking is None:
        return
    document = ranking.rows[is_offer][document.id]
    _apply_list(ranking, document, is_offer)
    for other in _affected(ranking, document, is_offer):
        _apply_list(ranking, other, not is_offer)
    db.session.flush()
    _drop_stale(pairing)
    db.session.flush()


def refresh_many(documents, progress: Callable[[int], None] | None = None) -> None:
    """``refresh`` for many documents at once (an import): one tokenising pass on every
    core, one ranking state, and every affected list ranked again only once."""
    if not documents:
        return
    fields = [document_fields(document) for document in documents]
    for document, tokens in zip(
        documents, tokenise_many(fields, match_store.tokenizer().lexicon), strict=True
    ):
        document.tokens = tokens
    db.session.flush()
    for pairing in PAIRINGS:
        mine = [(d, pairing_of(d)[1]) for d in documents if pairing_of(d)[0] is pairing]
        if mine:
            _refresh_pairing(pairing, mine, progress)


def _refresh_pairing(pairing: Pairing, documents: list, progress) -> None:
    ranking = _ranking(pairing)
    if ranking is None:
        return
    affected: dict[bool, set[int]] = {True: set(), False: set()}
    held = {
        is_offer: _held(ranking, [d.id for d, side in documents if side is is_offer], is_offer)
        for is_offer in (True, False)
    }  # read once, before any list changes
    for document, is_offer in documents:
        row = ranking.rows[is_offer][document.id]
        _apply_list(ranking, row, is_offer)
        others = _affected(ranking, row, is_offer, held[is_offer].get(row.id, ()))
        affected[not is_offer].update(o.id for o in others)
        if progress:
            progress(1)
    for is_offer, ids in affected.items():
        for ident in sorted(ids):
            _apply_list(ranking, ranking.rows[is_offer][ident], is_offer)
    db.session.flush()
    _drop_stale(pairing)
    db.session.flush()


def _affected(ranking: Ranking, document, is_offer: bool, held=None) -> list:
    """Documents of the other side whose top list this document can enter or leave.

    ``held``: the ids of the lists holding it now, when already read (``_held``).
    """
    side = ranking.sides[not is_offer]
    others = ranking.rows[not is_offer]
    affected = set()
    if len(side) and ranking.active(document, is_offer):
        scores, text = ranking.scores(document, is_offer)
        floors = np.array([others[int(i)].match_floor or -1.0 for i in side.ids], dtype=np.float64)
        reach = (scores >= _min_score()) & (text > 0) & (scores >= floors) & side.active
        affected.update(int(i) for i in side.ids[reach])
    if held is None:
        held = _held(ranking, [document.id], is_offer).get(document.id, ())
    affected.update(held)
    return [others[i] for i in sorted(affected)]


def _held(ranking: Ranking, ids: list[int], is_offer: bool) -> dict[int, set[int]]:
    """For each document id: the ids of the other side's lists that hold it now."""
    pairing = ranking.pairing
    flag = Lead.ranked_by_seeker if is_offer else Lead.ranked_by_offer
    mine = pairing.offer_key if is_offer else pairing.seeker_key
    theirs = pairing.seeker_key if is_offer else pairing.offer_key
    found: dict[int, set[int]] = {}
    for start in range(0, len(ids), 500):  # bound the IN list
        chunk = ids[start : start + 500]
        query = select(Lead).where(getattr(Lead, mine).in_(chunk), flag.is_(True))
        for lead in db.session.scalars(query):
            found.setdefault(getattr(lead, mine), set()).add(getattr(lead, theirs))
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


def _count_suggested(pairing: Pairing) -> int:
    query = select(func.count(Lead.id)).where(
        Lead.kind == pairing.kind, Lead.status == LeadStatus.SUGGESTED
    )
    return db.session.scalar(query)


def document_count() -> int:
    """How many documents a rebuild ranks (for a progress bar)."""
    total = 0
    for pairing in PAIRINGS:
        for model in (pairing.offer, pairing.seeker):
            total += db.session.scalar(select(func.count(model.id)))
    return total
