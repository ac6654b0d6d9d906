"""PDF operations run inside worker processes (imports PyMuPDF).

Never import this module in a web or task process: go through the functions of
:mod:`documents.pdf`, which send jobs to :mod:`documents.pdf.pool` workers.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import math
import os
import re
import shutil
import sys
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pymupdf
from PIL import Image, ImageChops, ImageOps

from documents.pdf import record, writer
from documents.pdf.errors import PdfError
from documents.pdf.sniff import SNIFF_BYTES, sniff

pymupdf.TOOLS.mupdf_display_errors(False)
with contextlib.suppress(Exception):
    pymupdf.TOOLS.mupdf_display_warnings(False)

#: Render limits: pixel width allowed and maximum pixels of one page image.
MIN_WIDTH, MAX_WIDTH = 16, 4096
MAX_RENDER_PIXELS = 40_000_000
MIN_PAGE_SIDE_PT = 1.0

_MUPDF_ERRORS: tuple[type[BaseException], ...] = (
    pymupdf.FileDataError,
    pymupdf.EmptyFileError,
    RuntimeError,
    ValueError,
)
with contextlib.suppress(AttributeError):
    _MUPDF_ERRORS += (pymupdf.mupdf.FzErrorBase,)


def is_mupdf_error(exc: BaseException) -> bool:
    """Return whether ``exc`` comes from MuPDF reading a bad document."""
    return isinstance(exc, _MUPDF_ERRORS)


# ---------------------------------------------------------------------------
# opening
# ---------------------------------------------------------------------------
def _head_tail(path: str) -> tuple[int, bytes, bytes]:
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as fh:
            head = fh.read(SNIFF_BYTES)
            fh.seek(max(0, size - 2048))
            tail = fh.read()
    except FileNotFoundError:
        raise PdfError("not_found") from None
    return size, head, tail


def open_pdf(path: str, *, max_pages: int | None = None) -> pymupdf.Document:
    """Open ``path`` as a PDF or raise :class:`PdfError` explaining why not."""
    size, head, tail = _head_tail(path)
    if size == 0:
        raise PdfError("empty")
    if sniff(head) != "pdf":
        raise PdfError("not_pdf")
    truncated = b"%%EOF" not in tail
    pymupdf.TOOLS.mupdf_warnings(reset=True)
    try:
        doc = pymupdf.open(path, filetype="pdf")
    except Exception as exc:
        raise PdfError("truncated" if truncated else "damaged") from exc
    if not doc.is_pdf:
        doc.close()
        raise PdfError("not_pdf")
    if doc.needs_pass and not doc.authenticate(""):
        doc.close()
        raise PdfError("encrypted")
    try:
        count = doc.page_count
    except Exception as exc:
        raise PdfError("truncated" if truncated else "damaged") from exc
    if count <= 0:
        doc.close()
        raise PdfError("truncated" if truncated else "no_pages")
    if max_pages is not None and count > max_pages:
        doc.close()
        raise PdfError(
            "too_many_pages",
            f"Tệp PDF có {count} trang, vượt quá giới hạn {max_pages} trang. "
            "Vui lòng tách tài liệu thành các tệp nhỏ hơn.",
        )
    if truncated and doc.is_repaired and _lost_data(doc):
        doc.close()
        raise PdfError("truncated")
    return doc


_LOST_DATA_WARNINGS = (
    "cannot load content stream",
    "premature end of data",
    "object is not a stream",
    "non-page object in page tree",
    "object out of range",
)


def _lost_data(doc: pymupdf.Document) -> bool:
    """Return whether a repaired file without ``%%EOF`` lost page data.

    Such a file is usually an upload cut short; repairs of files that merely
    have a broken cross-reference table (common, harmless) read cleanly.
    """
    count = doc.page_count
    for idx in sorted({*range(min(count, 50)), count - 1}):
        try:
            doc.load_page(idx).get_text("text")
        except Exception:
            return True
    warnings = pymupdf.TOOLS.mupdf_warnings(reset=True)
    return any(w in warnings for w in _LOST_DATA_WARNINGS)


def _load_page(doc: pymupdf.Document, pno: int) -> pymupdf.Page:
    """Load 1-based page ``pno`` or raise ``bad_page``/``damaged``."""
    count = doc.page_count
    if not isinstance(pno, int) or pno < 1 or pno > count:
        raise PdfError(
            "bad_page",
            f"Trang {pno} không có trong tài liệu; tài liệu có {count} trang.",
        )
    try:
        return doc.load_page(pno - 1)
    except Exception as exc:
        raise PdfError("damaged") from exc


# ---------------------------------------------------------------------------
# active content scan
# ---------------------------------------------------------------------------
_ACTIVE_NAMES = {
    "javascript": ("JavaScript", "JS"),
    "embedded_files": ("EmbeddedFile", "EmbeddedFiles", "FileAttachment", "AF"),
    "rich_media": (
        "RichMedia",
        "RichMediaContent",
        "RichMediaExecute",
        "Movie",
        "Sound",
        "Screen",
        "Rendition",
        "3D",
    ),
    "launch": ("Launch", "GoToR", "GoToE", "ImportData", "SubmitForm"),
    "xfa": ("XFA", "NeedsRendering"),
    "auto_actions": ("OpenAction", "AA"),
}
_NAME_RE = {
    key: re.compile(
        r"/(?:" + "|".join(re.escape(n) for n in names) + r")(?=[\s/<>\[\]()%{}]|$)"
    )
    for key, names in _ACTIVE_NAMES.items()
}
_STRING_RE = re.compile(r"\((?:\\.|[^\\()])*\)|<[0-9A-Fa-f\s]*>(?!>)")
_NULL_KEY_RE = re.compile(r"/[^\s/<>\[\]()%{}]+\s+null(?=[\s/<>\[\]()%{}]|$)")
_URI_RE = re.compile(r"/URI\s*\(((?:\\.|[^\\()])*)\)")
_SAFE_URI = re.compile(r"^(https?|mailto):", re.IGNORECASE)


def _object_source(doc: pymupdf.Document, xref: int) -> str:
    try:
        return doc.xref_object(xref, compressed=True)
    except Exception:
        return ""


def scan_active(doc: pymupdf.Document) -> dict[str, int]:
    """Count objects carrying each kind of active content (0 = none found).

    Keys: ``javascript``, ``embedded_files``, ``rich_media``, ``launch``,
    ``xfa``, ``auto_actions`` and ``unsafe_uri`` (links to schemes other than
    http, https and mailto). Names are matched in every object's dictionary
    as printed by MuPDF (so hex-escaped names are normalised), outside strings.
    """
    found = {k: len(v) for k, v in active_xrefs(doc).items()}
    with contextlib.suppress(Exception):
        found["embedded_files"] += doc.embfile_count()
    return found


def active_xrefs(doc: pymupdf.Document) -> dict[str, list[int]]:
    """Return, per kind of active content, the xrefs where it appears (-1 = trailer)."""
    found: dict[str, list[int]] = {k: [] for k in [*_ACTIVE_NAMES, "unsafe_uri"]}
    sources = [(x, _object_source(doc, x)) for x in range(1, doc.xref_length())]
    with contextlib.suppress(Exception):
        sources.append((-1, doc.xref_object(-1, compressed=True)))  # trailer
    for xref, src in sources:
        if not src:
            continue
        if any(not _SAFE_URI.match(m.group(1).strip()) for m in _URI_RE.finditer(src)):
            found["unsafe_uri"].append(xref)
        # A key whose value is null is absent (that is how keys get deleted).
        bare = _NULL_KEY_RE.sub(" ", _STRING_RE.sub("()", src))
        for key, rx in _NAME_RE.items():
            if rx.search(bare):
                found[key].append(xref)
    return found


# ---------------------------------------------------------------------------
# inspect
# ---------------------------------------------------------------------------
def _image_coverage(page: pymupdf.Page) -> float:
    """Return the fraction of the page area covered by images (0..1)."""
    area = abs(page.rect) or 1.0
    covered = 0.0
    try:
        infos = page.get_image_info()
    except Exception:
        return 0.0
    for info in infos:
        box = pymupdf.Rect(info["bbox"]) & page.rect
        covered += abs(box)
    return min(1.0, covered / area)


def inspect(
    path: str, *, max_pages: int, max_page_side_pt: float = 14400
) -> dict[str, Any]:
    """Validate a PDF and describe it (see :func:`documents.pdf.inspect`)."""
    doc = open_pdf(path, max_pages=max_pages)
    sizes: list[list[float]] = []
    for pno in range(1, doc.page_count + 1):
        page = _load_page(doc, pno)
        w, h = page.rect.width, page.rect.height
        if max(w, h) > max_page_side_pt:
            raise PdfError(
                "page_too_large",
                f"Trang {pno} có kích thước quá lớn ({w:.0f} × {h:.0f} điểm); "
                f"mỗi cạnh tối đa {max_page_side_pt:.0f} điểm.",
            )
        if min(w, h) < MIN_PAGE_SIDE_PT:
            raise PdfError(
                "page_too_small",
                f"Trang {pno} có kích thước không hợp lệ ({w:.1f} × {h:.1f} điểm).",
            )
        sizes.append([round(w, 2), round(h, 2)])
    # Guess "scanned" from up to 8 pages spread over the document.
    count = doc.page_count
    sample = sorted(
        {round(i * (count - 1) / 7) for i in range(8)} if count > 1 else {0}
    )
    chars, cover = 0, 0.0
    for idx in sample:
        page = doc.load_page(idx)
        try:
            chars += len(page.get_text("text").strip())
        except Exception as exc:
            raise PdfError("damaged") from exc
        cover += _image_coverage(page)
    chars_per_page = chars / len(sample)
    cover_per_page = cover / len(sample)
    active = scan_active(doc)
    meta = doc.metadata or {}
    return {
        "page_count": count,
        "page_sizes": sizes,
        "encrypted": bool(doc.is_encrypted or doc.needs_pass or _was_encrypted(doc)),
        "repaired": bool(doc.is_repaired),
        "has_javascript": active["javascript"] > 0,
        "has_embedded_files": active["embedded_files"] > 0,
        "has_rich_media": active["rich_media"] > 0,
        "has_launch": active["launch"] > 0,
        "has_xfa": active["xfa"] > 0,
        "has_auto_actions": active["auto_actions"] > 0,
        "active": {k: v for k, v in active.items() if v},
        "is_scanned": chars_per_page < 100 and cover_per_page > 0.5,
        "text_chars_per_page": round(chars_per_page, 1),
        "image_coverage": round(cover_per_page, 3),
        "title": unicodedata.normalize("NFC", meta.get("title") or ""),
    }


def _was_encrypted(doc: pymupdf.Document) -> bool:
    with contextlib.suppress(Exception):
        kind, _ = doc.xref_get_key(-1, "Encrypt")
        return kind != "null"
    return False


# ---------------------------------------------------------------------------
# extract
# ---------------------------------------------------------------------------
def _clip01(v: float) -> float:
    return round(min(1.0, max(0.0, v)), 4)


def extract(
    path: str, *, first: int = 1, last: int | None = None
) -> list[dict[str, Any]]:
    """Return text and normalised word boxes of pages ``first..last``."""
    doc = open_pdf(path)
    count = doc.page_count
    last = count if last is None else last
    if first < 1 or first > count or last < first or last > count:
        raise PdfError(
            "bad_page",
            f"Khoảng trang {first}–{last} không hợp lệ; tài liệu có {count} trang.",
        )
    out = []
    flags = pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_PRESERVE_LIGATURES
    flags |= getattr(pymupdf, "TEXT_MEDIABOX_CLIP", 0)
    for pno in range(first, last + 1):
        page = _load_page(doc, pno)
        w = page.rect.width or 1.0
        h = page.rect.height or 1.0
        x_off, y_off = page.rect.x0, page.rect.y0
        try:
            tp = page.get_textpage(flags=flags)
            text = page.get_text("text", textpage=tp)
            raw_words = page.get_text("words", textpage=tp)
        except Exception as exc:
            raise PdfError("damaged") from exc
        words = []
        # Word boxes come unrotated; show them as displayed. Page properties
        # are read once: each access crosses into MuPDF (~10 µs a word).
        rot = page.rotation_matrix if page.rotation else None
        nfc = unicodedata.normalize
        for *box, word, _b, _l, _w in raw_words:
            x0, y0, x1, y1 = pymupdf.Rect(box) * rot if rot is not None else box
            words.append(
                [
                    _clip01((x0 - x_off) / w),
                    _clip01((y0 - y_off) / h),
                    _clip01((x1 - x_off) / w),
                    _clip01((y1 - y_off) / h),
                    nfc("NFC", word) if not word.isascii() else word,
                ]
            )
        out.append(
            {
                "page": pno,
                "text": unicodedata.normalize("NFC", text),
                "words": words,
            }
        )
    return out


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
    """Return ``"scan"`` when images cover most of the page, else ``"text"``."""
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
    doc = open_pdf(path)
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
    doc = open_pdf(path)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for pno in pages:
        pg = _load_page(doc, pno)
        kind = page_kind(pg)
        for width in widths:
            data, ctype = encode(_rasterise(pg, width, max_pixels), kind, fmt)
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


def _save(doc: pymupdf.Document, out_path: str) -> None:
    tmp = f"{out_path}.{os.getpid()}.tmp"
    try:
        doc.save(tmp, garbage=3, deflate=True, encryption=pymupdf.PDF_ENCRYPT_NONE)
        os.replace(tmp, out_path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


# ---------------------------------------------------------------------------
# sanitize
# ---------------------------------------------------------------------------
_BAD_ACTIONS = {
    "/JavaScript",
    "/Launch",
    "/GoToR",
    "/GoToE",
    "/ImportData",
    "/SubmitForm",
    "/Movie",
    "/Sound",
    "/Rendition",
    "/RichMediaExecute",
    "/GoTo3DView",
    "/SetOCGState",
    "/Hide",
    "/Trans",
}
_BAD_ANNOTS = {"/RichMedia", "/Screen", "/Movie", "/Sound", "/FileAttachment", "/3D"}
_CATALOG_KEYS = (
    "OpenAction",
    "AA",
    "Names/JavaScript",
    "Names/EmbeddedFiles",
    "AcroForm/XFA",
    "NeedsRendering",
    "Collection",
    "AF",
)


def _action_is_bad(
    doc: pymupdf.Document, kind: str, value: str, depth: int = 0
) -> bool:
    """Return whether an action (direct dict or reference) or its chain is unsafe."""
    if depth > 20:
        return True
    if kind == "xref":
        m = re.match(r"(\d+) 0 R", value)
        if not m:
            return True
        value = _object_source(doc, int(m.group(1)))
    bare = _STRING_RE.sub("()", value)
    if any(
        re.search(re.escape(a) + r"(?=[\s/<>\[\]()]|$)", bare) for a in _BAD_ACTIONS
    ):
        return True
    for m in _URI_RE.finditer(value):
        if not _SAFE_URI.match(m.group(1).strip()):
            return True
    for m in re.finditer(r"/Next\s+(\d+) 0 R", bare):
        if _action_is_bad(doc, "xref", f"{m.group(1)} 0 R", depth + 1):
            return True
    return False


def sanitize(path: str, out_path: str) -> dict[str, Any]:
    """Write a copy without active content and prove it by re-scanning."""
    doc = open_pdf(path)
    before = scan_active(doc)
    removed = dict.fromkeys(
        ["catalog_keys", "auto_actions", "actions", "annotations", "embedded_files"], 0
    )
    cat = doc.pdf_catalog()
    for key in _CATALOG_KEYS:
        kind, _ = doc.xref_get_key(cat, key)
        if kind != "null":
            doc.xref_set_key(cat, key, "null")
            removed["catalog_keys"] += 1
    for name in list(doc.embfile_names()):
        with contextlib.suppress(Exception):
            doc.embfile_del(name)
            removed["embedded_files"] += 1
    # Unsafe annotations (multimedia, attachments) off every page.
    for page in doc:
        try:
            annots = page.annot_xrefs()
        except Exception:  # noqa: S112 - the final re-scan covers skipped pages
            continue
        keep: list[int] = []
        dropped = 0
        for xref, _type, *_ in annots:
            subtype = doc.xref_get_key(xref, "Subtype")[1] if xref else ""
            if xref and subtype not in _BAD_ANNOTS:
                keep.append(xref)
            else:
                dropped += 1
        if dropped:
            doc.xref_set_key(
                page.xref, "Annots", "[" + " ".join(f"{x} 0 R" for x in keep) + "]"
            )
            removed["annotations"] += dropped
    # Actions anywhere: additional actions always; /A and /Next when unsafe.
    for xref in range(1, doc.xref_length()):
        try:
            keys = doc.xref_get_keys(xref)
        except Exception:  # noqa: S112 - unreadable for the re-scan too
            continue
        if "AA" in keys:
            doc.xref_set_key(xref, "AA", "null")
            removed["auto_actions"] += 1
        for key in ("A", "Next", "PA"):
            if key in keys:
                kind, value = doc.xref_get_key(xref, key)
                if _action_is_bad(doc, kind, value):
                    doc.xref_set_key(xref, key, "null")
                    removed["actions"] += 1
        # Keys that are unsafe wherever they appear (name trees, form and
        # catalog dictionaries may be indirect objects).
        for key in ("AF", "EmbeddedFiles", "EF"):
            if key in keys:
                doc.xref_set_key(xref, key, "null")
                removed["embedded_files"] += 1
        for key in ("JS", "JavaScript", "OpenAction", "XFA", "NeedsRendering"):
            if key in keys:
                doc.xref_set_key(xref, key, "null")
                removed["actions"] += 1
    _save(doc, out_path)
    doc.close()
    check = open_pdf(out_path)
    after = scan_active(check)
    if any(after.values()):
        left = {k: v[:10] for k, v in active_xrefs(check).items() if v}
        print(f"sanitize: active content left in {out_path}: {left}", file=sys.stderr)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(out_path)
        raise PdfError("unsafe")
    return {
        "page_count": check.page_count,
        "found": {k: v for k, v in before.items() if v},
        "removed": {k: v for k, v in removed.items() if v},
    }


# ---------------------------------------------------------------------------
# images → PDF
# ---------------------------------------------------------------------------
A4 = (595.0, 842.0)


def images_to_pdf(
    paths: list[str], out_path: str, *, max_pixels: int = 50_000_000
) -> dict[str, Any]:
    """Make one A4 page per JPEG/PNG image (fitted, orientation from EXIF)."""
    if not paths:
        raise PdfError("bad_image", "Chưa có ảnh nào để tạo tệp PDF.")
    # Header-only open; the dimension check below runs before any decoding.
    Image.MAX_IMAGE_PIXELS = None
    doc = pymupdf.open()
    for n, path in enumerate(paths, 1):
        size, head, _ = _head_tail(path)
        kind = sniff(head)
        if size == 0 or kind not in ("jpeg", "png"):
            raise PdfError("bad_image", f"Tệp thứ {n} không phải là ảnh JPEG hoặc PNG.")
        try:
            with Image.open(path) as img:  # reads the header only
                w, h = img.size
                if w < 1 or h < 1 or w * h > max_pixels:
                    raise PdfError(
                        "bad_image",
                        f"Ảnh thứ {n} có kích thước {w} × {h} điểm ảnh, vượt quá "
                        f"giới hạn {max_pixels} điểm ảnh.",
                    )
                img.load()  # decode fully: catches truncated or corrupt data
                fixed = ImageOps.exif_transpose(img)
                if fixed is not img or img.mode not in ("RGB", "L", "CMYK"):
                    buf = io.BytesIO()
                    fixed = (
                        fixed.convert("RGB")
                        if fixed.mode not in ("RGB", "L")
                        else fixed
                    )
                    fixed.save(buf, "JPEG" if kind == "jpeg" else "PNG", quality=90)
                    data = buf.getvalue()
                    w, h = fixed.size
                else:
                    data = Path(path).read_bytes()
        except PdfError:
            raise
        except (Image.DecompressionBombError, OSError, SyntaxError, ValueError) as exc:
            raise PdfError(
                "bad_image", f"Ảnh thứ {n} bị hỏng hoặc không đọc được."
            ) from exc
        pw, ph = A4 if h >= w else (A4[1], A4[0])
        page = doc.new_page(width=pw, height=ph)
        margin = 18.0
        box = pymupdf.Rect(margin, margin, pw - margin, ph - margin)
        page.insert_image(box, stream=data, keep_proportion=True)
    _save(doc, out_path)
    return {"page_count": doc.page_count}


# ---------------------------------------------------------------------------
# demo documents
# ---------------------------------------------------------------------------
def make_demo_pdf(
    out_path: str,
    *,
    title: str,
    paragraphs: list[str],
    pages: int,
    heading_lines: list[str] | None = None,
    national_heading: bool = True,
) -> dict[str, Any]:
    """Write a Vietnamese demo document of ``pages`` A4 pages."""
    w = writer.demo_document(
        title=title,
        paragraphs=paragraphs,
        pages=pages,
        heading_lines=heading_lines,
        national_heading=national_heading,
    )
    doc = w.finish()
    _save(doc, out_path)
    return {"page_count": doc.page_count}


# ---------------------------------------------------------------------------
# test-only operations (exercise the pool's failure handling)
# ---------------------------------------------------------------------------
def _sleep(seconds: float) -> str:
    time.sleep(seconds)
    return "slept"


def _spin(seconds: float) -> int:
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        n += 1
    return n


def _alloc(nbytes: int) -> int:
    block = bytearray(nbytes)
    return len(block)


def _exit(code: int) -> None:
    os._exit(code)


def _segfault() -> None:
    ctypes.string_at(0)


def _pid() -> int:
    return os.getpid()


def _encrypt(path: str, out_path: str, user_pw: str, owner_pw: str) -> None:
    """Save an AES-256 encrypted copy (builds test inputs)."""
    doc = pymupdf.open(path)
    doc.save(
        out_path,
        encryption=pymupdf.PDF_ENCRYPT_AES_256,
        user_pw=user_pw,
        owner_pw=owner_pw,
    )


def _annotate_incremental(path: str, out_path: str) -> None:
    """Append a sticky note as an incremental update (builds test inputs)."""
    from pyhanko.pdf_utils import generic as g
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    with open(path, "rb") as src:
        w = IncrementalPdfFileWriter(io.BytesIO(src.read()))
    page_ref, _ = w.find_page_for_modification(0)
    page = page_ref.get_object()
    note = g.DictionaryObject(
        {
            g.NameObject("/Type"): g.NameObject("/Annot"),
            g.NameObject("/Subtype"): g.NameObject("/Text"),
            g.NameObject("/Rect"): g.ArrayObject(
                [g.FloatObject(v) for v in (72, 72, 92, 92)]
            ),
            g.NameObject("/Contents"): g.TextStringObject("Ghi chú sau khi ký"),
        }
    )
    annots = page.get("/Annots") or g.ArrayObject()
    annots.append(w.add_object(note))
    page[g.NameObject("/Annots")] = annots
    w.update_container(page)
    with open(out_path, "wb") as out:
        w.write(out)


def _edit_incremental(path: str, out_path: str, kind: str) -> None:
    """Append one kind of change as an incremental update (builds test inputs):
    ``markup`` a highlight and a sticky note, ``content`` a line of page text,
    ``change_annot`` moves the first annotation, ``remove_annot`` deletes it."""
    shutil.copyfile(path, out_path)
    doc = pymupdf.open(out_path)
    page = doc[0]
    if kind == "markup":
        page.add_highlight_annot(pymupdf.Rect(60, 60, 220, 80))
        page.add_text_annot((100, 120), "Ghi chú sau khi ký")
    elif kind == "content":
        page.insert_text((72, 300), "Thêm sau khi ký", fontname="helv")
    elif kind == "change_annot":
        annot = page.first_annot
        annot.set_rect(annot.rect + (5, 5, 5, 5))
        annot.update()
    elif kind == "remove_annot":
        page.delete_annot(page.first_annot)
    doc.saveIncr()
    doc.close()


OPERATIONS: dict[str, Callable[..., Any]] = {
    "inspect": inspect,
    "extract": extract,
    "render": render,
    "render_many": render_many,
    "sanitize": sanitize,
    "watermark_pdf": watermark_pdf,
    "images_to_pdf": images_to_pdf,
    "make_demo_pdf": make_demo_pdf,
    "build_record": record.build,
}

from documents.pdf import annotate as _annotate  # noqa: E402 (needs this module)


def _signatures_op(name: str) -> Callable[..., Any]:
    """Import pyHanko on first use only: most workers never need it."""

    def run(*args: Any, **kwargs: Any) -> Any:
        from documents.pdf import signatures

        return getattr(signatures, name)(*args, **kwargs)

    return run


OPERATIONS |= {
    "annotate_pdf": _annotate.annotate_pdf,
    "list_annotations": _annotate.list_annotations,
    "verify_signatures": _signatures_op("verify"),
    "sign_pdf": _signatures_op("sign"),
    "check_signature_addition": _signatures_op("check_addition"),
    "describe_certificate": _signatures_op("describe_certificate"),
    "describe_crl": _signatures_op("describe_crl"),
    "describe_pkcs12": _signatures_op("signer_of"),
}
# Operations that hang, crash or exhaust a worker on purpose exist only for the
# tests of the pool (the test run sets NGHISU_PDF_TEST_OPS=1); a server never has them.
if os.environ.get("NGHISU_PDF_TEST_OPS") == "1":
    OPERATIONS |= {
        "_sleep": _sleep,
        "_spin": _spin,
        "_alloc": _alloc,
        "_exit": _exit,
        "_segfault": _segfault,
        "_pid": _pid,
        "_encrypt": _encrypt,
        "_annotate_incremental": _annotate_incremental,
        "_edit_incremental": _edit_incremental,
    }
