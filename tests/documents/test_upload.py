"""Uploads through the real form: good files, and every bad input of the issue."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.urls import reverse
from PIL import Image

import documents.pdf as pdf
from documents.models import Document, DocumentPage, DocumentVersion
from tests.documents import pdf_builders as B
from tests.documents.conftest import upload_file


@pytest.fixture
def post_upload(client, cast, django_capture_on_commit_callbacks):
    """POST files to the upload view as htmx does; return (response, html)."""
    client.force_login(cast.secretary)

    def post(*files, classification="internal", title="", body=None, token=""):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("documents:upload"),
                {
                    "body": (body or cast.hdnd).pk,
                    "classification": classification,
                    "title": title,
                    "files": [upload_file(name, data) for name, data in files],
                    "client_token": token,
                },
                HTTP_HX_REQUEST="true",
            )
        return response, response.content.decode()

    return post


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "documents" / "files"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture(scope="module")
def demo_pdf(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("demo") / "demo.pdf"
    pdf.make_demo_pdf(
        path,
        title="Nghị quyết về dự toán ngân sách",
        paragraphs=["Hội đồng nhân dân tỉnh quyết nghị thông qua dự toán."] * 30,
        pages=4,
    )
    return path.read_bytes()


def test_a_pdf_upload_is_processed_with_progress_to_ready(
    client, post_upload, demo_pdf
):
    response, html = post_upload(("nghi-quyet.pdf", demo_pdf), title="Nghị quyết 01")
    assert response.status_code == 200
    version = DocumentVersion.objects.get()
    # The answer polls the version's progress (processing starts after commit).
    status_url = reverse("documents:status", args=[version.document_id, 1])
    assert "Nghị quyết 01" in html and status_url in html
    assert version.status == "ready" and version.pages_done == version.page_count == 4
    assert "Sẵn sàng" in client.get(status_url).content.decode()
    assert DocumentPage.objects.filter(version=version).count() == 4
    assert version.page_sizes[0] == [
        pytest.approx(595, abs=1),
        pytest.approx(842, abs=1),
    ]


def test_many_files_make_many_documents_and_images_become_pdfs(post_upload, demo_pdf):
    buf = io.BytesIO()
    Image.new("RGB", (800, 1100), "white").save(buf, "JPEG")
    response, html = post_upload(
        ("a.pdf", demo_pdf), ("scan-trang-1.jpg", buf.getvalue())
    )
    assert response.status_code == 200
    assert Document.objects.count() == 2
    image_doc = Document.objects.get(title="scan-trang-1")
    version = image_doc.latest_version
    assert version.source_kind == "jpeg" and version.status == "ready"
    assert version.page_count == 1 and version.file.endswith(".pdf")


def test_an_upload_submitted_twice_makes_its_documents_once(
    client, post_upload, demo_pdf
):
    token = (
        client.get(reverse("documents:list")).context["form"].initial["client_token"]
    )
    files = (("a.pdf", demo_pdf), ("b.pdf", demo_pdf))
    _first, html = post_upload(*files, token=str(token))
    again, html_again = post_upload(*files, token=str(token))
    assert Document.objects.count() == 2
    assert again.status_code == 200
    assert "Đã tạo trước đó" in html_again and "Đã tạo trước đó" not in html
    # each answer hands the page a fresh token for its next upload
    fresh = re.findall(
        r'name="client_token" id="id_client_token" value="([^"]+)"', html
    )
    assert fresh and fresh[0] != str(token)
    post_upload(("c.pdf", demo_pdf), token=fresh[0])
    assert Document.objects.count() == 3


def test_the_same_content_is_stored_once(post_upload, demo_pdf, settings):
    post_upload(("a.pdf", demo_pdf))
    post_upload(("b.pdf", demo_pdf))
    assert Document.objects.count() == 2
    assert len(stored_files(settings)) == 1


@pytest.mark.parametrize(
    ("name", "data", "code_text"),
    [
        ("rong.pdf", b"", "trống"),
        (
            "van-ban.pdf",
            "Đây là tệp văn bản, không phải PDF.\n".encode() * 50,
            "không phải PDF",
        ),
        ("anh.png", b"GIF89a" + b"\0" * 100, "không phải PDF"),
    ],
)
def test_refused_by_content_before_anything_is_stored(
    post_upload, settings, name, data, code_text
):
    response, html = post_upload((name, data))
    assert response.status_code == 422
    assert code_text in html and name in html
    assert not Document.objects.exists() and not DocumentVersion.objects.exists()
    assert stored_files(settings) == []


def test_a_file_over_the_size_limit_is_refused(post_upload, settings, demo_pdf):
    settings.DOCUMENT_MAX_BYTES = 1000
    response, html = post_upload(("lon.pdf", demo_pdf))
    assert response.status_code == 422 and "lớn hơn giới hạn" in html
    assert not Document.objects.exists() and stored_files(settings) == []


def _locked(tmp_path, demo_pdf, user_password: str) -> bytes:
    src, dst = tmp_path / "src.pdf", tmp_path / "locked.pdf"
    src.write_bytes(demo_pdf)
    pdf.get_pool().call("_encrypt", str(src), str(dst), user_password, "chủ-sở-hữu")
    return dst.read_bytes()


def bad_inputs(tmp_path, demo_pdf) -> dict[str, tuple[bytes, set[str]]]:
    return {
        "cut.pdf": (
            demo_pdf[: len(demo_pdf) // 3],
            {"truncated", "damaged", "no_pages"},
        ),
        "wide.pdf": (B.text_pdf(1, width=100_000, height=500), {"page_too_large"}),
        "many.pdf": (B.text_pdf(5000), {"too_many_pages"}),
        "locked.pdf": (_locked(tmp_path, demo_pdf, "mật-khẩu"), {"encrypted"}),
        "bomb.png": (B.png(100_000, 100_000, rows=2), {"bad_image"}),
        "zbomb.png": (B.png(12_000, 12_000), {"bad_image"}),
    }


VIETNAMESE = set("ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")


@pytest.mark.parametrize(
    "name", ["cut.pdf", "wide.pdf", "many.pdf", "locked.pdf", "bomb.png", "zbomb.png"]
)
def test_bad_files_fail_with_a_vietnamese_reason_and_keep_nothing_broken(
    client, post_upload, settings, tmp_path, demo_pdf, name
):
    data, codes = bad_inputs(tmp_path, demo_pdf)[name]
    post_upload((name, data))
    version = DocumentVersion.objects.get()
    assert version.status == "failed"
    assert version.failure_code in codes
    assert VIETNAMESE & set(version.failure_reason.lower())
    if name == "locked.pdf":
        assert "không đặt mật khẩu" in version.failure_reason
    status = client.get(reverse("documents:status", args=[version.document_id, 1]))
    assert version.failure_reason in status.content.decode()
    assert not version.pages.exists()
    assert stored_files(settings) == []


def test_an_empty_password_encrypted_pdf_is_accepted(post_upload, tmp_path, demo_pdf):
    post_upload(("owner-only.pdf", _locked(tmp_path, demo_pdf, "")))
    version = DocumentVersion.objects.get()
    assert version.status == "ready" and version.page_count == 4


def test_active_content_is_accepted_and_flagged(post_upload):
    post_upload(("active.pdf", B.active_pdf()))
    version = DocumentVersion.objects.get()
    assert version.status == "ready"
    assert version.active_content["has_javascript"]
    assert version.active_content["has_embedded_files"]


def test_the_status_partial_polls_while_busy_and_stops_when_done(
    client, cast, post_upload, demo_pdf
):
    post_upload(("a.pdf", demo_pdf))
    version = DocumentVersion.objects.get()
    url = reverse("documents:status", args=[version.document_id, 1])
    assert "every 1s" not in client.get(url).content.decode()
    DocumentVersion.objects.filter(pk=version.pk).update(
        status="processing", pages_done=2
    )
    html = client.get(url).content.decode()
    assert "every 1s" in html and "2/4" in html


def test_a_delegate_sees_no_upload_form_and_cannot_post(client, cast, demo_pdf):
    client.force_login(cast.delegate)
    assert "upload-form" not in client.get(reverse("documents:list")).content.decode()
    response = client.post(
        reverse("documents:upload"),
        {
            "body": cast.hdnd.pk,
            "classification": "internal",
            "files": [upload_file("a.pdf", demo_pdf)],
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    assert not Document.objects.exists()
