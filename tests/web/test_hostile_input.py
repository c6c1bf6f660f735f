"""Hostile strings into every field of the main forms: never a 500, never a live script."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matchmaker.models import Role
from tests.factories import enterprise_profile, graduate_profile

SCRIPT = "<script>alert(1)</script>"
HOSTILE = [
    SCRIPT,
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE user_account; --",
    "1 OR 1=1",
    "\u202egnp.exe",  # right-to-left override
    "😀🎉花木🌸",
    "长" * 10_000,
    "a\x00b",
    "{{ 7*7 }}",
    "%(name)s %s",
    "../../etc/passwd",
    "\r\nSet-Cookie: x=1",
    "",
    " ",
]
VALUES = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=300))
FAST = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _check(response) -> None:
    assert response.status_code < 500, response.status_code
    assert SCRIPT not in response.get_data(as_text=True)


def _forms(reference):
    need = {
        "title": "园艺技术员", "description": "苗木栽培", "min_degree": "", "headcount": "1",
        "sector_id": reference.sector("horticulture").id,
        "region_id": reference.region("河南省/许昌市/鄢陵县/陈化店镇").id,
    }  # fmt: skip
    graduate = {k: v for k, v in graduate_profile(reference).items() if not isinstance(v, list)}
    graduate["graduation_year"] = "2025"
    return {
        Role.ENTERPRISE: [("/enterprise/profile", enterprise_profile(reference, 3)),
                          ("/enterprise/needs/new", need)],
        Role.GRADUATE: [("/graduate/profile", graduate)],
    }  # fmt: skip


@pytest.mark.parametrize("role", [Role.ENTERPRISE, Role.GRADUATE])
def test_every_field_survives_hostile_input(client, auth, reference, role):
    auth.login_as(role)
    forms = _forms(reference)[role]

    @FAST
    @given(value=VALUES, choice=st.integers(min_value=0, max_value=100))
    def fuzz(value, choice):
        url, valid = forms[choice % len(forms)]
        field = list(valid)[choice % len(valid)]
        _check(client.post(url, data={**valid, field: value}))
        _check(client.get(url))

    fuzz()
    home = client.get("/enterprise/" if role is Role.ENTERPRISE else "/graduate/")
    _check(home)


@pytest.mark.parametrize("value", HOSTILE)
def test_query_parameters_and_sign_in(client, auth, reference, value):
    _check(client.post("/auth/login", data={"email": value, "password": value}))
    _check(client.get("/auth/login", query_string={"next": value}))
    _check(client.get("/lang/en", query_string={"next": value}))
    auth.login_as(Role.ADMIN)
    _check(client.get("/admin/users", query_string={"q": value, "role": value, "page": value}))
    _check(client.get("/figures/", query_string={"start": value, "end": value},
                      follow_redirects=True))  # fmt: skip
