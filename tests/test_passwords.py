from argon2 import Type, extract_parameters

from matchmaker import config
from matchmaker.models import Role
from matchmaker.passwords import (
    ASVS_MIN_MEMORY_KIB,
    ASVS_MIN_PARALLELISM,
    ASVS_MIN_TIME_COST,
    hash_password,
    verify_password,
)
from matchmaker.services import accounts


def test_production_cost_meets_asvs(tmp_path):
    settings = config.from_environment(str(tmp_path))
    assert settings["ARGON2_MEMORY_COST_KIB"] >= ASVS_MIN_MEMORY_KIB
    assert settings["ARGON2_TIME_COST"] >= ASVS_MIN_TIME_COST
    assert settings["ARGON2_PARALLELISM"] >= ASVS_MIN_PARALLELISM


def test_hash_is_argon2id_at_the_configured_cost(app):
    app.config.update(ARGON2_TIME_COST=3, ARGON2_MEMORY_COST_KIB=65536, ARGON2_PARALLELISM=4)
    hashed = hash_password("lianluo station 2026")
    params = extract_parameters(hashed)
    assert params.type is Type.ID
    assert (params.memory_cost, params.time_cost, params.parallelism) == (65536, 3, 4)
    assert verify_password(hashed, "lianluo station 2026")
    assert not verify_password(hashed, "lianluo station 2025")
    assert not verify_password("not a hash", "anything")


def test_same_password_gets_different_salts(app):
    assert hash_password("same password") != hash_password("same password")


def test_login_rehashes_when_the_cost_rises(app, make_user):
    user = make_user(Role.GRADUATE)
    before = user.password_hash
    app.config["ARGON2_TIME_COST"] = 2
    assert accounts.authenticate(user.email, "correct horse battery staple") is user
    assert user.password_hash != before
    assert extract_parameters(user.password_hash).time_cost == 2


def test_an_unknown_account_is_checked_at_the_same_cost_as_a_known_one(app):
    from matchmaker.passwords import decoy_hash

    for cost in ((3, 65536, 4), (1, 1024, 1)):
        app.config.update(
            ARGON2_TIME_COST=cost[0], ARGON2_MEMORY_COST_KIB=cost[1], ARGON2_PARALLELISM=cost[2]
        )
        params = extract_parameters(decoy_hash())
        assert (params.time_cost, params.memory_cost, params.parallelism) == cost
        assert extract_parameters(hash_password("x" * 12)) == params
        assert not verify_password(decoy_hash(), "")
