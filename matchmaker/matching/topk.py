"""The best k candidates of a side: for one query (``top_one``) and for many (``top_many``).

One query: every candidate is scored roughly in float32 (one sparse product), and the few
whose rough score is within a proven error bound of the k-th best are scored exactly, the
way ``Matcher.rank`` scores them, and ordered by score, then by lower id. Many queries:
the compiled kernel (``kernel``) ranks each query with pruning, on every core.

Exact means reproducible, not just close. Vectors are kept on a grid of ``2**-24`` (see
``on_grid``): the product of two weights is then a multiple of ``2**-48`` and any float64
sum of such products is exact, whatever the order of the additions. A pair gets the same
text score bit for bit when one query is ranked alone and when many are ranked at once.
"""

from __future__ import annotations

import os
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


def top_many(
    queries: sp.csr_matrix,
    rows: np.ndarray,
    candidates: sp.csr_matrix,
    postings: sp.csr_matrix,
    ids: np.ndarray,
    active: np.ndarray,
    k: int,
    blend: Blend,
    min_score: float = 0.0,
    block: int | None = None,
    threads: int | None = None,
) -> TopK:
    """The best ``k`` candidates for each query row in ``rows``, exact, ties by lower id.

    ``queries`` and ``candidates`` are on-grid rows (``on_grid``), ``postings`` is
    ``candidates.T`` as CSR. A pair counts when the candidate is active, the text score
    is positive and the final score reaches ``min_score``. Blocks of ``block`` queries
    go to the compiled kernel (``kernel.rank_rows``) on ``threads`` threads (default:
    every core this process may use).
    """
    from matchmaker.matching import kernel  # compiled on first use (cached on disk)

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
    threads = threads or max(1, len(os.sched_getaffinity(0)))
    size = block or max(64, min(4096, -(-n // (8 * threads))))
    side = (
        postings.indptr.astype(np.int64), postings.indices.astype(np.int32), postings.data,
        np.ascontiguousarray(active, dtype=np.bool_), np.ascontiguousarray(ids, np.int64),
    )  # fmt: skip
    q_indptr = queries.indptr.astype(np.int64)

    def rank_block(start: int) -> None:
        kernel.rank_rows(
            rows[start : start + size], q_indptr, queries.indices, queries.data, *side,
            k, float(min_score), blend.mode, blend.weights, blend.support_at,
            blend.need_query, blend.facets, kernel.DENSE_WALK, *result[1:], start,
        )  # fmt: skip

    starts = range(0, n, size)
    if threads > 1 and len(starts) > 1:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(rank_block, starts))
    else:
        for start in starts:
            rank_block(start)
    return result


class Blend(NamedTuple):
    """What the kernel needs to score pairs: ``kernel.TEXT`` or a pairing's blend.

    ``weights`` are (text, sector, region, degree or amount), ``facets`` the flat arrays
    of both sides (see ``engine._kernel_facets``).
    """

    mode: int
    weights: np.ndarray
    support_at: float
    need_query: bool
    facets: tuple


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
