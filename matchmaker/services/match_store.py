"""The fitted matching models: kept on disk under ``instance/matching``, versioned.

A restart loads the last fitted model instead of refitting. The files are signed with
the app's secret key, and a signature that does not match is refused, so only a file
this installation wrote is ever loaded. Each process checks the manifest's version on
use, so every web worker picks up a rebuild made by the command line.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os

# Only files signed with this installation's secret key are ever unpickled (see load).
import pickle  # nosec B403
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import scipy.sparse as sp
from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..matching import EmptyVocabularyError, Lexicon, TextModel, Tokenizer
from ..models import Sector

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "matching"
CONCEPT_PREFIX = "§"
#: Bumped whenever the fitted state of ``TextModel`` changes shape: an older file is
#: then refitted instead of loaded.
MODEL_FORMAT = 3  # 3: features in more than 30% of the documents are dropped (was 50%)
#: Refit when the documents have grown by this factor since the last fit …
REFIT_GROWTH = 1.2
#: … and by at least this many documents.
REFIT_MIN_NEW = 1

_models: dict[tuple[str, str], tuple[int, TextModel]] = {}
_tokenizers: dict[tuple, Tokenizer] = {}


def _folder() -> Path:
    configured = current_app.config.get("MATCH_STORE_DIR")
    folder = Path(configured) if configured else Path(current_app.instance_path) / "matching"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _manifest() -> dict:
    path = _folder() / "manifest.json"
    return json.loads(path.read_text()) if path.exists() else {}


def _signature(payload: bytes) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def _write_atomically(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name)
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    os.replace(temporary, path)


def save(kind: str, model: TextModel, documents: int) -> int:
    """Persist a fitted model as the next version of ``kind``; returns the version."""
    manifest = _manifest()
    version = manifest.get(kind, {}).get("version", 0) + 1
    payload = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    name = f"{kind}-v{version}.pickle"
    _write_atomically(_folder() / name, payload)
    manifest[kind] = {
        "version": version,
        "file": name,
        "signature": _signature(payload),
        "format": MODEL_FORMAT,
        "documents": documents,
        "fitted_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    _write_atomically(_folder() / "manifest.json", json.dumps(manifest, indent=2).encode())
    for old in _folder().glob(f"{kind}-v*.pickle"):
        if old.name != name:
            old.unlink(missing_ok=True)
    _models[(str(_folder()), kind)] = (version, model)
    return version


def save_object(name: str, value) -> None:
    """Persist ``value`` (e.g. a side index) signed, beside the models."""
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    signature = _signature(payload).encode()
    _write_atomically(_folder() / f"{name}.pickle", signature + b"\n" + payload)


def load_object(name: str):
    """What ``save_object`` kept under ``name``; None when absent or not signed by us."""
    path = _folder() / f"{name}.pickle"
    if not path.exists():
        return None
    signature, _, payload = path.read_bytes().partition(b"\n")
    if not hmac.compare_digest(_signature(payload).encode(), signature):
        current_app.logger.warning("%s has a bad signature; not loaded", path)
        return None
    return pickle.loads(payload)  # noqa: S301  # nosec B301


def load(kind: str) -> tuple[int, TextModel] | None:
    """The persisted model of ``kind`` and its version, or None (none, or not ours)."""
    entry = _manifest().get(kind)
    if not entry or entry.get("format") != MODEL_FORMAT:
        return None
    cached = _models.get((str(_folder()), kind))
    if cached and cached[0] == entry["version"]:
        return cached
    path = _folder() / entry["file"]
    if not path.exists():
        return None
    payload = path.read_bytes()
    if not hmac.compare_digest(_signature(payload), entry["signature"]):
        current_app.logger.warning("matching model %s has a bad signature; refitting", path)
        return None
    model = pickle.loads(payload)  # noqa: S301  # nosec B301
    _models[(str(_folder()), kind)] = (entry["version"], model)
    return entry["version"], model


def model_for(kind: str, documents: Callable[[], list], count: int) -> TextModel | None:
    """The current model of ``kind``, fitting one from ``documents()`` when needed.

    A model is fitted when none exists, and again when the documents have grown by more
    than ``REFIT_GROWTH`` since the last fit (so a young installation does not live with
    the tiny vocabulary of its first few documents). None when there are no words yet.
    """
    found = load(kind)
    if found is not None and not _outgrown(kind, count):
        return found[1]
    try:
        return _fit_and_save(kind, documents())
    except EmptyVocabularyError:
        return found[1] if found else None


def _outgrown(kind: str, count: int) -> bool:
    fitted = _manifest().get(kind, {}).get("documents", 0)
    return count - fitted >= REFIT_MIN_NEW and count > fitted * REFIT_GROWTH


def refit(kind: str, documents: list) -> TextModel | None:
    """Fit ``kind``'s model again from stored tokens and make it the current version."""
    try:
        return _fit_and_save(kind, documents)
    except EmptyVocabularyError:
        return None


def refit_transform(kind: str, documents: list) -> tuple[TextModel, sp.csr_matrix] | None:
    """``refit``, also returning the documents' vectors, made from the fit's own counts
    (the rebuild's: no second pass over every document to transform them)."""
    model = TextModel()
    try:
        vectors = model.fit_transform(documents)
    except EmptyVocabularyError:
        return None
    save(kind, model, len(documents))
    return model, vectors


def _fit_and_save(kind: str, documents: list) -> TextModel:
    model = TextModel().fit(documents)
    save(kind, model, len(documents))
    return model


def version(kind: str) -> int:
    return _manifest().get(kind, {}).get("version", 0)


def lexicon() -> Lexicon:
    """The domain lexicon: files in ``data/matching`` plus every sector's terms as concepts."""
    concepts = {}
    for sector in db.session.scalars(select(Sector).order_by(Sector.id)):
        concept = CONCEPT_PREFIX + sector.code
        for term in [*sector.name_zh.split("/"), *(sector.synonyms or [])]:
            concepts.setdefault(term, concept)
    return Lexicon.from_directory(DATA_DIR, concepts=concepts)


def tokenizer() -> Tokenizer:
    """A tokenizer for the current lexicon (rebuilt when sectors change)."""
    rows = db.session.execute(select(Sector.code, Sector.name_zh, Sector.synonyms)).all()
    key = tuple((code, name, tuple(synonyms or ())) for code, name, synonyms in rows)
    if key not in _tokenizers:
        _tokenizers.clear()
        _tokenizers[key] = Tokenizer(lexicon())
    return _tokenizers[key]
