"""Notifications: bulk creation, e-mail after commit, the page and marking read."""

from __future__ import annotations

from django.core import mail
from django.urls import reverse

from work import actions
from work.models import Notification


def test_notify_creates_one_per_user_and_mails_after_commit(
    cast, django_capture_on_commit_callbacks
):
    cast.delegate.email = "daibieu01@example.org"
    cast.delegate.save()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        rows = actions.notify(
            [cast.delegate, cast.delegate2, cast.delegate],
            kind="test",
            title="Giấy mời họp",
            body="Nội dung",
            url="/meetings/1/",
        )
        assert len(mail.outbox) == 0  # nothing leaves before commit
    assert len(rows) == 2
    assert Notification.objects.filter(kind="test").count() == 2
    for callback in callbacks:
        callback()
    assert [m.to for m in mail.outbox] == [["daibieu01@example.org"]]
    assert mail.outbox[0].subject == "Giấy mời họp"
    assert "/meetings/1/" in mail.outbox[0].body


def test_notify_without_email_and_without_users(
    cast, django_capture_on_commit_callbacks
):
    cast.delegate.email = "daibieu01@example.org"
    cast.delegate.save()
    with django_capture_on_commit_callbacks(execute=True):
        actions.notify([cast.delegate], kind="x", title="Tin", email=False)
        assert actions.notify([], kind="x", title="Không ai") == []
    assert len(mail.outbox) == 0
    assert Notification.objects.count() == 1


def test_mark_read_only_ones_own(cast):
    (note,) = actions.notify([cast.delegate], kind="x", title="Tin", email=False)
    import pytest

    from nghisu.errors import NotFound

    with pytest.raises(NotFound):
        actions.mark_read(cast.delegate2, note.pk)
    first = actions.mark_read(cast.delegate, note.pk).read_at
    assert first is not None
    assert actions.mark_read(cast.delegate, note.pk).read_at == first


def test_page_lists_unread_and_marks_all_read(client, cast):
    actions.notify([cast.delegate], kind="x", title="Thông báo một", email=False)
    actions.notify([cast.delegate], kind="x", title="Thông báo hai", email=False)
    actions.notify([cast.delegate2], kind="x", title="Của người khác", email=False)
    client.force_login(cast.delegate)
    page = client.get(reverse("notification_list")).content.decode()
    assert "Thông báo một" in page and "Thông báo hai" in page
    assert "Của người khác" not in page
    assert "2 thông báo chưa đọc" in page
    client.post(reverse("notification_read_all"))
    assert not Notification.objects.filter(
        recipient=cast.delegate, read_at__isnull=True
    ).exists()
    assert Notification.objects.filter(
        recipient=cast.delegate2, read_at__isnull=True
    ).exists()


def test_opening_refuses_external_urls(client, cast):
    (note,) = actions.notify(
        [cast.delegate], kind="x", title="Tin", url="https://evil.example/", email=False
    )
    client.force_login(cast.delegate)
    response = client.post(reverse("notification_open", args=[note.pk]))
    assert response["Location"] == reverse("notification_list")


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("notification_list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
