"""Demo documents for the Sơn La demo bodies (``manage.py seed_demo``).

Real-looking Vietnamese PDFs made by :func:`documents.pdf.make_demo_pdf`, uploaded
and processed through the real actions, shared with each body's members. One is
confidential; one has 300 pages. Idempotent: a document is identified by its
title and body.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.core.files import File

from accounts.models import User
from documents import actions, pdf, processing
from documents.models import Document

PARAGRAPHS = [
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025; căn cứ "
    "Luật Ngân sách nhà nước và các văn bản hướng dẫn thi hành.",
    "Xét Tờ trình của Ủy ban nhân dân tỉnh; Báo cáo thẩm tra của Ban Kinh tế - Ngân "
    "sách Hội đồng nhân dân tỉnh và ý kiến thảo luận của đại biểu tại kỳ họp.",
    "Điều 1. Thông qua dự toán thu ngân sách nhà nước trên địa bàn, thu, chi ngân "
    "sách địa phương và phương án phân bổ ngân sách cấp tỉnh năm 2026.",
    "Tổng thu ngân sách nhà nước trên địa bàn đạt 6.350 tỷ đồng; tổng chi ngân sách "
    "địa phương 18.420 tỷ đồng, trong đó chi đầu tư phát triển 4.870 tỷ đồng.",
    "Điều 2. Giao Ủy ban nhân dân tỉnh tổ chức thực hiện Nghị quyết; Thường trực Hội "
    "đồng nhân dân, các Ban và đại biểu Hội đồng nhân dân tỉnh giám sát việc thực hiện.",
    "Tiếp tục đẩy mạnh chuyển đổi số, cải cách thủ tục hành chính, nâng cao chất "
    "lượng phục vụ người dân và doanh nghiệp ở các xã vùng cao, biên giới.",
    "Tập trung phát triển nông nghiệp hàng hóa: cà phê, mận hậu, xoài, nhãn; mở "
    "rộng liên kết tiêu thụ và xây dựng vùng nguyên liệu đạt chuẩn xuất khẩu.",
]

DOCUMENTS = [
    # (body key, uploader, title, classification, pages, heading lines)
    (
        "hdnd",
        "thuky",
        "Nghị quyết về dự toán ngân sách địa phương năm 2026",
        "internal",
        6,
        ["HỘI ĐỒNG NHÂN DÂN", "TỈNH SƠN LA"],
    ),
    (
        "hdnd",
        "thuky",
        "Báo cáo tình hình kinh tế - xã hội năm 2025 (toàn văn, 300 trang)",
        "internal",
        300,
        ["ỦY BAN NHÂN DÂN", "TỈNH SƠN LA"],
    ),
    (
        "standing",
        "thuky",
        "Tờ trình về công tác cán bộ (MẬT)",
        "confidential",
        3,
        ["THƯỜNG TRỰC HĐND", "TỈNH SƠN LA"],
    ),
    (
        "ubnd",
        "vanphong",
        "Kế hoạch triển khai chuyển đổi số năm 2026",
        "internal",
        8,
        ["ỦY BAN NHÂN DÂN", "TỈNH SƠN LA"],
    ),
    (
        "ward_hdnd",
        "tohieu_thuky",
        "Nghị quyết về chương trình giám sát năm 2026 của HĐND phường",
        "public",
        4,
        ["HỘI ĐỒNG NHÂN DÂN", "PHƯỜNG TÔ HIỆU"],
    ),
]


def _make_pdf(path: Path, title: str, pages: int, heading: list[str]) -> None:
    """Write a demo PDF in the pool (about 5 ms a page)."""
    pdf.make_demo_pdf(
        path,
        title=title.replace(" (MẬT)", "").upper(),
        paragraphs=PARAGRAPHS,
        pages=pages,
        heading_lines=heading,
    )


def seed(bodies: dict, *, stdout) -> None:
    """Create and process the demo documents that do not exist yet."""
    for key, username, title, classification, pages, heading in DOCUMENTS:
        body = bodies.get(key)
        uploader = User.objects.filter(username=username).first()
        if body is None or uploader is None:
            continue
        if Document.objects.filter(title=title, body=body).exists():
            continue
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "demo.pdf"
            _make_pdf(path, title, pages, heading)
            with path.open("rb") as fh:
                document = actions.create_document(
                    uploader,
                    body=body,
                    title=title,
                    uploaded_file=File(fh, name=f"{key}-{pages}-trang.pdf"),
                    classification=classification,
                )
        # Processing was enqueued on commit; run it here too so the demo is ready
        # even before the task worker starts (process_version is idempotent).
        processing.process_version(document.latest_version_id)
        actions.grant(uploader, document, groups=[body.group])
        stdout.write(f"  Tài liệu: {title} ({pages} trang)")
