"""Connection settings the database itself must enforce."""

import sqlite3

from sqlalchemy import event, text
from sqlalchemy.engine import Engine


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """Per SQLite connection: enforce foreign keys, wait for locks, let readers not block.

    The driver's own transaction handling is switched off so that ``_sqlite_begin``
    decides how each transaction starts.
    """
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 5000")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection) -> None:
    """Take SQLite's write lock when a transaction starts (``BEGIN IMMEDIATE``).

    A read-then-write transaction then never finds the database locked half-way (which
    SQLite reports as an error instead of waiting), and never loses a concurrent update:
    writers queue up front, within the busy timeout; readers are not blocked (WAL).
    An engine may ask for ``DEFERRED`` or ``NONE`` with the execution option
    ``sqlite_begin``.
    """
    if connection.dialect.name == "sqlite":
        mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        if mode == "NONE":
            return  # each statement commits on its own (an observer's view, for tests)
        if mode not in ("IMMEDIATE", "DEFERRED"):
            raise ValueError(f"unknown SQLite begin mode {mode!r}")
        connection.exec_driver_sql(f"BEGIN {mode}")


def analyze(session, tables: tuple[str, ...]) -> None:
    """Refresh the planner's statistics of ``tables`` after a bulk write (PostgreSQL;
    SQLite plans without them). Autovacuum would get there too, minutes later; until it
    does, the planner takes a table of a million leads for a few hundred rows."""
    if session.get_bind().dialect.name == "postgresql":
        for table in tables:
            session.execute(text(f"ANALYZE {table}"))  # names from code


#: The audit table refuses changes: SQL per dialect, used by the migration and by tests.
APPEND_ONLY = {
    "sqlite": [
        "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
        "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'audit_event is append-only'; END; $$ LANGUAGE plpgsql",
        "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
        "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
    ],
}
DROP_APPEND_ONLY = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS audit_event_no_update",
        "DROP TRIGGER IF EXISTS audit_event_no_delete",
    ],
    "postgresql": [
        "DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event",
        "DROP FUNCTION IF EXISTS audit_event_append_only()",
    ],
}
