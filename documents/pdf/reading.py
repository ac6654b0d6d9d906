"""Opening PDFs in a worker: checks, page loading, saving, the open document.

Worker processes only (imports PyMuPDF).
"""

from __future__ import annotations

import contextlib
import os

import pymupdf

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


def _save(doc: pymupdf.Document, out_path: str) -> None:
    tmp = f"{out_path}.{os.getpid()}.tmp"
    try:
        doc.save(tmp, garbage=3, deflate=True, encryption=pymupdf.PDF_ENCRYPT_NONE)
        os.replace(tmp, out_path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


# ---------------------------------------------------------------------------
# the document kept open between jobs
# ---------------------------------------------------------------------------
#: (path, inode, size, mtime) of the file and its open document.
_KEPT: tuple[tuple[str, int, int, int], pymupdf.Document] | None = None


def open_kept(path: str) -> pymupdf.Document:
    """Open ``path``, or return it still open from this worker's last job on it.

    Processing sends a version's chunks one after another to the same workers:
    reopening the file for each (parsing its cross-reference table and page
    tree) was a large part of the pool's cost. Stored files are named by
    their content hash and never change; the key also holds the inode, size
    and modification time, so a file replaced in place is opened again. Only
    for work that reads: a job that changes pages (a watermark) opens its own
    copy with :func:`open_pdf`. One document is kept per worker; the worker
    itself is replaced after ``max_jobs`` jobs, which bounds what it holds.
    """
    global _KEPT
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise PdfError("not_found") from None
    key = (path, st.st_ino, st.st_size, st.st_mtime_ns)
    if _KEPT is not None and _KEPT[0] == key:
        return _KEPT[1]
    forget_kept()
    doc = open_pdf(path)
    _KEPT = (key, doc)
    return doc


def forget_kept() -> None:
    """Close the kept document (if any)."""
    global _KEPT
    if _KEPT is not None:
        with contextlib.suppress(Exception):
            _KEPT[1].close()
        _KEPT = None
