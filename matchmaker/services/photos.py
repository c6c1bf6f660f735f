"""Photos people upload (a signed paper consent form): taken only when Pillow decodes them
as JPEG, PNG or WebP, and kept as a fresh encoding of their pixels.

The file name and the type the browser claims say nothing: the bytes are decoded. The
new encoding carries no EXIF (so no GPS position, no camera serial) and nothing a file
may have hidden after its image data. The pixel count is checked from the header before
any decoding, so a small file that unpacks to gigabytes is refused, not decoded.
"""

from __future__ import annotations

import hashlib
import io
import struct
import warnings
from typing import NamedTuple

from PIL import Image, ImageOps

from .errors import DomainError

MAX_BYTES = 5 * 1024 * 1024
#: A 48-megapixel phone photo passes; a decompression bomb does not.
MAX_PIXELS = 50_000_000
#: The long side of the kept photo: a signed form stays legible, the table stays small.
MAX_SIDE = 4096
#: Pillow's format → the content type the photo is served with.
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
#: What a file that is no image of these types (or a damaged one) makes Pillow raise.
UNREADABLE = (OSError, ValueError, SyntaxError, EOFError, struct.error, IndexError, TypeError)


class Photo(NamedTuple):
    """A photo as it is kept: its content type, its bytes and their SHA-256."""

    content_type: str
    data: bytes
    sha256: str


def clean(data: bytes, field: str = "photo") -> Photo:
    """Decode ``data`` as a JPEG, PNG or WebP image and encode its pixels again, upright
    and without metadata; anything else is a ``DomainError`` on ``field``."""
    if len(data) > MAX_BYTES:
        raise DomainError("photo_too_large", field=field, limit_mb=MAX_BYTES // (1024 * 1024))
    if not data:
        raise DomainError("photo_type", field=field)
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own limit and twice that: a refusal here
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))
            kind = image.format
            _check_pixels(image, field)
            image = _upright(image)
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            encoded = _encode(image, kind)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as bomb:
        raise DomainError("photo_too_many_pixels", field=field, limit=_megapixels()) from bomb
    except UNREADABLE as broken:
        raise DomainError("photo_type", field=field) from broken
    return Photo(FORMATS[kind], encoded, hashlib.sha256(encoded).hexdigest())


def _check_pixels(image: Image.Image, field: str) -> None:
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise DomainError("photo_too_many_pixels", field=field, limit=_megapixels())


def _megapixels() -> int:
    return MAX_PIXELS // 1_000_000


def _upright(image: Image.Image) -> Image.Image:
    """Turn the pixels as the camera's orientation tag says, before the tag is dropped."""
    return ImageOps.exif_transpose(image) or image


def _encode(image: Image.Image, kind: str) -> bytes:
    """The pixels alone in a new file of the same format (no EXIF, ICC or text chunks)."""
    out = io.BytesIO()
    if kind == "PNG":
        image.save(out, format="PNG", optimize=True)
    elif kind == "WEBP":
        has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        image.convert("RGBA" if has_alpha else "RGB").save(out, format="WEBP", quality=85)
    else:
        mode = image.mode if image.mode in ("RGB", "L") else "RGB"
        image.convert(mode).save(out, format="JPEG", quality=85)
    return out.getvalue()
