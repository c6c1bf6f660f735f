"""Every form that changes something refuses a request without its CSRF token."""

import pytest
from werkzeug.routing.converters import AnyConverter

from matchmaker.models import Role

ROLE_OF_AREA = {
    "graduate": Role.GRADUATE,
    "enterprise": Role.ENTERPRISE,
    "deputy": Role.DEPUTY,
    "staff": Role.STAFF,
    "admin": Role.ADMIN,
    "auth": Role.GRADUATE,
}


@pytest.fixture
def csrf_on(web_app):
    web_app.config["WTF_CSRF_ENABLED"] = True


def _post_rules(app):
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods:
            values = {
                name: sorted(conv.items)[0] if isinstance(conv, AnyConverter) else 1
                for name, conv in rule._converters.items()
            }
            yield rule, rule.build(values)[1]


def test_there_are_forms_to_check(app):
    assert len(list(_post_rules(app))) >= 15


@pytest.mark.parametrize("area", sorted(ROLE_OF_AREA))
def test_posts_without_token_are_refused(app, client, auth, csrf_on, area):
    user = auth.make_user(ROLE_OF_AREA[area])
    # Sign in with a token, as the real page would, then post without one.
    page = client.get("/auth/login").text
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    signed_in = client.post(
        "/auth/login",
        data={"email": user.email, "password": "correct horse battery staple", "csrf_token": token},
    )
    assert signed_in.status_code == 302
    checked = 0
    for rule, url in _post_rules(app):
        if rule.endpoint.split(".")[0] != area:
            continue
        response = client.post(url, data={})
        assert response.status_code == 400, (rule.endpoint, response.status_code)
        assert "表单已过期" in response.text
        checked += 1
    assert checked > 0


def test_login_without_token_is_refused(client, csrf_on, make_user):
    user = make_user(Role.GRADUATE)
    response = client.post("/auth/login", data={"email": user.email, "password": "x"})
    assert response.status_code == 400
