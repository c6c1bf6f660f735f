"""The best k candidates of a side for many queries at once, by blocks, in bounded memory.

Two passes. A fast pass scores every pair of a block of queries roughly, in float32: the
features common on both sides as one dense matrix product (BLAS), the others as a sparse
product. Per query it keeps every candidate whose rough score is within a proven error
bound of the k-th best. An exact pass then scores the pairs kept, the way
``Matcher.rank`` scores them, and orders them by score, then by lower id.

Exact means reproducible, not just close. Vectors are kept on a grid of ``2**-24`` (see
``on_grid``): the product of two weights is then a multiple of ``2**-48`` and any float64
sum of such products is exact, whatever the order of the additions. A pair gets the same
text score bit for bit when one query is ranked alone (one posting list at a time) and
when a block of queries is ranked at once (products of whole matrices).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple, Protocol

import numpy as np
import scipy.sparse as sp

GRID = float(2**24)
#: Rough scores that no candidate can take: inactive or excluded candidates.
NEVER = -np.inf
#: Blocks of the side's candidates whose maxima bound the k-th best score, per k.
BLOCKS_PER_K = 4
#: A feature is scored densely when (share of queries having it) × (share of candidates
#: having it) reaches this. Tuned on 20k × 10k synthetic profiles × needs: 0.004 (320
#: dense features), 0.002 (450) and 0.0008 (630) took 4.1, 3.3 and 3.1 s; more is capped
#: by memory (DENSE_BYTES).
DENSE_GAIN = 0.0008
MAX_DENSE_FEATURES = 1024
DENSE_BYTES = 24 * 2**20
BLOCK_CELLS = 1_500_000  # query × candidate scores held at once per thread
#: Blocks ranked at once. One: the dense product already runs on every core (BLAS), and
#: BLAS workers spinning between products take the core from a second Python thread
#: (measured on 2 cores, 30k × 10k: 4.4 s with one thread, 4.9 s with two).
THREADS = 1


class TopK(NamedTuple):
    """The best ``k`` of a side for each ranked query (row), best first.

    ``positions`` are candidate rows of the side (-1 where a query has fewer than k),
    ``scores`` the matching scores (NaN there), ``counts`` how many are filled.
    """

    rows: np.ndarray
    positions: np.ndarray
    scores: np.ndarray
    counts: np.ndarray


class Scorer(Protocol):
    """Turns text scores into final scores: roughly for whole blocks, exactly for pairs.

    ``slope`` bounds how far a final score moves per unit of text score, so that a text
    error ``e`` moves a final score by at most ``slope · e``.
    """

    slope: float

    def rough(self, rows: np.ndarray, text: np.ndarray) -> np.ndarray: ...

    def exact(self, rows: np.ndarray, positions: np.ndarray, text: np.ndarray) -> np.ndarray: ...


class TextOnly:
    """The text similarity itself as the score (the cosine of the two vectors)."""

    slope = 1.0

    def rough(self, rows: np.ndarray, text: np.ndarray) -> np.ndarray:
        return text

    def exact(self, rows: np.ndarray, positions: np.ndarray, text: np.ndarray) -> np.ndarray:
        return text


# --- exact text scores ----------------------------------------------------------------------


def on_grid(vectors) -> sp.csr_matrix:
    """A float32 CSR copy, indices sorted, weights rounded to multiples of ``2**-24``.

    Unit-length TF-IDF rows lose nothing that matters (at most 3e-8 per weight).
    """
    matrix = sp.csr_matrix(vectors, dtype=np.float32, copy=True)
    matrix.sum_duplicates()
    data = matrix.data
    np.multiply(data, np.float32(GRID), out=data)
    np.rint(data, out=data)
    np.multiply(data, np.float32(1 / GRID), out=data)
    matrix.eliminate_zeros()
    return matrix


def text_scores(vector: sp.csr_matrix, postings: sp.csr_matrix) -> np.ndarray:
    """Exact text score (float64) of one on-grid query row against every candidate."""
    if vector.nnz == 0:
        return np.zeros(postings.shape[1])
    rows = postings[vector.indices]
    return np.asarray(rows.T @ vector.data.astype(np.float64), dtype=np.float64).ravel()


def rough_text_scores(vector: sp.csr_matrix, postings: sp.csr_matrix) -> np.ndarray:
    """Text scores of one query row in float32: fast, within ``text_error`` of exact."""
    if vector.nnz == 0:
        return np.zeros(postings.shape[1], dtype=np.float32)
    rows = postings[vector.indices]
    return np.asarray(rows.T @ vector.data, dtype=np.float32).ravel()


def query_pair_text(vector: sp.csr_matrix, candidates: sp.csr_matrix, positions) -> np.ndarray:
    """Exact text scores of one on-grid query row against the candidate rows ``positions``."""
    rows = candidates[positions]
    if vector.nnz == 0 or rows.nnz == 0:
        return np.zeros(len(positions))
    owner = np.repeat(np.arange(len(positions)), np.diff(rows.indptr))
    at = np.minimum(np.searchsorted(vector.indices, rows.indices), vector.nnz - 1)
    shared = vector.indices[at] == rows.indices
    weights = rows.data[shared].astype(np.float64) * vector.data[at[shared]]
    return np.bincount(owner[shared], weights=weights, minlength=len(positions))


def text_error(nnz: int) -> float:
    """A bound on |float32 text score - exact| for a query with ``nnz`` features.

    Any float32 sum of n products of weights in [0, 1] whose exact sum is at most 1 is
    within n · 2**-24 of it, whatever the order; four times that, to be safe.
    """
    return 4.0 * (nnz + 2) / GRID


# --- many queries ---------------------------------------------------------------------------


class BlockText:
    """Text scores of blocks of queries against one side: rough for all, exact for pairs.

    Features that many queries and many candidates share go through one dense float32
    product (BLAS); the rest through a sparse float64 product with the side's posting
    lists, whose sums are exact. The exact score of a pair adds its dense part again,
    in float64, to its sparse part.
    """

    def __init__(
        self,
        queries: sp.csr_matrix,
        candidates: sp.csr_matrix,
        postings: sp.csr_matrix,
        gain: float = DENSE_GAIN,
    ):
        n_features, n_candidates = postings.shape
        q_share = _column_counts(queries, n_features) / max(1, queries.shape[0])
        c_share = np.diff(postings.indptr) / max(1, n_candidates)
        value = q_share * c_share
        cap = min(MAX_DENSE_FEATURES, DENSE_BYTES // (4 * max(1, n_candidates)))
        best = np.argsort(-value, kind="stable")[:cap]
        self.dense_features = np.sort(best[value[best] >= gain])
        self.column = np.full(n_features, -1, dtype=np.int64)  # feature → dense column
        self.column[self.dense_features] = np.arange(self.dense_features.size)
        self.dense = postings[self.dense_features].toarray()  # features × candidates
        sparse = postings.astype(np.float64)
        sparse.data[np.repeat(self.column >= 0, np.diff(sparse.indptr))] = 0.0
        sparse.eliminate_zeros()
        self.sparse = sparse
        dense_part = candidates.copy()
        dense_part.data[self.column[dense_part.indices] < 0] = 0.0
        dense_part.eliminate_zeros()
        self.candidates = dense_part  # candidates' rows, dense features only
        # one BLAS product at a time: BLAS spreads each over every core already, and two
        # at once from two threads oversubscribe the cores (measured 2x slower)
        self.lock = threading.Lock()
        self.local = threading.local()

    def __call__(self, block: sp.csr_matrix) -> tuple[np.ndarray, Callable]:
        """Rough float32 scores of ``block`` against every candidate, and a function
        giving the exact scores of pairs (row of block, candidate)."""
        n, width = block.shape[0], self.dense.shape[1]
        dense = block[:, self.dense_features].toarray()
        with self.lock:
            rough = dense @ self.dense
        tail = block.astype(np.float64)
        tail.data[self.column[tail.indices] >= 0] = 0.0
        tail.eliminate_zeros()
        sparse = (tail @ self.sparse).tocsr()
        cells = np.repeat(np.arange(n, dtype=np.int64) * width, np.diff(sparse.indptr))
        cells += sparse.indices
        rough.reshape(-1)[cells] += sparse.data  # each cell once: no lost update

        def exact(rows: np.ndarray, candidates: np.ndarray) -> np.ndarray:
            return self._dense_part(dense, rows, candidates) + self._sparse_part(
                cells, sparse.data, rows * width + candidates, n * width
            )

        return rough, exact

    def _dense_part(self, dense: np.ndarray, rows: np.ndarray, candidates: np.ndarray):
        """Exact Σ q·c over the dense features, per pair, from the candidates' rows."""
        found = self.candidates[candidates]
        pair = np.repeat(np.arange(len(rows)), np.diff(found.indptr))
        column = self.column[found.indices]
        weights = found.data.astype(np.float64) * dense[rows[pair], column]
        return np.bincount(pair, weights=weights, minlength=len(rows))

    def _sparse_part(self, cells, values, wanted, size: int) -> np.ndarray:
        """The sparse product's values at the ``wanted`` cells (0 where it has none)."""
        slots = getattr(self.local, "slots", None)
        if slots is None or slots.size < size:
            slots = self.local.slots = np.full(size, -1, dtype=np.int32)
        slots[wanted] = np.arange(len(wanted))
        found = slots[cells]
        hit = found >= 0
        out = np.zeros(len(wanted))
        out[found[hit]] = values[hit]
        slots[wanted] = -1  # left clean for the next block
        return out


def _column_counts(matrix: sp.csr_matrix, width: int, step: int = 4_000_000) -> np.ndarray:
    """Non-zeros per column, a slice at a time (bincount copies its input to int64)."""
    counts = np.zeros(width, dtype=np.int64)
    for start in range(0, matrix.nnz, step):
        counts += np.bincount(matrix.indices[start : start + step], minlength=width)
    return counts


def top_many(
    queries: sp.csr_matrix,
    rows: np.ndarray,
    candidates: sp.csr_matrix,
    postings: sp.csr_matrix,
    ids: np.ndarray,
    active: np.ndarray,
    k: int,
    scorer: Scorer,
    min_score: float = 0.0,
    block: int | None = None,
    threads: int = THREADS,
) -> TopK:
    """The best ``k`` candidates for each query row in ``rows``, exact, ties by lower id.

    ``queries`` and ``candidates`` are on-grid rows (``on_grid``), ``postings`` is
    ``candidates.T`` as CSR. A pair counts when the candidate is active, the text score
    is positive and the final score reaches ``min_score``.
    """
    rows = np.asarray(rows, dtype=np.int64)
    n, n_candidates = len(rows), candidates.shape[0]
    k = max(0, min(k, n_candidates))
    result = TopK(
        rows,
        np.full((n, k), -1, dtype=np.int64),
        np.full((n, k), np.nan),
        np.zeros(n, dtype=np.int64),
    )
    if n == 0 or k == 0:
        return result
    texts = BlockText(queries, candidates, postings)
    inactive = np.flatnonzero(~active)
    size = block or max(8, min(1024, BLOCK_CELLS // max(1, n_candidates)))

    def rank_block(start: int) -> None:
        part = rows[start : start + size]
        group = queries[part]
        rough, exact_text = texts(group)
        rough = scorer.rough(part, rough)
        rough[:, inactive] = NEVER
        slack = scorer.slope * text_error(int(np.diff(group.indptr).max(initial=0)))
        r, c = shortlist(rough, k, min_score, slack)
        del rough
        text = exact_text(r, c)
        scores = scorer.exact(part[r], c, text)
        keep = active[c] & (text > 0) & (scores >= min_score)
        fill(result, start, len(part), r[keep], c[keep], scores[keep], ids)

    starts = range(0, n, size)
    if threads > 1 and len(starts) > 1:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(rank_block, starts))
    else:
        for start in starts:
            rank_block(start)
    return result


def shortlist(rough: np.ndarray, k: int, floor: float, slack: float):
    """Pairs (row, column) of ``rough`` that may be among a row's best k, exactly scored.

    The k-th largest of the maxima of disjoint column blocks is at most the k-th largest
    score of the row. Every candidate whose exact score can reach the exact k-th best
    (or ``floor``) is within ``2 · slack`` of it in rough scores, so it is kept.
    """
    n, m = rough.shape
    width = -(-m // max(1, min(m, BLOCKS_PER_K * k)))
    maxima = np.maximum.reduceat(rough, np.arange(0, m, width), axis=1)
    if maxima.shape[1] >= k:
        kth = np.partition(maxima, maxima.shape[1] - k, axis=1)[:, maxima.shape[1] - k]
    else:
        kth = np.full(n, NEVER)
    threshold = np.maximum(kth - 2 * slack, floor - slack).astype(rough.dtype)
    cells = np.flatnonzero(rough >= threshold[:, None])
    return cells // m, cells % m


def fill(result: TopK, start: int, n: int, r, c, scores, ids: np.ndarray) -> None:
    """Write the best k of each row (pairs already exact and allowed) into ``result``."""
    k = result.positions.shape[1]
    order = np.lexsort((ids[c], -scores, r))
    r, c, scores = r[order], c[order], scores[order]
    first = np.searchsorted(r, np.arange(n))
    rank = np.arange(len(r)) - first[r]
    keep = rank < k
    r, c, scores, rank = r[keep] + start, c[keep], scores[keep], rank[keep]
    result.positions[r, rank] = c
    result.scores[r, rank] = scores
    result.counts[start : start + n] = np.bincount(r - start, minlength=n)


def top_one(
    rough: np.ndarray,
    k: int,
    min_score: float,
    slack: float,
    exact: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
    ids: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One query: positions, exact scores and texts of its best k (rough scores given).

    ``rough`` already holds ``NEVER`` for candidates that may not be returned; ``exact``
    maps positions to (exact scores, exact text scores).
    """
    _, positions = shortlist(rough[None, :], k, min_score, slack)
    scores, text = exact(positions)
    keep = (text > 0) & (scores >= min_score) & (rough[positions] > NEVER)
    positions, scores, text = positions[keep], scores[keep], text[keep]
    order = np.lexsort((ids[positions], -scores))[:k]
    return positions[order], scores[order], text[order]
