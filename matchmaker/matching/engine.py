"""Ranking: one query against a side of candidates, or every query of a side at once.

Plain data in (tokens, facets, caller ids), caller ids and scores out, each result with
its explanation. No database, no web framework.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from . import rules
from .features import TextModel
from .rules import Facets, FacetTable
from .text import Document

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
        Rows from ``TextModel.transform`` in the same order.
    facets : sequence of Facets
        Structured data in the same order.
    active : sequence of bool, optional
        False for candidates that must never be suggested (closed, filled, opted out).
    """

    def __init__(self, ids: Sequence[int], vectors, facets: Sequence[Facets], active=None):
        self.ids = np.asarray(ids, dtype=np.int64)
        if vectors.shape[0] != len(self.ids) or len(facets) != len(self.ids):
            raise ValueError("ids, vectors and facets must have one row per candidate")
        self.vectors = sp.csr_matrix(vectors, dtype=np.float32)
        self.postings = self.vectors.T.tocsr()  # feature → candidates, for single queries
        self.facets = FacetTable(facets)
        self.active = np.ones(len(self.ids), bool) if active is None else np.asarray(active, bool)
        self.position = {int(i): p for p, i in enumerate(self.ids)}

    def __len__(self) -> int:
        return len(self.ids)


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
    ) -> list[Match]:
        """The best ``k`` candidates of ``side`` for one query, best first, ties by id."""
        if len(side) == 0 or k <= 0:
            return []
        vector = self.model.transform([query])
        text = self._text_scores(vector, side)
        values = rules.rule_values(self.kind, facets, side.facets, query_is_need)
        scores = rules.blend(self.kind, text, values)
        allowed = side.active.copy()
        for ident in exclude:
            position = side.position.get(int(ident))
            if position is not None:
                allowed[position] = False
        allowed &= (scores >= min_score) & (text > 0)
        positions = _top(scores, allowed, side.ids, k)
        return [self._match(vector, side, p, scores, text, values) for p in positions]

    def scores(
        self, query: Document, facets: Facets, side: Side, query_is_need: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        """Blended and text scores of one query against every candidate, in side order."""
        if len(side) == 0:
            empty = np.zeros(0, dtype=np.float32)
            return empty, empty
        vector = self.model.transform([query])
        text = self._text_scores(vector, side)
        values = rules.rule_values(self.kind, facets, side.facets, query_is_need)
        return rules.blend(self.kind, text, values), text

    def rank_many(
        self,
        queries: Side,
        side: Side,
        queries_are_needs: bool,
        k: int = 10,
        min_score: float = 0.0,
        chunk: int = 512,
    ) -> dict[int, list[tuple[int, float]]]:
        """Top ``k`` of ``side`` for every active query: ``{query id: [(id, score), ...]}``.

        Scores are the same blend as ``rank``; explanations are left to ``rank`` (they
        are made for the few pairs that become leads, not for every pair).
        """
        results: dict[int, list[tuple[int, float]]] = {}
        if len(side) == 0:
            return results
        facets = [_row_facets(queries.facets, i) for i in range(len(queries))]
        candidates_t = side.vectors.T.tocsc()
        for start in range(0, len(queries), chunk):
            stop = min(start + chunk, len(queries))
            text = (queries.vectors[start:stop] @ candidates_t).toarray()
            for offset, row in enumerate(text):
                q = start + offset
                if not queries.active[q]:
                    continue
                values = rules.rule_values(self.kind, facets[q], side.facets, queries_are_needs)
                scores = rules.blend(self.kind, row, values)
                allowed = side.active & (scores >= min_score) & (row > 0)
                top = _top(scores, allowed, side.ids, k)
                results[int(queries.ids[q])] = [(int(side.ids[p]), float(scores[p])) for p in top]
        return results

    def _text_scores(self, vector: sp.csr_matrix, side: Side) -> np.ndarray:
        if vector.nnz == 0:
            return np.zeros(len(side), dtype=np.float32)
        rows = side.postings[vector.indices]
        return np.asarray(rows.T @ vector.data, dtype=np.float32).ravel()

    def _match(self, vector, side, position, scores, text, values) -> Match:
        explanation = {
            "text": round(float(text[position]), 4),
            "terms": self.shared_terms(vector, side.vectors[position]),
            "rules": {name: rules.verdict(v[position]) for name, v in values.items()},
            "weights": rules.WEIGHTS[self.kind],
        }
        return Match(
            int(side.ids[position]), float(scores[position]), float(text[position]), explanation
        )

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


def _top(scores: np.ndarray, allowed: np.ndarray, ids: np.ndarray, k: int) -> list[int]:
    """Positions of the ``k`` best allowed scores, best first, ties broken by lower id."""
    candidates = np.flatnonzero(allowed)
    if candidates.size == 0:
        return []
    if candidates.size > k:
        part = scores[candidates]
        threshold = np.partition(part, -k)[-k]
        candidates = candidates[part >= threshold]  # keeps every tie at the threshold
    order = np.lexsort((ids[candidates], -scores[candidates]))
    return [int(p) for p in candidates[order][:k]]


def _row_facets(table: FacetTable, i: int) -> Facets:
    """Rebuild one row's ``Facets`` from a column-wise table."""

    def members(column) -> frozenset[int]:
        return frozenset(int(v) for v in column.values[column.indptr[i] : column.indptr[i + 1]])

    level = int(table.level[i])
    low, high = table.amount_low[i], table.amount_high[i]
    return Facets(
        sectors=members(table.sectors),
        places=members(table.places),
        level=None if level < 0 else level,
        amount=(None if np.isnan(low) else float(low), None if np.isnan(high) else float(high)),
    )
