"""Clean copies (sanitize), images made into PDFs, demo documents.

Worker processes only (imports PyMuPDF).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
from pathlib import Path
from typing import Any

import pymupdf
from PIL import Image, ImageOps

from documents.pdf import writer
from documents.pdf.errors import PdfError
from documents.pdf.reading import _head_tail, _save, open_pdf
from documents.pdf.scan import (
    _SAFE_URI,
    _STRING_RE,
    _URI_RE,
    _object_source,
    active_xrefs,
    scan_active,
)
from documents.pdf.sniff import sniff

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
