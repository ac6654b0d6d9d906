"""A closed vote's counting record is signed with the body's certificate."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings as django_settings
from django.urls import reverse

from meetings.actions import ballots as _ballots
from meetings.actions import votes as _votes
from tests.documents import signing_pki
from tests.meetings import test_room_page as base
from tests.realtime.rooms import check_in

room = base.room  # the fixture: a running meeting's room


def test_the_counting_record_is_signed_and_valid_for_pdfsig(
    client, cast, room, settings, tmp_path, django_capture_on_commit_callbacks
):
    from accounts.models import AuditEvent
    from meetings.counting_record import record_path

    body_key = signing_pki.configure_body_key(settings, tmp_path)
    for user in (cast.chair, cast.delegate):
        check_in(cast.secretary, room.meeting, user)
    vote = base._open_vote(cast, room.meeting)
    _ballots.do_cast(cast.chair, room.meeting.pk, vote_id=vote, option="yes")
    with django_capture_on_commit_callbacks(execute=True):
        _votes.do_close(cast.chair, room.meeting.pk, vote_id=vote)
    # Built and signed at closing (a task enqueued on commit), not on download:
    # the audit names the chair who closed the vote.
    saved = record_path(vote)
    assert saved.exists()
    event = AuditEvent.objects.get(action="signature.signed")
    assert event.user == cast.chair
    signing_pki.assert_signed_by_body(saved, body_key, tmp_path)
    client.force_login(cast.delegate)
    response = client.get(reverse("room:record", args=[room.meeting.pk, vote]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == saved.read_bytes()
    assert AuditEvent.objects.filter(action="signature.signed").count() == 1
    (stored,) = (Path(django_settings.MEDIA_ROOT) / "votes" / str(vote)).glob("*.pdf")
    assert stored == saved


def test_a_missing_record_is_asked_for_again_and_served(client, cast, room):
    from meetings.counting_record import record_path

    for user in (cast.chair, cast.delegate):
        check_in(cast.secretary, room.meeting, user)
    vote = base._open_vote(cast, room.meeting)
    _ballots.do_cast(cast.chair, room.meeting.pk, vote_id=vote, option="yes")
    _votes.do_close(cast.chair, room.meeting.pk, vote_id=vote)  # never committed
    assert not record_path(vote).exists()
    client.force_login(cast.delegate)
    response = client.get(reverse("room:record", args=[room.meeting.pk, vote]))
    # The immediate task backend builds it at once; a worker would answer 503.
    assert response.status_code == 200
    assert record_path(vote).exists()
