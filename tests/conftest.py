"""Fixtures: a real database (SQLite, or PostgreSQL via TEST_DATABASE_URL), the app, users.

The schema is built once per run by the migrations themselves, so every test also
exercises ``flask db upgrade``; each test then starts from empty tables.
"""

import os
import tempfile
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import delete, select, text

from matchmaker import create_app, queue, terms
from matchmaker.database import APPEND_ONLY, DROP_APPEND_ONLY
from matchmaker.extensions import db
from matchmaker.models import Role
from matchmaker.services import accounts, demo, profiles

from .factories import PASSWORD, enterprise_profile, graduate_profile, verify
from .mail_fixtures import smtp_server  # noqa: F401  (a fixture for every test package)


def _database_url(tmp_dir: Path) -> str:
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if url.startswith(("postgres://", "postgresql://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url or f"sqlite:///{tmp_dir / 'test.sqlite3'}"


def _config(url: str, instance: Path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        # Cheap hashing keeps the suite fast; test_passwords checks the real cost.
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST_KIB": 1024,
        "ARGON2_PARALLELISM": 1,
        # Tiny test corpora give low IDF contrast; a low floor keeps related pairs in.
        "MATCH_MIN_SCORE": 0.1,
        # Every test signs in from 127.0.0.1; the throttling tests switch this back on.
        "RATELIMIT_ENABLED": False,
        # No e-mail unless a test starts the ``smtp_server`` fixture (whatever the shell set).
        "MAIL_SERVER": "",
        # Queued tasks run as they are queued (after the commit that queues them); the
        # tests of the worker itself run ``flask worker`` on Redis (test_worker.py).
        "QUEUE_URL": "immediate",
    }


@pytest.fixture(scope="session")
def test_config():
    """Settings shared by every app in this run, with the schema already migrated."""
    tmp_dir = Path(tempfile.mkdtemp(prefix="matchmaker-tests-"))
    config = _config(_database_url(tmp_dir), tmp_dir)
    app = create_app(config)
    with app.app_context():
        db.drop_all()  # a previous run on the same PostgreSQL database
        db.session.execute(db.text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        upgrade()
        db.engine.dispose()
    return config


def _empty_all_tables() -> None:
    db.session.rollback()
    dialect = db.engine.dialect.name
    for statement in DROP_APPEND_ONLY[dialect]:  # the audit table refuses DELETE
        db.session.execute(text(statement))
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(delete(table))
    for statement in APPEND_ONLY[dialect]:
        db.session.execute(text(statement))
    db.session.commit()


@pytest.fixture
def app(test_config, tmp_path):
    app = create_app(
        {
            **test_config,
            "MATCH_STORE_DIR": str(tmp_path / "matching"),
            "IMPORT_STASH_DIR": str(tmp_path / "imports"),
            # The test body looks at the database while the app under test (``web_app``)
            # works on it: on SQLite its statements commit one by one, so it neither
            # holds the write lock nor reads an old snapshot (PostgreSQL's read
            # committed gives the same view). The app under test keeps BEGIN IMMEDIATE.
            "SQLALCHEMY_ENGINE_OPTIONS": {
                "pool_pre_ping": True,
                "execution_options": {"sqlite_begin": "NONE"},
            },
        }
    )
    with app.app_context():
        yield app
        db.session.remove()
        _empty_all_tables()
        db.engine.dispose()


@pytest.fixture
def web_app(test_config, app):
    """The app that serves the test client's requests.

    A second instance on the same database: each request then gets its own app
    context and database session, as in production, instead of sharing the test's.
    """
    shared = {key: app.config[key] for key in ("MATCH_STORE_DIR", "IMPORT_STASH_DIR")}
    served = create_app({**test_config, **shared})
    yield served
    with served.app_context():
        db.engine.dispose()


@pytest.fixture
def embedded_queue(web_app, tmp_path):
    """``web_app``'s queue as ``make run`` has it: a SQLite file consumed by threads of
    the serving process, so queued work (an import) runs in the background."""
    web_app.config["QUEUE_URL"] = str(tmp_path / "queue.sqlite3")
    queue.init_app(web_app)
    queue.start_embedded(web_app)
    yield web_app
    queue.stop_embedded(web_app)


@pytest.fixture
def make_app(test_config, app):
    """Factory for more app instances on the test database (e.g. several workers);
    their connections are closed afterwards."""
    made = []

    def make(**overrides):
        extra = create_app({**test_config, "MATCH_STORE_DIR": app.config["MATCH_STORE_DIR"],
                            **overrides})  # fmt: skip
        made.append(extra)
        return extra

    yield make
    for extra in made:
        with extra.app_context():
            db.engine.dispose()


@pytest.fixture
def client(web_app):
    return web_app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def reference(app):
    """Regions, sectors and stations from data/, as every installation has them."""
    loader = demo.Loader()
    loader.load_reference()
    db.session.commit()
    return loader


@pytest.fixture
def make_user(reference):
    """Factory: ``make_user(Role.GRADUATE)`` → a user with a complete profile for its role."""
    counter = iter(range(1, 10_000))

    def make(role: Role, login_email: str | None = None, **profile):
        n = next(counter)
        email = login_email or f"{role.value}{n}@test.example"
        user = _create(role, email, n, reference, profile)
        db.session.commit()
        return user

    return make


def _create(role, email, n, loader, profile):
    station = loader.station("陈化店镇人大代表联络站")
    if role is Role.STAFF:
        return accounts.create_staff(email, PASSWORD, f"工作人员{n}", station.id)
    if role is Role.ADMIN:
        return accounts.create_admin(email, PASSWORD, f"管理员{n}")
    if role is Role.DEPUTY:
        deputy = accounts.create_deputy(
            email=email,
            password=PASSWORD,
            name=f"代表{n}",
            level="township",
            station_id=station.id,
            sector_ids=[s.id for s in station.sectors[:2]],
            **profile,
        )
        return deputy.user
    user = accounts.register(
        email, PASSWORD, role, f"用户{n}", terms_version=terms.current_version()
    )
    if role is Role.GRADUATE:
        profiles.save_graduate(user, **({**graduate_profile(loader), **profile}))
    else:
        profiles.save_enterprise(user, **({**enterprise_profile(loader, n), **profile}))
    return user


class AuthActions:
    def __init__(self, client, make_user):
        self.client = client
        self.make_user = make_user

    def login(self, email: str, password: str = PASSWORD, next_path: str | None = None):
        url = "/auth/login" + (f"?next={next_path}" if next_path else "")
        return self.client.post(url, data={"email": email, "password": password})

    def login_as(self, role: Role, **profile):
        user = self.make_user(role, **profile)
        response = self.login(user.email)
        assert response.status_code == 302, response.data[:500]
        return user

    def logout(self):
        return self.client.post("/auth/logout")


@pytest.fixture
def auth(client, make_user):
    return AuthActions(client, make_user)


@pytest.fixture
def talent(make_user, reference):
    """A suggested talent lead at 陈化店镇 of a verified firm:
    (lead, graduate user, employer user, deputy user)."""
    from matchmaker.models import Lead
    from matchmaker.services import postings

    graduate = make_user(Role.GRADUATE).graduate
    employer = make_user(Role.ENTERPRISE)
    verify(employer.enterprise)
    postings.save_need(
        employer.enterprise,
        title="花木栽培技术员",
        description="紫荆、月季苗木栽培，嫁接育苗，病虫害防治。",
        sector_id=reference.sector("horticulture").id,
        region_id=reference.region("河南省/许昌市/鄢陵县/陈化店镇").id,
    )
    db.session.commit()
    lead = db.session.scalar(select(Lead).where(Lead.graduate_id == graduate.id))
    return lead, graduate.user, employer, make_user(Role.DEPUTY)
