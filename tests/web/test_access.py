"""The permission sweep: every route of the app, for anonymous visitors and every role."""

import pytest
from werkzeug.routing.converters import AnyConverter

from matchmaker.models import Role

PUBLIC = {
    "static",
    "public.index",
    "public.home",
    "public.set_language",
    "public.healthz",
    "public.poster",
    "public.station_qr",
    "auth.login",
    "auth.register",
    "auth.forgot",
    "auth.reset_password",
    "auth.reset_by_code",
    "auth.claim",  # signed in, only a graduate or firm without a profile may claim
    "auth.terms_page",
}
SIGNED_IN_ANY_ROLE = {"auth.logout", "auth.password", "auth.accept_terms"}


def _example_url(rule) -> str:
    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        else:
            values[name] = 1
    return rule.build(values)[1]


def _guarded_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        method = "GET" if "GET" in rule.methods else "POST"
        yield rule, method, _example_url(rule)


def _allowed_roles(app, endpoint: str):
    if endpoint in SIGNED_IN_ANY_ROLE:
        return set(Role)
    blueprint = app.blueprints[endpoint.split(".")[0]]
    return blueprint.allowed_roles


def test_every_route_is_public_or_guarded(app):
    unguarded = [
        rule.endpoint
        for rule, _, _ in _guarded_rules(app)
        if rule.endpoint not in SIGNED_IN_ANY_ROLE
        and not getattr(app.blueprints.get(rule.endpoint.split(".")[0]), "allowed_roles", None)
    ]
    assert unguarded == []


def test_sweep_covers_every_role_area(app):
    endpoints = {rule.endpoint for rule, _, _ in _guarded_rules(app)}
    areas = {endpoint.split(".")[0] for endpoint in endpoints}
    assert {"graduate", "enterprise", "deputy", "staff", "admin", "auth"} <= areas
    assert len(endpoints) >= 25


def test_anonymous_is_sent_to_login_everywhere(app, client, reference):
    for rule, method, url in _guarded_rules(app):
        response = client.open(url, method=method)
        assert response.status_code == 302, (rule.endpoint, response.status_code)
        assert response.headers["Location"].startswith("/auth/login?next="), rule.endpoint


@pytest.mark.parametrize("role", list(Role))
def test_wrong_role_gets_403_everywhere(app, client, auth, role):
    auth.login_as(role)
    checked = 0
    for rule, method, url in _guarded_rules(app):
        if role in _allowed_roles(app, rule.endpoint):
            continue
        response = client.open(url, method=method)
        assert response.status_code == 403, (role, rule.endpoint, response.status_code)
        checked += 1
    assert checked > 0


@pytest.mark.parametrize("role", list(Role))
def test_right_role_is_let_in(app, client, auth, role):
    auth.login_as(role)
    for rule, method, url in _guarded_rules(app):
        if method != "GET" or role not in _allowed_roles(app, rule.endpoint):
            continue
        response = client.get(url)
        assert response.status_code in (200, 302, 404), (rule.endpoint, response.status_code)
