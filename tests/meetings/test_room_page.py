"""The room page, the HTTP fallback for casting, the counting record PDF."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from meetings.actions import ballots as _ballots
from meetings.actions import room as _room_actions
from meetings.actions import votes as _votes
from tests.meetings.commands import command
from tests.realtime.rooms import build_room, check_in


@pytest.fixture
def room(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return build_room(cast)


def _open_vote(cast, meeting, **fields):

    _room_actions.do_goto(cast.chair, meeting.pk, direction="next")
    return command(
        "vote.open",
        cast.chair,
        meeting.pk,
        {"question": "Thông qua Nghị quyết", **fields},
    )["vote"]


def test_a_participant_opens_the_room_page(client, cast, room):
    client.force_login(cast.delegate)
    response = client.get(reverse("room:page", args=[room.meeting.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-socket="/ws/meetings/{room.meeting.pk}/"' in html
    start = html.index('id="room-strings"')
    strings = json.loads(
        html[html.index(">", start) + 1 : html.index("</script>", start)]
    )
    assert strings["reconnecting"] == "Đang kết nối lại…"
    assert "js/room.js" in html and "css/room.css" in html


def test_the_meeting_page_links_to_the_room(client, cast, room):
    client.force_login(cast.delegate)
    response = client.get(reverse("meetings:detail", args=[room.meeting.pk]))
    assert reverse("room:page", args=[room.meeting.pk]) in response.content.decode()


def test_outsiders_get_404_and_anonymous_users_the_login(client, cast, room):
    url = reverse("room:page", args=[room.meeting.pk])
    assert client.get(url).status_code == 302
    client.force_login(cast.outsider)
    assert client.get(url).status_code == 404


def test_the_room_page_costs_a_fixed_number_of_queries(client, cast, room):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.actions import create_user
    from meetings import actions
    from meetings.models import Role

    url = reverse("room:page", args=[room.meeting.pk])
    client.force_login(cast.delegate)
    client.get("/")  # the session is loaded and refreshed once
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for n in range(6):
        actions.invite_participant(
            cast.secretary,
            room.meeting,
            create_user(f"khach{n}", full_name=f"Khách {n}", password=None),
            role=Role.GUEST,
        )
        actions.add_item(cast.secretary, room.meeting, title=f"Nội dung {n}")
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(small) == len(large) <= 8


def test_casting_over_http_when_the_socket_is_down(client, cast, room):
    from meetings.models import Ballot

    check_in(cast.secretary, room.meeting, cast.delegate)
    vote = _open_vote(cast, room.meeting)
    client.force_login(cast.delegate)
    url = reverse("room:cast", args=[room.meeting.pk, vote])
    body = json.dumps({"option": "yes", "id": "http-1"})
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 200
    answer = response.json()
    assert answer["type"] == "ack" and answer["result"]["option"] == "yes"
    again = client.post(url, body, content_type="application/json").json()
    assert again["result"]["duplicate"] is True
    assert Ballot.objects.filter(vote_id=vote).count() == 1


def test_casting_over_http_is_refused_like_on_the_socket(client, cast, room):
    from meetings.models import Ballot

    vote = _open_vote(cast, room.meeting)
    client.force_login(cast.delegate)  # not checked in
    response = client.post(
        reverse("room:cast", args=[room.meeting.pk, vote]),
        json.dumps({"option": "yes", "id": "x"}),
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["message"] == "Bạn cần điểm danh trước khi biểu quyết."
    assert not Ballot.objects.exists()
    client.force_login(cast.outsider)
    response = client.post(
        reverse("room:cast", args=[room.meeting.pk, vote]),
        json.dumps({"option": "yes"}),
        content_type="application/json",
    )
    assert response.status_code == 404


def test_the_counting_record_pdf_states_the_resolution_31_figures(client, cast, room):
    from documents import pdf

    for user in (cast.chair, cast.delegate, cast.delegate2):
        check_in(cast.secretary, room.meeting, user)
    vote = _open_vote(cast, room.meeting, kind="secret")
    for user, option in ((cast.chair, "yes"), (cast.delegate, "yes")):
        _ballots.do_cast(user, room.meeting.pk, vote_id=vote, option=option)
    client.force_login(cast.delegate)
    url = reverse("room:record", args=[room.meeting.pk, vote])
    assert client.get(url).status_code == 404  # not closed yet
    _votes.do_close(cast.chair, room.meeting.pk, vote_id=vote)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    data = b"".join(response.streaming_content)
    assert data.startswith(b"%PDF")
    from pathlib import Path

    from django.conf import settings

    (saved,) = (Path(settings.MEDIA_ROOT) / "votes" / str(vote)).glob("*.pdf")
    text = " ".join(p["text"] for p in pdf.extract(saved))
    for phrase in (
        "BIÊN BẢN KIỂM PHIẾU",
        "Tổng số thành viên",
        "Số phiếu phát ra",
        "Số phiếu thu vào",
        "Tán thành",
        "THÔNG QUA",
    ):
        assert phrase in text, phrase
    assert "Cầm Văn Đông" not in text  # a secret vote names nobody
