"""Ranking one query against a side: order, ties, exclusions, rules, explanations."""

import numpy as np
import pytest

from matchmaker.matching import (
    Facets,
    Lexicon,
    Matcher,
    NotFittedError,
    Side,
    TextModel,
    Tokenizer,
    rules,
)

NEEDS = {
    1: "花木栽培技术员 负责紫荆 月季苗木栽培 嫁接育苗",
    2: "数控操作工 操作数控机床 加工汽车零部件",
    3: "电商运营 负责花木网店运营 直播带货",
    4: "花木栽培技术员 负责紫荆 月季苗木栽培 嫁接育苗",  # same text as 1: a tie
    5: "化验员 原料药质量检验 GMP",
}


@pytest.fixture(scope="module")
def tokenizer():
    return Tokenizer(Lexicon(words=("花木", "紫荆", "月季", "嫁接育苗", "数控机床")))


@pytest.fixture(scope="module")
def fitted(tokenizer):
    docs = {i: {"text": tokenizer.tokens(t)} for i, t in NEEDS.items()}
    model = TextModel().fit(list(docs.values()))
    return model, docs


def _side(model, docs, facets=None, active=None):
    ids = sorted(docs)
    facets = facets or {}
    return Side(
        ids,
        model.transform([docs[i] for i in ids]),
        [facets.get(i, Facets()) for i in ids],
        None if active is None else [active.get(i, True) for i in ids],
    )


def _query(tokenizer, text):
    return {"text": tokenizer.tokens(text)}


def test_identical_text_ranks_first_and_ties_go_to_the_lower_id(tokenizer, fitted):
    model, docs = fitted
    results = Matcher("talent", model).rank(
        _query(tokenizer, NEEDS[1]), Facets(), _side(model, docs), query_is_need=False, k=3
    )
    assert [m.id for m in results][:2] == [1, 4]
    assert results[0].score == results[1].score
    assert results[0].text_score == pytest.approx(1.0, abs=1e-5)


def test_scores_are_in_unit_range_and_sorted(tokenizer, fitted):
    model, docs = fitted
    results = Matcher("talent", model).rank(
        _query(tokenizer, "花木 数控 电商 检验"), Facets(), _side(model, docs), False, k=10
    )
    scores = [m.score for m in results]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)


def test_k_larger_than_the_side_is_fine(tokenizer, fitted):
    model, docs = fitted
    results = Matcher("talent", model).rank(
        _query(tokenizer, "花木 数控 电商 化验员"), Facets(), _side(model, docs), False, k=99
    )
    assert 0 < len(results) <= len(NEEDS)


@pytest.mark.parametrize("text", ["", "   ", "的 了 和", "１２３"])
def test_empty_and_stop_word_queries_give_no_matches(tokenizer, fitted, text):
    model, docs = fitted
    tokenizer = Tokenizer(Lexicon(stop_words=frozenset({"的", "了", "和"})))
    results = Matcher("talent", model).rank(
        _query(tokenizer, text), Facets(), _side(model, docs), False
    )
    assert results == []


def test_inactive_and_excluded_candidates_are_never_returned(tokenizer, fitted):
    model, docs = fitted
    side = _side(model, docs, active={4: False})
    results = Matcher("talent", model).rank(
        _query(tokenizer, NEEDS[1]), Facets(), side, False, k=10, exclude=[1]
    )
    assert {m.id for m in results}.isdisjoint({1, 4})


def test_explanation_names_shared_terms_and_rules(tokenizer, fitted):
    model, docs = fitted
    need_facets = {1: Facets(sectors=frozenset({7}), places=frozenset({30, 31}), level=1)}
    graduate = Facets(sectors=frozenset({7}), places=frozenset({99}), level=2)
    result = Matcher("talent", model).rank(
        _query(tokenizer, "紫荆 嫁接育苗"), graduate, _side(model, docs, need_facets), False, k=1
    )[0]
    assert result.id == 1
    terms = [term for term, _ in result.explanation["terms"]]
    assert terms[0] in {"紫荆", "嫁接育苗"}
    assert result.explanation["rules"] == {"sector": "pass", "region": "fail", "degree": "pass"}
    assert result.explanation["weights"] == rules.WEIGHTS["talent"]


def test_rules_decide_between_equal_texts(tokenizer, fitted):
    model, docs = fitted
    facets = {1: Facets(sectors=frozenset({2})), 4: Facets(sectors=frozenset({7}))}
    results = Matcher("talent", model).rank(
        _query(tokenizer, NEEDS[1]), Facets(sectors=frozenset({7})),
        _side(model, docs, facets), False, k=2,
    )  # fmt: skip
    assert [m.id for m in results] == [4, 1]


def test_model_must_be_fitted():

    with pytest.raises(NotFittedError):
        TextModel().transform([{"text": ["花木"]}])


def _table(*facets):
    return rules.FacetTable(list(facets))


def test_degree_rule_both_ways():
    graduates = _table(Facets(level=1), Facets(level=2), Facets())
    need = Facets(level=2)
    values = rules.rule_values("talent", need, graduates, query_is_need=True)["degree"]
    assert list(values) == [rules.FAIL, rules.PASS, rules.UNKNOWN]
    needs = _table(Facets(level=3), Facets(level=1), Facets())
    values = rules.rule_values("talent", Facets(level=2), needs, query_is_need=False)["degree"]
    assert list(values) == [rules.FAIL, rules.PASS, rules.PASS]


def test_amount_ranges_overlap():
    projects = _table(
        Facets(amount=(100, 500)), Facets(amount=(600, None)), Facets(amount=(None, None))
    )
    values = rules.rule_values("investment", Facets(amount=(400, 550)), projects, True)["amount"]
    assert list(values) == [rules.PASS, rules.FAIL, rules.UNKNOWN]


def test_region_and_sector_sets():
    needs = _table(
        Facets(sectors=frozenset({1}), places=frozenset({10, 11})),
        Facets(sectors=frozenset({2}), places=frozenset({20})),
        Facets(),
    )
    query = Facets(sectors=frozenset({1, 3}), places=frozenset({11}))
    values = rules.rule_values("talent", query, needs, query_is_need=False)
    assert list(values["sector"]) == [rules.PASS, rules.FAIL, rules.UNKNOWN]
    assert list(values["region"]) == [rules.PASS, rules.FAIL, rules.UNKNOWN]


def test_blend_stays_in_unit_range_and_needs_text_support():
    text = np.array([0.0, 0.05, 0.15, 1.0])
    all_pass = {name: np.ones(4) for name in ("sector", "region", "degree")}
    scores = rules.blend("talent", text, all_pass)
    assert scores[0] == 0.0  # rules alone make no match
    assert scores[1] < scores[2] < scores[3] <= 1.0
    assert scores[3] == pytest.approx(1.0)


def test_weights_of_each_kind_add_up_to_one():
    for weights in rules.WEIGHTS.values():
        assert sum(weights.values()) == pytest.approx(1.0)
