"""A need saved in the browser: the page says its suggestions are being prepared, then
shows them by itself once the queue has ranked them — the same leads a full rebuild gives."""

import threading

import pytest
from werkzeug.serving import make_server

from matchmaker import queue
from matchmaker.extensions import db
from matchmaker.models import Role
from matchmaker.services import matching
from tests.browser.test_journeys import _tab
from tests.factories import committed_talent_leads as _leads
from tests.factories import graduate_profile

pytestmark = pytest.mark.browser


@pytest.fixture
def embedded(make_app, tmp_path):
    """The site as ``make run`` serves it: its queue in a SQLite file, consumed in threads
    of the web process (started by the test, when it wants the work done)."""
    served = make_app(QUEUE_URL=str(tmp_path / "queue.sqlite3"))
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield served, f"http://127.0.0.1:{server.server_port}"
    queue.stop_embedded(served)
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


def test_a_need_saved_in_the_browser_gets_its_suggestions_from_the_queue(
    browser, embedded, make_user, reference
):
    served, base = embedded
    employer = make_user(Role.ENTERPRISE)
    for major, skills in (("园艺", "月季栽培, 嫁接育苗"), ("园林", "苗木养护, 病虫害防治"),
                          ("会计", "成本核算")):  # fmt: skip
        make_user(Role.GRADUATE, **{**graduate_profile(reference), "major": major,
                                    "skills": skills})  # fmt: skip
    email = employer.email
    db.session.commit()

    firm = _tab(browser, base, email)
    firm.goto(base + "/enterprise/needs/new")
    firm.fill("input[name=title]", "月季栽培技术员")
    firm.fill("textarea[name=description]", "负责月季苗木栽培、嫁接育苗和病虫害防治。")
    firm.select_option("select[name=sector_id]", label="花木/园林")
    firm.select_option("select[name=region_id]", label="许昌市鄢陵县陈化店镇")
    firm.click("form.form button[type=submit]")
    firm.wait_for_selector("text=月季栽培技术员")
    firm.wait_for_selector("text=正在准备推荐")  # saved and queued; nobody has ranked it yet
    assert not _leads()

    queue.start_embedded(served)  # the web process's consumer takes the task …
    firm.wait_for_selector("text=名推荐人选待代表审核", timeout=20_000)  # … the page reloads
    assert firm.locator("text=正在准备推荐").count() == 0

    ranked = _leads()
    assert ranked
    matching.rebuild(refit=False)
    db.session.commit()
    assert _leads() == ranked
