"""Sign-in throttling: per address, per account, shared by every worker through Redis."""

import pytest
import redis

from matchmaker.extensions import db
from matchmaker.models import Role
from tests.factories import PASSWORD

REDIS_URL = "redis://127.0.0.1:6379/15"


def _attempt(client, email, password="wrong password!"):
    return client.post("/auth/login", data={"email": email, "password": password}).status_code


@pytest.fixture
def throttled(make_app):
    """A client of an app with throttling on, counting in memory."""
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    return app.test_client()


def test_one_account_is_throttled_after_five_failures(throttled, make_user):
    client = throttled
    user = make_user(Role.GRADUATE)
    assert [_attempt(client, user.email) for _ in range(5)] == [200] * 5
    assert _attempt(client, user.email) == 429
    assert _attempt(client, user.email, PASSWORD) == 429  # even the right password waits
    assert _attempt(client, "someone.else@test.example") == 200


def test_successful_sign_ins_are_not_counted(throttled, make_user):
    client = throttled
    user = make_user(Role.GRADUATE)
    for _ in range(8):
        assert _attempt(client, user.email, PASSWORD) == 302
        client.post("/auth/logout")


def test_ten_failures_lock_the_account_whatever_the_address(client, make_user):
    user = make_user(Role.GRADUATE)
    for _ in range(10):
        _attempt(client, user.email)
    db.session.refresh(user)
    assert user.locked_until is not None
    page = client.post("/auth/login", data={"email": user.email, "password": PASSWORD}).text
    assert "15 分钟" in page or "15分钟" in page


@pytest.fixture
def shared_redis():
    try:
        connection = redis.Redis.from_url(REDIS_URL)
        connection.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    connection.flushdb()
    yield
    connection.flushdb()


def test_two_workers_share_one_budget(make_app, make_user, shared_redis):
    workers = [
        make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=REDIS_URL).test_client()
        for _ in range(2)
    ]
    user = make_user(Role.GRADUATE)
    codes = [_attempt(workers[i % 2], user.email) for i in range(6)]
    assert codes == [200] * 5 + [429]
    assert _attempt(workers[0], user.email) == 429
