"""Tokens to vectors: IDF, term weights, the two blocks, normalisation, the fitted state."""

import math
import pickle
from collections import defaultdict

import numpy as np
import pytest

from matchmaker.matching import EmptyVocabularyError, FeatureSpec, NotFittedError, TextModel
from matchmaker.matching import features as features_module
from matchmaker.matching.features import bm25_idf, char_grams

CORPUS = {
    "nursery": {"title": ["花木", "栽培"], "text": ["花木", "苗木", "嫁接", "花木"]},
    "machining": {"title": ["数控", "车工"], "text": ["数控机床", "加工", "零件"]},
    "shop": {"title": ["电商", "运营"], "text": ["花木", "网店", "运营", "直播"]},
    "lab": {"title": ["化验员"], "text": ["原料药", "质量", "检验", "gmp"]},
    "empty": {"title": [], "text": []},
}


@pytest.fixture(scope="module")
def model():
    return TextModel().fit(list(CORPUS.values()))


# --- an oracle: the documented formula, computed with plain dicts ---------------------------


def _weighted_counts(doc, weights, unit):
    counts = defaultdict(float)
    for name, tokens in doc.items():
        for token in tokens:
            for feature in unit(token):
                counts[feature] += weights.get(name, 1.0)
    return counts


def _grams(token):
    if not any("\u4e00" <= ch <= "\u9fff" for ch in token):
        return []
    return [token[i : i + n] for n in (1, 2) for i in range(len(token) - n + 1)]


def _unit_length(vector):
    norm = math.sqrt(sum(v * v for v in vector.values()))
    return {k: v / norm for k, v in vector.items()} if norm else {}


def _oracle(doc, corpus, spec):
    n = len(corpus)
    vector = {}
    blocks = (("w", lambda t: [t], spec.word_tf_power, 1.0),)
    blocks += (("c", _grams, spec.char_tf_power, spec.char_weight),)
    for prefix, unit, power, block_weight in blocks:
        df = defaultdict(int)
        for other in corpus:
            for feature in _weighted_counts(other, spec.field_weights, unit):
                df[feature] += 1
        block = {}
        for feature, count in _weighted_counts(doc, spec.field_weights, unit).items():
            if feature in df:
                idf = math.log(1 + (n - df[feature] + 0.5) / (df[feature] + 0.5))
                block[prefix + feature] = count**power * idf
        vector.update({k: v * block_weight for k, v in _unit_length(block).items()})
    return _unit_length(vector)


def _dot(a, b):
    return sum(v * b.get(k, 0.0) for k, v in a.items())


@pytest.mark.parametrize(
    "spec",
    [
        FeatureSpec(),
        FeatureSpec(field_weights={"title": 2.5}, char_weight=0.4, char_tf_power=0.5),
        FeatureSpec(word_tf_power=0.5, char_tf_power=1.0, char_weight=2.0),
    ],
)
def test_cosines_match_the_formula_computed_by_hand(spec):
    docs = list(CORPUS.values())
    vectors = TextModel(spec).fit_transform(docs)
    query = {"title": ["花木", "运营"], "text": ["花卉", "网店", "花木"]}  # 花卉 is not fitted
    row = TextModel(spec).fit(docs).transform([query])
    cosines = (vectors @ row.T).toarray().ravel()
    expected = [_dot(_oracle(doc, docs, spec), _oracle(query, docs, spec)) for doc in docs]
    assert cosines == pytest.approx(expected, abs=1e-5)
    assert max(expected) > 0.3  # the oracle really compares something


def test_a_cosine_in_closed_form():
    # Latin words only, so there is no character block; N = 3, df(a) = df(b) = 2, df(c) = 1.
    docs = [{"text": ["a", "b"]}, {"text": ["a", "c"]}, {"text": ["b"]}]
    vectors = TextModel().fit_transform(docs)
    idf_a = idf_b = math.log(1 + 1.5 / 2.5)
    idf_c = math.log(1 + 2.5 / 1.5)
    expected = idf_a**2 / (math.hypot(idf_a, idf_b) * math.hypot(idf_a, idf_c))
    assert (vectors[0] @ vectors[1].T).toarray()[0, 0] == pytest.approx(expected, abs=1e-6)
    assert (vectors[1] @ vectors[2].T).toarray()[0, 0] == 0.0


def test_bm25_idf_is_small_for_ubiquitous_terms_but_never_zero():
    idf = bm25_idf(np.array([1, 50, 100]), 100)
    assert idf[0] > idf[1] > idf[2] > 0
    assert idf[2] == pytest.approx(math.log(1 + 0.5 / 100.5))


def test_identical_text_ranks_first(model):
    docs = list(CORPUS.values())
    vectors = model.transform(docs)
    query = model.transform([{"text": ["数控", "车工", "数控机床", "加工", "零件"]}])
    cosines = (vectors @ query.T).toarray().ravel()
    assert int(np.argmax(cosines)) == list(CORPUS).index("machining")
    assert cosines.max() == pytest.approx(1.0, abs=1e-5)


def test_two_identical_documents_still_match():
    # With an IDF of ln(N / df) every word of a two-document model would weigh nothing.
    vectors = TextModel().fit_transform([{"text": ["花木"]}, {"text": ["花木"]}])
    assert (vectors[0] @ vectors[1].T).toarray()[0, 0] == pytest.approx(1.0, abs=1e-6)


def test_rows_are_unit_length_and_empty_documents_are_zero(model):
    vectors = model.transform(list(CORPUS.values()))
    norms = np.sqrt(np.asarray(vectors.multiply(vectors).sum(axis=1)).ravel())
    assert norms[:-1] == pytest.approx(np.ones(len(CORPUS) - 1), abs=1e-5)
    assert norms[-1] == 0.0
    assert vectors.dtype == np.float32
    assert vectors.shape == (len(CORPUS), model.n_features_)


def test_unknown_words_are_ignored(model):
    known = model.transform([{"text": ["gmp", "化验员"]}])
    with_unknown = model.transform([{"text": ["gmp", "kubernetes", "化验员", "zzz"]}])
    assert (known != with_unknown).nnz == 0
    assert model.transform([{"text": ["kubernetes"]}]).nnz == 0


def test_an_unknown_chinese_word_still_matches_through_its_characters(model):
    row = model.transform([{"text": ["花卉"]}])  # not fitted, but 花 is (花木)
    assert row.nnz > 0
    assert not any(model.is_word_feature(i) for i in row.indices)
    assert {model.term(i) for i in row.indices} == {"花"}


def test_terms_and_blocks(model):
    words = [i for i in range(model.n_features_) if model.is_word_feature(i)]
    grams = [i for i in range(model.n_features_) if not model.is_word_feature(i)]
    assert words == list(range(len(words)))  # words first, then n-grams
    assert {model.term(i) for i in words} == {
        t for d in CORPUS.values() for f in d.values() for t in f
    }
    assert {"花", "花木", "数控", "控机"} <= {model.term(i) for i in grams}
    assert "gmp" not in {model.term(i) for i in grams}  # no n-grams of Latin words
    assert model.n_features_ == len(words) + len(grams)


def test_char_grams():
    assert char_grams("数控机床", (1, 2)) == ["数", "控", "机", "床", "数控", "控机", "机床"]
    assert char_grams("数控机床", (3,)) == ["数控机", "控机床"]
    assert char_grams("gmp", (1, 2)) == []


def test_without_character_grams_only_words_remain():
    model = TextModel(FeatureSpec(char_ngrams=())).fit(list(CORPUS.values()))
    assert model.char_vocabulary_ == {}
    assert all(model.is_word_feature(i) for i in range(model.n_features_))
    assert model.transform([{"text": ["花卉"]}]).nnz == 0


def test_field_weights_multiply_counts():
    spec = FeatureSpec(field_weights={"title": 3.0}, char_ngrams=())
    docs = [{"title": ["a"], "text": ["b"]}, {"text": ["c"]}]
    model = TextModel(spec).fit(docs)
    row = model.transform(docs[:1]).toarray().ravel()
    a, b = model.word_vocabulary_["a"], model.word_vocabulary_["b"]
    assert row[a] / row[b] == pytest.approx(3.0, rel=1e-5)  # same df, so the same IDF


def test_raw_counts_and_sublinear_counts():
    docs = [{"text": ["a", "a", "a", "a", "b"]}, {"text": ["c"]}]
    raw = TextModel(FeatureSpec(char_ngrams=())).fit(docs)
    row = raw.transform(docs[:1]).toarray().ravel()
    a, b = raw.word_vocabulary_["a"], raw.word_vocabulary_["b"]
    assert row[a] / row[b] == pytest.approx(4.0, rel=1e-5)
    sublinear = TextModel(FeatureSpec(char_ngrams=(), sublinear_tf=True)).fit(docs)
    row = sublinear.transform(docs[:1]).toarray().ravel()
    assert row[a] / row[b] == pytest.approx(1 + math.log(4), rel=1e-5)


def test_max_df_prunes_only_models_of_enough_documents():
    docs = [{"text": ["common", f"rare{i}"]} for i in range(4)]
    pruned = TextModel(FeatureSpec(max_df=0.5, max_df_min_documents=4)).fit(docs)
    assert "common" not in pruned.word_vocabulary_
    assert "rare0" in pruned.word_vocabulary_
    assert sorted(pruned.word_vocabulary_.values()) == list(range(len(pruned.word_vocabulary_)))
    kept = TextModel(FeatureSpec(max_df=0.5, max_df_min_documents=5)).fit(docs)
    assert "common" in kept.word_vocabulary_


@pytest.mark.parametrize(
    "docs",
    [[], [{"title": [], "text": []}], [{}, {"text": []}]],
)
def test_fitting_nothing_raises_empty_vocabulary(docs):
    with pytest.raises(EmptyVocabularyError):
        TextModel().fit(docs)


def test_stop_word_only_documents_raise_empty_vocabulary():
    from matchmaker.matching import Lexicon, Tokenizer

    tokenizer = Tokenizer(Lexicon(stop_words=frozenset({"的", "了"})))
    docs = [tokenizer.document({"title": "的", "text": "了 的 。"})]
    assert docs == [{"title": [], "text": []}]
    with pytest.raises(EmptyVocabularyError):
        TextModel().fit(docs)


@pytest.mark.parametrize(
    "use",
    [
        lambda m: m.transform([{"text": ["花木"]}]),
        lambda m: m.n_features_,
        lambda m: m.term(0),
        lambda m: m.is_word_feature(0),
    ],
)
def test_using_a_model_before_fit_raises_not_fitted(use):
    with pytest.raises(NotFittedError):
        use(TextModel())


def test_transform_in_chunks_gives_the_same_rows(model, monkeypatch):
    docs = list(CORPUS.values()) * 3
    whole = model.transform(docs)
    monkeypatch.setattr(features_module, "TRANSFORM_CHUNK", 4)
    chunked = model.transform(iter(docs))
    assert chunked.shape == whole.shape
    assert abs(chunked - whole).max() == 0.0
    assert model.transform([]).shape == (0, model.n_features_)


def test_fit_transform_and_a_pickled_model_agree(model):
    docs = list(CORPUS.values())
    fresh = TextModel().fit_transform(docs)
    restored = pickle.loads(pickle.dumps(model))  # noqa: S301 - our own bytes
    assert abs(restored.transform(docs) - fresh).max() == 0.0


def test_default_spec():
    assert TextModel().spec == FeatureSpec()
    spec = FeatureSpec()
    assert spec.char_ngrams == (1, 2)
    assert spec.word_tf_power == 1.0
    assert 0.5 <= spec.char_tf_power < 1.0


def test_fit_transform_gives_transforms_vectors_with_words_cut_by_max_df(monkeypatch):
    """``fit_transform`` makes its vectors from fitting's own counts: the same as
    ``fit`` then ``transform``, with words dropped for being in too many documents and
    across transform chunks."""
    rng = np.random.default_rng(7)
    words = ["花木", "苗木", "嫁接", "数控机床", "零件", "电商运营", "直播", "原料药", "检验"]
    docs = []
    for _ in range(80):
        picked = rng.choice(words, size=int(rng.integers(1, 6))).tolist()
        docs.append({"title": ["岗位", *picked[:1]], "text": ["岗位", *picked]})
    docs.append({"title": [], "text": []})
    spec = FeatureSpec(max_df=0.6, max_df_min_documents=10)
    monkeypatch.setattr(features_module, "TRANSFORM_CHUNK", 7)
    fitted = TextModel(spec).fit(docs)
    assert "岗位" not in fitted.word_vocabulary_ and "花木" in fitted.word_vocabulary_
    expected = fitted.transform(docs)
    got = TextModel(spec).fit_transform(docs)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    assert (got != expected).nnz == 0
