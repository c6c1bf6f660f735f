"""Background work on Huey: a task queue over Redis, or over a SQLite file when embedded.

Why Huey: one small library gives what the product needs and nothing it does not — a
queue over Redis with a consumer (``flask worker``), retries, locks shared by every
process, and periodic tasks scheduled by the consumer itself (no crontab to write); and
the same tasks run unchanged on its SQLite storage, so the embedded set-up (``make run``,
no ``REDIS_URL``) and production share one code path. RQ needs Redis even to run a job
in-process and a second package to schedule; Celery's weight buys nothing here.

Where the queue lives (``QUEUE_URL``, set from ``REDIS_URL``):

- ``redis://…``: production. ``flask worker`` (one or several processes) runs the tasks
  and schedules the periodic ones.
- a path (the default: ``instance/queue.sqlite3``): embedded. ``flask serve`` (what
  ``make run`` starts) runs a consumer in threads of the web process itself.
- ``immediate``: each task runs in the enqueuing process as soon as it is queued (tests).

Tasks are plain functions registered with ``task`` or ``periodic``; each runs in its own
app context and database session. ``later`` queues a task once the current database
transaction commits (never before: the worker must find what the request wrote), and
never when it rolls back.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, current_app, has_app_context
from huey import MemoryHuey, RedisHuey, SqliteHuey, crontab
from huey.consumer import Consumer
from huey.exceptions import TaskLockedException
from sqlalchemy import event
from sqlalchemy.orm import Session

from .extensions import db

log = logging.getLogger("matchmaker.queue")


@dataclass
class Spec:
    function: Callable
    retries: int = 0
    retry_delay: int = 0
    schedule: dict | None = None  # crontab fields, for a periodic task
    options: dict = field(default_factory=dict)


_specs: dict[str, Spec] = {}


def task(name: str, retries: int = 0, retry_delay: int = 0):
    """Register ``function(**kwargs)`` as the background task ``name``."""

    def register(function: Callable) -> Callable:
        _specs[name] = Spec(function, retries, retry_delay)
        return function

    return register


def periodic(name: str, **schedule):
    """Register ``function()`` to run on a crontab schedule (``minute="*/10"`` …).

    Several workers may run at once: a periodic task must be safe to repeat (every one
    here is: each acts on the state it finds)."""

    def register(function: Callable) -> Callable:
        _specs[name] = Spec(function, schedule=schedule)
        return function

    return register


def _queue_url(app: Flask) -> str:
    url = (app.config.get("QUEUE_URL") or "").strip()
    return url or str(Path(app.instance_path) / "queue.sqlite3")


def init_app(app: Flask) -> None:
    """Make the app's Huey and register every task on it."""
    _load_tasks()
    url = _queue_url(app)
    if url == "immediate":
        huey = MemoryHuey("matchmaker", immediate=True)
    elif url.startswith(("redis://", "rediss://", "unix://")):
        from redis import ConnectionPool

        pool = ConnectionPool.from_url(url, socket_timeout=5, socket_connect_timeout=2)
        huey = RedisHuey("matchmaker", connection_pool=pool)
        huey.lock_pool = pool
    else:
        huey = SqliteHuey("matchmaker", filename=url)
    wrappers = {}
    for name, spec in _specs.items():
        body = _in_app_context(app, name, spec.function)
        if spec.schedule is not None:
            wrappers[name] = huey.periodic_task(crontab(**spec.schedule), name=name)(body)
        else:
            wrappers[name] = huey.task(
                name=name, retries=spec.retries, retry_delay=spec.retry_delay
            )(body)
    app.extensions["matchmaker.queue"] = {"huey": huey, "tasks": wrappers, "url": url}


def _load_tasks() -> None:
    from . import tasks  # noqa: F401  (registers every task)


def _in_app_context(app: Flask, name: str, function: Callable) -> Callable:
    def run(*args, **kwargs):
        with app.app_context():
            try:
                return function(*args, **kwargs)
            except TaskLockedException:
                db.session.rollback()
                raise  # another worker holds it: retried, nothing failed
            except Exception:
                db.session.rollback()
                log.exception("task %s failed", name)
                raise
            finally:
                db.session.remove()

    run.__name__ = name
    return run


def huey(app: Flask | None = None):
    app = app or current_app._get_current_object()
    return app.extensions["matchmaker.queue"]["huey"]


_process_locks: dict[str, threading.Lock] = {}


@contextmanager
def lock(name: str, ttl: int):
    """Hold the lock ``name`` across every worker (Redis), or across this process's
    threads (the embedded queue); raises ``TaskLockedException`` when it is taken. A
    Redis lock of a worker that died expires after ``ttl`` seconds."""
    pool = getattr(huey(), "lock_pool", None)
    if pool is not None:
        from redis import Redis

        held = Redis(connection_pool=pool).lock(f"matchmaker:lock:{name}", timeout=ttl)
    else:
        held = _process_locks.setdefault(name, threading.Lock())
    if not held.acquire(blocking=False):
        raise TaskLockedException(f"{name} is taken")
    try:
        yield
    finally:
        held.release()


def is_immediate(app: Flask | None = None) -> bool:
    return huey(app).immediate


def enqueue(name: str, *args, **kwargs):
    """Queue the task ``name`` now; returns Huey's result handle."""
    return current_app.extensions["matchmaker.queue"]["tasks"][name](*args, **kwargs)


def later(name: str, *args, **kwargs) -> None:
    """Queue the task ``name`` once the current transaction commits (same task and
    arguments: once). A queue that cannot be reached is logged; what the task would have
    done is caught up by the periodic sweep of pending work."""
    pending = db.session.info.setdefault("queue_later", {})
    pending.setdefault((name, args, tuple(sorted(kwargs.items()))), None)


@event.listens_for(Session, "after_commit")
def _enqueue_after_commit(session) -> None:
    pending = session.info.pop("queue_later", None)
    if not pending or not has_app_context():
        return
    for name, args, kwargs in pending:
        try:
            enqueue(name, *args, **dict(kwargs))
        except Exception:  # the queue is down: the periodic sweep finds the work later
            log.warning("task %s not queued (queue unreachable)", name, exc_info=True)


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session) -> None:
    session.info.pop("queue_later", None)


# --- consumers -----------------------------------------------------------------------


def consumer(app: Flask, workers: int = 1, periodic: bool = True) -> Consumer:
    """A Huey consumer for ``app``'s queue, running its tasks in threads."""
    return Consumer(huey(app), workers=workers, periodic=periodic, worker_type="thread",
                    initial_delay=0.05, max_delay=0.5)  # fmt: skip


_embedded: dict[int, Consumer] = {}
_embedded_lock = threading.Lock()


def start_embedded(app: Flask, workers: int = 1) -> Consumer | None:
    """Run the queue's consumer in threads of this process (the embedded set-up).

    The threads are daemons: they stop with the process. Signals stay with the web
    server (Ctrl-C stops both). None when the queue is immediate (nothing to consume).
    """
    if is_immediate(app):
        return None
    with _embedded_lock:
        if id(app) in _embedded:
            return _embedded[id(app)]
        running = consumer(app, workers=workers)
        running.scheduler.start()
        for _, thread in running.worker_threads:
            thread.start()
        _embedded[id(app)] = running
        return running


def stop_embedded(app: Flask) -> None:
    """Stop this process's consumer of ``app``'s queue, after the task it is running."""
    with _embedded_lock:
        running = _embedded.pop(id(app), None)
    if running is not None:
        running.stop(graceful=True)
