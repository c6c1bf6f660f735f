"""Security headers on every page."""

from matchmaker.models import Role


def test_security_headers_on_a_public_page(client, reference):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "script-src 'self' 'nonce-" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_personal_pages_are_not_cached(client, auth):
    auth.login_as(Role.GRADUATE)
    assert client.get("/graduate/").headers["Cache-Control"] == "no-store"


def test_session_cookie_flags(client, auth):
    auth.login_as(Role.GRADUATE)
    cookie = client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax"
