"""What the engine is compared with, and how close their top 10s are to its own.

- naive: scikit-learn ``cosine_similarity`` of a chunk of queries against every
  candidate (a dense block), then ``argpartition`` and a sort of the 10 kept;
- sparse_dot_topn: ``sp_matmul_topn`` (C++), top 10 per row kept while multiplying.

Both get the same vectors as the engine (its on-grid copies) and only the active
candidates, so that their top 10s are comparable with the engine's text-only ranking.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.metrics.pairwise import cosine_similarity
from sparse_dot_topn import sp_matmul_topn

K = 10


def naive_top(queries: sp.csr_matrix, candidates: sp.csr_matrix, k: int = K, chunk: int = 2000):
    """(positions, scores), each (n, k): best first by cosine, chunks of queries at once."""
    n = queries.shape[0]
    positions = np.full((n, k), -1, dtype=np.int64)
    scores = np.zeros((n, k), dtype=np.float64)
    for start in range(0, n, chunk):
        block = cosine_similarity(queries[start : start + chunk], candidates)
        top = np.argpartition(block, -k, axis=1)[:, -k:]
        values = np.take_along_axis(block, top, axis=1)
        order = np.argsort(-values, axis=1, kind="stable")
        positions[start : start + chunk] = np.take_along_axis(top, order, axis=1)
        scores[start : start + chunk] = np.take_along_axis(values, order, axis=1)
    return positions, scores


def naive_one(query: sp.csr_matrix, candidates: sp.csr_matrix, k: int = K) -> np.ndarray:
    """One query: cosine against every candidate, full argsort, the first k."""
    return np.argsort(-cosine_similarity(query, candidates).ravel(), kind="stable")[:k]


def topn(queries: sp.csr_matrix, postings: sp.csr_matrix, k: int = K, threads: int | None = 2):
    """sparse_dot_topn's top k per row, as (positions, scores) padded with -1 / 0."""
    product = sp_matmul_topn(queries, postings, top_n=k, n_threads=threads)
    return padded(product, k)


def padded(product: sp.csr_matrix, k: int):
    """The rows of a sparse top-k result as dense (positions, scores), best first."""
    n = product.shape[0]
    positions = np.full((n, k), -1, dtype=np.int64)
    scores = np.zeros((n, k), dtype=np.float64)
    lengths = np.diff(product.indptr)
    rows = np.repeat(np.arange(n), lengths)
    order = np.lexsort((product.indices, -product.data, rows))
    rank = np.arange(product.nnz) - np.repeat(product.indptr[:-1], lengths)
    positions[rows, rank] = product.indices[order]
    scores[rows, rank] = product.data[order]
    return positions, scores


def agreement(ours, theirs, ours_scores=None, their_scores=None, tolerance: float = 1e-5):
    """How alike two top-k lists are, per query, averaged.

    ``overlap``: mean |A ∩ B| / max(|A|, |B|) (1 when both are empty); ``identical``:
    share of queries with the same id set. ``tie_aware`` also counts as agreeing an id
    whose score equals the other list's last score (within ``tolerance``): which of tied
    candidates makes the cut is arbitrary in the baselines.
    """
    total = same = tied = 0.0
    for i in range(len(ours)):
        a = {int(x) for x in ours[i] if x >= 0}
        b = {int(x) for x in theirs[i] if x >= 0}
        size = max(len(a), len(b))
        common = len(a & b)
        total += common / size if size else 1.0
        same += a == b
        if ours_scores is not None and size:
            last = their_scores[i][len(b) - 1] if b else np.inf
            extra = sum(
                1
                for j, x in enumerate(ours[i])
                if x >= 0 and int(x) not in b and abs(ours_scores[i][j] - last) <= tolerance
            )
            tied += min(size, common + extra) / size
        else:
            tied += 1.0
    n = max(1, len(ours))
    return {"overlap": total / n, "identical": same / n, "tie_aware": tied / n}
