"""The migrations build the same schema as the models, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select

from matchmaker.extensions import db
from matchmaker.models import Role

#: Partial indexes (``WHERE status = 'suggested'``): Alembic cannot compare their
#: conditions or expressions, so they are checked by name below instead.
PARTIAL = {"ix_lead_suggested_queue", "ix_lead_suggested_age"}


def _comparable(obj, name, type_, reflected, compare_to) -> bool:
    return not (type_ == "index" and name in PARTIAL)


def test_models_and_migrations_agree(app):
    with db.engine.connect() as connection:
        opts = {"compare_type": True, "include_object": _comparable}
        context = MigrationContext.configure(connection, opts=opts)
        differences = compare_metadata(context, db.metadata)
    assert differences == []
    built = {index["name"] for index in inspect(db.engine).get_indexes("lead")}
    declared = {index.name for index in db.metadata.tables["lead"].indexes}
    assert built >= PARTIAL and declared >= PARTIAL


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


def test_events_written_before_actions_read_as_actions(talent):
    """Migration 0009 turns the codes earlier versions wrote into notes into actions with
    their facts, and leaves what people wrote as the note."""
    from datetime import UTC, datetime

    from sqlalchemy import text

    from matchmaker.models import LeadEvent

    lead = talent[0]
    lead_id = lead.id
    db.session.remove()
    downgrade(revision="0008")
    rows = [
        ("introduced", "introduced", "consent:graduate"),
        ("introduced", "introduced", "deferred until 2026-12-20"),
        ("hired", "retained", "3-month check"),
        ("suggested", "introduced", "请双方联系"),
        ("introduced", "declined", "consent withdrawn"),
        ("closed", "closed", "outcome confirmed:employer"),
    ]
    for before, after, note in rows:
        db.session.execute(
            text(
                "INSERT INTO lead_event (lead_id, from_status, to_status, note, created_at)"
                " VALUES (:lead, :before, :after, :note, :at)"
            ),
            {"lead": lead_id, "before": before, "after": after, "note": note,
             "at": datetime.now(UTC)},
        )  # fmt: skip
    db.session.commit()
    upgrade()
    events = db.session.scalars(select(LeadEvent).order_by(LeadEvent.id)).all()
    assert [(e.action, e.detail, e.note) for e in events] == [
        ("consent_given", {"party": "graduate"}, ""),
        ("defer", {"until": "2026-12-20"}, ""),
        ("retain", {"months": 3}, ""),
        ("introduce", {}, "请双方联系"),
        ("consent_withdrawn", {}, ""),
        ("outcome_confirmed", {"party": "employer"}, ""),
    ]
