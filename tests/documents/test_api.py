"""The public API others call: create, version, grant, revoke, access."""

from __future__ import annotations

import pytest

from accounts.models import AuditEvent
from documents import actions, queries
from documents.models import (
    DOCUMENT_PERMS,
    DocumentGroupObjectPermission,
    DocumentUserObjectPermission,
    VersionStatus,
)
from nghisu.errors import ActionError, NotFound
from tests.documents import pdf_builders as B
from tests.documents.conftest import upload_file


def test_uploader_gets_every_permission_and_version_one_is_processed(
    cast, make_document
):
    doc = make_document(cast.secretary, body=cast.hdnd, data=B.text_pdf(3))
    version = doc.latest_version
    assert version.number == 1 and version.status == VersionStatus.READY
    assert version.page_count == 3 and version.pages_done == 3
    assert version.pages.count() == 3
    assert "Hello PDF" in version.pages.get(number=1).text
    assert queries.perms_for(cast.secretary, doc) == set(DOCUMENT_PERMS)
    assert AuditEvent.objects.filter(
        action="document.create", object_id=str(doc.pk)
    ).exists()


def test_a_delegate_cannot_upload_for_a_body(cast, make_document):
    with pytest.raises(ActionError) as err:
        make_document(cast.delegate, body=cast.hdnd, data=B.text_pdf(1))
    assert err.value.code == "forbidden" and "quyền" in err.value.message


def test_grant_and_revoke_through_a_body_group(cast, make_document):
    doc = make_document(cast.secretary, body=cast.hdnd, data=B.text_pdf(1))
    with pytest.raises(NotFound):
        queries.access_document(cast.delegate, doc.pk)
    actions.grant(cast.secretary, doc, groups=[cast.hdnd.group])
    assert queries.access_document(cast.delegate, doc.pk) == doc
    assert not queries.user_can(cast.delegate, doc, "download_document")
    assert doc not in queries.viewable_documents(cast.ubnd_member)
    actions.revoke(cast.secretary, doc, groups=[cast.hdnd.group])
    with pytest.raises(NotFound):
        queries.access_document(cast.delegate, doc.pk)
    assert AuditEvent.objects.filter(action="document.revoke").count() == 1


def test_sharing_needs_share_permission_unless_system(cast, make_document):
    doc = make_document(cast.secretary, body=cast.hdnd, data=B.text_pdf(1))
    actions.grant(cast.secretary, doc, users=[cast.delegate])
    with pytest.raises(ActionError) as err:
        actions.grant(cast.delegate, doc, users=[cast.outsider])
    assert err.value.code == "forbidden"
    assert not DocumentUserObjectPermission.objects.filter(user=cast.outsider).exists()
    actions.grant(cast.delegate, doc, users=[cast.outsider], system=True)
    assert queries.user_can(cast.outsider, doc, "view_document")


def test_grant_to_group_bulk_is_one_insert(
    cast, make_document, django_assert_num_queries
):
    docs = [
        make_document(cast.secretary, body=cast.hdnd, data=B.text_pdf(1), title=f"T{i}")
        for i in range(3)
    ]
    # savepoint, permissions, one insert of grants, one insert of audit, release
    with django_assert_num_queries(5):
        assert actions.grant_to_group_bulk(None, docs, group=cast.ubnd.group) == 3
    assert (
        DocumentGroupObjectPermission.objects.filter(group=cast.ubnd.group).count() == 3
    )
    assert all(queries.user_can(cast.ubnd_member, d, "view_document") for d in docs)
    actions.grant_to_group_bulk(None, docs, group=cast.ubnd.group)  # harmless twice


def test_add_version_supersedes_and_keeps_the_old(
    cast, make_document, django_capture_on_commit_callbacks
):
    doc = make_document(cast.secretary, body=cast.hdnd, data=B.text_pdf(1))
    with django_capture_on_commit_callbacks(execute=True):
        v2 = actions.add_version(
            cast.secretary, doc, uploaded_file=upload_file("v2.pdf", B.text_pdf(2))
        )
    doc.refresh_from_db()
    assert v2.number == 2 and doc.latest_version == v2
    assert queries.access_version(doc, 1).page_count == 1
    assert queries.access_version(doc, 2).page_count == 2
    with pytest.raises(NotFound):
        queries.access_version(doc, 3)


def test_add_version_needs_change_permission(cast, make_document):
    doc = make_document(cast.secretary, body=cast.hdnd, data=B.text_pdf(1))
    actions.grant(cast.secretary, doc, users=[cast.delegate])
    with pytest.raises(ActionError):
        actions.add_version(
            cast.delegate, doc, uploaded_file=upload_file("x.pdf", B.text_pdf(1))
        )
    assert doc.versions.count() == 1


def test_public_documents_are_viewable_by_every_signed_in_user(cast, make_document):
    doc = make_document(
        cast.secretary, body=cast.hdnd, data=B.text_pdf(1), classification="public"
    )
    assert queries.access_document(cast.outsider, doc.pk) == doc
    assert not queries.user_can(cast.outsider, doc, "share_document")
