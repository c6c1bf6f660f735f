"""The migrations build the same schema as the models, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select

from matchmaker.extensions import db
from matchmaker.models import Role


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


def test_upgrades_keep_rows_that_point_at_rebuilt_tables(app, make_user, reference):
    """SQLite rebuilds a table to add a foreign key; its children must survive that."""
    from datetime import UTC, datetime

    from matchmaker.models import Lead, LeadEvent, LeadKind, LeadStatus, TalentNeed

    firm = make_user(Role.ENTERPRISE).enterprise
    graduate = make_user(Role.GRADUATE).graduate
    need = TalentNeed(enterprise=firm, title="质检员", sector=firm.sector, region=firm.region)
    db.session.add(need)
    db.session.flush()
    lead = Lead(kind=LeadKind.TALENT, talent_need=need, graduate=graduate, score=0.5,
                status=LeadStatus.INTRODUCED)  # fmt: skip
    db.session.add(lead)
    db.session.flush()
    db.session.add(LeadEvent(lead=lead, to_status=LeadStatus.INTRODUCED, note="引荐",
                             created_at=datetime.now(UTC)))  # fmt: skip
    db.session.commit()
    db.session.remove()
    downgrade(revision="0002")
    upgrade()
    assert db.session.scalar(select(func.count(LeadEvent.id))) == 1
