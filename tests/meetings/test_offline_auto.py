"""The briefcase's automatic download on the server: the user's preference
(an accounts action, audited) and the list of upcoming meetings a tablet
downloads by itself (docs/offline.md)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts import actions as account_actions
from accounts.models import AuditEvent
from meetings import actions, offline
from meetings.models import MeetingKind
from nghisu.errors import ActionError
from tests.meetings.conftest import times

pytestmark = pytest.mark.django_db

UPCOMING = "/meetings/offline/upcoming/"
SWITCH = "/accounts/offline-auto-download/"


def later_meeting(cast, django_capture_on_commit_callbacks, *, days: int):
    """A published meeting of the HĐND, its members invited, ``days`` ahead."""
    start, end = times(days=days)
    meeting = actions.create_meeting(
        cast.secretary,
        body=cast.hdnd,
        title=f"Phiên họp sau {days} ngày",
        kind=MeetingKind.HDND_REGULAR,
        starts_at=start,
        ends_at=end,
        place="Hội trường",
    )
    actions.add_item(cast.secretary, meeting, title="Báo cáo")
    actions.invite_members(cast.secretary, meeting)
    with django_capture_on_commit_callbacks(execute=True):
        actions.publish_meeting(cast.secretary, meeting)
    meeting.refresh_from_db()
    return meeting


# --- the preference -----------------------------------------------------------------


def test_the_preference_is_off_by_default(cast):
    assert cast.delegate.offline_auto_download is False


def test_a_user_turns_the_automatic_download_on_and_off_audited(cast):
    account_actions.set_offline_auto_download(
        cast.delegate, cast.delegate, enabled=True, ip="10.0.0.5"
    )
    cast.delegate.refresh_from_db()
    assert cast.delegate.offline_auto_download is True
    event = AuditEvent.objects.get(action="user.offline_auto_download")
    assert event.user == cast.delegate
    assert event.object_id == str(cast.delegate.pk)
    assert event.detail == {"enabled": True}
    assert event.ip == "10.0.0.5"
    # The same value again changes nothing and records nothing.
    account_actions.set_offline_auto_download(
        cast.delegate, cast.delegate, enabled=True
    )
    assert AuditEvent.objects.filter(action="user.offline_auto_download").count() == 1
    account_actions.set_offline_auto_download(
        cast.delegate, cast.delegate, enabled=False
    )
    cast.delegate.refresh_from_db()
    assert cast.delegate.offline_auto_download is False
    assert AuditEvent.objects.filter(action="user.offline_auto_download").count() == 2


def test_nobody_else_may_change_a_users_preference_not_even_an_admin(cast):
    for actor in (cast.admin, cast.secretary):
        with pytest.raises(ActionError) as caught:
            account_actions.set_offline_auto_download(
                actor, cast.delegate, enabled=True
            )
        assert caught.value.code == "forbidden"
    cast.delegate.refresh_from_db()
    assert cast.delegate.offline_auto_download is False
    assert not AuditEvent.objects.filter(action="user.offline_auto_download").exists()


def test_a_value_that_is_not_a_boolean_is_refused(cast):
    with pytest.raises(ActionError) as caught:
        account_actions.set_offline_auto_download(
            cast.delegate, cast.delegate, enabled="yes"
        )
    assert caught.value.message == "Lựa chọn không hợp lệ."


def test_the_briefcase_page_switches_the_preference(client, cast):
    client.force_login(cast.delegate)
    page = client.get(reverse("meetings:briefcase"))
    assert "Bật tự động tải" in page.content.decode()
    response = client.post(SWITCH, {"enabled": "1", "next": "/meetings/offline/"})
    assert response.status_code == 302
    assert response["Location"] == "/meetings/offline/"
    cast.delegate.refresh_from_db()
    assert cast.delegate.offline_auto_download is True
    page = client.get(reverse("meetings:briefcase"))
    html = page.content.decode()
    assert "Đã bật tự động tải." in html
    assert "Tắt tự động tải" in html
    # Every signed-in page tells the client.
    assert '<meta name="nghisu-offline-auto" content="1">' in html


def test_a_bad_value_or_an_outside_next_changes_nothing_and_says_so(client, cast):
    client.force_login(cast.delegate)
    response = client.post(SWITCH, {"enabled": "maybe"}, follow=True)
    assert "Lựa chọn không hợp lệ." in response.content.decode()
    cast.delegate.refresh_from_db()
    assert cast.delegate.offline_auto_download is False
    response = client.post(SWITCH, {"enabled": "1", "next": "https://evil.example/"})
    assert response["Location"] == "/meetings/offline/"


def test_the_switch_needs_a_signed_in_user_and_a_post(client, cast):
    response = client.post(SWITCH, {"enabled": "1"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(cast.delegate)
    assert client.get(SWITCH).status_code == 405


# --- the upcoming meetings ------------------------------------------------------------


def test_upcoming_lists_the_published_meetings_of_the_next_seven_days(
    client, cast, published, django_capture_on_commit_callbacks
):
    later_meeting(cast, django_capture_on_commit_callbacks, days=10)
    soon = later_meeting(cast, django_capture_on_commit_callbacks, days=1)
    client.force_login(cast.delegate)
    response = client.get(UPCOMING)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    data = response.json()
    assert data["enabled"] is False
    assert [m["id"] for m in data["meetings"]] == [soon.pk, published.pk]
    first = data["meetings"][1]
    assert first["title"] == published.title
    assert first["url"] == f"/meetings/{published.pk}/"
    assert first["version"]


def test_upcoming_leaves_out_drafts(client, cast, draft):
    client.force_login(cast.delegate)
    assert client.get(UPCOMING).json()["meetings"] == []


def test_the_version_changes_when_the_agenda_does(
    cast, published, django_capture_on_commit_callbacks
):
    [before] = offline.upcoming(cast.delegate)
    with django_capture_on_commit_callbacks(execute=True):
        actions.add_item(cast.secretary, published, title="Tờ trình bổ sung")
    [after] = offline.upcoming(cast.delegate)
    assert before["id"] == after["id"] and before["version"] != after["version"]


def test_outsiders_and_uninvited_users_learn_nothing(client, cast, published):
    for user in (cast.outsider, cast.ubnd_member, cast.admin):
        client.force_login(user)
        assert client.get(UPCOMING).json()["meetings"] == []
    client.logout()
    response = client.get(UPCOMING)
    assert response.status_code == 302


def test_upcoming_has_a_fixed_query_count(
    cast, published, django_capture_on_commit_callbacks, django_assert_num_queries
):
    for days in (1, 2, 4):
        later_meeting(cast, django_capture_on_commit_callbacks, days=days)
    with django_assert_num_queries(1):
        assert len(offline.upcoming(cast.delegate)) == 4
