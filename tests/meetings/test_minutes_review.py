"""The chair reviews submitted minutes in a reading view and approves them or
sends them back with a reason the secretary sees."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from meetings import actions
from meetings.models import MinutesStatus
from nghisu.errors import ActionError
from tests.meetings.test_minutes import _draft, closed  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def _page(client, user, meeting):
    client.force_login(user)
    return client.get(reverse("meetings:minutes", args=[meeting.pk])).content.decode()


def test_the_chair_returns_submitted_minutes_with_a_reason(client, cast, closed):  # noqa: F811
    minutes = actions.submit_minutes(cast.secretary, _draft(cast, closed))
    html = _page(client, cast.chair, closed)
    # A reading view with the two decisions, not the secretary's edit form.
    assert "data-minutes-read" in html and "Trả lại để chỉnh sửa" in html
    assert 'name="opening"' not in html
    with pytest.raises(ActionError) as exc:
        actions.return_minutes(cast.chair, minutes, reason="  ")
    assert exc.value.code == "reason_required"
    with pytest.raises(ActionError) as exc:
        actions.return_minutes(cast.secretary, minutes, reason="Sửa")
    assert exc.value.code == "forbidden"
    response = client.post(
        reverse("meetings:minutes_return", args=[closed.pk, minutes.version]),
        {"reason": "Bổ sung ý kiến của đại biểu Cầm Văn Đông."},
    )
    assert response.status_code == 302
    minutes.refresh_from_db()
    assert minutes.status == MinutesStatus.DRAFT
    assert AuditEvent.objects.filter(action="minutes.return").exists()
    html = _page(client, cast.secretary, closed)
    assert "Bổ sung ý kiến của đại biểu Cầm Văn Đông." in html
    assert 'name="opening"' in html  # the secretary edits again
    # Resubmitted: the reason is cleared; returning a draft is refused.
    with pytest.raises(ActionError) as exc:
        actions.return_minutes(cast.chair, minutes, reason="Sửa")
    assert exc.value.code == "not_submitted"
    actions.submit_minutes(cast.secretary, minutes)
    minutes.refresh_from_db()
    assert minutes.returned_reason == ""
