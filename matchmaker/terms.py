"""The privacy policy and the user agreement: versioned texts under ``data/terms/``.

``VERSION`` names the texts in force; a person accepts that version at sign-up, and is
asked again at the next sign-in once it changes. The texts are plain paragraphs, one
file per document and language (``privacy_policy.zh.txt`` …), the first line the title.
"""

from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from flask import current_app

from .models import Role

DOCUMENTS = ("privacy_policy", "user_agreement")
#: Who accepts them: the people who sign themselves up (station people get their
#: accounts, and their duties, from the station).
ACCEPTED_BY = frozenset({Role.GRADUATE, Role.ENTERPRISE})


class Document(NamedTuple):
    name: str
    title: str
    paragraphs: list[str]


def _folder() -> Path:
    return Path(current_app.config["TERMS_DIR"])


def current_version() -> str:
    """The version of the texts in force (``data/terms/VERSION``)."""
    return _read(_folder() / "VERSION").strip()


def documents(locale: str) -> list[Document]:
    """Both texts in ``locale`` (Chinese when there is no translation)."""
    found = []
    for name in DOCUMENTS:
        path = _folder() / f"{name}.{locale}.txt"
        text = _read(path if path.exists() else _folder() / f"{name}.zh.txt")
        title, _, body = text.strip().partition("\n")
        paragraphs = [p.strip() for p in body.split("\n\n") if p.strip()]
        found.append(Document(name, title.strip(), paragraphs))
    return found


def must_accept(user) -> bool:
    """Whether ``user`` has yet to accept the texts in force."""
    return user.role in ACCEPTED_BY and user.terms_version != current_version()


@lru_cache(maxsize=16)
def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")
