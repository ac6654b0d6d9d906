"""Create forms create once: Back and submit again, a double click, two
tabs: one object, and the second answer redirects to it saying so."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.contrib.messages import get_messages
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from meetings.models import Meeting
from tests.meetings.conftest import times

ALREADY = "Đã tạo trước đó; không tạo thêm lần nữa."


def _meeting_form(client, cast) -> dict:
    page = client.get(reverse("meetings:create"))
    start, end = times()
    return {
        "body": cast.hdnd.pk,
        "title": "Kỳ họp chuyên đề",
        "kind": "hdnd_thematic",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": end.strftime("%Y-%m-%dT%H:%M"),
        "place": "Hội trường",
        "client_token": str(page.context["form"].initial["client_token"]),
    }


def _said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_meeting_form_posted_twice_makes_one_and_redirects_to_it(client, cast):
    client.force_login(cast.secretary)
    data = _meeting_form(client, cast)
    first = client.post(reverse("meetings:create"), data)
    second = client.post(reverse("meetings:create"), data)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    assert Meeting.objects.count() == 1
    assert ALREADY in _said(second) and ALREADY not in _said(first)
    fresh = _meeting_form(client, cast)  # a new page: a new meeting
    client.post(reverse("meetings:create"), fresh)
    assert Meeting.objects.count() == 2


def test_an_agenda_item_posted_twice_is_added_once(client, cast, draft):
    client.force_login(cast.secretary)
    url = reverse("meetings:agenda", args=[draft.pk])
    token = client.get(url).context["form"].initial["client_token"]
    data = {"title": "Chất vấn", "client_token": str(token), "duration_minutes": "45"}
    client.post(url, data)
    again = client.post(url, data)
    assert again.status_code == 302
    assert draft.items.filter(title="Chất vấn").count() == 1
    assert ALREADY in _said(again)


def test_an_assignment_posted_twice_is_given_once(client, cast):
    from work.models import Assignment

    client.force_login(cast.chair)
    url = reverse("work:assignment_new", args=[cast.hdnd.pk])
    form = client.get(url).context["form"]
    deadline = timezone.localdate() + datetime.timedelta(days=7)
    data = {
        "title": "Rà soát dự toán",
        "description": "",
        "deadline": deadline.isoformat(),
        "assignee_kind": "body",
        "assignee_body": cast.ubnd.pk,
        "client_token": str(form.initial["client_token"]),
    }
    first = client.post(url, data)
    assert first.status_code == 302, first.content.decode()[:2000]
    second = client.post(url, data)
    assert Assignment.objects.count() == 1
    assert second["Location"] == first["Location"]
    assert ALREADY in _said(second)


def test_someone_elses_token_is_refused(client, cast):
    client.force_login(cast.secretary)
    data = _meeting_form(client, cast)
    client.post(reverse("meetings:create"), data)
    client.force_login(cast.chair)
    refused = client.post(reverse("meetings:create"), data)
    assert refused.status_code == 422
    assert Meeting.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_posts_with_one_token_make_one_meeting(cast):
    from tests.services import require_postgres

    require_postgres()
    setup = Client()
    setup.force_login(cast.secretary)
    data = _meeting_form(setup, cast)
    barrier = threading.Barrier(4)
    answers: list[int] = []

    def post() -> None:
        try:
            browser = Client()
            browser.force_login(cast.secretary)
            barrier.wait()
            answers.append(browser.post(reverse("meetings:create"), data).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == [302] * 4
    assert Meeting.objects.count() == 1


def test_a_document_uploaded_to_an_item_twice_is_attached_once(
    client, cast, draft, django_capture_on_commit_callbacks
):
    from documents.models import Document
    from tests.meetings.conftest import upload

    client.force_login(cast.secretary)
    item = draft.items.first()
    page = client.get(reverse("meetings:item", args=[draft.pk, item.pk]))
    token = page.context["upload_form"].initial["client_token"]
    assert str(token) in page.content.decode()
    url = reverse("meetings:item_upload", args=[draft.pk, item.pk])
    answers = []
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            answers.append(
                client.post(
                    url,
                    {
                        "file": upload(pages=1),
                        "title": "Tờ trình",
                        "client_token": str(token),
                    },
                )
            )
    assert [a.status_code for a in answers] == [302, 302]
    assert Document.objects.filter(title="Tờ trình").count() == 1
    assert item.attachments.count() == 1
    assert ALREADY in _said(answers[1])
