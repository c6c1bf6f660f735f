"""Long work in the background, with progress any web worker can report.

A job runs on the task queue (``queue``: a worker process, or the embedded consumer's
thread), in its own app context and database session, as one unit of work: the runner
commits when the work returns and rolls back when it raises, so a failed job leaves
nothing written. A ``DomainError`` is reported with its code; anything else is logged
and reported as an internal failure.

While the work runs its transaction is open (on SQLite it holds the write lock), so
progress cannot live in the database. It lives in Redis when ``JOB_STORAGE_URI`` names
one (set from ``REDIS_URL``, so every web worker and the job worker share it), else in
this process's memory (the embedded set-up: one process runs the web and the queue).
A status is a small JSON-able dict::

    {"id", "owner", "title", "sha256", "state": queued|running|done|failed,
     "phase", "done", "total", "updated", "result", "error": {"code", "params"}}

A value that must be shown only once (new accounts' first passwords) is kept apart from
the status, written only after the commit, and removed when it is read.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
import traceback
from collections.abc import Callable
from typing import Protocol

from flask import Flask, current_app

from ..extensions import db
from .errors import DomainError

log = logging.getLogger("matchmaker.jobs")

KEEP_SECONDS = 6 * 3600  # a status stays readable this long after its last change
SECRET_SECONDS = 3600  # a one-time value waits this long for its reader
STALLED_SECONDS = 15 * 60  # a running job silent this long has died with its process
SAVE_EVERY_SECONDS = 0.25  # progress is written at most this often (and at each phase)
FINISHED = frozenset({"done", "failed"})
ACTIVE = frozenset({"queued", "running"})


class Store(Protocol):
    """Where statuses live: ``memory://`` or ``redis://``."""

    def save(self, job_id: str, status: dict) -> None: ...
    def load(self, job_id: str) -> dict | None: ...
    def keep_once(self, job_id: str, value) -> None: ...
    def take_once(self, job_id: str): ...
    def claim(self, key: str, job_id: str, replace: bool = False) -> str: ...
    def release(self, key: str, job_id: str) -> None: ...


class MemoryStore:
    """Statuses in this process (the embedded set-up), forgotten after a while."""

    def __init__(self):
        self._lock = threading.Lock()
        self._items: dict[str, tuple[float, object]] = {}

    def _put(self, key: str, value, seconds: int) -> None:
        now = time.monotonic()
        with self._lock:
            self._items = {k: v for k, v in self._items.items() if v[0] > now}
            self._items[key] = (now + seconds, value)

    def _get(self, key: str, remove=False):
        with self._lock:
            expires, value = self._items.get(key, (0.0, None))
            if remove:
                self._items.pop(key, None)
        return value if expires > time.monotonic() else None

    def save(self, job_id: str, status: dict) -> None:
        self._put(f"job:{job_id}", json.dumps(status), KEEP_SECONDS)

    def load(self, job_id: str) -> dict | None:
        raw = self._get(f"job:{job_id}")
        return json.loads(raw) if raw else None

    def keep_once(self, job_id: str, value) -> None:
        self._put(f"once:{job_id}", value, SECRET_SECONDS)

    def take_once(self, job_id: str):
        return self._get(f"once:{job_id}", remove=True)

    def claim(self, key: str, job_id: str, replace: bool = False) -> str:
        with self._lock:
            held = self._items.get(f"claim:{key}")
            if held and held[0] > time.monotonic() and not replace:
                return held[1]
            self._items[f"claim:{key}"] = (time.monotonic() + KEEP_SECONDS, job_id)
            return job_id

    def release(self, key: str, job_id: str) -> None:
        with self._lock:
            if self._items.get(f"claim:{key}", (0, None))[1] == job_id:
                del self._items[f"claim:{key}"]


class RedisStore:
    """Statuses in Redis, shared by every web worker; each key expires on its own."""

    PREFIX = "matchmaker:job:"

    def __init__(self, url: str):
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)

    def save(self, job_id: str, status: dict) -> None:
        self._redis.set(self.PREFIX + job_id, json.dumps(status), ex=KEEP_SECONDS)

    def load(self, job_id: str) -> dict | None:
        raw = self._redis.get(self.PREFIX + job_id)
        return json.loads(raw) if raw else None

    def keep_once(self, job_id: str, value) -> None:
        self._redis.set(self.PREFIX + "once:" + job_id, json.dumps(value), ex=SECRET_SECONDS)

    def take_once(self, job_id: str):
        raw = self._redis.getdel(self.PREFIX + "once:" + job_id)
        return json.loads(raw) if raw else None

    def claim(self, key: str, job_id: str, replace: bool = False) -> str:
        name = self.PREFIX + "claim:" + key
        if self._redis.set(name, job_id, ex=KEEP_SECONDS, nx=not replace):
            return job_id
        held = self._redis.get(name)
        return held.decode() if held else job_id

    def release(self, key: str, job_id: str) -> None:
        name = self.PREFIX + "claim:" + key
        if self._redis.get(name) == job_id.encode():
            self._redis.delete(name)


_store_lock = threading.Lock()


def store(app: Flask | None = None) -> Store:
    """The app's status store, made on first use from ``JOB_STORAGE_URI``."""
    app = app or current_app._get_current_object()
    with _store_lock:
        if "matchmaker.jobs" not in app.extensions:
            uri = app.config.get("JOB_STORAGE_URI") or "memory://"
            redis = uri.startswith(("redis://", "rediss://", "unix://"))
            app.extensions["matchmaker.jobs"] = RedisStore(uri) if redis else MemoryStore()
    return app.extensions["matchmaker.jobs"]


class Progress:
    """What running work reports: its phase, and how far it is out of how many."""

    def __init__(self, store: Store, status: dict):
        self._store, self.status = store, status
        self._saved_at = 0.0
        self.once = None

    def phase(self, name: str, total: int = 0) -> None:
        """Start a new phase of ``total`` steps (0: no count to show)."""
        self.status.update(state="running", phase=name, done=0, total=total)
        self._save(force=True)

    def advance(self, count: int = 1) -> None:
        """``count`` more steps of the current phase are done."""
        self.status["done"] = min(self.status["done"] + count, self.status["total"])
        self._save(force=self.status["done"] == self.status["total"])

    def keep_once(self, value) -> None:
        """A value to show the owner once, after the work is committed."""
        self.once = value

    def _save(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._saved_at < SAVE_EVERY_SECONDS:
            return
        self._saved_at = now
        self.status["updated"] = time.time()
        try:
            self._store.save(self.status["id"], self.status)
        except Exception:  # a missed progress update must not undo good work
            log.warning("job %s: progress not saved", self.status["id"], exc_info=True)


Work = Callable[[Progress], dict]


def start(
    owner_id: int, title: str, work: str, arguments: dict, sha256: str = "", once_per: str = ""
) -> str:
    """Queue the job ``work`` (a name in ``tasks``) with ``arguments``; returns its id.

    The work runs on the task queue (``flask worker``, or the embedded consumer) in its
    own app context and returns a JSON-able result. With ``once_per``, a second start
    while the first job with that key is still queued or running returns the first
    job's id instead (a double click).
    """
    from .. import queue

    app = current_app._get_current_object()
    jobs = store(app)
    job_id = secrets.token_urlsafe(16)
    if once_per:
        held = jobs.claim(once_per, job_id)
        earlier = jobs.load(held) if held != job_id else None
        if earlier and view(earlier)["state"] in ACTIVE:
            return held
        jobs.claim(once_per, job_id, replace=True)  # the earlier job is over
    status = {"id": job_id, "owner": owner_id, "title": title, "sha256": sha256,
              "once_per": once_per, "state": "queued", "phase": "queued", "done": 0,
              "total": 0, "updated": time.time(), "result": None, "error": None}  # fmt: skip
    jobs.save(job_id, status)
    queue.enqueue("job", status, work, arguments)
    return job_id


def run(app: Flask, status: dict, work: Work) -> dict:
    """Run ``work`` now as one unit of work and record how it ended; returns the status."""
    jobs = store(app)
    progress = Progress(jobs, status)
    with app.app_context():
        try:
            progress.phase("running")
            result = work(progress)
            progress.phase("saving")
            db.session.commit()
        except Exception as error:
            db.session.rollback()
            status.update(state="failed", error=_error_of(error))
            if status["error"]["code"] == "internal":
                _log_failure(status["id"], error)
        else:
            status.update(state="done", result=result)
            if progress.once is not None:
                jobs.keep_once(status["id"], progress.once)
        finally:
            db.session.remove()
    progress._save(force=True)
    if status["once_per"]:
        jobs.release(status["once_per"], status["id"])
    return status


def _error_of(error: Exception) -> dict:
    """A refusal the work meant (a ``DomainError``: its code and parameters), or an
    unexpected failure (nothing of it is shown or kept: it may hold personal data)."""
    if isinstance(error, DomainError):
        return {"code": error.code, "params": error.params}
    return {"code": "internal", "params": {}}


def _log_failure(job_id: str, error: Exception) -> None:
    """Where and what failed, without the message: a database error's message carries
    the row's values, and personal data is never logged."""
    frames = traceback.extract_tb(error.__traceback__)
    where = [f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in frames[-4:]]
    log.error("job %s failed: %s at %s", job_id, type(error).__name__, " < ".join(where[::-1]))


def view(status: dict) -> dict:
    """The status as a reader should see it: a running job silent too long has died."""
    silent = time.time() - status.get("updated", 0)
    if status["state"] in ACTIVE and silent > STALLED_SECONDS:
        return {**status, "state": "failed", "error": {"code": "stalled", "params": {}}}
    return status


def load(job_id: str) -> dict | None:
    """The job's status as a reader should see it, or None when there is no such job."""
    found = store().load(job_id)
    return view(found) if found else None


def take_once(job_id: str):
    """The job's one-time value, removed as it is read (None when already taken)."""
    return store().take_once(job_id)
