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


class _SetColumn:
    """A set of ints per row, as CSR-style ``indptr``/``values`` arrays."""

    def __init__(self, sets: Iterable[frozenset[int]]):
        lengths, values = [], []
        for s in sets:
            lengths.append(len(s))
            values.extend(s)
        self.indptr = np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)])
        self.values = np.asarray(values, dtype=np.int64)
        self.known = np.diff(self.indptr) > 0

    def overlaps(self, wanted: frozenset[int]) -> np.ndarray:
        """Per row: does its set share an element with ``wanted``?"""
        hits = np.isin(self.values, np.fromiter(wanted, dtype=np.int64, count=len(wanted)))
        counts = (
            np.add.reduceat(np.concatenate([hits.astype(np.int32), [0]]), self.indptr[:-1])
            * self.known
        )
        return counts > 0


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
