"""From tokens to vectors: words and CJK character n-grams, TF-IDF, one cosine space.

One model is fitted over both sides of a pairing together (needs and profiles), so words
every document of a side uses (培养, 发展 …) get a low weight on both sides.

A document becomes two blocks, each weighted ``tf ** power · idf`` and L2-normalised:
the words (jieba tokens) and the character n-grams taken inside each CJK token. The
character block, scaled by ``char_weight``, lets related words meet (种业 / 种子,
铁道 / 铁路) and carries short texts, such as a profile that is only a major's name.

Speed: tokens are mapped to columns once per distinct token (the n-grams of a word are
worked out once, then a sparse product spreads them over the documents), so fitting or
transforming a million stored documents is one Python pass over their tokens.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat

import numpy as np
import scipy.sparse as sp

from .errors import EmptyVocabularyError, NotFittedError
from .text import Document, is_cjk

#: Documents transformed at a time: bounds the memory of a million-document transform.
TRANSFORM_CHUNK = 100_000

# Why these defaults. Figures are nDCG@10 on the major → occupation benchmark, full text /
# title only, from ``python -m matchmaker.matching.evaluate BENCH [--title-only] --spec
# '{...}'`` (one knob changed from the defaults; the other knobs were measured with
# max_df 0.5, where the defaults give 0.852 / 0.647). Defaults: 0.851 / 0.646 (the first
# cut: 0.787 / 0.598). They were checked on held-out halves: queries split at random in two,
# a 540-setting grid searched on one half picks this same family (raw word counts, char
# tf^0.65, BM25 IDF, equal field weights; char weight 0.9 or 1.3) and it keeps its lead
# on the other half; a random half of the corpus agrees.
#
# - Raw word counts, not 1 + ln(tf): a description repeats the words it is about, and
#   that is the signal. sublinear_tf: 0.785 / 0.632; word_tf_power 0.75: 0.838 / 0.648.
#   Capping counts at 20 / 8 / 5 costs 0.001 / 0.017 / 0.031 on full text.
# - Character block tf^0.65: 1.0 lets common characters swamp a row (0.834 / 0.644),
#   0.5 loses short texts (0.851 / 0.643).
# - BM25's IDF ln(1 + (N − df + 0.5) / (df + 0.5)): like ln(N / df) it gives words found
#   in every document almost nothing; scikit-learn's smooth IDF adds 1 to every weight
#   (−0.010 / −0.010 on the halves). Unlike ln(N / df) it never reaches 0, so a
#   two-document model still matches identical texts.
# - Character weight 1.1 against 1 for words: more helps short texts, less long ones
#   (0: 0.844 / 0.550; 0.8: 0.855 / 0.638; 1.0: 0.854 / 0.645; 1.2: 0.845 / 0.649);
#   1.1 leaves a margin on both. Unigrams and bigrams inside words: bigrams alone 0.852 /
#   0.619, unigrams alone 0.815 / 0.618, adding trigrams 0.848 / 0.637; bigrams across
#   word boundaries did not help either (±0.002 full text, −0.001 to −0.009 title only).
# - Equal field weights: titles at 0.5 / 1.5 / 2 give 0.852 / 0.646, 0.848 / 0.647,
#   0.847 / 0.645. A separate title-only block or per-field normalisation hurt (−0.005 to
#   −0.09 full text).
# - max_df 0.3, from 1,000 documents on: a feature in more than 30% of the documents
#   weighs little, but its posting list is what a query spends its time on. Against 0.5:
#   0.851 / 0.646 here (0.852 / 0.647), on three random splits in halves within ±0.005 of
#   it on each half; on 50k synthetic profiles × 10k needs a third fewer postings per
#   query and batch ranking 42% (text) / 38% (blend) faster. Without pruning a single
#   query against 100k needs took 11 ms, with 0.5 3-4 ms; 0.2 gives 0.848 / 0.643, 0.1
#   0.842 / 0.635. Small models keep every feature: there a common word is still needed,
#   and matching is fast anyway.
DEFAULT_FIELD_WEIGHTS: Mapping[str, float] = {"title": 1.0, "skills": 1.0, "text": 1.0}


@dataclass(frozen=True)
class FeatureSpec:
    """How a document becomes a vector. Every knob of the text side lives here.

    Parameters
    ----------
    field_weights : mapping
        Multiplier of each field's token counts; fields not named get weight 1.
    char_ngrams : tuple of int
        Lengths of CJK character n-grams taken inside each token; ``()`` for none.
    char_weight : float
        Weight of the character block against the word block (which has weight 1).
    word_tf_power, char_tf_power : float
        Term frequency is ``count ** power`` (1 = raw counts, 0.5 = square root).
    sublinear_tf : bool
        Use ``1 + ln(count)`` in both blocks instead of the powers.
    max_df : float
        Drop features present in more than this share of the fitted documents …
    max_df_min_documents : int
        … when at least this many documents are fitted (pruning is for speed at scale).
    """

    field_weights: Mapping[str, float] = field(default_factory=lambda: DEFAULT_FIELD_WEIGHTS)
    char_ngrams: tuple[int, ...] = (1, 2)
    char_weight: float = 1.1
    word_tf_power: float = 1.0
    char_tf_power: float = 0.65
    sublinear_tf: bool = False
    max_df: float = 0.3
    max_df_min_documents: int = 1000


def char_grams(token: str, lengths: Iterable[int]) -> list[str]:
    """The CJK character n-grams inside ``token`` (none for Latin words or numbers)."""
    if not is_cjk(token):
        return []
    grams = []
    for n in lengths:
        grams.extend(token[i : i + n] for i in range(len(token) - n + 1))
    return grams


def bm25_idf(df: np.ndarray, n_documents: int) -> np.ndarray:
    """``ln(1 + (N - df + 0.5) / (df + 0.5))``: near 0 for ubiquitous terms, never 0."""
    df = np.asarray(df, dtype=np.float64)
    return np.log1p((n_documents - df + 0.5) / (df + 0.5))


class TextModel:
    """TF-IDF over word and character n-gram features of tokenised documents.

    Follows scikit-learn's contract: the constructor stores settings, ``fit`` returns
    the model, fitted state ends in ``_``.

    Parameters
    ----------
    spec : FeatureSpec, optional
        The settings; ``FeatureSpec()`` when omitted.

    Attributes
    ----------
    word_vocabulary_ : dict of str to int
        Word → column (words come first in ``transform``'s output).
    char_vocabulary_ : dict of str to int
        Character n-gram → column, counted after the words.
    word_idf_, char_idf_ : ndarray
        IDF weight of each column of the two blocks.
    """

    def __init__(self, spec: FeatureSpec | None = None):
        self.spec = spec or FeatureSpec()

    # fitting ---------------------------------------------------------------------

    def fit(self, documents: Sequence[Document]) -> TextModel:
        """Learn the vocabularies and IDF weights from ``documents``.

        Parameters
        ----------
        documents : sequence of Document
            Field name → tokens, as made by ``Tokenizer.document``.

        Returns
        -------
        TextModel
            ``self``, fitted.

        Raises
        ------
        EmptyVocabularyError
            When no document has a single token.
        """
        self._fit(documents)
        return self

    def _fit(self, documents: Sequence[Document]):
        """``fit``'s work; returns what it counted, for ``fit_transform``: the documents ×
        tokens counts, the tokens × n-grams matrix, and which tokens and n-grams were kept."""
        vocabulary = _Interner()
        counts = self._token_counts(documents, vocabulary)
        if not vocabulary:
            raise EmptyVocabularyError("no words left after stop words; nothing to match")
        words = list(vocabulary)
        chars: dict[str, int] = {}
        grams = self._gram_matrix(words, chars, grow=True)
        n = counts.shape[0]
        word_df = np.bincount(counts.indices, minlength=len(words))
        char_df = _column_df(counts, grams)
        limit = self.spec.max_df * n if n >= self.spec.max_df_min_documents else n
        keep_words = word_df <= limit
        keep_chars = char_df <= limit
        if not keep_words.any() and not keep_chars.any():
            raise EmptyVocabularyError("every feature is above max_df; nothing to match")
        self.word_vocabulary_ = _kept(words, keep_words)
        self.char_vocabulary_ = _kept(list(chars), keep_chars)
        self.word_idf_ = bm25_idf(word_df[keep_words], n)
        self.char_idf_ = bm25_idf(char_df[keep_chars], n)
        self._grams = grams[np.flatnonzero(keep_words)][:, np.flatnonzero(keep_chars)].tocsr()
        self._terms: list[str] | None = None
        return counts, grams, keep_words, keep_chars

    # transforming ----------------------------------------------------------------

    def transform(self, documents: Sequence[Document]) -> sp.csr_matrix:
        """L2-normalised vectors of ``documents``; words not fitted are ignored.

        A Chinese word that was not fitted still counts through its fitted character
        n-grams (a new 花卉 meets 花木 through 花).

        Parameters
        ----------
        documents : sequence of Document
            Field name → tokens.

        Returns
        -------
        scipy.sparse.csr_matrix
            One float32 row per document, ``n_features_`` columns, unit length (all
            zeros when no feature of the document was fitted).

        Raises
        ------
        NotFittedError
            Before ``fit``.
        """
        self._check_fitted()
        documents = documents if isinstance(documents, Sequence) else list(documents)
        parts = [
            self._transform_chunk(documents[start : start + TRANSFORM_CHUNK])
            for start in range(0, len(documents), TRANSFORM_CHUNK)
        ]
        if len(parts) == 1:
            return parts[0]
        if not parts:
            return sp.csr_matrix((0, self.n_features_), dtype=np.float32)
        return sp.vstack(parts, format="csr")

    def _transform_chunk(self, documents: Sequence[Document]) -> sp.csr_matrix:
        batch = _Interner()
        counts = self._token_counts(documents, batch)
        tokens = list(batch)
        get = self.word_vocabulary_.get
        known = np.fromiter((get(t, -1) for t in tokens), dtype=np.int64, count=len(tokens))
        grams = self._batch_grams(tokens, known) if self.char_vocabulary_ else None
        return self._vectors(counts, known, grams)

    def _vectors(self, counts, known: np.ndarray, grams) -> sp.csr_matrix:
        """Unit vectors from documents × tokens ``counts``: ``known`` gives each token's
        word column (-1: none), ``grams`` its fitted n-grams (tokens × n-grams)."""
        words = _rename_columns(counts, known, len(self.word_vocabulary_))
        blocks = [self._block(words, self.word_idf_, self.spec.word_tf_power, 1.0)]
        if self.char_vocabulary_:
            chars = counts @ grams
            blocks.append(
                self._block(chars, self.char_idf_, self.spec.char_tf_power, self.spec.char_weight)
            )
        vectors = sp.hstack(blocks, format="csr", dtype=np.float64)
        return _unit_rows(vectors).astype(np.float32)

    def fit_transform(self, documents: Sequence[Document]) -> sp.csr_matrix:
        """``fit(documents)`` then ``transform(documents)``, the same vectors, without
        counting the documents twice: the vectors come from the counts fitting made."""
        counts, grams, keep_words, keep_chars = self._fit(documents)
        known = np.where(keep_words, np.cumsum(keep_words) - 1, -1)
        grams = grams[:, np.flatnonzero(keep_chars)].tocsr() if self.char_vocabulary_ else None
        parts = [
            self._vectors(counts[start : start + TRANSFORM_CHUNK], known, grams)
            for start in range(0, counts.shape[0], TRANSFORM_CHUNK)
        ]
        return parts[0] if len(parts) == 1 else sp.vstack(parts, format="csr")

    def _block(self, counts, idf: np.ndarray, power: float, weight: float) -> sp.csr_matrix:
        """``tf · idf`` of one block, rows scaled to length ``weight``."""
        counts = counts.tocsr()
        counts.sum_duplicates()
        if self.spec.sublinear_tf:  # 1 + ln(tf), linear below 1 (fields weighted < 1)
            counts.data = np.where(counts.data > 1.0, 1.0 + np.log(counts.data), counts.data)
        elif power != 1.0:
            counts.data = counts.data**power
        counts.data *= idf[counts.indices]
        _unit_rows(counts)
        if weight != 1.0:
            counts.data *= weight
        return counts

    def _token_counts(self, documents: Iterable[Document], tokens: _Interner) -> sp.csr_matrix:
        """Documents × distinct tokens (numbered by ``tokens``): field-weighted counts."""
        weights = self.spec.field_weights
        column = tokens.__getitem__
        indices = array("q")
        data = array("d")
        indptr = array("q", [0])
        for doc in documents:
            for name, words in doc.items():
                if words:
                    indices.extend(map(column, words))
                    data.extend(repeat(float(weights.get(name, 1.0)), len(words)))
            indptr.append(len(indices))
        counts = sp.csr_matrix(
            (np.frombuffer(data), np.frombuffer(indices, dtype=np.int64), indptr),
            shape=(len(indptr) - 1, len(tokens)),
        )
        counts.sum_duplicates()
        counts.eliminate_zeros()  # a field of weight 0
        return counts

    def _gram_matrix(self, tokens: list[str], vocabulary: dict[str, int], grow: bool):
        """Tokens × character n-grams: how often each n-gram occurs in each token."""
        lengths = tuple(self.spec.char_ngrams)
        indices = array("q")
        indptr = array("q", [0])
        for token in tokens:
            for gram in char_grams(token, lengths) if lengths else ():
                index = vocabulary.get(gram)
                if index is None:
                    if not grow:
                        continue
                    index = vocabulary[gram] = len(vocabulary)
                indices.append(index)
            indptr.append(len(indices))
        matrix = sp.csr_matrix(
            (np.ones(len(indices)), np.frombuffer(indices, dtype=np.int64), indptr),
            shape=(len(tokens), len(vocabulary)),
        )
        matrix.sum_duplicates()
        return matrix

    def _batch_grams(self, tokens: list[str], known: np.ndarray) -> sp.csr_matrix:
        """N-gram rows of a batch's tokens: fitted words reuse theirs, others are cut."""
        fitted = _selector(known, self._grams.shape[0]) @ self._grams
        unknown = np.flatnonzero(known < 0)
        if unknown.size == 0:
            return fitted
        cut = self._gram_matrix([tokens[i] for i in unknown], self.char_vocabulary_, False)
        spread = sp.csr_matrix(
            (np.ones(unknown.size), (unknown, np.arange(unknown.size))),
            shape=(len(tokens), unknown.size),
        )
        return (fitted + spread @ cut).tocsr()

    # introspection ---------------------------------------------------------------

    @property
    def n_features_(self) -> int:
        """Number of columns of ``transform``'s output (words, then n-grams)."""
        self._check_fitted()
        return len(self.word_vocabulary_) + len(self.char_vocabulary_)

    def term(self, feature: int) -> str:
        """The word or character n-gram behind a column of ``transform``'s output."""
        self._check_fitted()
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
        """True for a word column, False for a character n-gram column."""
        self._check_fitted()
        return feature < len(self.word_vocabulary_)

    def _check_fitted(self) -> None:
        if not hasattr(self, "word_idf_"):
            raise NotFittedError("TextModel is not fitted yet; call fit() first")


def _column_df(counts: sp.csr_matrix, grams: sp.csr_matrix) -> np.ndarray:
    """Document frequency of each n-gram, a slice of documents at a time (bounded memory)."""
    df = np.zeros(grams.shape[1], dtype=np.int64)
    step = max(1, 2_000_000 // max(1, math.ceil(counts.nnz / max(1, counts.shape[0]))))
    for start in range(0, counts.shape[0], step):
        product = (counts[start : start + step] @ grams).tocsr()
        product.sum_duplicates()
        df += np.bincount(product.indices, minlength=grams.shape[1])
    return df


def _kept(terms: list[str], keep: np.ndarray) -> dict[str, int]:
    """Term → new column for the terms kept, in their old order."""
    return {term: i for i, term in enumerate(t for t, k in zip(terms, keep, strict=True) if k)}


class _Interner(dict):
    """Token → id, handing the next id to a token not seen before (``interner[token]``)."""

    def __missing__(self, token: str) -> int:
        index = self[token] = len(self)
        return index


def _unit_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """Scale each row of ``matrix`` to unit L2 length, in place (empty rows stay empty)."""
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    lengths = np.sqrt(np.bincount(rows, weights=matrix.data**2, minlength=matrix.shape[0]))
    scale = np.divide(1.0, lengths, out=np.zeros_like(lengths), where=lengths > 0)
    matrix.data *= scale[rows]
    return matrix


def _rename_columns(counts: sp.csr_matrix, columns: np.ndarray, width: int) -> sp.csr_matrix:
    """``counts`` with column j moved to ``columns[j]``, dropped where that is -1.

    ``columns`` must not send two columns to the same place (each token is one word).
    """
    renamed = columns[counts.indices]
    keep = renamed >= 0
    kept_before = np.concatenate([[0], np.cumsum(keep)])
    return sp.csr_matrix(
        (counts.data[keep], renamed[keep], kept_before[counts.indptr]),
        shape=(counts.shape[0], width),
    )


def _selector(columns: np.ndarray, width: int) -> sp.csr_matrix:
    """A 0/1 matrix sending row i to column ``columns[i]`` (rows with -1 go nowhere)."""
    rows = np.flatnonzero(columns >= 0)
    return sp.csr_matrix((np.ones(rows.size), (rows, columns[rows])), shape=(len(columns), width))
