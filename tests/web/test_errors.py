from matchmaker.models import Role


def test_unknown_page_gets_the_site_404(client, reference):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "页面不存在" in response.text


def test_server_error_shows_no_internals(web_app, client, reference):
    def boom():
        raise RuntimeError("secret SQL: SELECT password_hash FROM user_account")

    web_app.add_url_rule("/boom", "boom", boom)
    web_app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/boom")
    assert response.status_code == 500
    assert "系统出错了" in response.text
    assert "secret SQL" not in response.text and "Traceback" not in response.text


def test_forbidden_page_explains_itself(client, auth):
    auth.login_as(Role.GRADUATE)
    response = client.get("/admin/")
    assert response.status_code == 403
    assert "您无权访问此页面" in response.text


def test_health_check(client):
    assert client.get("/healthz").json == {"status": "ok"}


def test_debug_is_off_unless_asked_for(tmp_path, monkeypatch):
    from matchmaker import create_app

    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3"})
    assert app.debug is False and app.config["PROPAGATE_EXCEPTIONS"] is None


def test_nul_characters_get_a_clear_400(client, reference):
    response = client.get("/auth/login?next=a%00b")
    assert response.status_code == 400
    assert "NUL" in response.text


def test_a_locked_database_gets_a_busy_page_and_nothing_half_written(
    web_app, client, auth, test_config
):
    """On SQLite another writer (a large import) may hold the lock past the busy timeout:
    the page says the system is busy (503, Retry-After), not a bare 500."""
    import sqlite3

    import pytest

    url = test_config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("sqlite:///"):
        pytest.skip("the lock is SQLite's")
    auth.login_as(Role.GRADUATE)
    holder = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("PRAGMA busy_timeout = 100")
    holder.execute("BEGIN IMMEDIATE")
    try:
        response = client.get("/graduate/")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert "系统繁忙" in response.text and "没有保存任何内容" in response.text
    assert "locked" not in response.text and "SELECT" not in response.text
    reference = response.headers["X-Request-ID"]
    assert reference and reference in response.text  # the reference to quote
    assert client.get("/graduate/").status_code == 200  # the lock gone, all is well
