"""The audit trail is append-only; logs carry request ids and cannot be forged."""

import json
import logging

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from matchmaker.extensions import db
from matchmaker.models import AuditEvent, Role
from matchmaker.services import audit


def test_audit_rows_cannot_be_changed_or_deleted(app, make_user):
    admin = make_user(Role.ADMIN)
    audit.record(admin, "export", "figures")
    db.session.commit()
    for statement in ("UPDATE audit_event SET action = 'nothing'", "DELETE FROM audit_event"):
        with pytest.raises(DatabaseError):
            db.session.execute(text(statement))
            db.session.commit()
        db.session.rollback()
    assert db.session.scalar(select(AuditEvent.action)) == "export"


def test_sensitive_actions_are_audited(client, auth, make_user, reference):
    admin = auth.login_as(Role.ADMIN)
    other = make_user(Role.GRADUATE)
    client.post(f"/admin/users/{other.id}/active")
    client.get(f"/figures/region/{reference.region('河南省').id}/figures.csv")
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"account_deactivated", "export"} <= actions
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export"))
    assert event.actor_id == admin.id and len(event.request_id) >= 8


def test_error_pages_show_the_request_id(client, reference):
    response = client.get("/no/such/page", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    assert "abc-123" in response.text


def test_a_forged_request_id_is_replaced(client, reference):
    response = client.get("/", headers={"X-Request-ID": "evil id; with spaces"})
    assert response.headers["X-Request-ID"] != "evil id; with spaces"
    assert len(response.headers["X-Request-ID"]) == 16


def test_log_lines_are_json_and_newlines_cannot_forge_one(client, auth, caplog):
    from matchmaker.observability import JsonFormatter, log

    auth.login_as(Role.GRADUATE)
    log.propagate = True  # let pytest capture the records
    try:
        with caplog.at_level(logging.INFO, logger="matchmaker.requests"):
            client.get('/graduate/?x=1\n{"level": "ERROR", "forged": true}')
            client.get('/no/such/page\n{"forged": true}')
            client.post("/auth/login", data={"email": "a@b.example", "password": "hunter2hunter2"})
    finally:
        log.propagate = False
    formatted = [JsonFormatter().format(r) for r in caplog.records if r.name == log.name]
    assert len(formatted) >= 3
    for line in formatted:
        assert "\n" not in line  # one record, one line
        entry = json.loads(line)
        assert entry["request_id"] and "forged" not in entry
    assert not any("hunter2hunter2" in line for line in formatted)
