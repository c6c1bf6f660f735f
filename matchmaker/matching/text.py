"""From raw text to tokens: NFKC, jieba with a domain dictionary, synonyms, stop words.

Documents are tokenised once, when they are written; the tokens are stored by the caller
and every later fit or query works from them, so jieba never runs twice on the same text.
"""

from __future__ import annotations

import logging
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import jieba

jieba.setLogLevel(logging.WARNING)

#: A document as the engine sees it: field name → tokens (e.g. "title", "skills", "text").
Document = Mapping[str, Sequence[str]]

_WORD = re.compile(r"[\w\u4e00-\u9fff]", re.UNICODE)
_CJK = re.compile(r"[\u3400-\u9fff]")
_NUMBER = re.compile(r"^[\d.,%]+$")
_SPACES = re.compile(r"\s+")


def normalise(text: str | None) -> str:
    """NFKC (full-width digits and letters become ASCII), lower-case, single spaces.

    Parameters
    ----------
    text : str or None
        Raw text as typed.

    Returns
    -------
    str
        The folded text; ``""`` for None or blank text.
    """
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", text).lower()
    return _SPACES.sub(" ", folded).strip()


def _read_words(path: Path) -> list[str]:
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


@dataclass(frozen=True)
class Lexicon:
    """What the tokenizer knows beyond jieba: domain words, synonyms, stop words.

    ``synonyms`` maps a variant to the one term it is folded to (电子商务 → 电商).
    ``concepts`` maps a term to a concept it also stands for (紫荆 → a sector); the
    concept is added as an extra token, the term itself is kept.
    """

    words: tuple[str, ...] = ()
    synonyms: Mapping[str, str] = field(default_factory=dict)
    concepts: Mapping[str, str] = field(default_factory=dict)
    stop_words: frozenset[str] = frozenset()

    @classmethod
    def from_directory(cls, directory: str | os.PathLike, concepts=None) -> Lexicon:
        """Read ``dictionary.txt``, ``synonyms.txt`` and ``stopwords_*.txt`` from a folder.

        Parameters
        ----------
        directory : path
            The folder; missing files count as empty. Lines starting with ``#`` are
            comments. ``synonyms.txt`` has one group per line: ``term: variant, variant``.
        concepts : mapping of str to str, optional
            Term → concept token added after it (e.g. sector synonyms → a sector).

        Returns
        -------
        Lexicon
            Every word normalised like the text it will meet.
        """
        folder = Path(directory)
        synonyms: dict[str, str] = {}
        for line in _read_words(folder / "synonyms.txt"):
            term, _, variants = line.partition(":")
            for variant in re.split(r"[,，、]", variants):
                if variant.strip():
                    synonyms[normalise(variant)] = normalise(term)
        stop_words = set()
        for path in sorted(folder.glob("stopwords_*.txt")):
            stop_words.update(normalise(word) for word in _read_words(path))
        words = [normalise(w) for w in _read_words(folder / "dictionary.txt")]
        concepts = {normalise(k): v for k, v in (concepts or {}).items()}
        all_words = tuple(dict.fromkeys([*words, *synonyms, *synonyms.values(), *concepts]))
        return cls(all_words, synonyms, concepts, frozenset(stop_words))


class Tokenizer:
    """Splits normalised text into words with jieba and the lexicon.

    Parameters
    ----------
    lexicon : Lexicon
        Domain words (added to jieba's dictionary), synonyms and stop words.
    """

    def __init__(self, lexicon: Lexicon | None = None):
        self.lexicon = lexicon or Lexicon()
        self._jieba: jieba.Tokenizer | None = None

    def _segmenter(self) -> jieba.Tokenizer:
        if self._jieba is None:
            segmenter = jieba.Tokenizer()
            for word in self.lexicon.words:
                segmenter.add_word(word, freq=20000)
            self._jieba = segmenter
        return self._jieba

    def tokens(self, text: str | None) -> list[str]:
        """The words of ``text``: synonyms folded, concepts added, stop words dropped.

        Parameters
        ----------
        text : str or None
            Raw text.

        Returns
        -------
        list of str
            Normalised words in text order; punctuation and bare numbers are dropped,
            so empty or stop-word-only text gives ``[]``.
        """
        clean = normalise(text)
        if not clean:
            return []
        lexicon = self.lexicon
        out: list[str] = []
        for piece in self._segmenter().lcut(clean):
            word = piece.strip()
            if not word or not _WORD.search(word) or _NUMBER.match(word):
                continue
            word = lexicon.synonyms.get(word, word)
            if word in lexicon.stop_words:
                continue
            out.append(word)
            concept = lexicon.concepts.get(word)
            if concept:
                out.append(concept)
        return out

    def document(self, fields: Mapping[str, str | None]) -> dict[str, list[str]]:
        """Tokenise each field of a document.

        Parameters
        ----------
        fields : mapping of str to str or None
            Field name (``title``, ``skills``, ``text`` …) → raw text.

        Returns
        -------
        dict of str to list of str
            The same fields, each with its tokens: what ``TextModel`` takes and what
            callers store.
        """
        return {name: self.tokens(value) for name, value in fields.items()}


# --- bulk tokenising on every core ----------------------------------------------------

_worker: Tokenizer | None = None


def _start_worker(lexicon: Lexicon) -> None:
    global _worker
    _worker = Tokenizer(lexicon)
    _worker.tokens("预热")  # load jieba's dictionary once per process


def _tokenise_chunk(chunk: list[Mapping[str, str | None]]) -> list[dict[str, list[str]]]:
    return [_worker.document(doc) for doc in chunk]


def tokenise_many(
    documents: Iterable[Mapping[str, str | None]],
    lexicon: Lexicon | None = None,
    processes: int | None = None,
    chunk_size: int = 500,
) -> list[dict[str, list[str]]]:
    """Tokenise many documents on ``processes`` cores (default: all), order kept.

    Parameters
    ----------
    documents : iterable of mapping
        Field name → raw text, as for ``Tokenizer.document``.
    lexicon : Lexicon, optional
        The lexicon of every worker.
    processes : int, optional
        Worker processes; small batches (under two chunks) stay in this process.
    chunk_size : int
        Documents sent to a worker at a time.

    Returns
    -------
    list of dict
        One token document per input document, in input order.
    """
    docs = list(documents)
    processes = processes or os.cpu_count() or 1
    if processes == 1 or len(docs) < 2 * chunk_size:
        tokenizer = Tokenizer(lexicon)
        return [tokenizer.document(doc) for doc in docs]
    chunks = [docs[i : i + chunk_size] for i in range(0, len(docs), chunk_size)]
    with ProcessPoolExecutor(processes, initializer=_start_worker, initargs=(lexicon,)) as pool:
        return [doc for part in pool.map(_tokenise_chunk, chunks) for doc in part]


def is_cjk(token: str) -> bool:
    """True when the token contains a CJK ideograph."""
    return bool(_CJK.search(token))
