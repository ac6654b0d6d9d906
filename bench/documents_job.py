"""The document figures that need Django: run in a stack's environment.

``python -m bench.documents_job`` reads ``{"pages": n, "render_pages": k}`` and
prints JSON. Our side goes through the product: ``documents.actions`` to upload,
``documents.processing`` (the sandboxed pool of ``documents.pdf``) to process
and to render; the baseline imports PyMuPDF here, in this one process, and does
the same work plainly: that is the point of comparison issue 3 asks for.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import django

PARAGRAPHS = [
    "Căn cứ Luật Tổ chức chính quyền địa phương, Hội đồng nhân dân tỉnh xem xét "
    "báo cáo của Ủy ban nhân dân tỉnh về tình hình thực hiện nhiệm vụ phát triển "
    "kinh tế - xã hội, bảo đảm quốc phòng, an ninh năm 2025 và kế hoạch năm 2026.",
    "Tổng sản phẩm trên địa bàn tỉnh tăng 7,2%; thu ngân sách nhà nước đạt 112% "
    "dự toán; giải ngân vốn đầu tư công đạt 95,4% kế hoạch; các chương trình mục "
    "tiêu quốc gia được triển khai đồng bộ ở các xã vùng cao, vùng đặc biệt khó khăn.",
] * 4


def _baseline_process(path: Path, thumb_width: int) -> float:
    """Plain PyMuPDF, one process: text, word boxes and a PNG thumbnail per page."""
    import pymupdf

    t0 = time.perf_counter()
    doc = pymupdf.open(path)
    for page in doc:
        tp = page.get_textpage()
        page.get_text("text", textpage=tp)
        page.get_text("words", textpage=tp)
        zoom = thumb_width / page.rect.width
        page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), alpha=False).tobytes("png")
    doc.close()
    return time.perf_counter() - t0


def _baseline_render(path: Path, page_no: int, width: int) -> tuple[float, float]:
    """Open, load the page, ``get_pixmap`` at ``width``; then also encode PNG."""
    import pymupdf

    t0 = time.perf_counter()
    doc = pymupdf.open(path)
    page = doc[page_no - 1]
    zoom = width / page.rect.width
    pix = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), alpha=False)
    t1 = time.perf_counter()
    pix.tobytes("png")
    t2 = time.perf_counter()
    doc.close()
    return t1 - t0, t2 - t0


def main() -> None:
    spec = json.loads(sys.stdin.read())
    django.setup()
    import datetime

    from django.core.files import File

    from accounts import actions as acc
    from accounts.models import BodyKind, Position, UnitLevel
    from documents import actions, pdf, processing, storage
    from documents.models import DocumentVersion

    pages = spec["pages"]
    level, _ = UnitLevel.objects.get_or_create(
        code="tinh", defaults={"name": "Tỉnh", "rank": 1}
    )
    unit = acc.create_unit("Tỉnh Tài liệu", code="doc", level=level)
    body = acc.create_body(unit, kind=BodyKind.HDND, name="HĐND tỉnh Tài liệu")
    secretary = acc.create_user(
        "docbench", full_name="Thư ký Tài liệu", password=spec["password"]
    )
    acc.add_membership(
        body,
        secretary,
        position=Position.SECRETARY,
        start_date=datetime.date(2021, 7, 1),
    )
    pool = pdf.get_pool()
    pool.warm()
    tmp = Path(tempfile.mkdtemp())
    source = tmp / "bao-cao.pdf"
    pdf.make_demo_pdf(
        source,
        title="BÁO CÁO TÌNH HÌNH KINH TẾ - XÃ HỘI NĂM 2025",
        paragraphs=PARAGRAPHS,
        pages=pages,
    )
    with source.open("rb") as fh:
        document = actions.create_document(
            secretary,
            body=body,
            title="Báo cáo tình hình kinh tế - xã hội năm 2025",
            uploaded_file=File(fh, name="bao-cao.pdf"),
        )
    version_id = document.latest_version_id

    baseline = _baseline_process(source, processing.THUMBNAIL_WIDTH)
    t0 = time.perf_counter()
    version = processing.process_version(version_id)
    ours = time.perf_counter() - t0
    version = DocumentVersion.objects.get(pk=version_id)
    assert version.status == "ready", (version.status, version.failure_reason)

    # First render at 1200 px of pages nothing has rendered at that width.
    path = storage.absolute(version.file)
    render_pages = [
        1 + (i * (pages - 1)) // max(1, spec["render_pages"] - 1)
        for i in range(spec["render_pages"])
    ]
    ours_render, raw, raw_png = [], [], []
    for p in render_pages:
        a, b = _baseline_render(path, p, 1200)
        raw.append(a)
        raw_png.append(b)
        t0 = time.perf_counter()
        processing.render_page(version, p, 1200)
        ours_render.append(time.perf_counter() - t0)
    pdf.shutdown()
    print(
        json.dumps(
            {
                "document": document.pk,
                "version": version.number,
                "pages": version.page_count,
                "username": secretary.username,
                "cached_page": render_pages[0],
                "process_s": round(ours, 3),
                "process_baseline_s": round(baseline, 3),
                "first_render_ms": round(statistics.median(ours_render) * 1e3, 2),
                "pixmap_ms": round(statistics.median(raw) * 1e3, 2),
                "pixmap_png_ms": round(statistics.median(raw_png) * 1e3, 2),
                "render_samples": len(render_pages),
                "pool_workers": pool.config.workers,
            }
        )
    )


if __name__ == "__main__":
    main()
