"""The real worker: ``flask worker`` processes on Redis rank what the pages queue.

A web app queues on Redis; ``flask worker`` runs in its own process against the same
database, as in production. Needs Redis on 127.0.0.1:6379 (CI has it; with
``MATCHMAKER_REQUIRE_WORKER=1`` a missing Redis fails instead of skipping).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Enterprise, Graduate, Lead, Role, TalentNeed
from matchmaker.services import matching, postings
from tests.factories import committed_talent_leads as _leads
from tests.factories import graduate_profile

REDIS_URL = "redis://127.0.0.1:6379/13"
ROOT = Path(__file__).resolve().parents[1]
NEED = {
    "title": "花木栽培技术员",
    "description": "负责紫荆、月季苗木的栽培管理、嫁接育苗和病虫害防治，要求园艺专业。",
    "min_degree": "associate",
}
MAJORS = ["园艺", "园林", "林学", "植物保护", "机械设计制造", "电气自动化", "会计", "市场营销"]


@pytest.fixture
def redis_queue():
    redis = pytest.importorskip("redis")
    connection = redis.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("MATCHMAKER_REQUIRE_WORKER"):
            raise
        pytest.skip("no Redis on 127.0.0.1:6379")
    connection.flushdb()
    yield connection
    connection.flushdb()


class Worker:
    """``flask worker`` in a process of its own, on the test database and queue."""

    def __init__(self, app):
        self.env = {
            **os.environ,
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "REDIS_URL": REDIS_URL,
            "SECRET_KEY": app.config["SECRET_KEY"],
            "MATCH_STORE_DIR": app.config["MATCH_STORE_DIR"],
            "MATCH_MIN_SCORE": str(app.config["MATCH_MIN_SCORE"]),
            "MAIL_SERVER": "",
        }
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "flask", "--app", "matchmaker", "worker", "--workers", "2"]
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, start_new_session=True,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                        text=True)  # fmt: skip
        said = []
        for line in self.process.stderr:  # its log, until it takes tasks
            said.append(line)
            if "worker ready" in line:
                break
        else:
            raise AssertionError("flask worker exited before it was ready:\n" + "".join(said))
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        for line in self.process.stderr:
            if os.environ.get("MATCHMAKER_SHOW_WORKER"):
                print("worker:", line.rstrip())

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
            self.process.stderr.close()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.process:
            self.process.stderr.close()


@pytest.fixture
def worker(app, redis_queue):
    running = Worker(app)
    yield running
    running.stop()


@pytest.fixture
def queued_app(make_app):
    """A web app queueing on Redis, as in production."""
    return make_app(QUEUE_URL=REDIS_URL)


def _pending() -> int:
    db.session.rollback()  # see what the worker committed
    count = sum(
        len(db.session.scalars(select(m.id).where(m.match_pending.is_(True))).all())
        for m in (TalentNeed, Graduate)
    )
    db.session.rollback()  # and hold no lock (SQLite) while it works
    return count


def _wait_until_ranked(timeout: float) -> float:
    start = time.monotonic()
    while _pending():
        assert time.monotonic() - start < timeout, "the worker did not rank the documents"
        time.sleep(0.2)
    return time.monotonic() - start


def _world(make_user, reference, graduates: int):
    firm = make_user(Role.ENTERPRISE).enterprise
    for n in range(graduates):
        profile = {**graduate_profile(reference), "major": MAJORS[n % len(MAJORS)],
                   "skills": "嫁接育苗, 病虫害防治" if n % 2 else "PLC 编程, 设备维护"}  # fmt: skip
        make_user(Role.GRADUATE, **profile)
    place = {"firm": firm.id, "sector_id": reference.sector("horticulture").id,
             "region_id": reference.region("河南省/许昌市/鄢陵县/陈化店镇").id}  # fmt: skip
    db.session.commit()  # this session holds no lock while the other app and the worker write
    return place


def _save_need(place, **changes):
    firm = db.session.get(Enterprise, place["firm"])
    values = {**NEED, "sector_id": place["sector_id"], "region_id": place["region_id"], **changes}
    need = postings.save_need(firm, **values)
    db.session.commit()
    return need


def test_a_saved_need_is_ranked_by_the_worker_as_a_full_rebuild_ranks_it(
    app, queued_app, worker, make_user, reference
):
    place = _world(make_user, reference, graduates=12)  # ranked here (immediate queue)
    worker.start()
    with queued_app.app_context():
        need = _save_need(place)  # returns once queued; the worker ranks it
        _wait_until_ranked(timeout=60)
        by_worker = _leads()
        assert any(pair[0] == need.id for pair in by_worker)
        db.session.refresh(need)
        assert matching.suggestion_state(need) == "ready"
    with app.app_context():
        matching.rebuild(refit=False)
        db.session.commit()
        assert _leads() == by_worker


def test_nothing_is_lost_when_the_worker_is_down_or_killed(
    app, queued_app, worker, make_user, reference
):
    place = _world(make_user, reference, graduates=8)
    with queued_app.app_context():
        needs = [_save_need(place, title=f"苗木养护员{n}") for n in range(3)]
        assert _pending() == 3  # queued on Redis, nobody consuming
        worker.start()
        time.sleep(1.0)  # it takes the tasks (and may be mid-refresh) …
        worker.kill()  # … and dies without a word
        worker.start()  # a new one: the queue's retries and the minute's sweep finish it
        _wait_until_ranked(timeout=150)
        by_worker = _leads()
        assert {pair[0] for pair in by_worker} >= {need.id for need in needs}
    with app.app_context():
        matching.rebuild(refit=False)
        db.session.commit()
        assert _leads() == by_worker


def test_a_queue_that_cannot_be_reached_loses_no_save(app, make_app, make_user, reference):
    place = _world(make_user, reference, graduates=4)
    unreachable = make_app(QUEUE_URL="redis://127.0.0.1:9/0")  # nothing listens there
    with unreachable.app_context():
        need = _save_need(place)  # saved, though its task could not be queued
        assert db.session.get(TalentNeed, need.id).match_pending
    with app.app_context():  # the sweep a worker runs every minute finds it
        assert matching.kinds_pending() == ["talent"]
        assert matching.refresh_pending("talent") == 1
        db.session.commit()
        assert _pending() == 0
        assert db.session.scalars(select(Lead).where(Lead.talent_need_id == need.id)).all()
