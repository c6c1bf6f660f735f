"""A synthetic but realistic corpus: Chinese job needs and graduate profiles, with facets.

Documents are drawn from the word lists of ``bench.words`` with a fixed seed, as two
streams (needs, profiles): the first ``n`` documents of a stream are the same whatever
``n`` is, so the 10k profiles are a prefix of the 100k, which are a prefix of the 1M.

Tokenising a million documents with jieba takes minutes, so the tokens and facets are
cached under ``.bench/`` (ids into a vocabulary, numpy arrays); the raw text is only
regenerated for the sample whose tokenising speed is measured.
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np

from matchmaker.matching import Facets, Lexicon, tokenise_many

from . import words as W

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".bench"
VERSION = 1  # bump when the generator changes: the cached tokens are then rebuilt
FIELDS = {"need": ("title", "text"), "profile": ("title", "skills", "text")}
SEEDS = {"need": 20261128, "profile": 19491001}
SECTOR_IDS = tuple(W.SECTORS)
# sectors and cities are not equally popular: a few take most of the postings
SECTOR_WEIGHTS = tuple(1.0 / (rank + 1) ** 0.6 for rank in range(len(SECTOR_IDS)))


def lexicon() -> Lexicon:
    """The app's lexicon: data/matching plus the sector synonyms as concepts."""
    sectors = json.loads((ROOT / "data" / "sectors.json").read_text(encoding="utf-8"))
    concepts = {word: f"sector:{s['code']}" for s in sectors for word in s["synonyms"]}
    return Lexicon.from_directory(ROOT / "data" / "matching", concepts=concepts)


# --- regions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    id: int
    name: str
    lineage: tuple[int, ...]  # the place and its ancestors, province first


def _regions(seed: int = 7) -> tuple[list[Place], list[Place], list[Place]]:
    """A province → city → county → township tree: 3 provinces, ~3,000 townships."""
    rng = random.Random(seed)
    names: set[str] = set()

    def name(suffix: str) -> str:
        while True:
            candidate = "".join(rng.sample(W.PLACE_SYLLABLES, 2)) + suffix
            if candidate not in names:
                names.add(candidate)
                return candidate

    cities, counties, townships = [], [], []
    next_id = iter(range(1, 10**6))
    for province_name in ("河南省", "湖北省", "安徽省"):
        province = next(next_id)
        for _ in range(rng.randint(8, 17)):
            city = Place(next(next_id), name("市"), (province,))
            cities.append(Place(city.id, province_name + city.name, (province, city.id)))
            for _ in range(rng.randint(4, 10)):
                county_id = next(next_id)
                county = name(rng.choice("县区市"))
                lineage = (province, city.id, county_id)
                counties.append(Place(county_id, city.name + county, lineage))
                for _ in range(rng.randint(6, 14)):
                    town_id = next(next_id)
                    town = name(rng.choice(W.PLACE_SUFFIXES[:3]))
                    townships.append(Place(town_id, county + town, (*lineage, town_id)))
    return cities, counties, townships


# --- documents ----------------------------------------------------------------------------


class _Writer:
    """Draws one document at a time from a seeded stream."""

    def __init__(self, kind: str):
        self.kind = kind
        self.rng = random.Random(SEEDS[kind])
        self.cities, self.counties, self.townships = _regions()
        rng = random.Random(11)
        self.schools = [
            "".join(rng.sample(W.PLACE_SYLLABLES, 2)) + rng.choice(W.SCHOOL_KINDS)
            for _ in range(400)
        ]
        self.employers = [
            "".join(rng.sample(W.PLACE_SYLLABLES, rng.choice((2, 3))))
            + rng.choice(W.EMPLOYER_KINDS)
            for _ in range(3000)
        ]
        # Zipf-like popularity of places: early townships and cities are busier
        self.town_weights = [1.0 / (i + 10) for i in range(len(self.townships))]
        self.city_weights = [1.0 / (i + 3) for i in range(len(self.cities))]

    def pick(self, items, k=1):
        return self.rng.sample(items, k) if k > 1 else [self.rng.choice(items)]

    def sector(self) -> int:
        return self.rng.choices(SECTOR_IDS, SECTOR_WEIGHTS)[0]

    def words(self, sector: int, key: str) -> tuple[str, ...]:
        # one word in seven comes from another sector, as in real, mixed postings
        if self.rng.random() < 1 / 7:
            sector = self.rng.choice(SECTOR_IDS)
        return W.SECTORS[sector][key]

    def clauses_to_length(self, required: list[str], optional: list[str]) -> str:
        target = self.rng.randint(40, 150)
        self.rng.shuffle(optional)
        chosen = list(required)
        for clause in optional:
            if sum(len(c) + 1 for c in chosen) + len(clause) > target:
                continue
            chosen.append(clause)
        text = "，".join(chosen) + "。"
        while len(text) < 40:
            text = text[:-1] + "，" + self.pick(W.TRAITS)[0] + "。"
        return text[:150]

    # needs --------------------------------------------------------------------------

    def need(self) -> tuple[dict[str, str], Facets]:
        r, sector = self.rng, self.sector()
        role = r.choice(self.words(sector, "roles"))
        title = (r.choice(W.MODIFIERS) + role) if r.random() < 0.25 else role
        town = r.choices(self.townships, self.town_weights)[0]
        level = None if r.random() < 0.2 else r.choice((1, 2, 2, 3, 3, 3, 4))
        majors = self.pick(self.words(sector, "majors"), r.choice((1, 2, 3)))
        degree = W.DEGREE_WORDS[level or 2]
        objects, tasks = self.words(sector, "objects"), self.words(sector, "tasks")
        required = [
            f"负责{'、'.join(self.pick(objects, 2))}的{r.choice(tasks)}",
            f"要求{'、'.join(majors)}等相关专业{degree}及以上学历",
        ]
        skills = self.pick(self.words(sector, "skills"), 2)
        optional = [
            f"协助{r.choice(W.DEPARTMENTS)}开展{r.choice(tasks)}工作",
            f"熟悉{skills[0]}和{skills[1]}",
            f"会{r.choice(self.words(sector, 'skills'))}者优先",
            f"有{r.randint(1, 5)}年以上{r.choice(objects)}相关经验",
            f"工作地点在{town.name}",
            f"提供{'、'.join(self.pick(W.BENEFITS, 3))}",
            f"{'、'.join(self.pick(W.TRAITS, 2))}",
            f"{r.choice(W.DESCRIPTION_OPENERS)}主要从事{r.choice(objects)}{r.choice(tasks)}",
            f"持{r.choice(W.CERTIFICATES)}者优先",
        ]
        text = self.clauses_to_length(required, optional)
        low = float(r.choice((3, 4, 5, 6, 8)))
        facets = Facets(
            sectors=frozenset({sector}),
            places=frozenset(town.lineage if r.random() < 0.8 else town.lineage[:3]),
            level=level,
            amount=(low, low + r.choice((2, 3, 4, 6))),
        )
        return {"title": title, "text": text}, facets

    # profiles -----------------------------------------------------------------------

    def profile(self) -> tuple[dict[str, str], Facets]:
        r, sector = self.rng, self.sector()
        major = r.choice(self.words(sector, "majors"))
        own = self.words(sector, "skills")
        skills = self.pick(own, min(len(own), r.randint(1, 4)))
        if r.random() < 0.4:
            skills.append(r.choice(W.SECTORS[r.choice(SECTOR_IDS)]["skills"]))
        home = r.choices(self.townships, self.town_weights)[0]
        city = r.choices(self.cities, self.city_weights)[0]
        objects, tasks = self.words(sector, "objects"), self.words(sector, "tasks")
        text = ""
        if r.random() < 0.85:
            required = [f"毕业于{r.choice(self.schools)}{major}专业"]
            optional = [
                f"在{r.choice(self.employers)}实习时负责{r.choice(objects)}{r.choice(tasks)}",
                f"熟悉{'、'.join(self.pick(own, 2))}",
                f"有{r.randint(1, 8)}年{r.choice(objects)}方面的工作经验",
                f"想回到{city.name[3:]}发展，{r.choice(W.HOPES)}",
                f"希望从事{r.choice(self.words(sector, 'roles'))}相关工作",
                f"持有{r.choice(W.CERTIFICATES)}",
                f"{'、'.join(self.pick(W.TRAITS, 2))}",
                f"做过{r.choice(objects)}的{r.choice(tasks)}",
            ]
            text = self.clauses_to_length(required, optional)
        wanted = {sector} | {self.sector() for _ in range(r.randint(0, 2))}
        places = {home.lineage[2]} | {
            (r.choice(self.cities).lineage[-1] if r.random() < 0.5 else city.lineage[-1])
            for _ in range(r.randint(0, 2))
        }
        level = None if r.random() < 0.05 else r.choice((1, 2, 2, 2, 3, 3, 3, 4, 5))
        facets = Facets(
            sectors=frozenset(wanted) if r.random() < 0.9 else frozenset(),
            places=frozenset(places) if r.random() < 0.95 else frozenset(),
            level=level,
        )
        fields = {"title": major, "skills": ", ".join(skills), "text": text}
        return fields, facets

    def stream(self) -> Iterator[tuple[dict[str, str], Facets]]:
        make = self.need if self.kind == "need" else self.profile
        while True:
            yield make()


def documents(kind: str, n: int) -> tuple[list[dict[str, str]], list[Facets]]:
    """The first ``n`` documents of a stream, raw text and facets."""
    stream = _Writer(kind).stream()
    pairs = [next(stream) for _ in range(n)]
    return [p[0] for p in pairs], [p[1] for p in pairs]


# --- tokens and facets, cached ------------------------------------------------------------


@dataclass
class Corpus:
    """Tokenised documents of one stream with their facets and active flags."""

    kind: str
    tokens: list[dict[str, list[str]]]
    facets: list[Facets]
    active: np.ndarray

    def __len__(self) -> int:
        return len(self.tokens)

    def head(self, n: int) -> Corpus:
        return Corpus(self.kind, self.tokens[:n], self.facets[:n], self.active[:n])


def corpus(kind: str, n: int, log=print) -> Corpus:
    """``n`` tokenised documents of ``kind``, from the cache when it holds enough."""
    path = CACHE / f"{kind}-v{VERSION}.npz"
    if path.exists():
        with np.load(path, allow_pickle=False) as data:
            if int(data["count"]) >= n:
                return _decode(kind, data, n)
    log(f"  generating and tokenising {n:,} {kind}s (cached in {path.name} for next runs)")
    started = time.perf_counter()
    texts, facets = documents(kind, n)
    tokens = []
    for start in range(0, n, 100_000):
        tokens.extend(_intern(tokenise_many(texts[start : start + 100_000], lexicon())))
    del texts
    log(f"  ... {time.perf_counter() - started:.0f} s")
    CACHE.mkdir(exist_ok=True)
    np.savez(path, **_encode(kind, tokens, facets))
    active = _active(kind, n)
    return Corpus(kind, tokens, facets, active)


def _active(kind: str, n: int) -> np.ndarray:
    """About 5% of each side is inactive (filled, closed, opted out)."""
    return np.random.default_rng(SEEDS[kind]).random(n) >= 0.05


def _intern(docs):
    return [{k: [sys.intern(t) for t in v] for k, v in doc.items()} for doc in docs]


def _encode(kind: str, tokens, facets) -> dict[str, np.ndarray]:
    vocabulary: dict[str, int] = {}
    arrays: dict[str, np.ndarray] = {"count": np.array(len(tokens))}
    for name in FIELDS[kind]:
        lists = [doc.get(name, []) for doc in tokens]
        ids = [vocabulary.setdefault(t, len(vocabulary)) for lst in lists for t in lst]
        arrays[f"{name}_ids"] = np.asarray(ids, dtype=np.int32)
        arrays[f"{name}_indptr"] = _indptr(len(lst) for lst in lists)
    arrays["vocabulary"] = np.array(list(vocabulary), dtype=str)
    for name in ("sectors", "places"):
        sets = [sorted(getattr(f, name)) for f in facets]
        arrays[f"{name}_values"] = np.asarray([v for s in sets for v in s], dtype=np.int64)
        arrays[f"{name}_indptr"] = _indptr(len(s) for s in sets)
    arrays["level"] = np.array([-1 if f.level is None else f.level for f in facets], np.int16)
    arrays["amount"] = np.array(
        [[np.nan if a is None else a for a in f.amount] for f in facets], dtype=np.float64
    ).reshape(len(facets), 2)
    return arrays


def _indptr(lengths) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(np.fromiter(lengths, dtype=np.int64))])


def _decode(kind: str, data, n: int) -> Corpus:
    vocabulary = np.array([sys.intern(str(t)) for t in data["vocabulary"]], dtype=object)
    columns = {}
    for name in FIELDS[kind]:
        indptr = data[f"{name}_indptr"][: n + 1]
        flat = vocabulary[data[f"{name}_ids"][: indptr[-1]]].tolist()
        bounds = indptr.tolist()
        columns[name] = [flat[a:b] for a, b in pairwise(bounds)]
    tokens = [dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)]
    sets = {}
    for name in ("sectors", "places"):
        indptr = data[f"{name}_indptr"][: n + 1].tolist()
        values = data[f"{name}_values"][: indptr[-1]].tolist()
        sets[name] = [frozenset(values[a:b]) for a, b in pairwise(indptr)]
    level = data["level"][:n].tolist()
    amount = data["amount"][:n].tolist()
    facets = [
        Facets(
            sectors=s,
            places=p,
            level=None if lv < 0 else lv,
            amount=tuple(None if np.isnan(a) else a for a in am),
        )
        for s, p, lv, am in zip(sets["sectors"], sets["places"], level, amount, strict=True)
    ]
    return Corpus(kind, tokens, facets, _active(kind, n))
