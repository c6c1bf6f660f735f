"""Structured signals and the blend: the one place where the weights live.

Each rule compares one need (or project) with one profile (or interest) and says
``pass`` (1.0), ``fail`` (0.0) or ``unknown`` (0.5, when a side left the field empty).
The final score adds the weighted text similarity and the weighted rules, the rules
scaled down when the texts share little (see ``blend``); the weights of a kind add up
to 1, so the score stays in [0, 1].

Talent (a graduate for a need):

=======  ======  ==============================================================
text     0.60    TF-IDF cosine of the two texts
sector   0.15    the need's sector is among the sectors the graduate wants
region   0.15    the need is in a region the graduate wants, or in the home county
degree   0.10    the graduate's degree meets the need's minimum
=======  ======  ==============================================================

Investment (an investor's interest for a project):

=======  ======  ==============================================================
text     0.55    TF-IDF cosine of the two texts
sector   0.20    the project's sector is among the interest's sectors
region   0.15    the project is in one of the interest's regions
amount   0.10    the amount ranges overlap (万元)
=======  ======  ==============================================================
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

PASS, FAIL, UNKNOWN = 1.0, 0.0, 0.5

#: Rules that compare two sets of ids, and the ``FacetTable`` column each reads.
SET_RULES = {"sector": "sectors", "region": "places"}

#: Tables up to this size keep the base rows of ``structured_block`` (a few per table).
CACHED_ROWS_UP_TO = 500_000

#: Text similarity from which the rules count in full (see ``blend``).
TEXT_SUPPORT = 0.15

WEIGHTS = {
    "talent": {"text": 0.60, "sector": 0.15, "region": 0.15, "degree": 0.10},
    "investment": {"text": 0.55, "sector": 0.20, "region": 0.15, "amount": 0.10},
}


@dataclass(frozen=True)
class Facets:
    """The structured side of one document, as plain data.

    ``sectors`` and ``places`` are sets of the caller's ids: for a need or project, its
    sector and its region with the region's ancestors; for a graduate or interest, the
    sectors and regions wanted (a graduate's home county counts as wanted).
    ``level`` is a degree rank (need: minimum, graduate: held), None when not given.
    ``amount`` is a (low, high) range in 万元, either end None when open.
    """

    sectors: frozenset[int] = frozenset()
    places: frozenset[int] = frozenset()
    level: int | None = None
    amount: tuple[float | None, float | None] = (None, None)


class FacetTable:
    """Facets of many candidates, stored column-wise for vectorised rules."""

    def __init__(self, facets: Sequence[Facets]):
        self.size = len(facets)
        self.sectors = _SetColumn(f.sectors for f in facets)
        self.places = _SetColumn(f.places for f in facets)
        self.level = np.array([-1 if f.level is None else f.level for f in facets], dtype=np.int16)
        low = [np.nan if f.amount[0] is None else f.amount[0] for f in facets]
        high = [np.nan if f.amount[1] is None else f.amount[1] for f in facets]
        self.amount_low = np.array(low, dtype=np.float64)
        self.amount_high = np.array(high, dtype=np.float64)
        #: Rule rows worked out once per query value (e.g. per degree level), float32.
        self.cache: dict = {}


class _SetColumn:
    """A set of ints per row, as CSR-style ``indptr``/``values`` arrays.

    ``members()`` inverts it (id → rows holding the id), built on first use, so a rule
    finds the rows sharing an id with a query by reading those rows only.
    """

    def __init__(self, sets: Iterable[frozenset[int]]):
        lengths, values = [], []
        for s in sets:
            lengths.append(len(s))
            values.extend(s)
        self.indptr = np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)])
        self.values = np.asarray(values, dtype=np.int64)
        self.known = np.diff(self.indptr) > 0
        self._members: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._keys: np.ndarray | None = None

    def members(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(distinct ids sorted, indptr, rows): the rows holding ``ids[i]`` are
        ``rows[indptr[i]:indptr[i + 1]]``."""
        if self._members is None:
            owners = np.repeat(np.arange(len(self.known)), np.diff(self.indptr))
            order = np.argsort(self.values, kind="stable")
            ids, starts = np.unique(self.values[order], return_index=True)
            indptr = np.append(starts, len(order)).astype(np.int64)
            self._members = (ids, indptr, owners[order])
        return self._members

    def rows_holding(self, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pairs (i, row) such that ``row`` holds ``wanted[i]``, as two arrays."""
        ids, indptr, rows = self.members()
        if ids.size == 0 or len(wanted) == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        at = np.minimum(np.searchsorted(ids, wanted), ids.size - 1)
        lengths = np.where(ids[at] == wanted, indptr[at + 1] - indptr[at], 0)
        return np.repeat(np.arange(len(wanted)), lengths), rows[_ranges(indptr[at], lengths)]

    def overlaps(self, wanted: frozenset[int]) -> np.ndarray:
        """Per row: does its set share an element with ``wanted``?"""
        hits = np.zeros(len(self.known), dtype=bool)
        _, rows = self.rows_holding(np.fromiter(wanted, dtype=np.int64, count=len(wanted)))
        hits[rows] = True
        return hits

    def row_sets(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The elements of the sets of ``rows``: (index into ``rows``, element)."""
        lengths = self.indptr[rows + 1] - self.indptr[rows]
        owners = np.repeat(np.arange(len(rows)), lengths)
        return owners, self.values[_ranges(self.indptr[rows], lengths)]

    def pair_overlaps(self, other: _SetColumn, rows: np.ndarray, mine: np.ndarray) -> np.ndarray:
        """Per pair i: does row ``rows[i]`` of ``other`` share an element with row
        ``mine[i]`` of this column?"""
        if self._keys is None:
            ids, _, _ = self.members()
            owners = np.repeat(np.arange(len(self.known)), np.diff(self.indptr))
            codes = np.searchsorted(ids, self.values)
            self._keys = np.sort(owners * max(1, ids.size) + codes)
        ids, _, _ = self.members()
        pair, element = other.row_sets(rows)
        if ids.size == 0 or element.size == 0:
            return np.zeros(len(rows), dtype=bool)
        at = np.minimum(np.searchsorted(ids, element), ids.size - 1)
        keys = mine[pair] * ids.size + at
        found = np.minimum(np.searchsorted(self._keys, keys), self._keys.size - 1)
        hit = (ids[at] == element) & (self._keys[found] == keys)
        return np.bincount(pair[hit], minlength=len(rows)) > 0


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(start, start + length)`` for each pair, vectorised."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(lengths)
    return np.arange(total) - np.repeat(ends - lengths - starts, lengths)


def _tri(passed: np.ndarray, known: np.ndarray) -> np.ndarray:
    return np.where(known, np.where(passed, PASS, FAIL), UNKNOWN)


def rule_values(kind: str, query: Facets, table: FacetTable, query_is_need: bool) -> dict:
    """Every rule of ``kind`` for one query against all candidates: name → float array."""
    values = {}
    q_known = bool(query.sectors)
    passed = table.sectors.overlaps(query.sectors) if q_known else np.zeros(table.size, bool)
    values["sector"] = _tri(passed, table.sectors.known & q_known)
    q_known = bool(query.places)
    passed = table.places.overlaps(query.places) if q_known else np.zeros(table.size, bool)
    values["region"] = _tri(passed, table.places.known & q_known)
    if kind == "talent":
        values["degree"] = _degree(query.level, table.level, query_is_need)
    else:
        values["amount"] = _amount(query.amount, table.amount_low, table.amount_high)
    return values


def _degree(level: int | None, levels: np.ndarray, query_is_need: bool) -> np.ndarray:
    if level is None:
        # A need without a minimum passes everyone; a profile without a degree is unknown.
        return np.full(levels.shape, PASS if query_is_need else UNKNOWN)
    if query_is_need:  # candidates are graduates: held ≥ required
        return np.where(levels < 0, UNKNOWN, np.where(levels >= level, PASS, FAIL))
    return np.where(levels < 0, PASS, np.where(level >= levels, PASS, FAIL))


def _amount(amount, lows: np.ndarray, highs: np.ndarray) -> np.ndarray:
    low = -np.inf if amount[0] is None else amount[0]
    high = np.inf if amount[1] is None else amount[1]
    known = (amount[0] is not None or amount[1] is not None) & ~(np.isnan(lows) & np.isnan(highs))
    other_low = np.where(np.isnan(lows), -np.inf, lows)
    other_high = np.where(np.isnan(highs), np.inf, highs)
    overlap = (other_low <= high) & (low <= other_high)
    return _tri(overlap, known)


def pair_values(
    kind: str,
    queries: FacetTable,
    rows: np.ndarray,
    table: FacetTable,
    positions: np.ndarray,
    query_is_need: bool,
) -> dict:
    """``rule_values`` for pairs: query ``rows[i]`` of ``queries`` against candidate
    ``positions[i]`` of ``table``. Same names, same order, same values."""
    values = {}
    for name, column in SET_RULES.items():
        mine, theirs = getattr(queries, column), getattr(table, column)
        known = mine.known[rows] & theirs.known[positions]
        values[name] = _tri(theirs.pair_overlaps(mine, rows, positions), known)
    if kind == "talent":
        values["degree"] = _degree_pairs(queries.level[rows], table.level[positions], query_is_need)
    else:
        values["amount"] = _amount_pairs(
            queries.amount_low[rows],
            queries.amount_high[rows],
            table.amount_low[positions],
            table.amount_high[positions],
        )
    return values


def _degree_pairs(level: np.ndarray, levels: np.ndarray, query_is_need: bool) -> np.ndarray:
    """``_degree`` with one query level per pair (-1 for none)."""
    if query_is_need:
        value = np.where(levels < 0, UNKNOWN, np.where(levels >= level, PASS, FAIL))
        return np.where(level < 0, PASS, value)
    value = np.where(levels < 0, PASS, np.where(level >= levels, PASS, FAIL))
    return np.where(level < 0, UNKNOWN, value)


def _amount_pairs(q_low, q_high, lows, highs) -> np.ndarray:
    """``_amount`` with one query range per pair (NaN for an open end)."""
    low = np.where(np.isnan(q_low), -np.inf, q_low)
    high = np.where(np.isnan(q_high), np.inf, q_high)
    known = ~(np.isnan(q_low) & np.isnan(q_high)) & ~(np.isnan(lows) & np.isnan(highs))
    other_low = np.where(np.isnan(lows), -np.inf, lows)
    other_high = np.where(np.isnan(highs), np.inf, highs)
    return _tri((other_low <= high) & (low <= other_high), known)


def structured_block(
    kind: str, queries: FacetTable, rows: np.ndarray, table: FacetTable, query_is_need: bool
) -> np.ndarray:
    """``Σ w_rule · value`` for queries ``rows`` against every candidate, float32.

    Within 1e-6 of the float64 sum; ``pair_values`` gives the exact values. Each row
    starts from a base row shared by all queries with the same degree level and the same
    known sets (worked out once per table), then the pairs sharing an id pass.
    """
    weights = WEIGHTS[kind]
    out = np.empty((len(rows), table.size), dtype=np.float32)
    known = [getattr(queries, column).known[rows] for column in SET_RULES.values()]
    level = queries.level[rows] if kind == "talent" else np.full(len(rows), -1)
    keys = (level.astype(np.int64) + 1) * 4 + known[0] * 2 + known[1]
    for key in np.unique(keys):
        out[keys == key] = _base_row(
            kind, table, query_is_need, int(key) // 4 - 1, bool(key & 2), bool(key & 1)
        )
    if kind != "talent":
        value = _amount_pairs(
            queries.amount_low[rows, None],
            queries.amount_high[rows, None],
            table.amount_low[None, :],
            table.amount_high[None, :],
        )
        out += (weights["amount"] * value).astype(np.float32)
    flat = out.reshape(-1)
    for name, column in SET_RULES.items():
        query, element = getattr(queries, column).row_sets(rows)
        which, position = getattr(table, column).rows_holding(element)
        cells = query[which] * table.size + position
        # assignment, not +=: a pair sharing two elements passes once
        flat[cells] = flat[cells] + np.float32((PASS - FAIL) * weights[name])
    return out


def _base_row(kind, table: FacetTable, query_is_need: bool, level, sectors, places):
    """Σ w · value of the rules before overlaps: the set rules fail where both sides are
    known (a pair sharing an id is raised to pass afterwards), degree by level."""
    key = ("base", kind, query_is_need, level, sectors, places)
    row = table.cache.get(key)
    if row is None:
        weights = WEIGHTS[kind]
        row = np.zeros(table.size)
        for (name, column), known in zip(SET_RULES.items(), (sectors, places), strict=True):
            theirs = getattr(table, column).known
            row += weights[name] * np.where(theirs & known, FAIL, UNKNOWN)
        if kind == "talent":
            degree = _degree(None if level < 0 else level, table.level, query_is_need)
            row += weights["degree"] * degree
        row = row.astype(np.float32)
        if table.size <= CACHED_ROWS_UP_TO:
            table.cache[key] = row
    return row


def blend(kind: str, text: np.ndarray, values: dict[str, np.ndarray]) -> np.ndarray:
    """The final score in [0, 1]: text similarity plus rules that the text supports.

    ``w_text · t + (Σ w_rule · value) · min(1, t / TEXT_SUPPORT)``: the rules count in
    full once the texts are at least ``TEXT_SUPPORT`` similar, and proportionally less
    below, so matching sector, region and degree cannot make a pair out of two texts
    that have nothing in common.
    """
    weights = WEIGHTS[kind]
    text = np.clip(text, 0.0, 1.0)
    structured = np.zeros_like(text, dtype=np.float64)
    for name, value in values.items():
        structured = structured + weights[name] * value
    support = np.minimum(1.0, text / TEXT_SUPPORT)
    return np.clip(weights["text"] * text + structured * support, 0.0, 1.0)


def verdict(value: float) -> str:
    """``pass``, ``fail`` or ``unknown`` for a rule value."""
    return {PASS: "pass", FAIL: "fail"}.get(float(value), "unknown")
