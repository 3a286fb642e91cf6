"""Proposal images: checked by content, re-encoded, stored under a random name.

The browser's content type and the file name are ignored: Pillow decides what the bytes are. Only JPEG,
PNG and WebP are accepted. Every accepted image is decoded and encoded again, which drops EXIF (GPS
positions from phones), ICC tricks and anything appended to the file, and bounds its size in pixels.
"""

from __future__ import annotations

import io
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

from ..i18n import _

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
# Decoding a 40-megapixel image takes ~160 MB of memory; bigger ones are refused before decoding.
MAX_PIXELS = 40_000_000
# Stored images are scaled down to fit this box: plenty for a proposal page, small to serve.
MAX_SIDE = 1600
ACCEPTED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
MIMETYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


class ImageRejected(ValueError):
    """The upload is not an image we accept; the message is written for the resident."""


@dataclass(frozen=True)
class StoredImage:
    filename: str
    width: int
    height: int


def max_image_bytes() -> int:
    return int(current_app.config.get("PROPOSAL_IMAGE_MAX_BYTES", DEFAULT_MAX_BYTES))


def upload_folder() -> Path:
    """instance/uploads/proposals/ unless PROPOSAL_UPLOAD_FOLDER is configured."""
    configured = current_app.config.get("PROPOSAL_UPLOAD_FOLDER")
    folder = Path(configured) if configured else Path(current_app.instance_path) / "uploads" / "proposals"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def reencode_image(data: bytes, max_bytes: int) -> tuple[bytes, str, tuple[int, int]]:
    """Validate ``data`` as an image and return (new bytes, extension, (width, height)).

    Raises :class:`ImageRejected` with a message fit for a form error.
    """
    if not data:
        raise ImageRejected(_("The image file is empty."))
    if len(data) > max_bytes:
        raise ImageRejected(_("The image is larger than %(size)s MB.", size=max_bytes // (1024 * 1024)))
    try:
        with warnings.catch_warnings():
            # Pillow warns (and the test suite turns warnings into errors) on huge images; we check size ourselves.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                image_format = probe.format
                width, height = probe.size
                if image_format not in ACCEPTED_FORMATS:
                    raise ImageRejected(_("Upload a JPEG, PNG or WebP image."))
                if width * height > MAX_PIXELS:
                    raise ImageRejected(_("The image has too many pixels; upload a smaller one."))
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                image = ImageOps.exif_transpose(image)  # keep the orientation the phone meant, then drop EXIF
                image.thumbnail((MAX_SIDE, MAX_SIDE))
                extension = ACCEPTED_FORMATS[image_format]
                out = io.BytesIO()
                if extension == "jpg":
                    image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
                elif extension == "png":
                    mode = "RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB"
                    image.convert(mode).save(out, "PNG", optimize=True)
                else:
                    mode = "RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB"
                    image.convert(mode).save(out, "WEBP", quality=85)
                return out.getvalue(), extension, image.size
    except ImageRejected:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ImageRejected(_("That file is not an image we can read; upload a JPEG, PNG or WebP image.")) from None


def store_image(data: bytes) -> StoredImage:
    """Validate, re-encode and write an uploaded image; return its random file name."""
    encoded, extension, (width, height) = reencode_image(data, max_image_bytes())
    filename = f"{secrets.token_hex(16)}.{extension}"
    (upload_folder() / filename).write_bytes(encoded)
    return StoredImage(filename=filename, width=width, height=height)


def delete_image(filename: str | None) -> None:
    """Remove a stored image (after it was replaced); missing files are fine."""
    if filename and is_stored_name(filename):
        (upload_folder() / filename).unlink(missing_ok=True)


def is_stored_name(filename: str) -> bool:
    """True for names :func:`store_image` makes: 32 hex digits and a known extension (no paths)."""
    stem, _dot, extension = filename.partition(".")
    return len(stem) == 32 and all(c in "0123456789abcdef" for c in stem) and extension in MIMETYPES
