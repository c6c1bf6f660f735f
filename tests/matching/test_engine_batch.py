"""Ranking every query at once agrees with ranking them one by one, exactly."""

import random

import numpy as np
import pytest

from matchmaker.matching import Facets, Matcher, Side, TextModel, rules

WORDS = [
    "花木",
    "苗木",
    "紫荆",
    "月季",
    "嫁接",
    "育苗",
    "园林",
    "绿化",
    "数控",
    "机床",
    "编程",
    "加工",
    "汽车",
    "零部件",
    "焊接",
    "质检",
    "电商",
    "直播",
    "运营",
    "客服",
    "物流",
    "冷链",
    "仓储",
    "配送",
    "中药材",
    "种植",
    "检验",
    "制剂",
    "食品",
    "烘焙",
    "包装",
    "研发",
]


def _corpus(seed: int, n: int, duplicates: int = 6):
    """Random documents (tokens, facets, active), with some texts repeated: ties."""
    rng = random.Random(seed)
    docs = []
    for _ in range(n):
        doc = {"title": rng.sample(WORDS, rng.randint(1, 2)), "text": rng.sample(WORDS, 6)}
        if rng.random() < 0.1:
            doc = {"title": [], "text": []}  # no text at all: never a match
        docs.append(doc)
    for i in rng.sample(range(1, n), duplicates):
        docs[i] = docs[rng.randrange(n)]
    facets = [
        Facets(
            sectors=frozenset(rng.sample(range(1, 5), rng.randint(0, 2))),
            places=frozenset(rng.sample(range(10, 20), rng.randint(0, 3))),
            level=rng.choice([None, 1, 2, 3]),
            amount=rng.choice([(None, None), (100.0, 500.0), (None, 300.0), (400.0, None)]),
        )
        for _ in range(n)
    ]
    active = [rng.random() > 0.15 for _ in range(n)]
    return docs, facets, active


@pytest.fixture(scope="module")
def world():
    needs, need_facets, need_active = _corpus(1, 70)
    profiles, profile_facets, profile_active = _corpus(2, 45)
    model = TextModel().fit(needs + profiles)
    need_ids = [100 + 3 * i for i in range(len(needs))]  # ids not in row order of a range
    profile_ids = [7 + 2 * i for i in range(len(profiles))]
    return {
        True: (
            needs,
            need_facets,
            Side(need_ids, model.transform(needs), need_facets, need_active),
        ),
        False: (
            profiles,
            profile_facets,
            Side(profile_ids, model.transform(profiles), profile_facets, profile_active),
        ),
        "model": model,
    }


@pytest.mark.parametrize("kind", ["talent", "investment"])
@pytest.mark.parametrize("queries_are_needs", [False, True])
@pytest.mark.parametrize("chunk", [None, 4])
def test_rank_many_agrees_with_rank_for_every_query(world, kind, queries_are_needs, chunk):
    matcher = Matcher(kind, world["model"])
    docs, facets, queries = world[queries_are_needs]
    side = world[not queries_are_needs][2]
    many = matcher.rank_many(queries, side, queries_are_needs, k=7, min_score=0.2, chunk=chunk)
    assert set(many) == {int(i) for i, a in zip(queries.ids, queries.active, strict=True) if a}
    for row, query_id in enumerate(queries.ids):
        if not queries.active[row]:
            continue
        one = matcher.rank(docs[row], facets[row], side, queries_are_needs, k=7, min_score=0.2)
        assert [i for i, _ in many[int(query_id)]] == [m.id for m in one]
        assert [s for _, s in many[int(query_id)]] == pytest.approx(
            [m.score for m in one], abs=1e-6
        )


def _brute_force(matcher, docs, facets, queries, side, queries_are_needs, k):
    """The definition: every pair scored in float64 with ``rules``, sorted by score then id."""
    text = (queries.vectors.astype(np.float64) @ side.vectors.astype(np.float64).T).toarray()
    expected = {}
    for row, query_id in enumerate(queries.ids):
        if not queries.active[row]:
            continue
        values = rules.rule_values(matcher.kind, facets[row], side.facets, queries_are_needs)
        scores = rules.blend(matcher.kind, text[row], values)
        allowed = np.flatnonzero(side.active & (text[row] > 0))
        order = allowed[np.lexsort((side.ids[allowed], -scores[allowed]))][:k]
        expected[int(query_id)] = [(int(side.ids[p]), float(scores[p])) for p in order]
    return expected


@pytest.mark.parametrize("queries_are_needs", [False, True])
def test_rank_many_equals_the_brute_force_definition(world, queries_are_needs):
    matcher = Matcher("talent", world["model"])
    docs, facets, queries = world[queries_are_needs]
    side = world[not queries_are_needs][2]
    many = matcher.rank_many(queries, side, queries_are_needs, k=5, chunk=3)
    expected = _brute_force(matcher, docs, facets, queries, side, queries_are_needs, k=5)
    assert many.keys() == expected.keys()
    for query_id, pairs in expected.items():
        assert [i for i, _ in many[query_id]] == [i for i, _ in pairs]
        assert [s for _, s in many[query_id]] == pytest.approx([s for _, s in pairs], abs=1e-9)


def test_scores_are_bit_for_bit_those_of_rank_and_scores(world):
    matcher = Matcher("talent", world["model"])
    docs, facets, queries = world[False]
    side = world[True][2]
    many = matcher.rank_many(queries, side, queries_are_needs=False, k=10)
    for row in np.flatnonzero(queries.active)[:15]:
        one = matcher.rank(docs[row], facets[row], side, False, k=10)
        blended, _ = matcher.scores(docs[row], facets[row], side, False)
        pairs = many[int(queries.ids[row])]
        assert [s for _, s in pairs] == [m.score for m in one]
        assert [s for _, s in pairs] == [float(blended[side.position[i]]) for i, _ in pairs]


def test_inactive_candidates_and_inactive_queries_are_left_out(world):
    matcher = Matcher("talent", world["model"])
    _, _, queries = world[False]
    side = world[True][2]
    many = matcher.rank_many(queries, side, queries_are_needs=False, k=len(side))
    inactive_candidates = {int(i) for i in side.ids[~side.active]}
    inactive_queries = {int(i) for i in queries.ids[~queries.active]}
    assert inactive_candidates and inactive_queries
    assert inactive_queries.isdisjoint(many)
    assert all(inactive_candidates.isdisjoint(i for i, _ in pairs) for pairs in many.values())


def test_ties_go_to_the_lower_id():
    docs = [{"text": ["花木", "紫荆"]}, {"text": ["数控", "机床"]}] * 3  # ids 5..0, repeated
    model = TextModel().fit(docs)
    side = Side([5, 4, 3, 2, 1, 0], model.transform(docs), [Facets()] * 6)
    queries = Side([9], model.transform(docs[:1]), [Facets()])
    [pairs] = Matcher("talent", model).rank_many(queries, side, False, k=3).values()
    assert [i for i, _ in pairs] == [1, 3, 5]
    assert pairs[0][1] == pairs[1][1] == pairs[2][1]


def test_k_larger_than_the_side_gives_every_match_once(world):
    matcher = Matcher("investment", world["model"])
    _, _, queries = world[True]
    side = world[False][2]
    many = matcher.rank_many(queries, side, queries_are_needs=True, k=1000)
    allowed = int(side.active.sum())
    for pairs in many.values():
        ids = [i for i, _ in pairs]
        assert len(ids) == len(set(ids)) <= allowed
        scores = [s for _, s in pairs]
        assert scores == sorted(scores, reverse=True)
        assert all(0.0 <= s <= 1.0 for s in scores)


def test_an_empty_side_or_no_active_query_gives_nothing(world):
    matcher = Matcher("talent", world["model"])
    _, facets, queries = world[False]
    empty = Side([], world[True][2].vectors[:0], [])
    assert matcher.rank_many(queries, empty, False) == {}
    asleep = Side(queries.ids, queries.vectors, facets, [False] * len(queries))
    assert matcher.rank_many(asleep, world[True][2], False) == {}


@pytest.mark.parametrize("dense_walk", [0, 10**9], ids=["listing touched", "whole array"])
@pytest.mark.parametrize("kind", ["talent", "investment"])
def test_both_ways_of_adding_up_scores_give_the_definition(world, monkeypatch, dense_walk, kind):
    from matchmaker.matching import kernel

    monkeypatch.setattr(kernel, "DENSE_WALK", dense_walk)
    matcher = Matcher(kind, world["model"])
    docs, facets, queries = world[False]
    side = world[True][2]
    many = matcher.rank_many(queries, side, False, k=6, min_score=0.15)
    expected = _brute_force(matcher, docs, facets, queries, side, False, k=6)
    expected = {query: [(i, s) for i, s in pairs if s >= 0.15] for query, pairs in expected.items()}
    assert many.keys() == expected.keys()
    for query_id, pairs in expected.items():
        assert many[query_id] == pairs


@pytest.mark.parametrize("kind", ["talent", "investment"])
@pytest.mark.parametrize("queries_are_needs", [False, True])
def test_candidates_with_more_codes_than_a_packed_row_holds(world, kind, queries_are_needs):
    from matchmaker.matching import kernel

    docs, facets, queries = world[queries_are_needs]
    _, other_facets, side = world[not queries_are_needs]
    room = kernel.PACKED_WIDTH - kernel.PACKED_HEAD
    wide = [
        # two candidates in three want many places, some of them their queries' places
        Facets(f.sectors, frozenset(range(10, 12 + room)), f.level, f.amount) if i % 3 else f
        for i, f in enumerate(other_facets)
    ]
    assert sum(len(f.sectors) + len(f.places) > room for f in wide) > 10
    side = Side(side.ids, side.vectors, wide, side.active)
    matcher = Matcher(kind, world["model"])
    many = matcher.rank_many(queries, side, queries_are_needs, k=6)
    expected = _brute_force(matcher, docs, facets, queries, side, queries_are_needs, k=6)
    assert many == expected
