"""Files after the permission check: sent by Django, or by nginx (X-Accel-Redirect),
and page-image URLs signed for nginx's secure_link (documents/page_links.py)."""

from __future__ import annotations

import base64
import hashlib
import time

import pytest
from django.urls import reverse

from documents import page_links, storage
from tests.documents import pdf_builders as B

SECRET = "s" * 40


@pytest.fixture
def doc(cast, make_document):
    return make_document(cast.secretary, body=cast.hdnd, data=B.text_pdf(2))


def links_url(doc):
    return reverse("documents:page_links", args=[doc.pk, 1])


def test_with_nginx_a_download_is_checked_then_handed_to_nginx(
    client, cast, doc, settings
):
    settings.FILE_SENDER = "nginx"
    client.force_login(cast.secretary)
    response = client.get(reverse("documents:download", args=[doc.pk, 1]))
    assert response.status_code == 200
    accel = response["X-Accel-Redirect"]
    assert accel.startswith("/_files/documents/renders/")
    assert (storage.absolute(accel.removeprefix("/_files/"))).is_file()
    assert response.content == b""
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"].startswith("attachment;")
    client.force_login(cast.outsider)
    outsider = client.get(reverse("documents:download", args=[doc.pk, 1]))
    assert outsider.status_code == 404 and "X-Accel-Redirect" not in outsider


def test_with_nginx_a_page_image_keeps_django_etag_and_304(client, cast, doc, settings):
    settings.FILE_SENDER = "nginx"
    client.force_login(cast.secretary)
    url = reverse("documents:page", args=[doc.pk, 1, 2]) + "?w=400"
    response = client.get(url)
    assert response["X-Accel-Redirect"].endswith("/p2-w400.png") or response[
        "X-Accel-Redirect"
    ].endswith("/p2-w400.webp")
    assert response["Cache-Control"] == "private, max-age=86400"
    again = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and "X-Accel-Redirect" not in again


def test_signed_links_follow_nginx_secure_link_md5(client, cast, doc, settings):
    settings.PAGE_LINK_SECRET = SECRET
    settings.PAGE_LINK_SECONDS = 60
    client.force_login(cast.secretary)
    doc_view = client.get(reverse("documents:detail", args=[doc.pk]))
    assert doc_view.context["viewer"]["linksUrl"] == links_url(doc)
    before = time.time()
    response = client.get(links_url(doc))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    data = response.json()
    version = doc.latest_version
    assert len(data["sigs"]) == version.page_count == 2
    assert 30 - 1 <= data["ttl"] <= 60
    url = data["template"].format(sig=data["sigs"][1], page=2, w=800)
    parts = url.strip("/").split("/")
    assert parts[0] == "pi" and parts[1] == str(cast.secretary.pk)
    expires = int(parts[2])
    assert before + 29 <= expires <= before + 61
    # nginx: secure_link_md5 "$exp/$user/$doc/$ver/$sha/$page/$cookie_sessionid secret"
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    signed = f"{expires}/{cast.secretary.pk}/{doc.pk}/1/{version.sha256}/2"
    text = f"{signed}/{session} {SECRET}"
    expected = base64.urlsafe_b64encode(hashlib.md5(text.encode()).digest())
    assert parts[3] == expected.rstrip(b"=").decode()
    assert parts[4:] == [str(doc.pk), "1", version.sha256, "2", "800"]


def test_urls_stay_the_same_for_half_their_life(settings):
    settings.PAGE_LINK_SECONDS = 60
    assert page_links.expiry(1020.0) == page_links.expiry(1049.9) == 1080
    assert page_links.expiry(1050.0) == 1110
    for now in (1020.0, 1037.3, 1049.99):
        assert 30 < page_links.expiry(now) - now <= 60


def test_no_links_for_outsiders_confidential_documents_or_when_off(
    client, cast, doc, make_document, settings
):
    client.force_login(cast.secretary)
    assert client.get(links_url(doc)).json() == {"template": None}
    settings.PAGE_LINK_SECRET = SECRET
    secret_doc = make_document(
        cast.secretary,
        body=cast.hdnd,
        data=B.text_pdf(1),
        classification="confidential",
    )
    assert client.get(links_url(secret_doc)).json() == {"template": None}
    viewer = client.get(reverse("documents:detail", args=[secret_doc.pk]))
    assert viewer.context["viewer"]["linksUrl"] is None
    client.force_login(cast.outsider)
    assert client.get(links_url(doc)).status_code == 404
