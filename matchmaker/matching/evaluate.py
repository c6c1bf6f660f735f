"""Rank a relevance benchmark and print its figures.

    python -m matchmaker.matching.evaluate BENCH_DIR [--title-only] [--run OUT.jsonl]
                                           [--spec '{"char_weight": 0.8}']

``BENCH_DIR`` holds ``corpus.jsonl`` (the needs), ``queries.jsonl`` (the profiles), each
line ``{"id", "title", "text"}``, and ``qrels.tsv`` (``query_id  doc_id  1``). The model is
fitted over corpus and queries together (full texts); every query ranks the whole corpus,
by title and text, or with ``--title-only`` by its title alone. ``--spec`` overrides
fields of the default ``FeatureSpec`` (JSON), to compare settings. Prints nDCG@10, P@10,
R@10 and MRR@10 as one JSON line.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from .features import FeatureSpec, TextModel
from .text import Lexicon, tokenise_many

DEFAULT_LEXICON = Path(__file__).resolve().parents[2] / "data" / "matching"
K = 10


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def read_qrels(path: Path) -> dict[str, set[str]]:
    relevant: dict[str, set[str]] = defaultdict(set)
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and float(parts[2]) > 0:
            relevant[parts[0]].add(parts[1])
    return relevant


def metrics(ranking: list[str], relevant: set[str], k: int = K) -> dict[str, float]:
    """nDCG, precision, recall and reciprocal rank at ``k`` for binary relevance.

    Parameters
    ----------
    ranking : list of str
        Document ids, best first.
    relevant : set of str
        The ids judged relevant.
    k : int
        Cut-off (the keys keep the names ``…@10``).

    Returns
    -------
    dict of str to float
        ``ndcg@10`` (ideal DCG over ``min(len(relevant), k)`` hits), ``p@10``, ``r@10``
        and ``mrr@10``; all 0 when nothing is relevant.
    """
    top = ranking[:k]
    gains = [1.0 if doc in relevant else 0.0 for doc in top]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(relevant), k)))
    first = next((i for i, g in enumerate(gains) if g), None)
    hits = sum(gains)
    return {
        "ndcg@10": dcg / ideal if ideal else 0.0,
        "p@10": hits / k,
        "r@10": hits / len(relevant) if relevant else 0.0,
        "mrr@10": 1.0 / (first + 1) if first is not None else 0.0,
    }


def rank_all(bench: Path, title_only: bool, spec: FeatureSpec | None = None, lexicon=None):
    """The top ``K`` documents of every query of a benchmark.

    Parameters
    ----------
    bench : Path
        Folder with ``corpus.jsonl`` and ``queries.jsonl``.
    title_only : bool
        Rank with each query's title alone (the model is still fitted on full texts).
    spec : FeatureSpec, optional
        Model settings; the defaults when omitted.
    lexicon : Lexicon, optional
        Tokenizer lexicon; ``data/matching`` when omitted.

    Returns
    -------
    dict of str to list of str
        Query id → document ids, best first, ties by lower id.
    """
    corpus = read_jsonl(bench / "corpus.jsonl")
    queries = read_jsonl(bench / "queries.jsonl")
    lexicon = lexicon or Lexicon.from_directory(DEFAULT_LEXICON)
    fields = [{"title": row["title"], "text": row.get("text", "")} for row in corpus + queries]
    tokens = tokenise_many(fields, lexicon)
    doc_tokens, query_tokens = tokens[: len(corpus)], tokens[len(corpus) :]
    model = TextModel(spec).fit(doc_tokens + query_tokens)
    docs = model.transform(doc_tokens)
    if title_only:
        query_tokens = [{"title": q["title"]} for q in query_tokens]
    scores = (model.transform(query_tokens) @ docs.T).toarray()
    doc_ids = np.array([row["id"] for row in corpus])
    rankings = {}
    for row, query in zip(scores, queries, strict=True):
        order = np.lexsort((doc_ids, -row))[:K]
        rankings[query["id"]] = [str(doc_ids[i]) for i in order]
    return rankings


def evaluate(bench: Path, title_only: bool = False, spec=None, lexicon=None):
    """Mean figures over the queries that have relevance labels, and the rankings.

    Parameters
    ----------
    bench : Path
        Benchmark folder (see the module docstring).
    title_only, spec, lexicon
        As for ``rank_all``.

    Returns
    -------
    figures : dict
        Mean ``ndcg@10``, ``p@10``, ``r@10``, ``mrr@10`` (4 decimals) and ``queries``,
        the number of judged queries.
    rankings : dict of str to list of str
        As returned by ``rank_all``.
    """
    relevant = read_qrels(bench / "qrels.tsv")
    rankings = rank_all(bench, title_only, spec, lexicon)
    judged = [q for q in rankings if relevant.get(q)]
    totals = defaultdict(float)
    for query in judged:
        for name, value in metrics(rankings[query], relevant[query]).items():
            totals[name] += value
    count = max(1, len(judged))
    names = ("ndcg@10", "p@10", "r@10", "mrr@10")
    figures: dict = {name: round(totals[name] / count, 4) for name in names}
    figures["queries"] = len(judged)
    return figures, rankings


def spec_from_json(text: str | None) -> FeatureSpec:
    """The default ``FeatureSpec`` with the fields given as a JSON object replaced."""
    overrides = json.loads(text) if text else {}
    if not isinstance(overrides, dict):
        raise ValueError("--spec must be a JSON object, e.g. '{\"char_weight\": 0.8}'")
    if "char_ngrams" in overrides:
        overrides["char_ngrams"] = tuple(overrides["char_ngrams"])
    return FeatureSpec(**overrides)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bench_dir", type=Path)
    parser.add_argument("--title-only", action="store_true", help="rank by query titles alone")
    parser.add_argument("--run", type=Path, help="write the rankings as JSON lines here")
    parser.add_argument("--spec", help="FeatureSpec fields to override, as a JSON object")
    args = parser.parse_args(argv)
    try:
        spec = spec_from_json(args.spec)
    except (ValueError, TypeError) as error:
        parser.error(f"--spec: {error}")
    figures, rankings = evaluate(args.bench_dir, args.title_only, spec)
    figures["mode"] = "title-only" if args.title_only else "full-text"
    print(json.dumps(figures, ensure_ascii=False))
    if args.run:
        with args.run.open("w", encoding="utf-8") as out:
            for query, ranking in rankings.items():
                out.write(json.dumps({"query_id": query, "ranking": ranking}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
