"""Page images, word boxes, downloads and confidential watermarks."""

from __future__ import annotations

import io

import pytest
from asgiref.sync import async_to_sync
from django.urls import reverse
from PIL import Image

from accounts.models import AuditEvent
from documents import actions, pdf, storage
from tests.documents import pdf_builders as B


def read_stream(response) -> bytes:
    async def collect():
        return b"".join([chunk async for chunk in response.streaming_content])

    return async_to_sync(collect)()


def page_url(doc, n=1, p=1, w=None):
    url = reverse("documents:page", args=[doc.pk, n, p])
    return f"{url}?w={w}" if w is not None else url


@pytest.fixture
def doc(cast, make_document):
    return make_document(cast.secretary, body=cast.hdnd, data=B.text_pdf(2))


def test_page_image_has_etag_private_cache_and_answers_304(client, cast, doc):
    client.force_login(cast.secretary)
    response = client.get(page_url(doc, w=800))
    assert response.status_code == 200
    assert response["Content-Type"] in {"image/png", "image/webp"}
    assert response["Cache-Control"].startswith("private")
    image = Image.open(io.BytesIO(response.content))
    assert image.width == 800
    again = client.get(page_url(doc, w=800), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and again["ETag"] == response["ETag"]


def test_versions_are_rendered_ahead_at_the_common_widths(cast, doc):
    directory = storage.render_dir(doc.latest_version.sha256)
    for width in (160, 400, 800, 1200):
        assert storage.find_render(directory, 2, width) is not None


def test_widths_snap_and_bad_pages_are_404(client, cast, doc):
    client.force_login(cast.secretary)
    big = client.get(page_url(doc, w=999999))
    assert big.status_code == 200
    assert Image.open(io.BytesIO(big.content)).width == 1600
    assert (
        Image.open(io.BytesIO(client.get(page_url(doc, w="abc")).content)).width == 800
    )
    for url in (
        page_url(doc, p=0),
        page_url(doc, p=3),
        page_url(doc, p=9999),
        page_url(doc, n=2),
        page_url(doc, n=0),
        reverse("documents:words", args=[doc.pk, 1, 9999]),
        reverse("documents:version", args=[doc.pk, 5]),
        reverse("documents:download", args=[doc.pk, 3]),
    ):
        assert client.get(url).status_code == 404, url


def test_word_boxes_come_as_json_in_page_fractions(client, cast, doc):
    client.force_login(cast.secretary)
    data = client.get(reverse("documents:words", args=[doc.pk, 1, 1])).json()
    assert data["page"] == 1 and data["textLayer"] is True
    words = [w[4] for w in data["words"]]
    assert words == ["Hello", "PDF"]
    assert all(0 <= c <= 1 for w in data["words"] for c in w[:4])


def test_download_is_cleaned_of_active_content_and_audited(
    client, cast, make_document, tmp_path
):
    doc = make_document(cast.secretary, body=cast.hdnd, data=B.active_pdf())
    assert doc.latest_version.status == "ready"
    assert doc.latest_version.active_content.get("has_javascript")
    client.force_login(cast.secretary)
    response = client.get(reverse("documents:download", args=[doc.pk, 1]))
    assert response.status_code == 200
    body = read_stream(response)
    assert body.startswith(b"%PDF") and b"MZ pretend" not in body
    given = tmp_path / "given.pdf"
    given.write_bytes(body)
    assert pdf.inspect(given, max_pages=10)["active"] == {}
    assert "attachment" in response["Content-Disposition"]
    event = AuditEvent.objects.get(action="document.download")
    assert event.user == cast.secretary and event.object_id == str(doc.pk)


def test_confidential_pages_are_watermarked_per_viewer_and_audited(
    client, cast, make_document
):
    doc = make_document(
        cast.secretary,
        body=cast.hdnd,
        data=B.text_pdf(1),
        classification="confidential",
    )
    actions.grant(cast.secretary, doc, users=[cast.delegate])
    client.force_login(cast.secretary)
    mine = client.get(page_url(doc, w=400))
    client.force_login(cast.delegate)
    theirs = client.get(page_url(doc, w=400))
    assert mine.status_code == theirs.status_code == 200
    assert mine.content != theirs.content and mine["ETag"] != theirs["ETag"]
    assert "no-cache" in theirs["Cache-Control"]
    # Cached per viewer: the same bytes again, and a 304 is still audited.
    assert client.get(page_url(doc, w=400)).content == theirs.content
    client.get(page_url(doc, w=400), HTTP_IF_NONE_MATCH=theirs["ETag"])
    views = AuditEvent.objects.filter(
        action="document.page_view", object_id=str(doc.pk)
    )
    assert views.filter(user=cast.delegate).count() == 3
    assert views.filter(user=cast.secretary).count() == 1
    assert views.first().detail["page"] == 1
    # No text layer leaves the server for confidential documents.
    words = client.get(reverse("documents:words", args=[doc.pk, 1, 1])).json()
    assert words == {"page": 1, "textLayer": False, "words": []}
    # Without the download permission there is no download.
    assert (
        client.get(reverse("documents:download", args=[doc.pk, 1])).status_code == 404
    )


def test_confidential_download_is_watermarked(client, cast, make_document):
    doc = make_document(
        cast.secretary,
        body=cast.hdnd,
        data=B.text_pdf(1),
        classification="confidential",
    )
    client.force_login(cast.secretary)
    response = client.get(reverse("documents:download", args=[doc.pk, 1]))
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="document.download")
    assert event.detail["watermarked"] is True


def test_old_versions_stay_viewable_and_labelled(
    client, cast, doc, django_capture_on_commit_callbacks
):
    from tests.documents.conftest import upload_file

    with django_capture_on_commit_callbacks(execute=True):
        actions.add_version(
            cast.secretary, doc, uploaded_file=upload_file("v2.pdf", B.text_pdf(3))
        )
    client.force_login(cast.secretary)
    old = client.get(reverse("documents:version", args=[doc.pk, 1])).content.decode()
    assert "phiên bản cũ" in old
    assert client.get(page_url(doc, n=1, p=2)).status_code == 200
    assert client.get(page_url(doc, n=2, p=3)).status_code == 200
    assert client.get(page_url(doc, n=1, p=3)).status_code == 404
