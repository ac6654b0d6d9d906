"""Run every file of the shared PDF corpus through the whole pipeline.

The corpus is read in place (never copied): ``NGHISU_PDF_CORPUS`` or
``../shared/pdf-corpus`` relative to the repository root.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image

import documents.pdf as pdf
from documents.pdf import PdfError
from tests import services
from tests.documents.test_pdf_ops import is_vietnamese

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(
    os.environ.get("NGHISU_PDF_CORPUS", ROOT.parent / "shared" / "pdf-corpus")
)
FILES = sorted(CORPUS.glob("*.pdf")) if CORPUS.is_dir() else []


def test_the_corpus_is_there() -> None:
    """Without the corpus the file tests below do not run: skip locally, fail in CI."""
    if not FILES:
        services.missing(
            f"PDF corpus not found at {CORPUS}; set NGHISU_PDF_CORPUS to run it",
            required=os.environ.get("CI", "").lower() == "true",
        )
    assert len(FILES) >= 50


#: Files that must be refused, with the accepted codes.
MUST_REFUSE = {
    "encrypted__pypdf__libreoffice-writer-password.pdf": {"encrypted"},
    "encrypted__pdfjs__issue6010_1.pdf": {"encrypted"},
    "encrypted__pdfjs__issue21579.pdf": {"encrypted"},
    "encrypted__pdfjs__saslprep-r6.pdf": {"encrypted"},
    "encrypted__qpdf__enc-R2_V1_U_view_O_master.pdf": {"encrypted"},
    "encrypted__qpdf__enc-XI-R6_V5_U_view_O_master.pdf": {"encrypted"},
    "encrypted__pdfjs__encrypted-attachment.pdf": {"encrypted"},
    "encrypted__qpdf__bad-encryption-length.pdf": {"encrypted"},
    "malformed__qpdf__bad1.pdf": {"not_pdf"},
    "malformed__pypdf__smile-png-renamed.pdf": {"not_pdf"},
    "malformed__qpdf__issue-335b.pdf": {"damaged", "truncated", "not_pdf"},
    "malformed__qpdf__issue-263.pdf": {"damaged", "truncated", "not_pdf"},
    "malformed__pdfjs__poppler-742-0-fuzzed.pdf": {"damaged", "truncated"},
    "malformed__pypdf__unreadablemetadata.pdf": {"no_pages", "damaged"},
    "malformed__qpdf__deep-pages.pdf": {"damaged"},
}
#: Files that must be accepted and fully processed.
MUST_ACCEPT = {
    f.name
    for f in FILES
    if f.name.split("__")[0] in ("normal", "scanned", "annotations", "forms", "active")
} | {"encrypted__qpdf__encrypted-with-images.pdf", "huge__pdfjs__freeculture.pdf"}


@pytest.mark.parametrize("path", FILES, ids=[f.name for f in FILES])
def test_corpus_file(path: Path, tmp_path: Path) -> None:
    try:
        info = pdf.inspect(path, max_pages=2000)
        pages = pdf.extract(path)
        assert len(pages) == info["page_count"]
        data, ctype = pdf.render(path, 1, 400)
        assert Image.open(io.BytesIO(data)).width == 400
        assert ctype in ("image/png", "image/webp")
        out = tmp_path / "clean.pdf"
        report = pdf.sanitize(path, out)
        again = pdf.inspect(out, max_pages=2000)
        assert again["page_count"] == info["page_count"]
        assert again["active"] == {}, (again["active"], report)
    except PdfError as exc:
        assert is_vietnamese(exc.message), exc.message
        assert path.name not in MUST_ACCEPT, f"{path.name} refused: {exc!r}"
        if path.name in MUST_REFUSE:
            assert exc.code in MUST_REFUSE[path.name], exc
    else:
        assert path.name not in MUST_REFUSE, f"{path.name} was accepted"
        if path.name.startswith("scanned__"):
            assert info["is_scanned"] or info["image_coverage"] > 0.3, info
        if path.name == "active__pdfjs__multimedia_annotations.pdf":
            assert info["has_rich_media"]
        if path.name == "active__pypdf__with-attachment.pdf":
            assert info["has_embedded_files"]
        if path.name in ("active__pdfjs__evaljs.pdf", "active__pdfjs__doc_actions.pdf"):
            assert info["has_javascript"]
    # The pool still answers a normal job after every file.
    assert pdf.get_pool().call("_sleep", 0) == "slept"
