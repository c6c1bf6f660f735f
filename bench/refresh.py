"""What a save costs at the database's scale, and how soon its suggestions are ready.

    DATABASE_URL=postgresql://…/grown python -m bench.refresh [--saves 20]

Run on a database grown with ``flask seed-scale`` and ranked with ``flask
rebuild-matches``. Prints, for a need saved and a graduate's profile saved:

- the save itself (what the web request does: write, tokenise, queue), median and p95;
- the worker's ranking of it (``refresh_pending`` with its side index kept), median and
  p95, with the statements it ran;
- the side index's first load (a worker's start), and its size.

Everything a save writes is rolled back at the end of each round: the database is left
as it was.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time

from sqlalchemy import event, func, select

from matchmaker import create_app
from matchmaker.extensions import db
from matchmaker.models import Graduate, TalentNeed
from matchmaker.services import matching, postings, profiles, side_index


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.0f} / {_percentile(values, 0.95) * 1000:.0f} ms"


def _rss() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Statements:
    def __init__(self):
        self.count = 0

    def __call__(self, *args, **kwargs):
        self.count += 1


def _save_need(need: TalentNeed, n: int) -> None:
    postings.save_need(
        need.enterprise, title=need.title, description=f"{need.description} 第{n}次修改。",
        sector_id=need.sector_id, region_id=need.region_id, min_degree=need.min_degree.value
        if need.min_degree else None, headcount=need.headcount, need=need,
    )  # fmt: skip


def _save_profile(graduate: Graduate, n: int) -> None:
    profiles.save_graduate(
        None, name=graduate.name, school=graduate.school, major=graduate.major,
        degree=graduate.degree.value, graduation_year=graduate.graduation_year,
        skills=f"{graduate.skills or ''} 第{n}次", intro=graduate.intro,
        hometown_id=graduate.hometown_id, is_returnee=graduate.is_returnee,
        phone=graduate.phone, email=graduate.email,
        wanted_sector_ids=[s.id for s in graduate.wanted_sectors],
        wanted_region_ids=[r.id for r in graduate.wanted_regions],
        open_to_matching=graduate.open_to_matching, graduate=graduate,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--saves", type=int, default=20)
    args = parser.parse_args()
    app = create_app({"QUEUE_URL": "immediate", "WARM_UP": False})
    with app.app_context():
        counts = {m.__name__: db.session.scalar(select(func.count(m.id)))
                  for m in (TalentNeed, Graduate)}  # fmt: skip
        print(f"database: {counts}")
        matching.warm_up()
        side_index.forget()
        start = time.perf_counter()
        for pairing in matching.PAIRINGS:
            matching._ranking(pairing)
        took = time.perf_counter() - start
        print(f"side indexes loaded (a worker's start): {took:.2f} s, peak RSS {_rss():.0f} MB")
        db.session.rollback()
        step = max(1, counts["TalentNeed"] // args.saves)  # spread over the table
        needs = db.session.scalars(select(TalentNeed).where(TalentNeed.id % step == 0)
                                   .order_by(TalentNeed.id).limit(args.saves)).all()  # fmt: skip
        step = max(1, counts["Graduate"] // args.saves)
        graduates = db.session.scalars(select(Graduate).where(Graduate.id % step == 0)
                                       .order_by(Graduate.id).limit(args.saves)).all()  # fmt: skip
        rows = []
        for label, items, save, kind in (
            ("a need saved", needs, _save_need, "talent"),
            ("a profile saved", graduates, _save_profile, "talent"),
        ):
            saves, ranks, statements = [], [], []
            for n, item in enumerate(items):
                item = db.session.merge(item)
                begin = time.perf_counter()
                save(item, n)
                db.session.flush()
                saves.append(time.perf_counter() - begin)
                counter = Statements()
                event.listen(db.engine, "before_cursor_execute", counter)
                begin = time.perf_counter()
                matching.refresh_pending(kind)
                db.session.flush()
                ranks.append(time.perf_counter() - begin)
                event.remove(db.engine, "before_cursor_execute", counter)
                statements.append(counter.count)
                db.session.rollback()
            rows.append((label, saves, ranks, statements))
        print()
        print("| | save (the request's work) p50 / p95 | ranked by the worker p50 / p95 |"
              " statements p50 | target |")  # fmt: skip
        print("|---|---:|---:|---:|---|")
        for label, saves, ranks, statements in rows:
            middle = statistics.median(statements)
            print(f"| {label} ({len(saves)}) | {_ms(saves)} | {_ms(ranks)} | {middle:.0f} "
                  "| suggestions visible ≤ 2 s |")  # fmt: skip
        print(f"\npeak RSS {_rss():.0f} MB")


if __name__ == "__main__":
    main()
