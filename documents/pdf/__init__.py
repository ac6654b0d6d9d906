"""Every PyMuPDF operation of Nghị Sự, run in sandboxed worker processes.

Importing this package never imports PyMuPDF and needs no Django settings: the
functions below send jobs to the process-wide :class:`~documents.pdf.pool.PdfPool`
(see :func:`get_pool`, :func:`configure`, :func:`shutdown`), whose workers run
:mod:`documents.pdf.ops` under CPU, memory and wall-clock limits. Every failure
is raised as :class:`PdfError` with a stable ``code`` and a Vietnamese
``message`` for end users. Paths are filesystem paths readable by the workers.

Pre-rendering a version in chunks with progress, for example::

    info = inspect(path, max_pages=2000)
    total = info["page_count"]
    for start in range(1, total + 1, 10):
        last = min(start + 9, total)
        process_chunk(path, first=start, last=last, widths=[160], out_dir=out_dir)
        report_progress(last, total)
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

from documents.pdf.errors import MESSAGES, PdfError
from documents.pdf.pool import PdfPool, PoolConfig, configure, get_pool, shutdown
from documents.pdf.sniff import SNIFF_BYTES, sniff

__all__ = [
    "MESSAGES",
    "RENDER_WIDTHS",
    "SNIFF_BYTES",
    "PdfError",
    "PdfPool",
    "PoolConfig",
    "annotate_pdf",
    "build_record",
    "check_signature_addition",
    "configure",
    "describe_certificate",
    "describe_crl",
    "describe_pkcs12",
    "extract",
    "get_pool",
    "images_to_pdf",
    "inspect",
    "list_annotations",
    "make_demo_pdf",
    "process_chunk",
    "render",
    "render_many",
    "render_watermarked",
    "sanitize",
    "shutdown",
    "sign_pdf",
    "sniff",
    "verify_signatures",
    "watermark_pdf",
]

#: Tablet widths (px) that versions are pre-rendered at.
RENDER_WIDTHS = (160, 400, 800, 1200, 1600)
_FORMATS = ("auto", "png", "webp", "jpeg")


def _path(path: str | os.PathLike[str]) -> str:
    return os.path.abspath(os.fspath(path))


def _check_width(width: int) -> None:
    if not isinstance(width, int) or not 16 <= width <= 4096:
        raise ValueError("width must be an int in 16..4096")


def _check_fmt(fmt: str) -> None:
    if fmt not in _FORMATS:
        raise ValueError(f"fmt must be one of {_FORMATS}")


def inspect(
    path: str | os.PathLike[str], *, max_pages: int, max_page_side_pt: float = 14400
) -> dict[str, Any]:
    """Validate a PDF upload and describe it.

    Return ``page_count``, ``page_sizes`` ([w, h] in points, as displayed),
    ``encrypted`` (true also for files that open with the empty password),
    ``repaired``, ``has_javascript``, ``has_embedded_files``, ``has_rich_media``,
    ``has_launch``, ``has_xfa``, ``has_auto_actions``, ``active`` (counts per
    kind), ``is_scanned`` (little text, images cover most of the page),
    ``text_chars_per_page``, ``image_coverage`` and ``title``.

    Raise :class:`PdfError` with code ``empty``, ``not_pdf``, ``truncated``,
    ``damaged``, ``encrypted`` (needs a password), ``no_pages``,
    ``too_many_pages``, ``page_too_large``, ``page_too_small``, ``timeout``,
    ``memory`` or ``crashed``.
    """
    return get_pool().call(
        "inspect", _path(path), max_pages=max_pages, max_page_side_pt=max_page_side_pt
    )


def extract(
    path: str | os.PathLike[str], *, first: int = 1, last: int | None = None
) -> list[dict[str, Any]]:
    """Return ``[{"page", "text", "words"}]`` for pages ``first..last`` (1-based).

    ``text`` is NFC; ``words`` is ``[[x0, y0, x1, y1, word], ...]`` with
    coordinates as fractions (0..1, 4 decimals) of the displayed page. Call it
    per chunk of pages to report progress on long documents.
    """
    return get_pool().call("extract", _path(path), first=first, last=last)


def render(
    path: str | os.PathLike[str], page: int, width: int, *, fmt: str = "auto"
) -> tuple[bytes, str]:
    """Rasterise 1-based ``page`` at ``width`` pixels; return (bytes, content type).

    ``fmt="auto"`` picks a 16-level grey PNG for grey text pages and WebP for
    coloured pages and scans (measured in ENCODING.md); ``"png"``, ``"webp"``
    and ``"jpeg"`` force a format. Raise ``bad_page`` for pages out of range.
    """
    _check_width(width)
    _check_fmt(fmt)
    data, ctype = get_pool().call("render", _path(path), page, width, fmt=fmt)
    return data, ctype


def render_watermarked(
    path: str | os.PathLike[str],
    page: int,
    width: int,
    *,
    lines: Sequence[str],
    fmt: str = "auto",
) -> tuple[bytes, str]:
    """Like :func:`render`, with a diagonal watermark of ``lines`` burned in."""
    _check_width(width)
    _check_fmt(fmt)
    if not any(s.strip() for s in lines):
        raise ValueError("lines must contain text")
    data, ctype = get_pool().call(
        "render", _path(path), page, width, fmt=fmt, lines=list(lines)
    )
    return data, ctype


def render_many(
    path: str | os.PathLike[str],
    pages: Sequence[int],
    widths: Sequence[int],
    out_dir: str | os.PathLike[str],
    *,
    fmt: str = "auto",
) -> list[str]:
    """Render every page at every width into ``out_dir`` with one document open.

    Files are named ``p{page}-w{width}.{png|webp|jpg}`` and written atomically;
    return their paths in order. Keep chunks small enough for the wall-clock
    limit (about 10 pages × 5 widths per call).
    """
    for w in widths:
        _check_width(w)
    _check_fmt(fmt)
    return get_pool().call(
        "render_many", _path(path), list(pages), list(widths), _path(out_dir), fmt=fmt
    )


def process_chunk(
    path: str | os.PathLike[str],
    *,
    first: int,
    last: int,
    widths: Sequence[int],
    out_dir: str | os.PathLike[str],
    fmt: str = "auto",
) -> list[dict[str, Any]]:
    """:func:`extract` pages ``first..last`` and :func:`render_many` them at
    ``widths`` in one job, each page loaded once, on the document the worker
    keeps open between jobs on the same file. Return what :func:`extract`
    returns, each page also with ``text_folded`` (:func:`nghisu.text.fold`).
    Processing a version calls it once per chunk of pages.
    """
    for w in widths:
        _check_width(w)
    _check_fmt(fmt)
    data = get_pool().call(
        "process_chunk",
        _path(path),
        first=first,
        last=last,
        widths=list(widths),
        out_dir=_path(out_dir),
        fmt=fmt,
    )
    return json.loads(data)


def sanitize(
    path: str | os.PathLike[str], out_path: str | os.PathLike[str]
) -> dict[str, Any]:
    """Write a clean copy for download and return what was found and removed.

    Remove JavaScript, OpenAction and additional actions, embedded and
    associated files, multimedia/3D/attachment annotations, launch, remote
    go-to, import, submit and non-http(s)/mailto URI actions, XFA; drop the
    encryption of files that open without a password. Links, outlines, normal
    annotations, form fields and text stay. The output is re-scanned and
    ``PdfError("unsafe")`` raised (output deleted) if anything active remains.
    """
    return get_pool().call("sanitize", _path(path), _path(out_path))


def watermark_pdf(
    path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    *,
    lines: Sequence[str],
) -> dict[str, Any]:
    """Write a copy of the PDF with the watermark of ``lines`` on every page."""
    if not any(s.strip() for s in lines):
        raise ValueError("lines must contain text")
    return get_pool().call(
        "watermark_pdf", _path(path), _path(out_path), lines=list(lines)
    )


def images_to_pdf(
    paths: Sequence[str | os.PathLike[str]],
    out_path: str | os.PathLike[str],
    *,
    max_pixels: int = 50_000_000,
) -> dict[str, Any]:
    """Make a PDF with one A4 page per JPEG/PNG image (``bad_image`` if invalid).

    Image dimensions are checked from the header before decoding, so
    decompression bombs are refused without being expanded.
    """
    return get_pool().call(
        "images_to_pdf",
        [_path(p) for p in paths],
        _path(out_path),
        max_pixels=max_pixels,
    )


def make_demo_pdf(
    out_path: str | os.PathLike[str],
    *,
    title: str,
    paragraphs: Sequence[str],
    pages: int,
    heading_lines: Sequence[str] | None = None,
    national_heading: bool = True,
) -> dict[str, Any]:
    """Write a realistic Vietnamese A4 document of ``pages`` pages (Noto Sans).

    ``heading_lines`` is the issuing body at the top left (e.g. ["HỘI ĐỒNG
    NHÂN DÂN", "XÃ AN BÌNH"]); ``national_heading`` adds "CỘNG HÒA XÃ HỘI CHỦ
    NGHĨA VIỆT NAM / Độc lập - Tự do - Hạnh phúc" at the top right.
    """
    return get_pool().call(
        "make_demo_pdf",
        _path(out_path),
        title=title,
        paragraphs=list(paragraphs),
        pages=pages,
        heading_lines=list(heading_lines) if heading_lines else None,
        national_heading=national_heading,
    )


def build_record(
    out_path: str | os.PathLike[str], spec: dict[str, Any]
) -> dict[str, Any]:
    """Write an official record (biên bản, báo cáo) laid out from ``spec``.

    The spec's shape is documented in :mod:`documents.pdf.record` (national
    heading, issuer, number, place and date, title, headings, paragraphs,
    tables, signature block). Return ``{"page_count": n}``.
    """
    from documents.pdf import record  # pure Python; never imports PyMuPDF

    record.validate(spec)
    return get_pool().call("build_record", _path(out_path), spec=spec)


def annotate_pdf(
    path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    *,
    annotations: Sequence[dict[str, Any]],
    lines: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Write a copy of the PDF with ``annotations`` as real PDF annotations.

    Each annotation is ``{"id", "page", "kind", "color": [r, g, b] (0..1),
    "text", "author", "geometry"}`` with the geometry of
    :class:`documents.models.Annotation` (fractions of the displayed page), or
    with ``"geometry_json"`` instead: that geometry as JSON text (``str`` or
    ``bytes``), as the database stores it. Kinds become Highlight, Ink, Text
    (sticky note) and FreeText annotations that stay editable in PDF readers.
    With ``lines``, every page also gets the watermark of :func:`watermark_pdf`
    (below the annotations). Return ``{"page_count", "annotations"}``.

    The geometries travel to the worker as one JSON array in a binary
    attachment (the protocol's blob framing), never as nested JSON lists of the
    message header, which both processes would walk point by point.
    """
    items, parts = [], []
    for item in annotations:
        raw = item.get("geometry_json")
        if raw is None:
            raw = json.dumps(item["geometry"], separators=(",", ":"))
        parts.append(raw.encode() if isinstance(raw, str) else bytes(raw))
        items.append(
            {k: v for k, v in item.items() if k not in ("geometry", "geometry_json")}
        )
    return get_pool().call(
        "annotate_pdf",
        _path(path),
        _path(out_path),
        annotations=items,
        geometries=b"[" + b",".join(parts) + b"]",
        lines=list(lines) if lines else None,
    )


def list_annotations(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Describe the PDF annotations of a file (kind, page, rect, points, words)."""
    return get_pool().call("list_annotations", _path(path))


def verify_signatures(
    path: str | os.PathLike[str], *, roots: Sequence[bytes], crls: Sequence[bytes]
) -> list[dict[str, Any]]:
    """Validate every signature of a PDF against installed ``roots`` and ``crls``.

    Nothing is fetched from the network. See
    :func:`documents.pdf.signatures.verify` for the shape of each result.
    """
    return get_pool().call(
        "verify_signatures", _path(path), roots=list(roots), crls=list(crls)
    )


def sign_pdf(
    path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    *,
    pkcs12_data: bytes,
    passphrase: str,
    box: dict[str, Any] | None = None,
    reason: str = "",
    location: str = "",
    tsa_url: str = "",
) -> dict[str, Any]:
    """Sign a PDF (PAdES B-B, B-T with ``tsa_url``) with a visible block in ``box``.

    The key travels to the worker for this job only. Return ``{"field",
    "signer", "size"}``; raise ``bad_pkcs12``, ``sign_failed`` or
    ``timestamp_failed``.
    """
    return get_pool().call(
        "sign_pdf",
        _path(path),
        _path(out_path),
        pkcs12_data=bytes(pkcs12_data),
        passphrase=passphrase,
        box=box,
        reason=reason,
        location=location,
        tsa_url=tsa_url,
    )


def check_signature_addition(
    prepared: str | os.PathLike[str], uploaded: str | os.PathLike[str]
) -> dict[str, Any]:
    """Check that ``uploaded`` is ``prepared`` plus exactly one signature."""
    return get_pool().call("check_signature_addition", _path(prepared), _path(uploaded))


def describe_certificate(data: bytes) -> dict[str, Any]:
    """Parse a certificate (PEM or DER): names, serial, dates, ``der``."""
    return get_pool().call("describe_certificate", bytes(data))


def describe_crl(data: bytes) -> dict[str, Any]:
    """Parse a CRL (PEM or DER): issuer, update times, entries, ``der``."""
    return get_pool().call("describe_crl", bytes(data))


def describe_pkcs12(data: bytes, passphrase: str) -> dict[str, Any]:
    """Open a PKCS#12 file with ``passphrase`` and describe its certificate."""
    return get_pool().call("describe_pkcs12", bytes(data), passphrase)
