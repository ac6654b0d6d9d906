"""Search (diacritic-insensitive, only what I may view), sharing, query counts."""

from __future__ import annotations

import unicodedata

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from documents import actions, pdf, queries
from documents.search import search, snippet
from nghisu.text import fold


@pytest.fixture(scope="module")
def nghi_quyet_pdf(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("nq") / "nq.pdf"
    pdf.make_demo_pdf(
        path,
        title="Dự thảo",
        paragraphs=[
            "Điều 1. Thông qua Nghị quyết về phân bổ dự toán ngân sách địa phương.",
            "Giao Ủy ban nhân dân tỉnh tổ chức thực hiện <b>đúng</b> quy định.",
        ],
        pages=2,
    )
    return path.read_bytes()


def test_search_ignores_case_and_diacritics_and_marks_the_match(
    cast, make_document, nghi_quyet_pdf
):
    doc = make_document(
        cast.secretary, body=cast.hdnd, data=nghi_quyet_pdf, title="Tờ trình số 12"
    )
    results = search(cast.secretary, "nghi quyet")
    hit = results.pages[0]
    assert hit.document == doc and hit.page == 1
    assert "<mark>Nghị quyết</mark>" in hit.snippet
    assert search(cast.secretary, "NGHỊ QUYẾT").pages
    assert search(cast.secretary, "dia phuong").pages  # đ matches d
    nfd = unicodedata.normalize("NFD", "ngân sách")
    assert search(cast.secretary, nfd).pages
    assert search(cast.secretary, "to trinh").titles == [doc]
    # The markup in the text is escaped, only <mark> is ours.
    assert "&lt;b&gt;" in search(cast.secretary, "hien <b>dung").pages[0].snippet
    assert not search(cast.delegate, "nghi quyet").pages
    assert not search(cast.delegate, "to trinh").titles


def test_snippet_keeps_offsets_with_decomposed_text():
    text = unicodedata.normalize("NFD", "Căn cứ Nghị quyết số 5 của HĐND")
    assert "<mark>Nghị quyết</mark>" in snippet(text, fold("nghi quyet"))


def test_search_page_shows_hits_with_page_numbers(
    client, cast, make_document, nghi_quyet_pdf
):
    doc = make_document(cast.secretary, body=cast.hdnd, data=nghi_quyet_pdf)
    client.force_login(cast.secretary)
    html = client.get(reverse("documents:search"), {"q": "nghi quyet"}).content.decode()
    assert f"/documents/{doc.pk}/?page=1" in html and "<mark>" in html


def test_search_costs_fixed_queries(
    client, cast, make_document, nghi_quyet_pdf, django_assert_num_queries
):
    client.force_login(cast.secretary)
    url = reverse("documents:search") + "?q=nghi+quyet"
    make_document(cast.secretary, body=cast.hdnd, data=nghi_quyet_pdf, title="A")
    client.get(url)  # the idle-session middleware slides the session once
    with django_assert_num_queries(5):  # session, user, titles, pages, bell
        client.get(url)
    for i in range(3):
        make_document(
            cast.secretary, body=cast.hdnd, data=nghi_quyet_pdf, title=f"B{i}"
        )
    with django_assert_num_queries(5):
        assert client.get(url).content.decode().count("<mark>") >= 4


def test_confidential_pages_give_page_numbers_only_and_are_audited(
    client, cast, make_document, nghi_quyet_pdf, django_assert_num_queries
):
    secret = make_document(
        cast.secretary,
        body=cast.hdnd,
        data=nghi_quyet_pdf,
        title="Báo cáo mật",
        classification="confidential",
    )
    plain = make_document(cast.secretary, body=cast.hdnd, data=nghi_quyet_pdf)
    results = search(cast.secretary, "ngan sach", ip="10.1.2.3")
    by_doc = {(h.document.pk, h.page): h for h in results.pages}
    assert (secret.pk, 1) in by_doc and (plain.pk, 1) in by_doc
    assert by_doc[(secret.pk, 1)].snippet == ""
    assert "ngân sách" in by_doc[(plain.pk, 1)].snippet
    event = AuditEvent.objects.get(action="document.search_hit")
    assert event.object_id == str(secret.pk)
    assert event.username == cast.secretary.username and event.ip == "10.1.2.3"
    assert event.detail["query"] == "ngan sach" and 1 in event.detail["pages"]
    # Through the page: the hit links to its page, no word of its text shows;
    # the audit costs one query whatever the number of confidential hits.
    client.force_login(cast.secretary)
    url = reverse("documents:search") + "?q=dia+phuong"
    client.get(url)
    with django_assert_num_queries(6):  # session, user, titles, pages, audit, bell
        html = client.get(url, REMOTE_ADDR="10.9.9.9").content.decode()
    assert f"/documents/{secret.pk}/?page=1" in html
    assert html.count("<mark>") == html.count(f"/documents/{plain.pk}/?page=")
    assert "chỉ cho biết số trang" in html
    assert AuditEvent.objects.filter(
        action="document.search_hit", ip="10.9.9.9", object_id=str(secret.pk)
    ).exists()
    # Someone who may not view it finds nothing and leaves no event.
    before = AuditEvent.objects.filter(action="document.search_hit").count()
    assert not search(cast.delegate, "ngan sach").pages
    assert AuditEvent.objects.filter(action="document.search_hit").count() == before


def test_share_dialog_grants_to_a_body_and_shows_through_which_group(
    client, cast, make_document, nghi_quyet_pdf
):
    doc = make_document(cast.secretary, body=cast.hdnd, data=nghi_quyet_pdf)
    client.force_login(cast.secretary)
    found = client.get(
        reverse("documents:share_find", args=[doc.pk]), {"q": "hdnd tinh son la"}
    ).content.decode()
    assert "HĐND tỉnh Sơn La" in found
    found = client.get(
        reverse("documents:share_find", args=[doc.pk]), {"q": "cam van dong"}
    )
    assert "Cầm Văn Đông" in found.content.decode()
    html = client.post(
        reverse("documents:share_grant", args=[doc.pk]),
        {"body": cast.hdnd.pk, "level": "download"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "HĐND tỉnh Sơn La" in html and "Cầm Văn Đông" in html
    assert queries.user_can(cast.delegate, doc, "download_document")
    assert not queries.user_can(cast.delegate, doc, "share_document")
    group_row = queries.share_list(doc)[1][0]
    assert group_row.level == "download"
    client.post(
        reverse("documents:share_revoke", args=[doc.pk]),
        {"group": cast.hdnd.group.pk},
        HTTP_HX_REQUEST="true",
    )
    assert not queries.user_can(cast.delegate, doc, "view_document")
    assert list(
        AuditEvent.objects.filter(object_id=str(doc.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )[-2:] == ["document.grant", "document.revoke"]


def test_share_refusal_shows_a_message_and_changes_nothing(
    client, cast, make_document, nghi_quyet_pdf
):
    doc = make_document(cast.secretary, body=cast.hdnd, data=nghi_quyet_pdf)
    client.force_login(cast.secretary)
    response = client.post(
        reverse("documents:share_grant", args=[doc.pk]),
        {"level": "view"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    assert "Hãy chọn người hoặc cơ quan" in response.content.decode()
    assert queries.share_list(doc)[1] == []


def test_share_dialog_costs_fixed_queries(
    client, cast, make_document, nghi_quyet_pdf, django_assert_num_queries
):
    doc = make_document(cast.secretary, body=cast.hdnd, data=nghi_quyet_pdf)
    client.force_login(cast.secretary)
    url = reverse("documents:share", args=[doc.pk])
    actions.grant(cast.secretary, doc, users=[cast.delegate], groups=[cast.ubnd.group])
    client.get(url)  # the idle-session middleware slides the session once
    # session, user, access, user grants, group grants, group members, bell
    with django_assert_num_queries(7):
        client.get(url)
    actions.grant(
        cast.secretary,
        doc,
        users=[cast.delegate2, cast.outsider, cast.chair],
        groups=[cast.hdnd.group],
        perms=("download_document",),
    )
    with django_assert_num_queries(7):
        html = client.get(url).content.decode()
    assert "Quàng Thị Ánh" in html and "UBND tỉnh Sơn La" in html


def test_list_and_detail_cost_fixed_queries(
    client, cast, make_document, nghi_quyet_pdf, django_assert_num_queries
):
    client.force_login(cast.secretary)
    doc = make_document(cast.secretary, body=cast.hdnd, data=nghi_quyet_pdf, title="A")
    client.get(reverse("documents:list"))  # the session slides once
    # list: session, user, bodies for upload, count, page of documents, bell
    with django_assert_num_queries(6):
        client.get(reverse("documents:list"))
    # detail: session, user, access, perms, versions, bell
    with django_assert_num_queries(6):
        client.get(reverse("documents:detail", args=[doc.pk]))
    for i in range(3):
        make_document(
            cast.secretary, body=cast.hdnd, data=nghi_quyet_pdf, title=f"B{i}"
        )
    with django_assert_num_queries(6):
        assert client.get(reverse("documents:list")).content.decode().count("<li>") >= 4
    with django_assert_num_queries(6):
        client.get(reverse("documents:detail", args=[doc.pk]))


def test_picker_finds_my_documents_without_diacritics(
    client, cast, make_document, nghi_quyet_pdf
):
    doc = make_document(
        cast.secretary, body=cast.hdnd, data=nghi_quyet_pdf, title="Báo cáo kinh tế"
    )
    client.force_login(cast.secretary)
    html = client.get(
        reverse("documents:picker"), {"q": "bao cao", "name": "docs"}
    ).content.decode()
    assert f'name="docs" value="{doc.pk}"' in html
    html = client.get(reverse("documents:picker"), {"q": "khong co"}).content.decode()
    assert "Không có tài liệu nào khớp" in html
