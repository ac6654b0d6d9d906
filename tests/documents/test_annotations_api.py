"""Annotation endpoints and the "Tải bản có ghi chú" export round trip."""

from __future__ import annotations

import json
import uuid

import pytest
from asgiref.sync import async_to_sync
from django.urls import reverse

from accounts.models import AuditEvent
from documents import actions as doc_actions
from documents import pdf
from documents.models import Annotation, Classification
from tests.documents import pdf_builders as B
from tests.documents.test_annotations import PDF_WORD, ink

A4 = (595.0, 842.0)


def read_stream(response) -> bytes:
    async def collect():
        return b"".join([chunk async for chunk in response.streaming_content])

    return async_to_sync(collect)()


@pytest.fixture
def doc(cast, make_document):
    document = make_document(cast.secretary, body=cast.hdnd, data=B.text_pdf(2))
    doc_actions.grant(
        cast.secretary,
        document,
        groups=[cast.hdnd.group],
        perms=("view_document", "annotate_document"),
    )
    return document


def list_url(doc, page=None):
    url = reverse("documents:annotations", args=[doc.pk, 1])
    return f"{url}?page={page}" if page else url


def save_url(doc, pk):
    return reverse("documents:annotation_save", args=[doc.pk, 1, pk])


def post_json(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def test_save_list_delete_restore_through_json(client, cast, doc):
    client.force_login(cast.delegate)
    pk = uuid.uuid4()
    first = post_json(client, save_url(doc, pk), ink())
    assert first.status_code == 200 and first.json()["changed"] is True
    replay = post_json(client, save_url(doc, pk), ink())
    assert replay.status_code == 200 and replay.json()["changed"] is False
    assert Annotation.objects.count() == 1
    listed = client.get(list_url(doc, page=1)).json()["annotations"]
    assert [a["id"] for a in listed] == [str(pk)] and listed[0]["mine"] is True
    assert client.get(list_url(doc, page=2)).json()["annotations"] == []
    gone = client.post(reverse("documents:annotation_delete", args=[doc.pk, 1, pk]))
    assert gone.status_code == 200 and gone.json()["annotation"]["deleted"]
    assert client.get(list_url(doc)).json()["annotations"] == []
    back = client.post(reverse("documents:annotation_restore", args=[doc.pk, 1, pk]))
    assert back.status_code == 200
    assert len(client.get(list_url(doc)).json()["annotations"]) == 1


def test_refusals_answer_json_in_vietnamese_and_store_nothing(client, cast, doc):
    client.force_login(cast.delegate)
    bad = post_json(client, save_url(doc, uuid.uuid4()), ink(points=[[2, 0.5]]))
    assert bad.status_code == 400 and bad.json()["code"] == "out_of_page"
    assert "trang" in bad.json()["message"]
    junk = client.post(save_url(doc, uuid.uuid4()), "{nope", "application/json")
    assert junk.status_code == 400 and junk.json()["code"] == "bad_json"
    nan = client.post(
        save_url(doc, uuid.uuid4()),
        '{"page": 1, "kind": "ink", "geometry": {"strokes": [[[NaN, 0.5]]]}}',
        "application/json",
    )
    assert nan.status_code == 400 and nan.json()["code"] == "bad_coordinates"
    assert Annotation.objects.count() == 0


def test_every_path_hides_a_private_annotation_from_others(client, cast, doc):
    pk = uuid.uuid4()
    client.force_login(cast.delegate)
    post_json(client, save_url(doc, pk), ink(text="bí mật"))
    for other in (cast.delegate2, cast.chair):
        client.force_login(other)
        assert client.get(list_url(doc)).json()["annotations"] == []
        edit = post_json(client, save_url(doc, pk), ink(rev=9))
        assert edit.status_code == 404
        delete = client.post(
            reverse("documents:annotation_delete", args=[doc.pk, 1, pk])
        )
        assert delete.status_code == 404
        exported = client.get(reverse("documents:annotated_download", args=[doc.pk, 1]))
        assert exported.status_code == 200
        assert b"b\\355 m\\341\\272\\255t" not in read_stream(exported)
    client.force_login(cast.outsider)
    for response in (
        client.get(list_url(doc)),
        post_json(client, save_url(doc, uuid.uuid4()), ink()),
        client.get(reverse("documents:annotated_download", args=[doc.pk, 1])),
    ):
        assert response.status_code == 404
    row = Annotation.objects.get(pk=pk)
    assert row.rev == 1 and row.deleted_at is None


def _make_rows(user, version, n):
    Annotation.objects.bulk_create(
        Annotation(
            pk=uuid.uuid4(),
            author=user,
            version=version,
            page=1,
            kind="note",
            text=f"ghi chú {i}",
            geometry={"point": [0.5, 0.5]},
            visibility="users",
        )
        for i in range(n)
    )
    for row in Annotation.objects.filter(author=user):
        row.shared_with.set([user])


def test_listing_costs_the_same_queries_at_two_sizes(
    client, cast, doc, django_assert_num_queries
):
    client.force_login(cast.delegate)
    version = doc.latest_version
    client.get(list_url(doc, 1))  # the first request of a session writes it
    _make_rows(cast.delegate, version, 2)
    # session, user, document, annotations, chosen people
    with django_assert_num_queries(5):
        assert len(client.get(list_url(doc, 1)).json()["annotations"]) == 2
    _make_rows(cast.delegate, version, 20)
    with django_assert_num_queries(5):
        assert len(client.get(list_url(doc, 1)).json()["annotations"]) == 22


def _export(client, doc, tmp_path) -> str:
    response = client.get(reverse("documents:annotated_download", args=[doc.pk, 1]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    out = tmp_path / "export.pdf"
    out.write_bytes(read_stream(response))
    return str(out)


def test_export_round_trip_keeps_kinds_pages_positions_and_words(
    client, cast, doc, tmp_path
):
    client.force_login(cast.delegate)
    stroke = [[0.1, 0.5], [0.2, 0.55], [0.35, 0.52]]
    sent = {
        "highlight": {
            "page": 2,
            "kind": "highlight",
            "geometry": {"quads": [PDF_WORD]},
        },
        "ink": ink(page=1, points=stroke),
        "note": {
            "page": 1,
            "kind": "note",
            "text": "Cần làm rõ số liệu",
            "geometry": {"point": [0.6, 0.3]},
        },
        "freetext": {
            "page": 2,
            "kind": "freetext",
            "text": "Đề nghị bổ sung",
            "color": "#ffffcc",
            "geometry": {"rect": [0.5, 0.6, 0.9, 0.7], "size": 12},
        },
    }
    ids = set()
    for data in sent.values():
        ids.add(str(pk := uuid.uuid4()))
        assert post_json(client, save_url(doc, pk), data).status_code == 200
    found = pdf.list_annotations(_export(client, doc, tmp_path))
    assert {a["name"] for a in found} == ids
    by_kind = {a["kind"]: a for a in found}
    assert sorted(by_kind) == sorted(sent) and len(found) == 4
    for kind, data in sent.items():
        assert by_kind[kind]["page"] == data["page"]
    w, h = A4

    def close(a, b):
        return all(abs(x - y) <= 0.5 for x, y in zip(a, b, strict=True))

    assert close(
        by_kind["highlight"]["points"][0],
        [PDF_WORD[0] * w, PDF_WORD[1] * h, PDF_WORD[2] * w, PDF_WORD[3] * h],
    )
    assert by_kind["highlight"]["words"] == ["PDF"]
    assert by_kind["highlight"]["words"] == [
        Annotation.objects.get(kind="highlight").quoted_text
    ]
    for got, want in zip(by_kind["ink"]["points"][0], stroke, strict=True):
        assert close(got, [want[0] * w, want[1] * h])
    assert close(by_kind["note"]["points"][0], [0.6 * w, 0.3 * h])
    assert by_kind["note"]["content"] == "Cần làm rõ số liệu"
    assert close(by_kind["freetext"]["rect"], [0.5 * w, 0.6 * h, 0.9 * w, 0.7 * h])
    assert by_kind["freetext"]["content"] == "Đề nghị bổ sung"
    assert by_kind["ink"]["title"] == cast.delegate.get_full_name()
    event = AuditEvent.objects.get(action="document.export_annotated")
    assert event.user == cast.delegate


def test_export_holds_shared_annotations_of_others(client, cast, doc, tmp_path):
    client.force_login(cast.delegate)
    post_json(
        client,
        save_url(doc, uuid.uuid4()),
        ink(visibility="users", sharedWith=[cast.delegate2.pk]),
    )
    post_json(client, save_url(doc, uuid.uuid4()), ink())
    client.force_login(cast.delegate2)
    assert len(pdf.list_annotations(_export(client, doc, tmp_path))) == 1


def test_confidential_export_keeps_the_viewer_watermark(
    client, cast, make_document, tmp_path
):
    document = make_document(
        cast.secretary,
        body=cast.hdnd,
        data=B.text_pdf(2),
        classification=Classification.CONFIDENTIAL,
    )
    doc_actions.grant(
        cast.secretary,
        document,
        users=[cast.delegate],
        perms=("view_document", "annotate_document"),
    )
    client.force_login(cast.delegate)
    post_json(client, save_url(document, uuid.uuid4()), ink())
    path = _export(client, document, tmp_path)
    pages = pdf.extract(path)
    for page in pages:
        assert "MẬT" in page["text"] and cast.delegate.get_full_name() in page["text"]
    assert [a["kind"] for a in pdf.list_annotations(path)] == ["ink"]
    event = AuditEvent.objects.get(action="document.export_annotated")
    assert event.detail["watermarked"] is True


def test_viewer_without_download_or_annotate_right_cannot_export(
    client, cast, make_document
):
    document = make_document(cast.secretary, body=cast.hdnd, data=B.text_pdf(1))
    doc_actions.grant(cast.secretary, document, users=[cast.delegate])
    client.force_login(cast.delegate)
    response = client.get(
        reverse("documents:annotated_download", args=[document.pk, 1])
    )
    assert response.status_code == 403
    assert "quyền" in response.json()["message"]
    assert not AuditEvent.objects.filter(action="document.export_annotated").exists()


def test_my_annotations_page_groups_by_document_and_quotes_highlights(
    client, cast, doc, django_assert_num_queries
):
    client.force_login(cast.delegate)
    url = reverse("documents:my_annotations")
    client.get(url)
    empty = client.get(url)
    assert "Bạn chưa có ghi chú nào" in empty.content.decode()
    post_json(
        client,
        save_url(doc, uuid.uuid4()),
        {"page": 2, "kind": "highlight", "geometry": {"quads": [PDF_WORD]}},
    )
    post_json(client, save_url(doc, uuid.uuid4()), ink(text="Xem lại đoạn này"))
    with django_assert_num_queries(5):
        small = client.get(url)
    html = small.content.decode()
    assert '<q class="ann-quote">PDF</q>' in html and "Xem lại đoạn này" in html
    assert f"/documents/{doc.pk}/versions/1/?page=2" in html
    for i in range(10):
        post_json(client, save_url(doc, uuid.uuid4()), ink(page=2, text=f"n{i}"))
    with django_assert_num_queries(5):
        assert client.get(url).content.decode().count('class="row"') == 12
    client.force_login(cast.delegate2)
    assert "Xem lại đoạn này" not in client.get(url).content.decode()


def test_carry_endpoint_offers_and_carries_once(
    client, cast, doc, django_capture_on_commit_callbacks
):
    from tests.documents.conftest import upload_file

    client.force_login(cast.delegate)
    post_json(client, save_url(doc, uuid.uuid4()), ink(page=1))
    with django_capture_on_commit_callbacks(execute=True):
        doc_actions.add_version(
            cast.secretary, doc, uploaded_file=upload_file("v2.pdf", B.text_pdf(2))
        )
    audience = reverse("documents:annotation_audience", args=[doc.pk, 2])
    assert client.get(audience).json() == {
        "meetings": [],
        "carry": [{"version": 1, "count": 1}],
    }
    carry = reverse("documents:annotation_carry", args=[doc.pk, 2])
    for expected in (1, 0):
        response = post_json(client, carry, {"from": 1})
        assert response.status_code == 200 and response.json() == {"carried": expected}
    assert post_json(client, carry, {"from": 2}).status_code == 400
    assert post_json(client, carry, {"from": 9}).status_code == 404
    assert client.post(carry, "[1]", "application/json").status_code == 400
    client.force_login(cast.outsider)
    assert post_json(client, carry, {"from": 1}).status_code == 404
    assert Annotation.objects.filter(version__number=2).count() == 1
