"""The offline briefcase on the server: the pack, the check at contact, the
per-document offline setting, the worker and the manifest (docs/offline.md)."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from documents import actions as doc_actions
from documents.models import Classification
from meetings import actions, offline
from nghisu.errors import ActionError

pytestmark = pytest.mark.django_db


@pytest.fixture
def agenda_doc(cast, draft, make_document, django_capture_on_commit_callbacks):
    """A published meeting whose first item carries a three-page document."""
    doc = make_document(cast.secretary, body=cast.hdnd, pages=3)
    actions.attach_documents(cast.secretary, draft.items.first(), [doc])
    with django_capture_on_commit_callbacks(execute=True):
        actions.publish_meeting(cast.secretary, draft)
    draft.refresh_from_db()
    return draft, doc


def pack_url(meeting, w=768):
    return reverse("meetings:offline_pack", args=[meeting.pk]) + f"?w={w}"


def check(client, meeting, held):
    return client.post(
        reverse("meetings:offline_check", args=[meeting.pk]),
        data=json.dumps({"documents": held, "w": 768}),
        content_type="application/json",
    )


def make_secret(cast, doc, *, offline_copies=None):
    doc_actions.update_document(
        cast.secretary,
        doc,
        title=doc.title,
        classification=Classification.CONFIDENTIAL,
    )
    if offline_copies is not None:
        doc_actions.set_offline_copies(cast.secretary, doc, allowed=offline_copies)
    doc.refresh_from_db()


# --- the pack -------------------------------------------------------------------------


def test_a_delegate_gets_the_pack_with_pages_text_annotations_and_sizes(
    client, cast, agenda_doc
):
    meeting, doc = agenda_doc
    client.force_login(cast.delegate)
    response = client.get(pack_url(meeting))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    data = response.json()
    assert data["width"] == 800  # the viewer's width for a 768 px tablet
    assert data["pages"] == 3
    assert data["maxAgeHours"] == 72
    [entry] = data["documents"]
    assert entry["id"] == doc.pk and entry["version"] == 1 and entry["pages"] == 3
    assert entry["textUrl"] == f"/documents/{doc.pk}/versions/1/text/"
    urls = {f["url"] for f in data["files"]}
    base = f"/documents/{doc.pk}/versions/1/"
    assert {f"{base}pages/{n}/?w=800" for n in (1, 2, 3)} <= urls
    assert f"{base}annotations/" in urls
    assert f"/meetings/{meeting.pk}/" in urls
    assert f"/meetings/{meeting.pk}/conclusions/" in urls
    assert f"/documents/{doc.pk}/" in urls
    assert all(f["size"] > 0 for f in data["files"])
    assert data["totalBytes"] == sum(f["size"] for f in data["files"])
    # Every file the pack lists is one the delegate may fetch.
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_outsiders_and_drafts_get_404(client, cast, draft, agenda_doc):
    meeting, _doc = agenda_doc
    client.force_login(cast.outsider)
    assert client.get(pack_url(meeting)).status_code == 404
    assert client.get("/meetings/999999/offline/pack/").status_code == 404
    from meetings.models import MeetingKind
    from tests.meetings.conftest import times

    start, end = times()
    other = actions.create_meeting(
        cast.secretary,
        body=cast.hdnd,
        title="Phiên dự thảo",
        kind=MeetingKind.HDND_REGULAR,
        starts_at=start,
        ends_at=end,
        place="Hội trường",
    )
    client.force_login(cast.secretary)  # a manager sees the draft, not its pack
    assert client.get(pack_url(other)).status_code == 404


def test_a_confidential_document_is_left_out_unless_offline_copies_are_allowed(
    client, cast, agenda_doc
):
    meeting, doc = agenda_doc
    make_secret(cast, doc)
    client.force_login(cast.delegate)
    data = client.get(pack_url(meeting)).json()
    assert data["documents"] == []
    assert data["excluded"] == [{"id": doc.pk, "title": doc.title}]
    assert not any(f.get("doc") == doc.pk for f in data["files"])

    doc_actions.set_offline_copies(cast.secretary, doc, allowed=True)
    data = client.get(pack_url(meeting)).json()
    [entry] = data["documents"]
    assert entry["watermarked"] is True
    assert "textUrl" not in entry  # a Mật document leaves only as images
    pages = [f["url"] for f in data["files"] if f["kind"] == "page"]
    assert len(pages) == 3
    # The listed page is the per-viewer watermarked image (audited, not cached).
    response = client.get(pages[0])
    assert response.status_code == 200
    assert f"-{cast.delegate.pk}-" in response["ETag"]
    assert response["Cache-Control"] == "private, no-cache"
    text = client.get(f"/documents/{doc.pk}/versions/1/text/").json()
    assert text == {"pages": []}


def test_the_pack_costs_the_same_queries_for_one_document_or_three(
    cast, agenda_doc, make_document, django_assert_num_queries
):
    meeting, _doc = agenda_doc
    with django_assert_num_queries(6):
        offline.pack(cast.delegate, meeting.pk, width=800)
    more = [make_document(cast.secretary, body=cast.hdnd) for _ in range(2)]
    actions.attach_documents(cast.secretary, meeting.items.last(), more)
    with django_assert_num_queries(6):
        result = offline.pack(cast.delegate, meeting.pk, width=800)
    assert len(result.documents) == 3


# --- the check at contact ------------------------------------------------------------


def test_the_check_keeps_allowed_current_documents(client, cast, agenda_doc):
    meeting, doc = agenda_doc
    client.force_login(cast.delegate)
    stamp = client.get(pack_url(meeting)).json()["stamp"]
    data = check(client, meeting, [[doc.pk, 1]]).json()
    assert data == {
        "allowed": True,
        "stamp": stamp,
        "documents": {str(doc.pk): {"keep": True, "current": True}},
        "maxAgeHours": 72,
    }


def test_the_check_drops_a_revoked_document_and_a_foreign_one(
    client, cast, agenda_doc, make_document
):
    meeting, doc = agenda_doc
    foreign = make_document(cast.secretary, body=cast.hdnd, title="Không liên quan")
    doc_actions.revoke(cast.secretary, doc, groups=[meeting.participants_group])
    client.force_login(cast.delegate)
    data = check(client, meeting, [[doc.pk, 1], [foreign.pk, 1], ["x"]]).json()
    assert data["allowed"] is True
    assert data["documents"] == {
        str(doc.pk): {"keep": False, "current": False},
        str(foreign.pk): {"keep": False, "current": False},
    }


def test_the_check_drops_a_document_whose_offline_copies_were_forbidden(
    client, cast, agenda_doc
):
    meeting, doc = agenda_doc
    doc_actions.set_offline_copies(cast.secretary, doc, allowed=False)
    client.force_login(cast.delegate)
    data = check(client, meeting, [[doc.pk, 1]]).json()
    assert data["documents"][str(doc.pk)]["keep"] is False


def test_the_check_says_when_a_new_version_came(
    client, cast, agenda_doc, django_capture_on_commit_callbacks
):
    meeting, doc = agenda_doc
    from tests.meetings.conftest import upload

    with django_capture_on_commit_callbacks(execute=True):
        doc_actions.add_version(cast.secretary, doc, uploaded_file=upload(pages=2))
    client.force_login(cast.delegate)
    data = check(client, meeting, [[doc.pk, 1]]).json()
    assert data["documents"][str(doc.pk)] == {"keep": True, "current": False}


def test_an_outsider_checking_learns_only_to_keep_nothing(client, cast, agenda_doc):
    meeting, doc = agenda_doc
    client.force_login(cast.outsider)
    response = check(client, meeting, [[doc.pk, 1]])
    assert response.status_code == 200
    assert response.json() == {
        "allowed": False,
        "stamp": None,
        "documents": {},
        "maxAgeHours": 72,
    }


def test_a_bad_check_body_is_refused_in_vietnamese(client, cast, agenda_doc):
    meeting, _doc = agenda_doc
    client.force_login(cast.delegate)
    response = client.post(
        reverse("meetings:offline_check", args=[meeting.pk]),
        data="{not json",
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["message"] == "Yêu cầu kiểm tra không hợp lệ."


# --- the per-document setting ----------------------------------------------------------


def test_offline_copies_default_follows_the_classification(cast, agenda_doc):
    _meeting, doc = agenda_doc
    assert doc.offline_copies is None and doc.offline_allowed
    make_secret(cast, doc)
    assert not doc.offline_allowed


def test_only_who_may_share_sets_offline_copies_and_it_is_audited(cast, agenda_doc):
    _meeting, doc = agenda_doc
    with pytest.raises(ActionError) as refused:
        doc_actions.set_offline_copies(cast.delegate, doc, allowed=False)
    assert refused.value.code == "forbidden"
    doc.refresh_from_db()
    assert doc.offline_copies is None
    doc_actions.set_offline_copies(cast.secretary, doc, allowed=False)
    doc.refresh_from_db()
    assert doc.offline_copies is False
    event = AuditEvent.objects.filter(action="document.offline_copies").get()
    assert event.detail == {"before": True, "after": False}


def test_the_share_dialog_toggles_offline_copies(client, cast, agenda_doc):
    _meeting, doc = agenda_doc
    url = reverse("documents:share_offline", args=[doc.pk])
    client.force_login(cast.secretary)
    page = client.get(reverse("documents:share", args=[doc.pk]), HTTP_HX_REQUEST="true")
    assert "Không cho lưu bản offline" in page.content.decode()
    response = client.post(url, {"offline": "0"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Cho phép lưu bản offline" in response.content.decode()
    doc.refresh_from_db()
    assert doc.offline_copies is False
    bad = client.post(url, {"offline": "maybe"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 422
    assert "Lựa chọn bản offline không hợp lệ." in bad.content.decode()
    doc.refresh_from_db()
    assert doc.offline_copies is False
    client.force_login(cast.delegate)  # may view, may not share: 404
    assert client.post(url, {"offline": "1"}).status_code == 404


# --- the installable app ----------------------------------------------------------------


def test_the_service_worker_is_served_from_the_root_never_cached(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    assert "connect-src 'self'" in response["Content-Security-Policy"]
    body = response.content.decode()
    assert body.startswith("const NGHISU = ")
    config = json.loads(body.split("\n", 1)[0][len("const NGHISU = ") : -1])
    assert "/static/js/briefcase.js" in config["shell"]
    assert not any("sw.js" in url for url in config["shell"])


def test_the_manifest_names_the_app_in_vietnamese_with_icons(client):
    response = client.get("/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json"
    data = json.loads(response.content)
    assert data["name"] == "Nghị Sự" and data["display"] == "standalone"
    assert [i["sizes"] for i in data["icons"]] == ["192x192", "512x512"]
    for icon in data["icons"]:
        assert client.get(icon["src"]).status_code == 200


def test_pages_carry_a_per_session_key_and_sign_out_clears_the_site(client, cast):
    client.force_login(cast.delegate)
    page = client.get("/").content.decode()
    assert 'name="nghisu-offline-key"' in page
    key = page.split('name="nghisu-offline-key" content="')[1].split('"')[0]
    assert len(key) == 20
    response = client.post(reverse("logout"))
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    client.force_login(cast.delegate)
    again = client.get("/").content.decode()
    assert key not in again  # a new session, a new briefcase
