"""A closed vote's counting record is signed with the body's certificate."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings as django_settings
from django.urls import reverse

from tests.documents import signing_pki
from tests.meetings import test_room_page as base
from tests.realtime.rooms import check_in

room = base.room  # the fixture: a running meeting's room


def test_the_counting_record_is_signed_and_valid_for_pdfsig(
    client, cast, room, settings, tmp_path
):
    from meetings import voting

    body_key = signing_pki.configure_body_key(settings, tmp_path)
    for user in (cast.chair, cast.delegate):
        check_in(cast.secretary, room.meeting, user)
    vote = base._open_vote(cast, room.meeting)
    voting.do_cast(cast.chair, room.meeting.pk, vote_id=vote, option="yes")
    voting.do_close(cast.chair, room.meeting.pk, vote_id=vote)
    client.force_login(cast.delegate)
    response = client.get(reverse("room:record", args=[room.meeting.pk, vote]))
    assert response.status_code == 200
    (saved,) = (Path(django_settings.MEDIA_ROOT) / "votes" / str(vote)).glob("*.pdf")
    signing_pki.assert_signed_by_body(saved, body_key, tmp_path)
    from accounts.models import AuditEvent

    # Signed on the first download: the audit names who downloaded it.
    event = AuditEvent.objects.get(action="signature.signed")
    assert event.user == cast.delegate
