"""Settings read from the environment, with safe defaults for the embedded set-up."""

import os
import secrets
from pathlib import Path


def database_url(instance_path: str) -> str:
    """Return the SQLAlchemy URL: ``DATABASE_URL`` or a SQLite file under ``instance/``."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{Path(instance_path) / 'matchmaker.sqlite3'}"
    # Hosting platforms hand out postgres:// or postgresql:// URLs; we use psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def secret_key(instance_path: str) -> str:
    """Return ``SECRET_KEY`` from the environment, or a key kept in ``instance/``.

    The file is created once with a random key, so sessions survive a restart of
    the embedded set-up without anyone having to invent a secret.
    """
    key = os.environ.get("SECRET_KEY", "").strip()
    if key:
        return key
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def _number(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value.isdigit() else default


def mail_settings() -> dict:
    """SMTP for notifications (and later password reset); e-mail is off without a server."""
    server = os.environ.get("MAIL_SERVER", "").strip()
    ssl = _flag("MAIL_USE_SSL")
    return {
        "MAIL_BACKEND": "smtp",  # Flask-Mailman would pick an in-memory outbox under test
        "MAIL_SERVER": server,
        "MAIL_PORT": _number("MAIL_PORT", 465 if ssl else 587 if _flag("MAIL_USE_TLS") else 25),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", "").strip() or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", "") or None,
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS"),
        "MAIL_USE_SSL": ssl,
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "").strip()
        or f"noreply@{server or 'localhost'}",
        "MAIL_TIMEOUT": _number("MAIL_TIMEOUT", 10),
        # Absolute links in e-mails: the address people reach the site at.
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "").strip().rstrip("/")
        or "http://127.0.0.1:5000",
        # A notice not sent after this many tries is marked failed.
        "MAIL_MAX_ATTEMPTS": _number("MAIL_MAX_ATTEMPTS", 8),
        # Days before an unanswered introduction's deadline that each side is reminded.
        "CONSENT_REMINDER_DAYS": _number("CONSENT_REMINDER_DAYS", 3),
    }


def from_environment(instance_path: str) -> dict:
    """Build the settings mapping for ``create_app``."""
    return {
        **mail_settings(),
        "SECRET_KEY": secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "BABEL_DEFAULT_LOCALE": "zh",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "LANGUAGES": ("zh", "en"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "") == "1",
        "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
        "RATELIMIT_STORAGE_URI": os.environ.get("REDIS_URL", "").strip() or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        # Progress of background jobs (imports): in Redis when set, so any worker answers.
        "JOB_STORAGE_URI": os.environ.get("REDIS_URL", "").strip() or "memory://",
        # Where the fitted models and side indexes are kept (default: instance/matching).
        **(
            {"MATCH_STORE_DIR": os.environ["MATCH_STORE_DIR"]}
            if os.environ.get("MATCH_STORE_DIR")
            else {}
        ),
        # A pair below this score is never suggested (0–1).
        "MATCH_MIN_SCORE": float(os.environ.get("MATCH_MIN_SCORE") or 0.3),
        # The task queue (see matchmaker/queue.py): Redis when set, else a SQLite file in
        # instance/ consumed by the web process itself (``flask serve``).
        "QUEUE_URL": os.environ.get("REDIS_URL", "").strip(),
        # argon2id at the RFC 9106 "second recommended" profile: 64 MiB, 3 passes,
        # 4 lanes. OWASP ASVS 5.0 asks for at least 19 MiB, 2 passes, 1 lane.
        "ARGON2_TIME_COST": 3,
        "ARGON2_MEMORY_COST_KIB": 65536,
        "ARGON2_PARALLELISM": 4,
        # The privacy policy and user agreement in force (see matchmaker/terms.py).
        "TERMS_DIR": os.environ.get("TERMS_DIR", "").strip()
        or str(Path(__file__).resolve().parents[1] / "data" / "terms"),
    }
