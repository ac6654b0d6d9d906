"""PDF operations run inside worker processes (imports PyMuPDF).

Never import this module in a web or task process: go through the functions of
:mod:`documents.pdf`, which send jobs to :mod:`documents.pdf.pool` workers.
The operations live in :mod:`~documents.pdf.reading` (opening),
:mod:`~documents.pdf.scan` (inspect), :mod:`~documents.pdf.pages` (extract,
render, watermark), :mod:`~documents.pdf.cleaning` (sanitize, images, demo)
and the modules named in :data:`OPERATIONS`; this one maps names to them.
"""

from __future__ import annotations

import ctypes
import io
import os
import shutil
import time
from collections.abc import Callable
from typing import Any

import pymupdf

from documents.pdf import annotate as _annotate
from documents.pdf import record
from documents.pdf.cleaning import images_to_pdf, make_demo_pdf, sanitize
from documents.pdf.pages import (
    extract,
    process_chunk,
    render,
    render_many,
    watermark_pdf,
)
from documents.pdf.reading import is_mupdf_error
from documents.pdf.scan import inspect

__all__ = ["OPERATIONS", "is_mupdf_error"]


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
    "process_chunk": process_chunk,
    "sanitize": sanitize,
    "watermark_pdf": watermark_pdf,
    "images_to_pdf": images_to_pdf,
    "make_demo_pdf": make_demo_pdf,
    "build_record": record.build,
}


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
