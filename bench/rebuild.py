"""The full rebuild of suggestions beside the engine alone, on the same database.

    DATABASE_URL=postgresql://… SECRET_KEY=… python -m bench.rebuild [--engine-only]

Times ``Matcher.top_many`` in both directions of both pairings (the engine's own batch
time: sides read and transformed beforehand, not timed), the whole rebuild
(``rebuild_all``: refit, read, rank, write, committed), then the engine again (the machine
may be busier or quieter at one time than another: the engine's time is the mean of the
two), and prints both, their ratio, the rebuild's peak RSS and the number of leads.
"""

from __future__ import annotations

import argparse
import os
import resource
import time

from sqlalchemy import func, select

MB = 1024  # ru_maxrss is in KiB


def engine_seconds() -> float:
    """``top_many`` both directions of both pairings, with the current fitted models."""
    from matchmaker.matching import Matcher, Side
    from matchmaker.services import match_store, matching, rebuild

    places = matching.Places()
    k, min_score = matching._top_k(), matching._min_score()
    total = 0.0
    for pairing in matching.PAIRINGS:
        kind = pairing.kind.value
        found = match_store.load(kind)
        if found is None:
            continue
        matcher = Matcher(kind, found[1])
        sides = {}
        for is_offer in (True, False):
            rows = rebuild.load_side(pairing, is_offer, places)
            vectors = matcher.model.transform(rows.tokens)
            sides[is_offer] = Side(rows.ids, vectors, rows.facets, rows.active)
        for is_offer in (True, False):
            start = time.perf_counter()
            matcher.top_many(sides[is_offer], sides[not is_offer], is_offer, k, min_score)
            seconds = time.perf_counter() - start
            total += seconds
            direction = "offers → seekers" if is_offer else "seekers → offers"
            print(f"  engine {kind:<10} {direction}: {seconds:6.2f} s")
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine-only", action="store_true")
    args = parser.parse_args(argv)

    from matchmaker import create_app
    from matchmaker.extensions import db
    from matchmaker.models import Lead
    from matchmaker.services import rebuild

    app = create_app()
    with app.app_context():
        rebuild_seconds = None
        print(f"  load average before: {os.getloadavg()[0]:.2f}")
        engines = [engine_seconds()]
        if not args.engine_only:
            start = time.perf_counter()
            summary = rebuild.rebuild_all()
            db.session.commit()
            rebuild_seconds = time.perf_counter() - start
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / MB
            print(f"  rebuild: {rebuild_seconds:6.2f} s, peak RSS {peak:.0f} MB, {summary}")
            engines.append(engine_seconds())
        print(f"  load average after: {os.getloadavg()[0]:.2f}")
        engine = sum(engines) / len(engines)
        leads = db.session.scalar(select(func.count(Lead.id)))
        runs = " / ".join(f"{e:.2f}" for e in engines)
        print(f"engine (top_many, both directions, both pairings): {engine:6.2f} s ({runs})")
        if rebuild_seconds is not None:
            print(f"rebuild (refit, read, rank, write, commit):      {rebuild_seconds:6.2f} s")
            print(f"ratio rebuild / engine: {rebuild_seconds / engine:.2f}")
        print(f"leads: {leads}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
