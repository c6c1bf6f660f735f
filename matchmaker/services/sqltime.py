"""Time arithmetic inside SQL, the same on SQLite and PostgreSQL, so that ages and
deadlines are filtered and counted by the database instead of in Python."""

from sqlalchemy import Float
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

DAY = 86400


class epoch_seconds(FunctionElement):
    """Seconds since 1970 of a timestamp column, in SQL (for spans between two columns)."""

    type = Float()
    inherit_cache = True
    name = "epoch_seconds"


@compiles(epoch_seconds)
def _epoch_postgresql(element, compiler, **kw) -> str:
    return f"EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})"


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element, compiler, **kw) -> str:
    return f"((julianday({compiler.process(element.clauses, **kw)}) - 2440587.5) * 86400.0)"
