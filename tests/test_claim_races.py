"""Claims racing: the same invitation claimed by several processes at the same moment
gives the profile to exactly one new account; every other claim is refused clearly and
leaves nothing behind (on SQLite and on PostgreSQL)."""

import multiprocessing

from sqlalchemy import func, select

from matchmaker import create_app, terms
from matchmaker.extensions import db
from matchmaker.models import Graduate, ProfileClaim, Role, User
from matchmaker.services import claims
from matchmaker.services.errors import DomainError
from tests.factories import PASSWORD

PROCESSES = 4


def _claim(config: dict, code: str, n: int, start, queue) -> None:
    app = create_app(config)
    with app.app_context():
        start.wait(timeout=60)
        try:
            claims.claim_with_new_account(
                code, "13912340001", password=PASSWORD, email=f"racer{n}@test.example",
                terms_version=terms.current_version(),
            )  # fmt: skip
            db.session.commit()
            queue.put("claimed")
        except DomainError as error:
            db.session.rollback()
            queue.put(error.code)
        except Exception as error:  # anything else is what this test is for
            db.session.rollback()
            queue.put(f"error: {type(error).__name__}: {error}")


def test_one_invitation_claimed_at_once_by_many_goes_to_one(app, test_config, make_user):
    staff = make_user(Role.STAFF)
    graduate = make_user(Role.GRADUATE, phone="13912340001", email="held@test.example").graduate
    graduate.user_id = None  # as a roster brings people in
    db.session.commit()
    code = claims.issue(staff, graduate).code
    db.session.commit()
    graduate_id = graduate.id
    db.session.remove()
    context = multiprocessing.get_context("spawn")
    queue, start = context.Queue(), context.Event()
    config = {**test_config, "MATCH_STORE_DIR": app.config["MATCH_STORE_DIR"]}
    racers = [
        context.Process(target=_claim, args=(config, code, n, start, queue))
        for n in range(PROCESSES)
    ]
    for racer in racers:
        racer.start()
    start.set()
    results = sorted(queue.get(timeout=120) for _ in racers)
    for racer in racers:
        racer.join(timeout=60)
    assert results == ["claim_code_wrong"] * (PROCESSES - 1) + ["claimed"], results
    owner = db.session.scalar(select(Graduate.user_id).where(Graduate.id == graduate_id))
    racers_made = select(func.count(User.id)).where(User.email.like("racer%"))
    assert owner is not None and db.session.scalar(racers_made) == 1
    assert db.session.scalar(select(ProfileClaim.used_by_id)) == owner
