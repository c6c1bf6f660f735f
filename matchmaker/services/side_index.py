"""Each pairing's two sides as the engine reads them, kept by the process that ranks.

A side index holds, per side, every document's id, its vector under the current model,
its facets, whether its status lets it be suggested, and (offers) its sector and place.
It is built once per process and model version — or loaded from ``instance/matching``,
where it is saved signed — and then kept by delta: before each ranking it reads only
the documents waiting to be ranked (``match_pending``) and those another worker ranked
since it last looked (``ranked_seq`` above the change sequence it has seen), and
replaces their rows. A side is never read whole again until the model is refitted.

Each ranking takes the next number of the change sequence (``MatchSequence``: its row
stays locked until the ranking commits, so the numbers follow commit order, whatever
the workers' clocks say) and stamps it on what it ranked, so an index that has seen
number n misses nothing by reading the documents stamped above n.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sqlalchemy import insert, or_, select, update

from ..extensions import db
from ..matching import Facets, Side, TextModel
from ..models import MatchSequence
from . import match_store

SAVE_EVERY_SECONDS = 300  # a kept index is written to disk at most this often
FORMAT = 1  # bumped when the saved shape changes (an older file is rebuilt)


@dataclass
class Rows:
    """One side: row i is the document ``ids[i]``."""

    ids: np.ndarray
    vectors: sp.csr_matrix
    facets: list[Facets]
    open: np.ndarray  # its own status lets it be suggested (open, opted in)
    sector: np.ndarray  # offers: the sector id (else -1)
    region: np.ndarray  # offers: the region id (else -1)

    @classmethod
    def empty(cls, features: int) -> Rows:
        none = np.zeros(0, np.int64)
        vectors = sp.csr_matrix((0, features), dtype=np.float32)
        return cls(none, vectors, [], np.zeros(0, bool), none, none)

    def __len__(self) -> int:
        return len(self.ids)


class SideIndex:
    """Both sides of one pairing under one fitted model (see the module's docstring)."""

    def __init__(self, kind: str, version: int, model: TextModel):
        self.kind, self.version, self.model = kind, version, model
        self.sides = {side: Rows.empty(model.n_features_) for side in (True, False)}
        self.seen: int | None = None  # the change sequence it has caught up with
        self.saved_at = 0.0
        self._positions: dict[bool, dict[int, int]] = {}
        self._engine: dict[bool, Side] = {}

    def __getstate__(self):
        state = dict(self.__dict__)
        state["model"], state["_positions"], state["_engine"] = None, {}, {}
        return state

    # --- reading ---------------------------------------------------------------------

    def position(self, is_offer: bool, ident: int) -> int | None:
        if is_offer not in self._positions:
            ids = self.sides[is_offer].ids.tolist()
            self._positions[is_offer] = dict(zip(ids, range(len(ids)), strict=True))
        return self._positions[is_offer].get(ident)

    def side(self, is_offer: bool, taken: set[int]) -> Side:
        """The engine's view of a side: its rows, active where open and not taken."""
        rows = self.sides[is_offer]
        if is_offer not in self._engine:
            self._engine[is_offer] = Side(rows.ids, rows.vectors, rows.facets, rows.open)
        active = rows.open.copy()
        if taken and len(rows):
            active &= ~np.isin(rows.ids, np.fromiter(taken, np.int64, len(taken)))
        return self._engine[is_offer].with_active(active)

    # --- keeping it ------------------------------------------------------------------

    def replace(self, is_offer: bool, ids: list[int], vectors, facets, open_, sector, region):
        """Put these documents' rows in (replacing their old rows, if any)."""
        if not ids and not len(self.sides[is_offer]):
            return
        rows = self.sides[is_offer]
        keep = ~np.isin(rows.ids, np.asarray(ids, np.int64))
        self.sides[is_offer] = Rows(
            np.concatenate([rows.ids[keep], np.asarray(ids, np.int64)]),
            sp.vstack([rows.vectors[keep], vectors], format="csr", dtype=np.float32),
            [f for f, k in zip(rows.facets, keep.tolist(), strict=True) if k] + list(facets),
            np.concatenate([rows.open[keep], np.asarray(open_, bool)]),
            np.concatenate([rows.sector[keep], np.asarray(sector, np.int64)]),
            np.concatenate([rows.region[keep], np.asarray(region, np.int64)]),
        )
        self._positions.pop(is_offer, None)
        self._engine.pop(is_offer, None)

    def remove(self, is_offer: bool, ids) -> None:
        """Drop the rows of documents that no longer exist."""
        empty = sp.csr_matrix((0, self.model.n_features_), dtype=np.float32)
        self.replace(is_offer, list(ids), empty, [], [], [], [])


# --- reading documents ---------------------------------------------------------------


def changed_ids(model, seen: int) -> list[int]:
    """Ids of the documents waiting to be ranked or ranked since number ``seen``."""
    query = select(model.id).where(or_(model.match_pending.is_(True), model.ranked_seq > seen))
    return list(db.session.scalars(query.order_by(model.id)))


_kept: dict[tuple[str, str], SideIndex] = {}


def current(pairing, version: int, model: TextModel, read) -> SideIndex:
    """The pairing's index under model ``version``, caught up with the database.

    ``read(is_offer, ids)`` reads the row arguments of ``replace`` for the documents
    ``ids`` of a side (None: the whole side), set-based.
    """
    key = (str(match_store._folder()), pairing.kind.value)
    index = _kept.get(key)
    if index is None or index.version != version:
        index = _load(pairing.kind.value, version, model)
    seen = sequence_value()
    if index is None or index.seen is None:
        index = SideIndex(pairing.kind.value, version, model)
        for is_offer in (True, False):
            index.replace(is_offer, *read(is_offer, None))
    else:
        for is_offer in (True, False):
            model_class = pairing.offer if is_offer else pairing.seeker
            if ids := changed_ids(model_class, index.seen):
                index.replace(is_offer, *read(is_offer, ids))
    index.seen = seen
    _kept[key] = index
    if time.monotonic() - index.saved_at > SAVE_EVERY_SECONDS:
        save(index)
    return index


SEQUENCE = "ranked"


def sequence_value() -> int:
    """The last number of the change sequence that has committed."""
    return db.session.scalar(select(MatchSequence.value).where(MatchSequence.name == SEQUENCE)) or 0


def next_number() -> int:
    """Take the next number of the change sequence (its row stays locked until this
    transaction ends, so numbers are taken in commit order)."""
    table = MatchSequence.__table__
    taken = db.session.execute(
        update(table).where(table.c.name == SEQUENCE).values(value=table.c.value + 1)
        .returning(table.c.value)
    ).scalar()  # fmt: skip
    if taken is None:  # the first ranking ever
        db.session.execute(insert(table).values(name=SEQUENCE, value=1))
        taken = 1
    return taken


def save(index: SideIndex) -> None:
    index.saved_at = time.monotonic()
    match_store.save_object(f"index-{index.kind}", {"format": FORMAT, "index": index})


def _load(kind: str, version: int, model: TextModel) -> SideIndex | None:
    kept = match_store.load_object(f"index-{kind}")
    if not kept or kept.get("format") != FORMAT or kept["index"].version != version:
        return None
    index = kept["index"]
    index.model = model
    index.saved_at = time.monotonic()
    return index


def forget() -> None:
    """Drop the indexes kept by this process (after a rebuild refitted the models)."""
    _kept.clear()
