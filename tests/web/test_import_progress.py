"""A confirmed import runs in the background; its page follows it to the result."""

import hashlib
import io
import re
import threading
import time

import pytest
from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import Graduate, ImportRecord, Role
from matchmaker.services import imports, jobs, matching
from tests.services.test_import_jobs import graduates_csv, wait_for

pytestmark = pytest.mark.usefixtures("embedded_queue")  # imports run in the background


def _apply(client, kind: str, data: bytes, name: str = "g.csv"):
    """Upload and confirm a file, as the two buttons do; returns the apply response."""
    upload = client.post(
        "/imports/", data={"kind": kind, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert upload.status_code == 200 and "problems found" not in upload.text
    sha256 = hashlib.sha256(data).hexdigest()
    return client.post("/imports/apply", data={"kind": kind, "sha256": sha256, "filename": name})


def _started(client, kind="graduates", data=None) -> str:
    response = _apply(client, kind, data or graduates_csv(8))
    assert response.status_code == 303
    found = re.fullmatch(r"/imports/jobs/([A-Za-z0-9_-]+)", response.headers["Location"])
    assert found, response.headers["Location"]
    return found.group(1)


@pytest.fixture
def held(monkeypatch, web_app):
    """Imports stop inside their transaction, rows written, until ``held.set()``."""
    gate, reached = threading.Event(), threading.Event()
    real = matching.refresh_many

    def waiting(documents, progress=None):
        reached.set()
        assert gate.wait(30), "the test never let the import go on"
        return real(documents, progress)

    monkeypatch.setattr(matching, "refresh_many", waiting)
    gate.reached = reached
    yield gate
    gate.set()
    time.sleep(0.05)


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_apply_goes_to_a_progress_page_that_ends_on_the_result(client, auth, make_user):
    auth.login_as(Role.STAFF)
    make_user(Role.ENTERPRISE)
    job_id = _started(client)
    wait_for(client.application, job_id)
    status = client.get(f"/imports/jobs/{job_id}/status").get_json()
    assert status["finished"] and status["state"] == "done"
    page = client.get(f"/imports/jobs/{job_id}").text
    assert "已导入 g.csv：新增 8 条，更新 0 条，未变 0 条。" in page
    assert _count(Graduate) == 8 and _count(ImportRecord) == 1
    assert "g.csv" in client.get("/imports/history").text


def test_a_poll_is_answered_while_the_import_holds_the_write_lock(client, auth, held):
    auth.login_as(Role.STAFF)
    job_id = _started(client)
    assert held.reached.wait(30)  # rows written, transaction open (SQLite: write lock held)
    began = time.monotonic()
    status = client.get(f"/imports/jobs/{job_id}/status")
    page = client.get(f"/imports/jobs/{job_id}")
    history = client.get("/imports/history")
    assert time.monotonic() - began < 3  # not queued behind the import for the lock
    assert history.status_code == 200
    assert status.status_code == 200 and page.status_code == 200
    assert status.get_json() | {"label": ""} == {
        "state": "running", "phase": "matching", "done": 0, "total": 8, "finished": False,
        "label": "", "step": "第 3 步，共 3 步",
    }  # fmt: skip
    assert status.get_json()["label"] == "生成推荐 0/8"
    assert '<progress id="job-bar" max="8" value="0"' in page.text
    assert _count(Graduate) == 0  # nothing visible before the commit
    held.set()
    assert wait_for(client.application, job_id)["state"] == "done"
    assert _count(Graduate) == 8


def test_the_progress_page_polls_with_a_nonced_script_and_refreshes_without_one(client, auth, held):
    auth.login_as(Role.STAFF)
    job_id = _started(client)
    held.reached.wait(30)
    response = client.get(f"/imports/jobs/{job_id}")
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    page = response.text
    assert f'src="/static/js/import-progress.js" nonce="{nonce}"' in page
    assert f'data-status-url="/imports/jobs/{job_id}/status"' in page
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page
    with client.get("/static/js/import-progress.js") as script:  # no wait for the lock
        assert script.status_code == 200 and b"job-progress" in script.data
    held.set()
    wait_for(client.application, job_id)


def test_only_the_owner_or_an_administrator_sees_a_job(client, auth, make_user):
    other_staff, admin = make_user(Role.STAFF), make_user(Role.ADMIN)  # same station
    auth.login_as(Role.STAFF)
    job_id = _started(client)
    wait_for(client.application, job_id)
    assert client.get(f"/imports/jobs/{job_id}/status").status_code == 200
    auth.logout()
    assert client.get(f"/imports/jobs/{job_id}/status").status_code == 302  # to sign-in
    auth.login(other_staff.email)
    assert client.get(f"/imports/jobs/{job_id}/status").status_code == 404
    assert client.get(f"/imports/jobs/{job_id}").status_code == 404
    assert client.get("/imports/jobs/no-such-job-0000000/status").status_code == 404
    assert client.get("/imports/jobs/..%2F..%2Fetc/status").status_code == 404
    auth.logout()
    auth.login(admin.email)
    assert client.get(f"/imports/jobs/{job_id}/status").get_json()["state"] == "done"
    assert "已导入 g.csv" in client.get(f"/imports/jobs/{job_id}").text


def test_a_failed_import_says_why_and_writes_nothing(client, auth, monkeypatch):
    def broken(documents, progress=None):
        raise RuntimeError("the matching failed half-way")

    monkeypatch.setattr(matching, "refresh_many", broken)
    auth.login_as(Role.STAFF)
    job_id = _started(client)
    assert wait_for(client.application, job_id)["state"] == "failed"
    status = client.get(f"/imports/jobs/{job_id}/status").get_json()
    assert status["finished"] and status["state"] == "failed"
    page = client.get(f"/imports/jobs/{job_id}").text
    assert "导入在服务器上失败" in page and "没有写入任何内容" in page
    assert _count(Graduate) == 0 and _count(ImportRecord) == 0


def test_a_double_click_starts_one_import(client, auth, held):
    auth.login_as(Role.STAFF)
    data = graduates_csv(8)
    first = _apply(client, "graduates", data).headers["Location"]
    second = _apply(client, "graduates", data).headers["Location"]
    assert first == second
    held.set()
    wait_for(client.application, first.rsplit("/", 1)[1])
    assert _count(ImportRecord) == 1


def test_new_deputies_passwords_are_shown_once(client, auth, reference):
    auth.login_as(Role.ADMIN)
    header = ",".join(imports.DEPUTY_COLUMNS)
    row = "赵敏,zhaomin@test.example,,乡镇,陈化店镇人大代表联络站,花木/园林,,"
    job_id = _started(client, "deputies", f"{header}\n{row}".encode())
    wait_for(client.application, job_id)
    first = client.get(f"/imports/jobs/{job_id}").text
    assert "zhaomin@test.example" in first and "仅显示一次" in first
    again = client.get(f"/imports/jobs/{job_id}").text
    assert "zhaomin@test.example" not in again
    assert "已在导入完成时显示过一次" in again


def test_a_job_that_went_silent_is_reported_as_stopped(client, auth, web_app):
    user = auth.login_as(Role.STAFF)
    status = {"id": "silent-job-000000001", "owner": user.id, "title": "g.csv", "sha256": "",
              "once_per": "", "state": "running", "phase": "writing", "done": 5, "total": 9,
              "updated": time.time() - jobs.STALLED_SECONDS - 5, "result": None,
              "error": None}  # fmt: skip
    jobs.store(web_app).save(status["id"], status)
    assert client.get("/imports/jobs/silent-job-000000001/status").get_json()["finished"]
    assert "导入没有完成就停止了" in client.get("/imports/jobs/silent-job-000000001").text
