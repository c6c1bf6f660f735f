"""Errors of the matching engine."""


class NotFittedError(RuntimeError):
    """A model or index was used before ``fit``."""


class EmptyVocabularyError(ValueError):
    """Every document was empty or made only of stop words: there is nothing to match on.

    Callers turn this into "no matches".
    """
