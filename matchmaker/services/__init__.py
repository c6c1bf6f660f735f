"""Use cases: plain arguments in, models out, or a ``DomainError``.

Services add and flush; the caller (a route, a command) commits or rolls back.
"""
