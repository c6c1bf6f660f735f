"""From tokens to vectors: weighted fields, words and CJK character n-grams, TF-IDF.

One model is fitted over both sides of a pairing together (needs and profiles), so words
every profile uses (培养, 发展 …) get a low weight on both sides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.preprocessing import normalize

from .errors import EmptyVocabularyError, NotFittedError
from .text import Document, is_cjk

DEFAULT_FIELD_WEIGHTS = {"title": 2.0, "skills": 1.5, "text": 1.0}


@dataclass(frozen=True)
class FeatureSpec:
    """How a document becomes a vector. Every knob of the text side lives here.

    Parameters
    ----------
    field_weights : mapping
        Weight of each field's tokens; fields not named get weight 1.
    char_ngrams : tuple of int
        Lengths of CJK character n-grams taken inside each word; ``()`` for none.
    char_weight : float
        Weight of the character block against the word block (which has weight 1).
    sublinear_tf : bool
        Use 1 + log(tf) instead of raw counts.
    max_df : float
        Drop features present in more than this share of the fitted documents.
    """

    field_weights: Mapping[str, float] = field(default_factory=lambda: DEFAULT_FIELD_WEIGHTS)
    char_ngrams: tuple[int, ...] = (1, 2)
    char_weight: float = 0.5
    sublinear_tf: bool = True
    max_df: float = 1.0


def _char_grams(token: str, lengths: tuple[int, ...]) -> list[str]:
    if not lengths or not is_cjk(token):
        return []
    grams = []
    for n in lengths:
        grams.extend(token[i : i + n] for i in range(len(token) - n + 1))
    return grams


class TextModel:
    """TF-IDF over weighted word and character features of tokenised documents.

    Follows scikit-learn's contract: the constructor stores settings, ``fit`` returns
    the model, fitted state ends in ``_``.
    """

    def __init__(self, spec: FeatureSpec | None = None):
        self.spec = spec or FeatureSpec()

    # fitting ---------------------------------------------------------------------

    def fit(self, documents: Sequence[Document]) -> TextModel:
        """Learn the vocabularies and IDF weights from ``documents``."""
        self.word_vocabulary_: dict[str, int] = {}
        self.char_vocabulary_: dict[str, int] = {}
        words, chars = self._counts(documents, grow=True)
        if not self.word_vocabulary_ and not self.char_vocabulary_:
            raise EmptyVocabularyError("no words left after stop words; nothing to match")
        words, chars = self._limit_df(words, chars)
        self.word_idf_ = self._idf(words)
        self.char_idf_ = self._idf(chars)
        self._terms = None
        return self

    def _idf(self, counts: sp.csr_matrix) -> TfidfTransformer:
        transformer = TfidfTransformer(norm=None, sublinear_tf=self.spec.sublinear_tf)
        return transformer.fit(counts if counts.shape[1] else sp.csr_matrix((1, 1)))

    def _limit_df(self, words, chars):
        if self.spec.max_df >= 1.0:
            return words, chars
        words = self._prune(words, self.word_vocabulary_)
        chars = self._prune(chars, self.char_vocabulary_)
        return words, chars

    def _prune(self, counts: sp.csr_matrix, vocabulary: dict[str, int]) -> sp.csr_matrix:
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        keep = df <= self.spec.max_df * counts.shape[0]
        new_index = np.cumsum(keep) - 1
        kept = {term: int(new_index[i]) for term, i in vocabulary.items() if keep[i]}
        vocabulary.clear()
        vocabulary.update(kept)
        return counts[:, keep]

    # transforming ----------------------------------------------------------------

    def transform(self, documents: Sequence[Document]) -> sp.csr_matrix:
        """L2-normalised vectors of ``documents`` (unknown features are ignored)."""
        self._check_fitted()
        words, chars = self._counts(documents, grow=False)
        blocks = [normalize(self.word_idf_.transform(words))]
        if self.char_vocabulary_:
            chars = normalize(self.char_idf_.transform(chars)) * self.spec.char_weight
            blocks.append(chars)
        return normalize(sp.hstack(blocks, format="csr")).astype(np.float32)

    def fit_transform(self, documents: Sequence[Document]) -> sp.csr_matrix:
        return self.fit(documents).transform(documents)

    def _counts(self, documents: Sequence[Document], grow: bool):
        word_rows, char_rows = _Rows(), _Rows()
        weights = self.spec.field_weights
        lengths = tuple(self.spec.char_ngrams)
        for doc in documents:
            for name, tokens in doc.items():
                weight = weights.get(name, 1.0)
                for token in tokens:
                    word_rows.add(self.word_vocabulary_, token, weight, grow)
                    for gram in _char_grams(token, lengths):
                        char_rows.add(self.char_vocabulary_, gram, weight, grow)
            word_rows.end_row()
            char_rows.end_row()
        return (
            word_rows.matrix(len(self.word_vocabulary_)),
            char_rows.matrix(len(self.char_vocabulary_)),
        )

    # introspection ---------------------------------------------------------------

    @property
    def n_features_(self) -> int:
        self._check_fitted()
        return len(self.word_vocabulary_) + len(self.char_vocabulary_)

    def term(self, feature: int) -> str:
        """The word or character n-gram behind a column of ``transform``'s output."""
        if self._terms is None:
            terms = [""] * self.n_features_
            for word, i in self.word_vocabulary_.items():
                terms[i] = word
            offset = len(self.word_vocabulary_)
            for gram, i in self.char_vocabulary_.items():
                terms[offset + i] = gram
            self._terms = terms
        return self._terms[feature]

    def is_word_feature(self, feature: int) -> bool:
        return feature < len(self.word_vocabulary_)

    def _check_fitted(self) -> None:
        if not hasattr(self, "word_idf_"):
            raise NotFittedError("TextModel is not fitted yet; call fit() first")


class _Rows:
    """Accumulates one sparse row per document."""

    def __init__(self):
        self.indptr = [0]
        self.indices: list[int] = []
        self.data: list[float] = []

    def add(self, vocabulary: dict[str, int], term: str, weight: float, grow: bool) -> None:
        index = vocabulary.get(term)
        if index is None:
            if not grow:
                return
            index = vocabulary[term] = len(vocabulary)
        self.indices.append(index)
        self.data.append(weight)

    def end_row(self) -> None:
        self.indptr.append(len(self.indices))

    def matrix(self, width: int) -> sp.csr_matrix:
        shape = (len(self.indptr) - 1, width)
        counts = sp.csr_matrix(
            (np.asarray(self.data, dtype=np.float64), self.indices, self.indptr), shape=shape
        )
        counts.sum_duplicates()
        return counts
