"""Meeting pages end to end through the test client: access, forms, counts."""

from __future__ import annotations

import datetime
import json

import pytest
from django.urls import reverse

from accounts import actions as account_actions
from accounts.models import Position
from meetings import actions
from meetings.models import (
    AgendaItem,
    Answer,
    Meeting,
    MeetingStatus,
    Minutes,
    Participant,
)
from tests.meetings.conftest import times
from tests.realtime.rooms import reach_quorum


def login(client, user):
    client.force_login(user)
    return client


def url(name, meeting, *args):
    return reverse(f"meetings:{name}", args=[meeting.pk, *args])


# --- access: 404, never 403 ---------------------------------------------------------


def test_drafts_are_hidden_from_delegates_and_outsiders(client, cast, draft):
    item = draft.items.first()
    for user in (cast.delegate, cast.outsider):
        login(client, user)
        for path in (
            url("detail", draft),
            url("item", draft, item.pk),
            url("participants", draft),
            url("minutes", draft),
        ):
            assert client.get(path).status_code == 404, (user, path)
    login(client, cast.secretary)
    assert client.get(url("detail", draft)).status_code == 200


def test_outsiders_get_404_for_meeting_items_documents_and_minutes(
    client, cast, draft, make_document, django_capture_on_commit_callbacks
):
    item = draft.items.first()
    doc = make_document(cast.secretary, body=cast.hdnd)
    actions.attach_documents(cast.secretary, item, [doc])
    with django_capture_on_commit_callbacks(execute=True):
        actions.publish_meeting(cast.secretary, draft)
    reach_quorum(cast.secretary, draft)
    actions.start_meeting(cast.chair, draft)
    actions.close_meeting(cast.chair, draft)
    minutes = actions.start_minutes(cast.secretary, draft)
    actions.approve_minutes(cast.chair, minutes)
    login(client, cast.outsider)
    paths = [
        url("detail", draft),
        url("item", draft, item.pk),
        url("attendance", draft),
        url("conclusions", draft),
        url("minutes", draft),
        url("minutes_pdf", draft, 1),
        reverse("documents:detail", args=[doc.pk]),
    ]
    for path in paths:
        assert client.get(path).status_code == 404, path
    login(client, cast.delegate)
    for path in paths:
        assert client.get(path).status_code == 200, path


def test_the_builder_is_for_managers_only(client, cast, published):
    login(client, cast.delegate)
    assert client.get(url("agenda", published)).status_code == 404
    response = client.post(url("agenda", published), {"title": "Chen ngang"})
    assert response.status_code == 404
    assert published.items.count() == 2


def test_draft_minutes_are_hidden_from_delegates(client, cast, running):
    actions.start_minutes(cast.secretary, running)
    login(client, cast.delegate)
    assert client.get(url("minutes_pdf", running, 1)).status_code == 404
    assert (
        b"Phi\xc3\xaan b\xe1\xba\xa3n 1"
        not in client.get(url("minutes", running)).content
    )


# --- the secretary's journey ------------------------------------------------------------


def test_create_form_refuses_end_before_start(client, cast):
    login(client, cast.secretary)
    start, end = times()
    response = client.post(
        reverse("meetings:create"),
        {
            "body": cast.hdnd.pk,
            "title": "Kỳ họp",
            "kind": "hdnd_regular",
            "starts_at": end.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": start.strftime("%Y-%m-%dT%H:%M"),
            "place": "Hội trường",
        },
    )
    assert response.status_code == 422
    assert "Thời gian kết thúc phải sau thời gian bắt đầu." in response.content.decode()
    assert not Meeting.objects.exists()


def test_reorder_endpoint_accepts_the_current_order_and_refuses_a_stale_one(
    client, cast, draft
):
    login(client, cast.secretary)
    draft.refresh_from_db()
    a, b = list(draft.items.order_by("position"))
    ok = client.post(
        url("reorder", draft),
        json.dumps({"order": [b.pk, a.pk], "version": draft.agenda_version}),
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["version"] == draft.agenda_version + 1
    stale = client.post(
        url("reorder", draft),
        json.dumps({"order": [a.pk, b.pk], "version": draft.agenda_version}),
        content_type="application/json",
    )
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale"
    assert "tải lại trang" in stale.json()["message"]
    assert list(draft.items.order_by("position").values_list("pk", flat=True)) == [
        b.pk,
        a.pk,
    ]


def test_publish_page_flow_and_delegate_accepts(client, cast, draft):
    login(client, cast.secretary)
    response = client.post(url("transition", draft, "publish"))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == MeetingStatus.PUBLISHED
    login(client, cast.delegate)
    page = client.get(url("detail", draft))
    assert "Xác nhận tham dự" in page.content.decode()
    client.post(url("respond", draft), {"answer": "accepted"})
    assert (
        Participant.objects.get(meeting=draft, user=cast.delegate).answer
        == Answer.ACCEPTED
    )
    home = client.get(reverse("home")).content.decode()
    assert draft.title in home


def test_a_refusal_shows_the_message_and_changes_nothing(client, cast):
    start, end = times()
    meeting = actions.create_meeting(
        cast.secretary,
        body=cast.hdnd,
        title="Kỳ họp",
        kind="hdnd_regular",
        starts_at=start,
        ends_at=end,
        place="Hội trường",
    )
    login(client, cast.secretary)
    response = client.post(url("transition", meeting, "publish"), follow=True)
    assert "Chưa có nội dung nào trong chương trình" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.DRAFT
    htmx = client.post(url("transition", meeting, "publish"), HTTP_HX_REQUEST="true")
    assert htmx.status_code == 422 and htmx.json()["code"] == "empty_agenda"


def test_check_in_page_works_once_published_before_the_start(client, cast, published):
    login(client, cast.delegate)
    client.post(url("check_in_self", published), follow=True)
    p = Participant.objects.get(meeting=published, user=cast.delegate)
    assert p.attendance == "present"


def test_conclusion_form_for_an_item_of_another_meeting(client, cast, running):
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
    foreign = actions.add_item(cast.secretary, other, title="Nội dung khác")
    login(client, cast.chair)
    # Another meeting's item answers like a missing one: 404, nothing learnt.
    response = client.post(url("conclusion", running, foreign.pk), {"text": "Kết luận"})
    assert response.status_code == 404
    missing = client.post(url("conclusion", running, 999999), {"text": "Kết luận"})
    assert missing.status_code == 404
    assert not AgendaItem.objects.filter(conclusion__isnull=False).exists()


def test_notifications_page_and_mark_read(client, cast, published):
    login(client, cast.delegate)
    page = client.get(reverse("notification_list"))
    assert page.status_code == 200 and "Giấy mời họp" in page.content.decode()
    note = cast.delegate.notifications.first()
    response = client.post(reverse("notification_open", args=[note.pk]))
    assert response["Location"] == reverse("meetings:detail", args=[published.pk])
    note.refresh_from_db()
    assert note.read_at is not None
    login(client, cast.delegate2)
    assert client.post(reverse("notification_open", args=[note.pk])).status_code == 404


# --- fixed query counts -------------------------------------------------------------------


def _big_meeting(cast, n_items: int, n_people: int) -> Meeting:
    users = []
    for i in range(n_people):
        user = account_actions.create_user(
            f"db{n_items}x{i:03d}", full_name=f"Đại biểu {i:03d}", password=None
        )
        account_actions.add_membership(
            cast.hdnd,
            user,
            position=Position.MEMBER,
            start_date=datetime.date(2021, 7, 1),
        )
        users.append(user)
    start, end = times()
    meeting = actions.create_meeting(
        cast.secretary,
        body=cast.hdnd,
        title=f"Kỳ họp {n_items}",
        kind="hdnd_regular",
        starts_at=start,
        ends_at=end,
        place="Hội trường",
    )
    top = None
    for i in range(n_items):
        parent = top if i % 5 == 4 else None
        item = actions.add_item(
            cast.secretary,
            meeting,
            title=f"Nội dung {i}",
            presenter=cast.ubnd_chair,
            parent=parent,
        )
        if parent is None:
            top = item
    actions.invite_members(cast.secretary, meeting)
    actions.publish_meeting(cast.secretary, meeting)
    reach_quorum(cast.secretary, meeting)
    actions.start_meeting(cast.chair, meeting)
    for p in Participant.objects.filter(meeting=meeting)[: n_people // 2]:
        actions.check_in(cast.secretary, p)
    for item in meeting.items.all()[: n_items // 2]:
        actions.record_conclusion(cast.chair, meeting, item, text=f"Đồng ý {item.pk}")
    return meeting


PAGES = ["detail", "agenda", "participants", "attendance", "conclusions"]


@pytest.mark.parametrize("page", PAGES)
def test_page_queries_do_not_grow_with_the_meeting(
    client, cast, page, django_assert_num_queries
):
    small = _big_meeting(cast, 5, 4)
    big = _big_meeting(cast, 50, 100)
    assert big.items.count() == 50 and big.participants.count() >= 100
    login(client, cast.secretary)
    client.get(url(page, small))  # warm caches (session, content types)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small_ctx:
        assert client.get(url(page, small)).status_code == 200
    with django_assert_num_queries(len(small_ctx.captured_queries)):
        assert client.get(url(page, big)).status_code == 200


EXPECTED = {  # each includes the notification bell's unread COUNT (base.html)
    "detail": 11,
    "agenda": 9,
    "participants": 7,
    "attendance": 7,
    "conclusions": 7,
}


@pytest.mark.parametrize("page", PAGES)
def test_page_query_count_for_50_items_and_100_participants(
    client, cast, page, django_assert_num_queries
):
    big = _big_meeting(cast, 50, 100)
    login(client, cast.secretary)
    client.get(url(page, big))
    with django_assert_num_queries(EXPECTED[page]):
        assert client.get(url(page, big)).status_code == 200


def test_minutes_page_for_the_chair(client, cast, running):
    actions.close_meeting(cast.chair, running)
    minutes = actions.start_minutes(cast.secretary, running)
    login(client, cast.secretary)
    page = client.get(url("minutes", running))
    assert "Lập biên bản" not in page.content.decode()
    client.post(
        url("minutes_save", running, minutes.version),
        {"number": "12/BB-HĐND", "opening": "Mở đầu", "then": "submit"},
    )
    login(client, cast.chair)
    assert "Phê duyệt biên bản" in client.get(url("minutes", running)).content.decode()
    home = client.get(reverse("home")).content.decode()
    assert "Biên bản chờ bạn phê duyệt" in home
    client.post(url("minutes_approve", running, minutes.version))
    assert Minutes.objects.get(pk=minutes.pk).status == "approved"
    pdf = client.get(url("minutes_pdf", running, minutes.version))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    # The approved file never changes: a private cache revalidates it by ETag.
    assert pdf["Cache-Control"] == "private, no-cache"
    again = client.get(
        url("minutes_pdf", running, minutes.version), HTTP_IF_NONE_MATCH=pdf["ETag"]
    )
    assert again.status_code == 304
