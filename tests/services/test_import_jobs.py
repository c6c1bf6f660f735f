"""A confirmed import as a background job: phases and counts, all or nothing, stores."""

import time

import pytest
import redis
from sqlalchemy import func, select

from matchmaker import queue
from matchmaker.extensions import db
from matchmaker.models import AuditEvent, Graduate, ImportRecord, Role, TalentNeed
from matchmaker.services import imports, jobs, matching

REDIS_URL = "redis://127.0.0.1:6379/14"
GRADUATE_HEADER = list(imports.GRADUATE_COLUMNS)


def graduates_csv(count: int, start: int = 0) -> bytes:
    """``count`` clean graduate rows (UTF-8 CSV), distinct by e-mail."""
    rows = [
        f"学生{n},河南农业大学,园艺,本科,2025,嫁接育苗、苗木栽培,许昌市鄢陵县,是,,"
        f"g{n}@test.example,花木/园林,许昌市鄢陵县,想回乡种花"
        for n in range(start, start + count)
    ]
    return "\n".join([",".join(GRADUATE_HEADER), *rows]).encode()


class RecordingStore(jobs.MemoryStore):
    """A memory store that remembers every status it was given."""

    def __init__(self):
        super().__init__()
        self.saved = []

    def save(self, job_id, status):
        self.saved.append(dict(status))
        super().save(job_id, status)


def _status(owner_id: int) -> dict:
    return {"id": "test-job-0000000001", "owner": owner_id, "title": "g.csv", "sha256": "",
            "once_per": "", "state": "queued", "phase": "queued", "done": 0, "total": 0,
            "updated": time.time(), "result": None, "error": None}  # fmt: skip


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMIN)


def test_progress_goes_through_the_phases_and_reaches_each_total(web_app, admin, need):
    recorder = RecordingStore()
    web_app.extensions["matchmaker.jobs"] = recorder
    work = imports.import_job("graduates", "g.csv", graduates_csv(40), admin.id)

    status = jobs.run(web_app, _status(admin.id), work)

    assert status["state"] == "done", status["error"]
    assert status["result"]["counts"] == {"create": 40, "update": 0, "unchanged": 0, "kept": 0}
    phases = [s["phase"] for s in recorder.saved]
    assert list(dict.fromkeys(phases)) == ["running", "checking", "writing", "matching", "saving"]
    for phase in ("checking", "writing", "matching"):
        seen = [s for s in recorder.saved if s["phase"] == phase]
        assert seen[0]["done"] == 0 and seen[0]["total"] == 40
        assert seen[-1]["done"] == seen[-1]["total"] == 40, phase
        assert [s["done"] for s in seen] == sorted(s["done"] for s in seen)
    assert recorder.saved[-1]["state"] == "done"
    assert _count(Graduate) == 40 and _count(ImportRecord) == 1
    untokenised = select(func.count(Graduate.id)).where(Graduate.tokens.is_(None))
    assert db.session.scalar(untokenised) == 0  # the profiles went through the matching


def test_a_reimport_writes_nothing_and_still_finishes(web_app, admin, need):
    web_app.extensions["matchmaker.jobs"] = recorder = RecordingStore()
    data = graduates_csv(5)
    jobs.run(web_app, _status(admin.id), imports.import_job("graduates", "g.csv", data, admin.id))
    status = jobs.run(
        web_app, _status(admin.id), imports.import_job("graduates", "g.csv", data, admin.id)
    )
    assert status["state"] == "done"
    assert status["result"]["counts"] == {"create": 0, "update": 0, "unchanged": 5, "kept": 0}
    writing = [s for s in recorder.saved[-6:] if s["phase"] == "writing"]
    assert writing and writing[-1]["total"] == 0


def test_a_failure_after_the_rows_are_written_leaves_nothing(
    web_app, admin, need, monkeypatch, caplog
):
    def broken(documents, progress=None):
        assert db.session.scalar(select(func.count(Graduate.id))) == 12  # flushed, uncommitted
        raise RuntimeError("学生3 g3@test.example")  # as a database error names a row

    monkeypatch.setattr(matching, "refresh_many", broken)
    web_app.extensions["matchmaker.jobs"] = recorder = RecordingStore()
    work = imports.import_job("graduates", "g.csv", graduates_csv(12), admin.id)
    before = _count(AuditEvent)

    status = jobs.run(web_app, _status(admin.id), work)

    assert status["state"] == "failed"
    assert status["error"] == {"code": "internal", "params": {}}
    assert recorder.saved[-1]["state"] == "failed"  # what a poll reads
    assert _count(Graduate) == 0 and _count(ImportRecord) == 0
    assert _count(AuditEvent) == before
    assert _count(TalentNeed) == 1  # what was there before is untouched
    logged = " ".join(r.getMessage() for r in caplog.records if r.name == "matchmaker.jobs")
    assert "RuntimeError at" in logged and "broken" in logged
    assert "g3@test.example" not in logged  # where it failed, not the row's values


def test_a_file_that_no_longer_checks_clean_is_refused_with_its_reason(web_app, admin, need):
    header = ",".join(imports.NEED_COLUMNS)
    row = "91411024MA00099990,园艺技术员,苗木栽培,花木/园林,许昌市鄢陵县陈化店镇,本科,2,3000,5000"
    work = imports.import_job("needs", "n.csv", f"{header}\n{row}".encode(), admin.id)
    status = jobs.run(web_app, _status(admin.id), work)
    assert status["state"] == "failed"
    assert status["error"]["code"] == "not_clean"
    assert _count(TalentNeed) == 1


def test_a_started_job_runs_on_the_embedded_queue_and_a_double_start_is_one_job(
    make_app, admin, need, tmp_path
):
    admin_id = admin.id  # read here: in the other app's context the test's session would use it
    embedded = make_app(QUEUE_URL=str(tmp_path / "queue.sqlite3"))  # as ``make run`` has it
    arguments = {"kind": "graduates", "filename": "g.csv", "data": graduates_csv(20),
                 "actor_id": admin_id}  # fmt: skip

    def start() -> str:
        return jobs.start(admin_id, "g.csv", "import", arguments, once_per="import:g.csv")

    with embedded.app_context():
        first = start()
        assert start() == first  # a double click while the first is queued
        assert jobs.load(first)["state"] == "queued"  # nobody consumes yet
        queue.start_embedded(embedded)  # the web process's own consumer threads
        assert wait_for(embedded, first)["state"] == "done"
        later = start()
        assert later != first  # the first one is over: the file may be imported again
        assert wait_for(embedded, later)["result"]["counts"]["unchanged"] == 20
    queue.stop_embedded(embedded)
    assert _count(ImportRecord) == 2


def wait_for(app, job_id: str, seconds: float = 60) -> dict:
    """The job's status once it is over (a test must not leave a job running)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = jobs.store(app).load(job_id)
        if status and status["state"] in jobs.FINISHED:
            return status
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} still running after {seconds} s")


def test_a_running_job_silent_for_too_long_is_reported_as_stopped():
    status = {"state": "running", "updated": time.time() - jobs.STALLED_SECONDS - 1}
    assert jobs.view(status)["state"] == "failed"
    assert jobs.view(status)["error"]["code"] == "stalled"
    assert jobs.view({**status, "updated": time.time()})["state"] == "running"


def test_a_one_time_value_is_read_once():
    store = jobs.MemoryStore()
    store.keep_once("j", {"a@test.example": "secret"})
    assert store.take_once("j") == {"a@test.example": "secret"}
    assert store.take_once("j") is None


@pytest.fixture
def redis_db():
    connection = redis.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    yield connection
    for key in connection.scan_iter(jobs.RedisStore.PREFIX + "*"):
        connection.delete(key)


def test_the_redis_store_is_shared_by_two_app_instances(make_app, admin, need, redis_db):
    worker_a = make_app(JOB_STORAGE_URI=REDIS_URL)
    worker_b = make_app(JOB_STORAGE_URI=REDIS_URL)
    assert isinstance(jobs.store(worker_a), jobs.RedisStore)
    header = ",".join(imports.DEPUTY_COLUMNS)
    row = "赵敏,zhaomin@test.example,,乡镇,陈化店镇人大代表联络站,花木/园林,,"
    data = f"{header}\n{row}".encode()
    admin_id = admin.id
    with worker_a.app_context():
        arguments = {"kind": "deputies", "filename": "d.csv", "data": data, "actor_id": admin_id}
        job_id = jobs.start(admin_id, "d.csv", "import", arguments)
    status = wait_for(worker_b, job_id)  # read through the other instance
    assert status["state"] == "done" and status["result"]["accounts"] == 1
    with worker_b.app_context():
        assert jobs.load(job_id)["result"]["counts"]["create"] == 1
        assert list(jobs.take_once(job_id)) == ["zhaomin@test.example"]
    with worker_a.app_context():
        assert jobs.take_once(job_id) is None  # shown once, whichever worker showed it
        assert jobs.load("no-such-job") is None
