# ruff: noqa: F811 (pytest fixtures imported from test_annotations)
"""Shared annotations in the live room: who receives them, who may fetch them,
the room's layer config, and edits over HTTP."""

from __future__ import annotations

import json
import uuid

import pytest
from django.urls import reverse

from documents import actions as doc_actions
from documents.models import Annotation
from meetings import room
from meetings.models import Role
from tests.documents.test_annotations import (  # noqa: F401
    doc,
    frames,
    meeting,
    note,
    save,
)


def item_url(doc, pk):
    return reverse("documents:annotation_save", args=[doc.pk, 1, pk])


def post_json(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


@pytest.fixture
def guest(cast, doc, meeting):
    """A UBND guest in the room whose view of ``doc`` was withdrawn.

    The secretary invites him, then withdraws the participants' grant on the
    document (the HĐND members keep theirs through their body): he is in the
    room but may not view the document.
    """
    from meetings import actions

    actions.invite_participant(
        cast.secretary, meeting, cast.ubnd_member, role=Role.GUEST
    )
    doc_actions.revoke(cast.secretary, doc, groups=[meeting.participants_group])
    assert room.access_room(cast.ubnd_member, meeting.pk)
    return cast.ubnd_member


def test_a_room_member_who_cannot_view_the_document_gets_no_annotation_content(
    client, cast, doc, meeting, guest, frames, django_capture_on_commit_callbacks
):
    """The annotation goes only to the sockets of its readers: a delegate gets
    it, the guest in the same room gets no frame at all, and every endpoint
    answers him 404."""
    pk = uuid.uuid4()
    secret = "Đề nghị làm rõ nguồn thu từ đất"
    with django_capture_on_commit_callbacks(execute=True):
        save(
            cast.delegate,
            doc,
            note(secret, visibility="meeting", meeting=meeting.pk),
            pk,
        )
    assert {m["k"] for m, _event in frames} == {"private"}
    receivers = set()
    for message, event in frames:
        users = message["u"] if isinstance(message["u"], list) else [message["u"]]
        receivers |= set(users)
        assert event["annotation"]["text"] == secret
    assert cast.delegate2.pk in receivers and cast.delegate.pk in receivers
    assert guest.pk not in receivers
    client.force_login(guest)
    assert client.get(item_url(doc, pk)).status_code == 404
    list_url = reverse("documents:annotations", args=[doc.pk, 1])
    assert client.get(list_url).status_code == 404
    config_url = reverse("documents:annotation_config", args=[doc.pk, 1])
    assert client.get(config_url).status_code == 404
    client.force_login(cast.delegate2)
    fetched = client.get(item_url(doc, pk))
    assert fetched.status_code == 200
    body = fetched.json()["annotation"]
    assert body["text"] == secret and body["mine"] is False
    assert "sharedWith" not in body


def test_the_body_chair_outside_the_audience_cannot_fetch_a_shared_note(
    client, cast, doc, meeting, frames, django_capture_on_commit_callbacks
):
    """Someone who views the document but is not a participant of the meeting
    the note is shared with (the UBND chair, given view) receives no frame and
    gets a 404."""
    doc_actions.grant(cast.secretary, doc, users=[cast.ubnd_chair])
    pk = uuid.uuid4()
    with django_capture_on_commit_callbacks(execute=True):
        save(cast.delegate, doc, note(visibility="meeting", meeting=meeting.pk), pk)
    assert frames and all(
        cast.ubnd_chair.pk not in (m["u"] if isinstance(m["u"], list) else [m["u"]])
        for m, _event in frames
    )
    client.force_login(cast.ubnd_chair)
    assert client.get(item_url(doc, pk)).status_code == 404
    client.force_login(cast.chair)
    assert client.get(item_url(doc, pk)).status_code == 200


def test_private_and_deleted_annotations_are_404_to_others(client, cast, doc):
    pk = uuid.uuid4()
    save(cast.delegate, doc, note(), pk)
    client.force_login(cast.delegate2)
    assert client.get(item_url(doc, pk)).status_code == 404
    client.force_login(cast.delegate)
    assert client.get(item_url(doc, pk)).json()["annotation"]["mine"] is True
    from documents import annotations as ann

    ann.delete_annotation(cast.delegate, pk)
    assert client.get(item_url(doc, pk)).status_code == 404
    other = uuid.uuid4()
    assert client.get(item_url(doc, other)).status_code == 404


def test_an_edit_of_a_shared_note_reaches_the_others_with_the_new_text(
    client, cast, doc, meeting, frames, django_capture_on_commit_callbacks
):
    pk = uuid.uuid4()
    shared = {"visibility": "meeting", "meeting": meeting.pk}
    save(cast.delegate, doc, note("Bản đầu", rev=1, **shared), pk)
    frames.clear()
    client.force_login(cast.delegate)
    with django_capture_on_commit_callbacks(execute=True):
        edited = post_json(
            client,
            item_url(doc, pk),
            note("Bản đã sửa", point=(0.3, 0.4), rev=2, **shared),
        )
    assert edited.status_code == 200 and edited.json()["changed"] is True
    (others, event), (_author, _own) = frames
    assert cast.delegate2.pk in others["u"]
    assert event["type"] == "annotation.changed"
    assert event["annotation"]["rev"] == 2
    assert event["annotation"]["text"] == "Bản đã sửa"
    client.force_login(cast.delegate2)
    body = client.get(item_url(doc, pk)).json()["annotation"]
    assert body["text"] == "Bản đã sửa" and body["geometry"] == {"point": [0.3, 0.4]}


def test_a_stale_edit_over_http_is_refused_and_changes_nothing(client, cast, doc):
    pk = uuid.uuid4()
    save(cast.delegate, doc, note("Bản 1", rev=1), pk)
    save(cast.delegate, doc, note("Bản 2", rev=2), pk)
    client.force_login(cast.delegate)
    stale = post_json(client, item_url(doc, pk), note("Bản cũ sửa", rev=2))
    assert stale.status_code == 400 and stale.json()["code"] == "stale"
    assert "tải lại" in stale.json()["message"]
    row = Annotation.objects.get(pk=pk)
    assert row.text == "Bản 2" and row.rev == 2


def test_layer_config_for_the_room(client, cast, doc):
    client.force_login(cast.delegate)
    config = client.get(reverse("documents:annotation_config", args=[doc.pk, 1])).json()
    assert config["documentId"] == doc.pk and config["versionNumber"] == 1
    assert config["canAnnotate"] is True and config["textLayer"] is True
    assert config["pages"] == 3 and len(config["sizes"]) == 3
    assert config["listUrl"] == reverse("documents:annotations", args=[doc.pk, 1])
    assert config["wordsUrl"].endswith("/pages/{page}/words/")
    client.force_login(cast.outsider)
    assert (
        client.get(reverse("documents:annotation_config", args=[doc.pk, 1])).status_code
        == 404
    )
