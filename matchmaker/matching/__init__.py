"""The matching engine: plain data in, caller ids and scores out.

Framework-free on purpose (no Flask, no SQLAlchemy): it is tested and benchmarked alone.
"""

from .engine import Match, Matcher, Side
from .errors import EmptyVocabularyError, NotFittedError
from .features import FeatureSpec, TextModel
from .rules import WEIGHTS, Facets
from .text import Lexicon, Tokenizer, normalise, tokenise_many

__all__ = [
    "WEIGHTS",
    "EmptyVocabularyError",
    "Facets",
    "FeatureSpec",
    "Lexicon",
    "Match",
    "Matcher",
    "NotFittedError",
    "Side",
    "TextModel",
    "Tokenizer",
    "normalise",
    "tokenise_many",
]
