"""Ranking: one query against a side of candidates, or every query of a side at once.

Plain data in (tokens, facets, caller ids), caller ids and scores out, each result with
its explanation. No database, no web framework.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from . import rules, topk
from .features import TextModel
from .rules import Facets, FacetTable
from .text import Document
from .topk import TopK

TOP_TERMS = 5


class Match(NamedTuple):
    """One ranked candidate: the caller's id, the blended score, and why."""

    id: int
    score: float
    text_score: float
    explanation: dict


class Side:
    """The candidates of one side (e.g. all needs): ids, vectors, facets, who is active.

    Parameters
    ----------
    ids : sequence of int
        The caller's ids, one per row.
    vectors : sparse matrix
        Rows from ``TextModel.transform`` in the same order. A copy is kept, its weights
        rounded to a fine grid so that text scores are exact (see ``topk``).
    facets : sequence of Facets
        Structured data in the same order.
    active : sequence of bool, optional
        False for candidates that must never be suggested (closed, filled, opted out).
    """

    def __init__(self, ids: Sequence[int], vectors, facets: Sequence[Facets], active=None):
        self.ids = np.asarray(ids, dtype=np.int64)
        if vectors.shape[0] != len(self.ids) or len(facets) != len(self.ids):
            raise ValueError("ids, vectors and facets must have one row per candidate")
        self.vectors = topk.on_grid(vectors)
        self.facets = FacetTable(facets)
        self.active = np.ones(len(self.ids), bool) if active is None else np.asarray(active, bool)
        self._postings: sp.csr_matrix | None = None
        self._position: dict[int, int] | None = None
        self._inactive: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def with_active(self, active) -> Side:
        """The same side with other candidates active (vectors, postings and facets are
        shared, not copied: made here once for every copy)."""
        _ = self.postings, self.position
        other = object.__new__(Side)
        other.__dict__.update(self.__dict__)
        other.active = np.asarray(active, bool)
        other._inactive = None
        if other.active.shape != self.ids.shape:
            raise ValueError("one active flag per candidate")
        return other

    @property
    def postings(self) -> sp.csr_matrix:
        """Feature → candidates (the vectors transposed), made when first needed."""
        if self._postings is None:
            self._postings = self.vectors.T.tocsr()
        return self._postings

    @property
    def inactive(self) -> np.ndarray:
        """Rows of the candidates that are not active (a side is read-only once made)."""
        if self._inactive is None:
            self._inactive = np.flatnonzero(~self.active)
        return self._inactive

    @property
    def position(self) -> dict[int, int]:
        """Caller's id → row, made when first needed."""
        if self._position is None:
            self._position = {int(i): p for p, i in enumerate(self.ids)}
        return self._position


class Matcher:
    """Scores queries of one kind (``talent`` or ``investment``) against a ``Side``.

    Parameters
    ----------
    kind : {"talent", "investment"}
        Chooses the rules and their weights (see ``rules``).
    model : TextModel
        A fitted model; its vectors are what ``Side`` holds.
    """

    def __init__(self, kind: str, model: TextModel):
        if kind not in rules.WEIGHTS:
            raise ValueError(f"unknown kind {kind!r}")
        self.kind = kind
        self.model = model

    def rank(
        self,
        query: Document,
        facets: Facets,
        side: Side,
        query_is_need: bool,
        k: int = 10,
        min_score: float = 0.0,
        exclude: Collection[int] = (),
        vector: sp.csr_matrix | None = None,
    ) -> list[Match]:
        """The best ``k`` candidates of ``side`` for one query, best first, ties by id.

        Every candidate is scored roughly (float32); the few that can still be among
        the best k are scored exactly, as ``scores`` and ``rank_many`` score them.
        ``vector``: the query's row of a ``Side`` already made, instead of transforming
        ``query`` again.
        """
        if len(side) == 0 or k <= 0:
            return []
        vector = self._vector(query, vector)
        if vector.nnz == 0:
            return []
        table = FacetTable([facets])
        blend = _Blend(self.kind, table, side.facets, query_is_need)
        rough = blend.rough(_ONE, topk.rough_text_scores(vector, side.postings)[None, :])[0]
        rough[side.inactive] = topk.NEVER
        for ident in exclude:
            position = side.position.get(int(ident))
            if position is not None:
                rough[position] = topk.NEVER

        def exact(positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            text = topk.query_pair_text(vector, side.vectors, positions)
            return blend.exact(np.zeros_like(positions), positions, text), text

        slack = blend.slope * topk.text_error(vector.nnz)
        positions, scores, text = topk.top_one(rough, k, min_score, slack, exact, side.ids)
        values = rules.pair_values(
            self.kind, table, np.zeros_like(positions), side.facets, positions, query_is_need
        )
        terms = self._terms_of(vector, side.vectors[positions])
        return [
            Match(
                int(side.ids[p]),
                float(scores[i]),
                float(text[i]),
                {
                    "text": round(float(text[i]), 4),
                    "terms": terms[i],
                    "rules": {name: rules.verdict(v[i]) for name, v in values.items()},
                    "weights": rules.WEIGHTS[self.kind],
                },
            )
            for i, p in enumerate(positions)
        ]

    def scores(
        self,
        query: Document,
        facets: Facets,
        side: Side,
        query_is_need: bool,
        vector: sp.csr_matrix | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Blended and text scores of one query against every candidate, in side order.

        Exactly the scores ``rank`` gives the candidates it returns (``vector`` as there).
        """
        if len(side) == 0:
            empty = np.zeros(0, dtype=np.float64)
            return empty, empty
        vector = self._vector(query, vector)
        text = topk.text_scores(vector, side.postings)
        values = rules.rule_values(self.kind, facets, side.facets, query_is_need)
        return rules.blend(self.kind, text, values), text

    def _vector(self, query: Document, vector: sp.csr_matrix | None) -> sp.csr_matrix:
        """The query's on-grid row: the one given (from a ``Side``), else transformed."""
        if vector is not None:
            return vector
        return topk.on_grid(self.model.transform([query]))

    def rank_many(
        self,
        queries: Side,
        side: Side,
        queries_are_needs: bool,
        k: int = 10,
        min_score: float = 0.0,
        chunk: int | None = None,
    ) -> dict[int, list[tuple[int, float]]]:
        """Top ``k`` of ``side`` for every active query: ``{query id: [(id, score), ...]}``.

        Scores are the same blend as ``rank``, bit for bit; explanations are left to
        ``rank`` (they are made for the few pairs that become leads, not for every pair).
        ``chunk`` is how many queries are scored at once (default: from the side's size).
        """
        if len(side) == 0:
            return {}
        table = self.top_many(queries, side, queries_are_needs, k, min_score, chunk)
        ids = side.ids.tolist()
        results = {}
        for row, positions, scores, count in zip(
            table.rows.tolist(), table.positions, table.scores, table.counts.tolist(),
            strict=True,
        ):  # fmt: skip
            results[int(queries.ids[row])] = [
                (ids[p], s) for p, s in zip(positions[:count].tolist(), scores[:count].tolist(),
                                            strict=True)
            ]  # fmt: skip
        return results

    def top_many(
        self,
        queries: Side,
        side: Side,
        queries_are_needs: bool,
        k: int = 10,
        min_score: float = 0.0,
        chunk: int | None = None,
        text_only: bool = False,
    ) -> TopK:
        """``rank_many`` as arrays (no Python object per pair): what a million queries need.

        Returns a ``TopK``: ``rows`` (the active queries, rows of ``queries``),
        ``positions`` (rows of ``side``, -1 past ``counts``) and ``scores``. With
        ``text_only`` the score is the text similarity alone (for comparisons).
        """
        from . import kernel  # numba: loaded when first needed

        rows = np.flatnonzero(queries.active)
        mode = {"talent": kernel.TALENT, "investment": kernel.INVESTMENT}[self.kind]
        blend = topk.Blend(
            kernel.TEXT if text_only else mode,
            np.array(list(rules.WEIGHTS[self.kind].values()), dtype=np.float64),
            rules.TEXT_SUPPORT,
            queries_are_needs,
            _kernel_facets(queries.facets, side.facets),
        )
        return topk.top_many(
            queries.vectors, rows, side.vectors, side.postings, side.ids, side.active, k,
            blend, min_score, chunk,
        )  # fmt: skip

    def shared_terms(self, a: sp.csr_matrix, b: sp.csr_matrix, limit: int = TOP_TERMS) -> list:
        """The features both vectors share that weigh most in their cosine, words first."""
        product = a.multiply(b).tocoo()
        if product.nnz == 0:
            return []
        order = np.lexsort((product.col, -product.data))
        words, grams = [], []
        for i in order:
            feature = int(product.col[i])
            entry = [self.model.term(feature), round(float(product.data[i]), 4)]
            (words if self.model.is_word_feature(feature) else grams).append(entry)
        return (words + grams)[:limit]

    def _terms_of(self, vector: sp.csr_matrix, rows: sp.csr_matrix, limit: int = TOP_TERMS):
        """``shared_terms(vector, row)`` for every row of ``rows``, in one go."""
        owner = np.repeat(np.arange(rows.shape[0]), np.diff(rows.indptr))
        at = np.minimum(np.searchsorted(vector.indices, rows.indices), vector.nnz - 1)
        shared = vector.indices[at] == rows.indices
        column, owner = rows.indices[shared], owner[shared]
        weight = rows.data[shared] * vector.data[at[shared]]  # float32, as ``multiply``
        is_gram = column >= len(self.model.word_vocabulary_)
        order = np.lexsort((column, -weight, is_gram, owner))
        terms: list[list] = [[] for _ in range(rows.shape[0])]
        for row, feature, value in zip(
            owner[order].tolist(), column[order].tolist(), weight[order].tolist(), strict=True
        ):
            if len(terms[row]) < limit:
                terms[row].append([self.model.term(feature), round(value, 4)])
        return terms


def _kernel_facets(queries: FacetTable, table: FacetTable) -> tuple:
    """Both sides' facets as the arrays ``kernel.rank_rows`` reads.

    The ids of each set column are renumbered 0, 1, … over both sides together (in the
    same order, so each row's codes stay sorted). Each candidate's degree level and codes
    are also packed into one row of ``kernel.PACKED_WIDTH`` int32 cells, so that checking
    its rules reads one cache line instead of six arrays, which the posting lists
    streaming through the cache evict (the blended batch about 10% faster at 1M).
    """
    from . import kernel

    query_sets, table_sets = [], []
    for column in rules.SET_RULES.values():
        mine, theirs = _sorted_sets(getattr(queries, column)), _sorted_sets(getattr(table, column))
        values = np.concatenate([mine[1], theirs[1]])
        codes = np.searchsorted(np.unique(values), values).astype(np.int32)
        query_sets += [mine[0], codes[: mine[1].size]]
        table_sets += [theirs[0], codes[mine[1].size :]]
    s_ptr, s_codes, p_ptr, p_codes = table_sets
    n_sectors, n_places = np.diff(s_ptr), np.diff(p_ptr)
    fits = n_sectors + n_places <= kernel.PACKED_WIDTH - kernel.PACKED_HEAD
    packed = np.full((table.size, kernel.PACKED_WIDTH), -1, dtype=np.int32)
    packed[:, 0] = table.level
    packed[:, 1] = np.where(fits, n_sectors, -1)
    packed[:, 2] = n_places
    for ptr, codes, before in (
        (s_ptr, s_codes, np.zeros_like(n_sectors)),
        (p_ptr, p_codes, n_sectors),
    ):
        owner = np.repeat(np.arange(table.size), np.diff(ptr))
        cell = kernel.PACKED_HEAD + before[owner] + np.arange(codes.size) - ptr[owner]
        keep = fits[owner]
        packed[owner[keep], cell[keep]] = codes[keep]
    return (
        *query_sets, queries.level.astype(np.int64), queries.amount_low, queries.amount_high,
        packed, *table_sets, table.amount_low, table.amount_high,
    )  # fmt: skip


def _sorted_sets(column) -> list[np.ndarray]:
    """``indptr`` and the values sorted within each row."""
    owners = np.repeat(np.arange(len(column.indptr) - 1), np.diff(column.indptr))
    return [column.indptr, column.values[np.lexsort((column.values, owners))]]


_ONE = np.zeros(1, dtype=np.int64)
SUB_BLOCK_CELLS = 200_000  # scores blended at once (temporaries of 0.8 MB)


class _Blend:
    """The blend of ``rules`` as a ``topk.Scorer`` for ``rank``: rough for every candidate,
    exact for pairs (``top_many`` blends inside the compiled kernel)."""

    def __init__(self, kind: str, queries: FacetTable, table: FacetTable, query_is_need: bool):
        self.kind, self.queries, self.table = kind, queries, table
        self.query_is_need = query_is_need
        weights = rules.WEIGHTS[kind]
        structured = sum(w for name, w in weights.items() if name != "text")
        # |d score / d text| ≤ w_text + Σ w_rule / TEXT_SUPPORT; + 1e-6 for float32 rules
        self.slope = weights["text"] + structured / rules.TEXT_SUPPORT + 1e-6

    def rough(self, rows: np.ndarray, text: np.ndarray) -> np.ndarray:
        """``w_text · t + R · min(1, t / TEXT_SUPPORT)`` in float32, in place of ``text``.

        A few rows at a time, so that the temporaries stay small (and in cache).
        """
        weights = rules.WEIGHTS[self.kind]
        step = max(1, SUB_BLOCK_CELLS // max(1, text.shape[1]))
        for start in range(0, len(rows), step):
            part = text[start : start + step]
            structured = rules.structured_block(
                self.kind, self.queries, rows[start : start + step], self.table,
                self.query_is_need,
            )  # fmt: skip
            support = np.multiply(part, np.float32(1 / rules.TEXT_SUPPORT))
            np.minimum(support, np.float32(1), out=support)
            structured *= support
            part *= np.float32(weights["text"])
            part += structured
        return text

    def exact(self, rows: np.ndarray, positions: np.ndarray, text: np.ndarray) -> np.ndarray:
        values = rules.pair_values(
            self.kind, self.queries, rows, self.table, positions, self.query_is_need
        )
        return rules.blend(self.kind, text, values)
