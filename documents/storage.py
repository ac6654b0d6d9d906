"""Where document files live: content-addressed paths under ``MEDIA_ROOT``.

Originals: ``documents/files/ab/<sha256>.<ext>``. Renders of a PDF, shared by every
version with the same content: ``documents/renders/<sha256>/p{page}-w{width}.<ext>``
(the names :func:`documents.pdf.render_many` writes). Watermarked renders and
downloads, one set per viewer and day: ``.../viewers/<user_id>-<yyyymmdd>/``.
The PDF workers need real paths, so this is the local filesystem; a deployment on
object storage keeps this tree on a volume (docs/documents.md).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings

EXTENSIONS = {"pdf": "pdf", "jpeg": "jpg", "png": "png"}
IMAGE_TYPES = {"png": "image/png", "webp": "image/webp", "jpg": "image/jpeg"}


def root() -> Path:
    return Path(settings.MEDIA_ROOT) / "documents"


def absolute(relative: str) -> Path:
    """Return the absolute path of a stored file from its path relative to media."""
    return Path(settings.MEDIA_ROOT) / relative


def relative_file_path(sha256: str, kind: str) -> str:
    return f"documents/files/{sha256[:2]}/{sha256}.{EXTENSIONS[kind]}"


def store_upload(chunks: Iterable[bytes], kind: str, sha256: str) -> str:
    """Move already-hashed bytes into place once; return the relative path.

    The same content uploaded twice is stored once (content addressing).
    """
    rel = relative_file_path(sha256, kind)
    target = absolute(rel)
    if target.exists():
        return rel
    write_atomically(target, chunks)
    return rel


def write_atomically(target: Path, chunks: Iterable[bytes]) -> None:
    """Write ``chunks`` to ``target`` through a temporary file and a rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
        os.chmod(tmp, 0o640)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def sha256_of_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def render_dir(sha256: str, *, viewer_key: str | None = None) -> Path:
    base = root() / "renders" / sha256
    return base / "viewers" / viewer_key if viewer_key else base


def find_render(directory: Path, page: int, width: int) -> Path | None:
    """Return the cached render of ``page`` at ``width`` in any format, if any."""
    for ext in ("png", "webp", "jpg"):
        candidate = directory / f"p{page}-w{width}.{ext}"
        if candidate.exists():
            return candidate
    return None


def render_path(directory: Path, page: int, width: int, content_type: str) -> Path:
    ext = {v: k for k, v in IMAGE_TYPES.items()}[content_type]
    return directory / f"p{page}-w{width}.{ext}"


def missing_widths(sha256: str, page_count: int, widths: Iterable[int]) -> list[int]:
    """Return the widths at which some page of the PDF is not rendered yet."""
    directory = render_dir(sha256)
    return [
        w
        for w in widths
        if any(find_render(directory, p, w) is None for p in range(1, page_count + 1))
    ]
