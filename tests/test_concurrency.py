"""SQLite under concurrent writers: no lost update, no "database is locked"."""

import multiprocessing

import pytest
from sqlalchemy import select

from matchmaker import create_app
from matchmaker.extensions import db
from matchmaker.models import Role, User

PROCESSES, TRANSACTIONS = 4, 200


def _increment(config: dict, user_id: int, queue) -> None:
    """Read the counter, then write it back plus one: a read-modify-write, many times."""
    app = create_app(config)
    errors = 0
    with app.app_context():
        for _ in range(TRANSACTIONS):
            try:
                user = db.session.get(User, user_id)
                user.failed_logins = user.failed_logins + 1
                db.session.commit()
            except Exception:  # any failure counts against the test
                db.session.rollback()
                errors += 1
            db.session.expire_all()
    queue.put(errors)


def test_no_lost_updates_and_no_locked_errors(app, test_config, make_user):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the SQLite locking mode is what this measures")
    user_id = make_user(Role.GRADUATE).id
    db.session.remove()
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    config = {**test_config, "MATCH_STORE_DIR": app.config["MATCH_STORE_DIR"]}
    workers = [
        context.Process(target=_increment, args=(config, user_id, queue)) for _ in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    errors = [queue.get(timeout=300) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    assert errors == [0] * PROCESSES
    total = db.session.scalar(select(User.failed_logins).where(User.id == user_id))
    assert total == PROCESSES * TRANSACTIONS
