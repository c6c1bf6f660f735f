"""Request ids and structured logs.

Every request gets an id (kept from a sane ``X-Request-ID`` header, else new), returned
in the response and shown on error pages. Each request is logged as one JSON line with
that id, the actor and the outcome: JSON escapes newlines, so user input cannot forge a
log line; no form data, passwords, tokens or phone numbers are ever logged.
"""

import json
import logging
import re
import time
import uuid

from flask import Flask, g, render_template, request

SANE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
log = logging.getLogger("matchmaker.requests")


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        return json.dumps(entry, ensure_ascii=False)


def mask_phone(phone: str | None) -> str:
    """+8613837412345 → +86138****2345, for the rare place a phone must be mentioned."""
    if not phone or len(phone) < 8:
        return "****"
    return phone[:-8] + "****" + phone[-4:]


def register(app: Flask) -> None:
    """Install the request id and the per-request log line."""
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False

    @app.before_request
    def assign_request_id():
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if SANE_ID.match(incoming) else uuid.uuid4().hex[:16]
        g.started = time.perf_counter()

    @app.before_request
    def refuse_nul_characters():
        """NUL never belongs in text (PostgreSQL cannot even store it): refuse, clearly."""
        values = [*request.args.values(), *request.form.values()]
        if any("\x00" in value for value in values):
            return render_template("errors/error.html", code=400, reason="nul"), 400
        return None

    @app.after_request
    def log_request(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        if request.endpoint != "static":
            log.info("request", extra={"fields": _fields(response.status_code)})
        return response


def _fields(status: int) -> dict:
    from .auth.session import signed_in_id

    actor = signed_in_id()
    return {
        "request_id": g.get("request_id", ""),
        "actor": str(actor) if actor is not None else None,
        "action": request.endpoint or "",
        "method": request.method,
        "path": request.path,
        "status": status,
        "ms": round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 1),
    }
