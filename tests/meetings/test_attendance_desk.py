"""The secretary's attendance desk: several people checked in with one action,
from the page (which answers JSON to its script), and the item page's upload
answering its progress script with where to go."""

from __future__ import annotations

import pytest

from meetings import actions
from meetings.models import Participant
from nghisu.errors import ActionError
from tests.meetings.conftest import times

pytestmark = pytest.mark.django_db


def _url(name, meeting, *args):
    from django.urls import reverse

    return reverse(f"meetings:{name}", args=[meeting.pk, *args])


def _ids(meeting, *users):
    return [Participant.objects.get(meeting=meeting, user=u).pk for u in users]


def test_several_people_checked_in_with_one_action(
    cast, published, django_capture_on_commit_callbacks
):
    ids = _ids(published, cast.chair, cast.delegate, cast.delegate2)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        count = actions.check_in_many(cast.secretary, published, ids)
    assert count == 3
    assert len(callbacks) == 3  # one attendance.changed each, after commit
    assert set(
        Participant.objects.filter(pk__in=ids).values_list("attendance", flat=True)
    ) == {"present"}
    # Again: nothing new.
    assert actions.check_in_many(cast.secretary, published, ids) == 0


def test_an_id_of_another_meeting_checks_nobody_in(cast, published):
    start, end = times(days=9)
    other = actions.create_meeting(
        cast.secretary,
        body=cast.hdnd,
        title="Kỳ họp khác",
        kind="hdnd_thematic",
        starts_at=start,
        ends_at=end,
        place="Hội trường",
    )
    actions.invite_members(cast.secretary, other)
    foreign = Participant.objects.filter(meeting=other).first()
    ids = [*_ids(published, cast.delegate), foreign.pk]
    with pytest.raises(ActionError) as exc:
        actions.check_in_many(cast.secretary, published, ids)
    assert exc.value.code == "bad_participant"
    assert not Participant.objects.filter(attendance="present").exists()


def test_a_delegate_cannot_check_others_in(cast, published):
    with pytest.raises(ActionError) as exc:
        actions.check_in_many(cast.delegate, published, _ids(published, cast.delegate2))
    assert exc.value.code == "forbidden"


def test_the_page_checks_the_ticked_rows_in(client, cast, published):
    client.force_login(cast.secretary)
    ids = _ids(published, cast.delegate, cast.delegate2)
    response = client.post(
        _url("check_in_many", published),
        {"participant": [str(i) for i in ids]},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 302
    assert Participant.objects.filter(pk__in=ids, attendance="present").count() == 2
    bad = client.post(
        _url("check_in_many", published),
        {"participant": ["x"]},
        HTTP_ACCEPT="application/json",
    )
    assert bad.status_code in (400, 422) and "chọn" in bad.json()["message"]
    page = client.get(_url("attendance", published))
    html = page.content.decode()
    assert 'form="bulk-checkin"' in html and "data-att-search" in html


def test_roles_are_labelled_after_the_body(client, cast, published):
    from meetings.models import role_label

    client.force_login(cast.secretary)
    html = client.get(_url("attendance", published)).content.decode()
    assert "Đại biểu HĐND" in html
    assert role_label("delegate", "ubnd") == "Thành viên UBND"
    assert role_label("secretary", "ubnd") == "Thư ký"
