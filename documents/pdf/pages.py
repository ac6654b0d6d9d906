"""Text, word boxes, page images and watermarks of pages.

Worker processes only (imports PyMuPDF).
"""

from __future__ import annotations

import io
import json
import math
import os
import unicodedata
from pathlib import Path
from typing import Any

import pymupdf
from PIL import Image, ImageChops

from documents.pdf import writer
from documents.pdf.errors import PdfError
from documents.pdf.reading import (
    MAX_RENDER_PIXELS,
    MAX_WIDTH,
    MIN_PAGE_SIDE_PT,
    MIN_WIDTH,
    _load_page,
    _save,
    open_kept,
    open_pdf,
)
from documents.pdf.scan import _image_coverage
from nghisu.text import fold


# ---------------------------------------------------------------------------
# extract
# ---------------------------------------------------------------------------
def _clip01(v: float) -> float:
    return round(min(1.0, max(0.0, v)), 4)


_TEXT_FLAGS = (
    pymupdf.TEXT_PRESERVE_WHITESPACE
    | pymupdf.TEXT_PRESERVE_LIGATURES
    | getattr(pymupdf, "TEXT_MEDIABOX_CLIP", 0)
)


def _check_range(doc: pymupdf.Document, first: int, last: int | None) -> int:
    """Return ``last`` (the document's last page if None) or raise ``bad_page``."""
    count = doc.page_count
    last = count if last is None else last
    if first < 1 or first > count or last < first or last > count:
        raise PdfError(
            "bad_page",
            f"Khoảng trang {first}–{last} không hợp lệ; tài liệu có {count} trang.",
        )
    return last


def _page_text(page: pymupdf.Page, pno: int) -> dict[str, Any]:
    """Text and normalised word boxes of one loaded page."""
    w = page.rect.width or 1.0
    h = page.rect.height or 1.0
    x_off, y_off = page.rect.x0, page.rect.y0
    try:
        tp = page.get_textpage(flags=_TEXT_FLAGS)
        text = page.get_text("text", textpage=tp)
        raw_words = page.get_text("words", textpage=tp)
    except Exception as exc:
        raise PdfError("damaged") from exc
    words = []
    # Word boxes come unrotated; show them as displayed. Page properties
    # are read once: each access crosses into MuPDF (~10 µs a word). The
    # clipping to 0..1 is written out (as _clip01 computes it, NaN to 0):
    # three calls per coordinate were a third of a chunk's CPU.
    rot = page.rotation_matrix if page.rotation else None
    nfc = unicodedata.normalize
    rnd = round
    for *box, word, _b, _l, _w in raw_words:
        x0, y0, x1, y1 = pymupdf.Rect(box) * rot if rot is not None else box
        a, b = (x0 - x_off) / w, (y0 - y_off) / h
        c, d = (x1 - x_off) / w, (y1 - y_off) / h
        words.append(
            [
                rnd(0.0 if not a > 0.0 else 1.0 if a > 1.0 else a, 4),
                rnd(0.0 if not b > 0.0 else 1.0 if b > 1.0 else b, 4),
                rnd(0.0 if not c > 0.0 else 1.0 if c > 1.0 else c, 4),
                rnd(0.0 if not d > 0.0 else 1.0 if d > 1.0 else d, 4),
                nfc("NFC", word) if not word.isascii() else word,
            ]
        )
    return {"page": pno, "text": nfc("NFC", text), "words": words}


def _with_folded(item: dict[str, Any]) -> dict[str, Any]:
    """Add the page's search form (:func:`nghisu.text.fold`) to ``item``: made
    here, on the pool's workers in parallel, it is not the indexing process's
    single-threaded work (about 3 ms a page)."""
    item["text_folded"] = fold(item["text"])
    return item


def extract(
    path: str, *, first: int = 1, last: int | None = None
) -> list[dict[str, Any]]:
    """Return text and normalised word boxes of pages ``first..last``."""
    doc = open_kept(path)
    last = _check_range(doc, first, last)
    return [_page_text(_load_page(doc, pno), pno) for pno in range(first, last + 1)]


def process_chunk(
    path: str,
    *,
    first: int,
    last: int,
    widths: list[int],
    out_dir: str,
    fmt: str = "auto",
    max_pixels: int = MAX_RENDER_PIXELS,
) -> bytes:
    """Extract pages ``first..last`` and write their images at ``widths``.

    One job per chunk of a version being processed, on the document the worker
    keeps open (:func:`~documents.pdf.reading.open_kept`): each page is loaded
    once for its text, its word boxes and its images. Return what
    :func:`extract` returns, each page also with its ``text_folded``, as UTF-8
    JSON in one binary attachment: the
    pool's protocol walks every object of a result in Python on both sides
    (a chunk's word boxes are some 60,000 small lists), which cost the
    pipeline more than reading the JSON once.
    """
    doc = open_kept(path)
    last = _check_range(doc, first, last)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pages = []
    for pno in range(first, last + 1):
        page = _load_page(doc, pno)
        pages.append(_with_folded(_page_text(page, pno)))
        _write_images(page, pno, widths, out, fmt, max_pixels)
    return json.dumps(pages, ensure_ascii=False, separators=(",", ":")).encode()


# ---------------------------------------------------------------------------
# render
# ---------------------------------------------------------------------------
#: 256 grey levels mapped to 16: invisible on anti-aliased text, ~25% smaller PNG.
_POSTERISE = [min(255, round(v / 17) * 17) for v in range(256)]
EXTENSIONS = {"image/png": "png", "image/webp": "webp", "image/jpeg": "jpg"}


def _is_grey(img: Image.Image) -> bool:
    """Return whether an RGB image has (almost) no colour."""
    small = img.reduce(4) if min(img.size) >= 64 else img
    r, g, b = small.split()
    hist = ImageChops.add(ImageChops.difference(r, g), ImageChops.difference(g, b))
    coloured = sum(hist.point(lambda v: 255 if v > 48 else 0).histogram()[255:])
    return coloured <= small.width * small.height * 0.0005


def encode(img: Image.Image, kind: str, fmt: str) -> tuple[bytes, str]:
    """Encode a rendered page image; ``kind`` is ``"text"`` or ``"scan"``.

    ``fmt="auto"`` follows ENCODING.md: grey text pages → 16-level grey PNG,
    coloured text pages and scans → WebP q80 (method 0).
    """
    if fmt == "auto":
        fmt = "png" if kind == "text" and _is_grey(img) else "webp"
    buf = io.BytesIO()
    if fmt == "png":
        img.convert("L").point(_POSTERISE).save(buf, "PNG", compress_level=3)
        return buf.getvalue(), "image/png"
    if fmt == "webp":
        img.save(buf, "WEBP", quality=80, method=0)
        return buf.getvalue(), "image/webp"
    if fmt == "jpeg":
        img.save(buf, "JPEG", quality=80)
        return buf.getvalue(), "image/jpeg"
    raise ValueError(f"unknown format {fmt!r}")


def page_kind(page: pymupdf.Page) -> str:
    """Return ``"scan"`` when images cover most of the page, else ``"text"``.

    A page whose resources name no image and no form XObject is text without
    measuring: measuring builds a second text page of the page (image
    coverage), which cost a text document as much as extracting its words.
    """
    try:
        if not page.get_images() and not page.get_xobjects():
            return "text"
    except Exception:  # noqa: S110 - measure below, which raises what it must
        pass
    return "scan" if _image_coverage(page) > 0.5 else "text"


def _rasterise(page: pymupdf.Page, width: int, max_pixels: int) -> Image.Image:
    if not isinstance(width, int) or not MIN_WIDTH <= width <= MAX_WIDTH:
        raise ValueError(f"width must be {MIN_WIDTH}..{MAX_WIDTH}")
    rect = page.rect
    if rect.width < MIN_PAGE_SIDE_PT or rect.height < MIN_PAGE_SIDE_PT:
        raise PdfError("page_too_small")
    zoom = width / rect.width
    height = math.ceil(rect.height * zoom)
    if width * height > max_pixels:
        raise PdfError(
            "page_too_large",
            "Trang quá dài so với chiều rộng nên không thể hiển thị thành ảnh.",
        )
    try:
        pix = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), alpha=False)
    except Exception as exc:
        raise PdfError("damaged") from exc
    return Image.frombytes("RGB", (pix.width, pix.height), pix.samples)


def render(
    path: str,
    page: int,
    width: int,
    *,
    fmt: str = "auto",
    lines: list[str] | None = None,
    max_pixels: int = MAX_RENDER_PIXELS,
) -> tuple[bytes, str]:
    """Rasterise 1-based ``page`` at ``width`` px; watermark it if ``lines``."""
    # A watermark changes the page: such a job opens its own copy.
    doc = open_pdf(path) if lines else open_kept(path)
    pg = _load_page(doc, page)
    kind = page_kind(pg)
    if lines:
        watermark_page(pg, lines)
    return encode(_rasterise(pg, width, max_pixels), kind, fmt)


def render_many(
    path: str,
    pages: list[int],
    widths: list[int],
    out_dir: str,
    *,
    fmt: str = "auto",
    max_pixels: int = MAX_RENDER_PIXELS,
) -> list[str]:
    """Write ``p{page}-w{width}.{ext}`` for every page and width; return paths."""
    doc = open_kept(path)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for pno in pages:
        pg = _load_page(doc, pno)
        written += _write_images(pg, pno, widths, out, fmt, max_pixels)
    return written


def _write_images(
    page: pymupdf.Page,
    pno: int,
    widths: list[int],
    out: Path,
    fmt: str,
    max_pixels: int,
) -> list[str]:
    """Write one loaded page's images at ``widths`` atomically; return paths."""
    kind = page_kind(page)
    written = []
    for width in widths:
        data, ctype = encode(_rasterise(page, width, max_pixels), kind, fmt)
        target = out / f"p{pno}-w{width}.{EXTENSIONS[ctype]}"
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        for stale in out.glob(f"p{pno}-w{width}.*"):
            if stale != target:
                stale.unlink(missing_ok=True)
        os.replace(tmp, target)
        written.append(str(target))
    return written


# ---------------------------------------------------------------------------
# watermark
# ---------------------------------------------------------------------------
_WM_FONT: pymupdf.Font | None = None


def _wm_font() -> pymupdf.Font:
    global _WM_FONT
    if _WM_FONT is None:
        _WM_FONT = pymupdf.Font(fontfile=str(writer.BOLD))
    return _WM_FONT


def watermark_page(page: pymupdf.Page, lines: list[str]) -> None:
    """Burn a diagonal, semi-transparent block of ``lines`` into ``page``.

    The block is repeated three times along the page so that cropping one copy
    away does not remove the watermark. Text is drawn with Noto Sans Bold
    (Vietnamese coverage) and stays extractable from PDF output.
    """
    lines = [writer.nfc(s) for s in lines if s and s.strip()]
    if not lines:
        return
    font = _wm_font()
    rect = page.rect
    angle = math.degrees(math.atan2(rect.height, rect.width))
    diag = math.hypot(rect.width, rect.height)
    longest = max(font.text_length(s, fontsize=1) for s in lines)
    size = max(6.0, min(diag * 0.3 / longest, diag / (7 * 1.25 * len(lines))))
    derot = page.derotation_matrix
    turn = pymupdf.Matrix(angle + page.rotation)
    for frac in (0.22, 0.5, 0.78):
        # Place in displayed coordinates, write in unrotated page space.
        centre = pymupdf.Point(rect.width * frac, rect.height * frac) * derot
        tw = pymupdf.TextWriter(page.rect, opacity=0.28, color=(0.75, 0.05, 0.05))
        block_h = len(lines) * size * 1.25
        y = centre.y - block_h / 2 + size
        for s in lines:
            x = centre.x - font.text_length(s, fontsize=size) / 2
            tw.append((x, y), s, font=font, fontsize=size)
            y += size * 1.25
        tw.write_text(page, morph=(centre, turn), overlay=True)


def watermark_pdf(path: str, out_path: str, *, lines: list[str]) -> dict[str, Any]:
    """Write a copy of ``path`` with the watermark on every page."""
    doc = open_pdf(path)
    for page in doc:
        watermark_page(page, lines)
    doc.subset_fonts()
    _save(doc, out_path)
    return {"page_count": doc.page_count}
