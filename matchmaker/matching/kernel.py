"""The compiled batch kernel: the best k candidates of many queries, exact.

One query at a time, in compiled code (numba) that releases the GIL, so that blocks of
queries run on every core from plain Python threads. For each query the posting lists of
its features are walked, adding each feature's share to the text score of every
candidate having it (a float64 array as long as the side; the candidates touched are
listed only when they are few, see ``DENSE_WALK``). The best k by text alone are blended
first, which sets a bar; then every other touched candidate: the blend is monotone in the
text score, so one whose text cannot reach the bar even with every rule this query can
pass is passed over without looking at its rules.

Exact means the same float64 numbers as ``Matcher.rank``: on-grid weights (see ``topk``)
make every text sum exact in any order, and the blend repeats ``rules.blend`` operation by
operation. Ties go to the lower id. Bounds carry a margin (``SLACK``) for rounding.

Measured against pruning the walk (MaxScore-style: the features that weigh most first,
stopping once the rest cannot lift an unseen candidate into the best k): on synthetic
profiles × needs it skipped two thirds of the postings for the text alone and a sixth for
the blend, but the checks cost as much as they saved; the plain walk was faster.
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: Kinds of score: the text alone, or the blend of ``rules`` for a pairing.
TEXT, TALENT, INVESTMENT = 0, 1, 2
#: Margin on every bound compared with the bar (rounding of the bound itself).
SLACK = 1e-9
#: A query whose posting lists hold at least 1/DENSE_WALK postings per candidate of the
#: side adds into the whole score array without listing the candidates it touches (a
#: branch less per posting: 1.7x faster on 10k needs), then looks at every candidate.
#: Read on each call (``rank_rows`` takes it as ``dense_walk``).
DENSE_WALK = 2


@njit(nogil=True, cache=True, inline="always")
def _overlap(a_ptr, a_val, a, b_ptr, b_val, b):
    """Do the sorted sets of row ``a`` and row ``b`` share an element?"""
    i, i_end = a_ptr[a], a_ptr[a + 1]
    j, j_end = b_ptr[b], b_ptr[b + 1]
    while i < i_end and j < j_end:
        x, y = a_val[i], b_val[j]
        if x == y:
            return True
        if x < y:
            i += 1
        else:
            j += 1
    return False


@njit(nogil=True, cache=True, inline="always")
def _tri(passed, known):
    if not known:
        return 0.5
    return 1.0 if passed else 0.0


@njit(nogil=True, cache=True, inline="always")
def _structured(mode, weights, need_query, q, c, facets):
    """``Σ w_rule · value`` of one pair, added in the order ``rules.blend`` adds them."""
    (qs_ptr, qs_val, cs_ptr, cs_val, qp_ptr, qp_val, cp_ptr, cp_val,
     q_level, c_level, q_low, q_high, c_low, c_high) = facets  # fmt: skip
    known = qs_ptr[q + 1] > qs_ptr[q] and cs_ptr[c + 1] > cs_ptr[c]
    sector = _tri(known and _overlap(qs_ptr, qs_val, q, cs_ptr, cs_val, c), known)
    known = qp_ptr[q + 1] > qp_ptr[q] and cp_ptr[c + 1] > cp_ptr[c]
    region = _tri(known and _overlap(qp_ptr, qp_val, q, cp_ptr, cp_val, c), known)
    if mode == TALENT:
        mine, theirs = q_level[q], c_level[c]
        if need_query:
            third = 1.0 if mine < 0 else (0.5 if theirs < 0 else (1.0 if theirs >= mine else 0.0))
        else:
            third = 0.5 if mine < 0 else (1.0 if theirs < 0 else (1.0 if mine >= theirs else 0.0))
    else:
        low, high = q_low[q], q_high[q]
        other_low, other_high = c_low[c], c_high[c]
        known = not (np.isnan(low) and np.isnan(high)) and not (
            np.isnan(other_low) and np.isnan(other_high)
        )
        low = -np.inf if np.isnan(low) else low
        high = np.inf if np.isnan(high) else high
        other_low = -np.inf if np.isnan(other_low) else other_low
        other_high = np.inf if np.isnan(other_high) else other_high
        third = _tri(other_low <= high and low <= other_high, known)
    total = 0.0 + weights[1] * sector
    total = total + weights[2] * region
    return total + weights[3] * third


@njit(nogil=True, cache=True, inline="always")
def _rules_at_most(mode, weights, need_query, q, facets):
    """The most ``_structured`` can give query ``q``: a set rule it leaves empty is
    unknown for every pair; a need without a minimum degree passes everyone."""
    qs_ptr, qp_ptr = facets[0], facets[4]
    sector = 1.0 if qs_ptr[q + 1] > qs_ptr[q] else 0.5
    region = 1.0 if qp_ptr[q + 1] > qp_ptr[q] else 0.5
    total = 0.0 + weights[1] * sector
    total = total + weights[2] * region
    return total + weights[3] * 1.0


@njit(nogil=True, cache=True, inline="always")
def _final(mode, weights, support_at, text, structured):
    """``rules.blend`` of one pair (``TEXT``: the text score itself)."""
    if mode == TEXT:
        return text
    t = min(max(text, 0.0), 1.0)
    support = min(1.0, t / support_at)
    return min(max(weights[0] * t + structured * support, 0.0), 1.0)


@njit(nogil=True, cache=True, inline="always")
def _least_text(mode, weights, support_at, score, structured):
    """The least text score with which a pair whose rules give at most ``structured``
    may still score ``score``, less a margin for rounding (0 when any text may).

    The blend ``w · t + s · min(1, t / support_at)`` rises with ``t``: below the knee
    at ``support_at`` its slope is ``w + s / support_at``, above it ``w``.
    """
    if mode == TEXT:
        return score - SLACK
    knee = weights[0] * support_at + structured
    if score <= knee:
        text = score / (weights[0] + structured / support_at)
    else:
        text = support_at + (score - knee) / weights[0]
    return max(0.0, text * (1.0 - 1e-9) - SLACK)


@njit(nogil=True, cache=True, inline="always")
def _offer(score, position, ids, best_s, best_p, filled):
    """Put a scored candidate into the best k (score down, id up); return the new count."""
    k = best_s.size
    if filled == k:
        last = best_p[k - 1]
        if score < best_s[k - 1] or (score == best_s[k - 1] and ids[position] > ids[last]):
            return filled
        at = k - 1
    else:
        at = filled
        filled += 1
    while at > 0:
        s, p = best_s[at - 1], best_p[at - 1]
        if s > score or (s == score and ids[p] < ids[position]):
            break
        best_s[at], best_p[at] = s, p
        at -= 1
    best_s[at], best_p[at] = score, position
    return filled


@njit(nogil=True, cache=True)
def rank_rows(
    rows, q_indptr, q_indices, q_data,
    p_indptr, p_indices, p_data,
    active, ids, k, floor, mode, weights, support_at, need_query, facets, dense_walk,
    out_positions, out_scores, out_counts, offset,
):  # fmt: skip
    """Rank query ``rows`` (rows of the query CSR) against the side whose postings
    (features × candidates, CSR) are ``p_*``; write rows ``offset + i`` of the out arrays."""
    n_candidates = ids.size
    text = np.zeros(n_candidates)
    touched = np.empty(n_candidates, dtype=np.int32)
    best_s = np.empty(k)
    best_p = np.empty(k, dtype=np.int64)
    probe_s = np.empty(k)
    probe_p = np.empty(k, dtype=np.int64)
    everyone = np.arange(n_candidates, dtype=np.int32)
    for r in range(rows.size):
        row = rows[r]
        postings = 0
        for a in range(q_indptr[row], q_indptr[row + 1]):
            postings += p_indptr[q_indices[a] + 1] - p_indptr[q_indices[a]]
        if postings * dense_walk >= n_candidates:
            # most candidates will be touched: add without keeping a list, look at all
            for a in range(q_indptr[row], q_indptr[row + 1]):
                f = q_indices[a]
                w = np.float64(q_data[a])
                for j in range(p_indptr[f], p_indptr[f + 1]):
                    text[p_indices[j]] += w * np.float64(p_data[j])
            pool, n_touched = everyone, n_candidates
        else:
            n_touched = 0
            for a in range(q_indptr[row], q_indptr[row + 1]):
                f = q_indices[a]
                w = np.float64(q_data[a])
                for j in range(p_indptr[f], p_indptr[f + 1]):
                    c = p_indices[j]
                    if text[c] == 0.0:
                        touched[n_touched] = c
                        n_touched += 1
                    text[c] += w * np.float64(p_data[j])
            pool = touched
        # first the best k by text alone, blended: a high bar from the start
        filled = 0
        low = -1.0
        for t in range(n_touched):
            c = pool[t]
            if text[c] > 0.0 and text[c] >= low and active[c]:
                filled = _offer(text[c], c, ids, probe_s, probe_p, filled)
                if filled == k:
                    low = probe_s[k - 1]
        n_probe, filled = filled, 0
        for t in range(n_probe):
            c = probe_p[t]
            rules = 0.0
            if mode != TEXT:
                rules = _structured(mode, weights, need_query, row, c, facets)
            score = _final(mode, weights, support_at, text[c], rules)
            if score >= floor:
                filled = _offer(score, c, ids, best_s, best_p, filled)
            text[c] = -text[c]  # offered already (a text score is never negative)
        bar = max(best_s[k - 1], floor) if filled == k else floor
        # then the others: the blend is monotone in the text, so with the best rules this
        # query can pass, a text below ``least`` cannot reach the bar: most are passed over
        most = 0.0 if mode == TEXT else _rules_at_most(mode, weights, need_query, row, facets)
        least = _least_text(mode, weights, support_at, bar, most)
        for t in range(n_touched):
            c = pool[t]
            score = text[c]
            text[c] = 0.0
            if score <= 0.0 or score < least or not active[c]:
                continue
            rules = 0.0
            if mode != TEXT:
                rules = _structured(mode, weights, need_query, row, c, facets)
            score = _final(mode, weights, support_at, score, rules)
            if score >= floor:
                filled = _offer(score, c, ids, best_s, best_p, filled)
                if filled == k:
                    bar = max(best_s[k - 1], floor)
                    least = _least_text(mode, weights, support_at, bar, most)
        out = offset + r
        for t in range(filled):
            out_positions[out, t] = best_p[t]
            out_scores[out, t] = best_s[t]
        out_counts[out] = filled
