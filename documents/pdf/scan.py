"""Active content scan and the description of an upload (``inspect``).

Worker processes only (imports PyMuPDF).
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from typing import Any

import pymupdf

from documents.pdf.errors import PdfError
from documents.pdf.reading import MIN_PAGE_SIDE_PT, _load_page, open_pdf

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
