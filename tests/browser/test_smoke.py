"""Smoke test in a real browser: sign in through the page, in Chinese, at phone width."""

import pytest
from flask_babel import force_locale

from matchmaker.messages import describe
from matchmaker.models import Role
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def _sign_in(page, base: str, email: str) -> None:
    page.goto(base + "/auth/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def test_graduate_signs_in_through_the_login_page(page, live_server, make_user):
    user = make_user(Role.GRADUATE)
    _sign_in(page, live_server, user.email)
    page.wait_for_url(live_server + "/graduate/")
    assert page.locator("h1").inner_text() == "我的主页"
    assert "园艺" in page.content()


def test_wrong_password_shows_the_message(page, live_server, make_user, app):
    user = make_user(Role.GRADUATE)
    page.goto(live_server + "/auth/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", "not the password")
    page.click("button[type=submit]")
    with app.test_request_context(), force_locale("zh"):
        expected = describe("login_failed")
    assert page.locator(".form-errors").inner_text() == expected


def test_pages_fit_a_375px_phone(browser, live_server, make_user):
    user = make_user(Role.ENTERPRISE)
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    _sign_in(page, live_server, user.email)
    page.wait_for_url(live_server + "/enterprise/")
    for path in ("/enterprise/", "/enterprise/profile", "/enterprise/needs/new", "/"):
        page.goto(live_server + path)
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= 375, (path, overflow)
    context.close()
