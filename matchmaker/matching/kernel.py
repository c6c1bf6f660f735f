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

The rules of a pair are checked in ``_blend``, called once per list of candidates, not
per pair: every array handed to a compiled function costs atomic reference-count
updates on each call, which the compiler does not drop here, and a helper taking the
six facet arrays per pair was most of what the blend cost over the text alone. A
candidate's facets are read from one packed row (``PACKED_WIDTH``): the posting lists
streaming through the cache evict the set arrays between two checks.

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
#: Int32 cells of a candidate's packed facets (``engine._kernel_facets``): its degree
#: level, how many sector codes, how many place codes, then the codes, sorted; 16 cells,
#: one cache line. A candidate with more codes than fit has -1 as its count of sector
#: codes and is read from the set arrays instead.
PACKED_WIDTH = 16
PACKED_HEAD = 3


@njit(nogil=True, cache=True, inline="always")
def _tri(passed, known):
    if not known:
        return 0.5
    return 1.0 if passed else 0.0


@njit(nogil=True, cache=True, inline="always")
def _final(mode, w_text, support_at, text, structured):
    """``rules.blend`` of one pair (``TEXT``: the text score itself)."""
    if mode == TEXT:
        return text
    t = min(max(text, 0.0), 1.0)
    support = min(1.0, t / support_at)
    return min(max(w_text * t + structured * support, 0.0), 1.0)


@njit(nogil=True, cache=True, inline="always")
def _least_text(mode, w_text, support_at, score, structured):
    """The least text score with which a pair whose rules give at most ``structured``
    may still score ``score``, less a margin for rounding (0 when any text may).

    The blend ``w · t + s · min(1, t / support_at)`` rises with ``t``: below the knee
    at ``support_at`` its slope is ``w + s / support_at``, above it ``w``.
    """
    if mode == TEXT:
        return score - SLACK
    knee = w_text * support_at + structured
    if score <= knee:
        text = score / (w_text + structured / support_at)
    else:
        text = support_at + (score - knee) / w_text
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
    qs_ptr, qp_ptr = facets[0], facets[2]
    n_candidates = ids.size
    text = np.zeros(n_candidates)
    touched = np.empty(n_candidates, dtype=np.int32)
    listed = np.empty(n_candidates, dtype=np.int64)
    listed_text = np.empty(n_candidates)
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
        n_probe = 0
        low = -1.0
        for t in range(n_touched):
            c = pool[t]
            if text[c] > 0.0 and text[c] >= low and active[c]:
                n_probe = _offer(text[c], c, ids, probe_s, probe_p, n_probe)
                if n_probe == k:
                    low = probe_s[k - 1]
        for t in range(n_probe):
            listed[t], listed_text[t] = probe_p[t], probe_s[t]
            text[probe_p[t]] = -probe_s[t]  # blended already (a text score is never negative)
        # the most the rules can give this query: a set rule it leaves empty is unknown
        # for every pair; a need without a minimum degree passes everyone
        most = 0.0
        if mode != TEXT:
            most = 0.0 + weights[1] * (1.0 if qs_ptr[row + 1] > qs_ptr[row] else 0.5)
            most = most + weights[2] * (1.0 if qp_ptr[row + 1] > qp_ptr[row] else 0.5)
            most = most + weights[3] * 1.0
        least = _least_text(mode, weights[0], support_at, floor, most)
        filled, least = _blend(
            listed, listed_text, n_probe, row, 0, least, most, mode, weights, support_at,
            need_query, facets, floor, ids, best_s, best_p,
        )  # fmt: skip
        # then the others: the blend is monotone in the text, so a text below ``least``
        # cannot reach the bar even with the best rules; a tight loop lists the rest
        n_listed = 0
        for t in range(n_touched):
            c = pool[t]
            score = text[c]
            text[c] = 0.0
            if score >= least and score > 0.0 and active[c]:
                listed[n_listed], listed_text[n_listed] = c, score
                n_listed += 1
        filled, least = _blend(
            listed, listed_text, n_listed, row, filled, least, most, mode, weights,
            support_at, need_query, facets, floor, ids, best_s, best_p,
        )  # fmt: skip
        out = offset + r
        for t in range(filled):
            out_positions[out, t] = best_p[t]
            out_scores[out, t] = best_s[t]
        out_counts[out] = filled


@njit(nogil=True, cache=True)
def _blend(
    listed, listed_text, n, q, filled, least, most, mode, weights, support_at, need_query,
    facets, floor, ids, best_s, best_p,
):  # fmt: skip
    """Score the ``n`` candidates ``listed`` (text scores ``listed_text``) for query ``q``
    and offer them to the best k; return the new count and the new ``least``.

    A function called once per list, not per pair: the rules are written out here, so
    that no array is handed over per pair (see the module's notes).
    """
    (qs_ptr, qs_codes, qp_ptr, qp_codes, q_level, q_low, q_high,
     packed, cs_ptr, cs_codes, cp_ptr, cp_codes, c_low, c_high) = facets  # fmt: skip
    w_text, w_sector, w_region, w_third = weights[0], weights[1], weights[2], weights[3]
    k = best_s.size
    for t in range(n):
        score = listed_text[t]
        if score < least:
            continue
        c = listed[t]
        if mode != TEXT:
            # the rules, in the order ``rules.blend`` adds them: sector, region …
            sectors = packed[c, 1]
            if sectors >= 0:  # the codes are in the packed row
                j, j_end = PACKED_HEAD, PACKED_HEAD + sectors
                i, i_end = qs_ptr[q], qs_ptr[q + 1]
                sector = _tri(False, False)
                if i < i_end and j < j_end:
                    sector = _tri(False, True)
                    while i < i_end and j < j_end:
                        if qs_codes[i] == packed[c, j]:
                            sector = _tri(True, True)
                            break
                        if qs_codes[i] < packed[c, j]:
                            i += 1
                        else:
                            j += 1
                j, j_end = j_end, j_end + packed[c, 2]
                i, i_end = qp_ptr[q], qp_ptr[q + 1]
                region = _tri(False, False)
                if i < i_end and j < j_end:
                    region = _tri(False, True)
                    while i < i_end and j < j_end:
                        if qp_codes[i] == packed[c, j]:
                            region = _tri(True, True)
                            break
                        if qp_codes[i] < packed[c, j]:
                            i += 1
                        else:
                            j += 1
            else:  # too many codes for one row
                sector = _shared(
                    qs_ptr[q], qs_ptr[q + 1], qs_codes, cs_ptr[c], cs_ptr[c + 1], cs_codes
                )
                region = _shared(
                    qp_ptr[q], qp_ptr[q + 1], qp_codes, cp_ptr[c], cp_ptr[c + 1], cp_codes
                )
            # … then degree (talent) or amount (investment)
            if mode == TALENT:
                mine, theirs = q_level[q], packed[c, 0]
                if need_query:  # a need without a minimum passes everyone
                    third = 1.0 if mine < 0 else (0.5 if theirs < 0 else _tri(theirs >= mine, True))
                else:
                    third = 0.5 if mine < 0 else (1.0 if theirs < 0 else _tri(mine >= theirs, True))
            else:
                third = _amounts(q_low[q], q_high[q], c_low[c], c_high[c])
            structured = 0.0 + w_sector * sector
            structured = structured + w_region * region
            structured = structured + w_third * third
            score = _final(mode, w_text, support_at, score, structured)
        if score >= floor and (filled < k or score >= best_s[k - 1]):
            filled = _offer(score, c, ids, best_s, best_p, filled)
            if filled == k:
                least = _least_text(mode, w_text, support_at, max(best_s[k - 1], floor), most)
    return filled, least


@njit(nogil=True, cache=True)
def _shared(i, i_end, a, j, j_end, b):
    """A set rule: do the sorted codes ``a[i:i_end]`` and ``b[j:j_end]`` share one?"""
    if i == i_end or j == j_end:
        return _tri(False, False)
    while i < i_end and j < j_end:
        if a[i] == b[j]:
            return _tri(True, True)
        if a[i] < b[j]:
            i += 1
        else:
            j += 1
    return _tri(False, True)


@njit(nogil=True, cache=True, inline="always")
def _amounts(low, high, other_low, other_high):
    """The amount rule: do two ranges of 万元 overlap (NaN: an open end)?"""
    known = not (np.isnan(low) and np.isnan(high)) and not (
        np.isnan(other_low) and np.isnan(other_high)
    )
    low = -np.inf if np.isnan(low) else low
    high = np.inf if np.isnan(high) else high
    other_low = -np.inf if np.isnan(other_low) else other_low
    other_high = np.inf if np.isnan(other_high) else other_high
    return _tri(other_low <= high and low <= other_high, known)
