"""The migrations build the same schema as the models, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from matchmaker.extensions import db


def test_models_and_migrations_agree(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_schema_has_every_table_of_the_design(app):
    tables = set(inspect(db.engine).get_table_names())
    expected = {
        "region", "station", "sector", "user_account", "deputy", "enterprise", "graduate",
        "talent_need", "investment_project", "investor_interest", "lead", "lead_event",
        "consent", "notification",
    }  # fmt: skip
    assert expected <= tables


def test_downgrade_to_empty_and_up_again(app):
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade()
    assert "lead" in inspect(db.engine).get_table_names()
