"""Fixtures of the meetings tests: a meeting built through the real actions."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.documents import pdf_builders


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(name: str = "to-trinh.pdf", pages: int = 1) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, pdf_builders.text_pdf(pages), content_type="application/pdf"
    )


def times(days: int = 3, hours: int = 4) -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=days)
    return start, start + datetime.timedelta(hours=hours)


@pytest.fixture
def make_document(django_capture_on_commit_callbacks):
    """A processed document of a body, created through documents.actions."""
    from documents import actions

    def make(actor, *, body, title="Tờ trình dự toán ngân sách", pages=1):
        with django_capture_on_commit_callbacks(execute=True):
            document = actions.create_document(
                actor, body=body, title=title, uploaded_file=upload(pages=pages)
            )
        document.refresh_from_db()
        return document

    return make


@pytest.fixture
def draft(cast):
    """A draft HĐND session with two items and the members invited."""
    from meetings import actions
    from meetings.models import MeetingKind

    start, end = times()
    meeting = actions.create_meeting(
        cast.secretary,
        body=cast.hdnd,
        title="Kỳ họp thứ mười hai HĐND tỉnh khóa XV",
        kind=MeetingKind.HDND_REGULAR,
        number=12,
        starts_at=start,
        ends_at=end,
        place="Hội trường Trung tâm Hội nghị tỉnh",
    )
    actions.add_item(
        cast.secretary,
        meeting,
        title="Báo cáo tình hình kinh tế - xã hội năm 2025",
        presenter=cast.ubnd_chair,
        presenter_text="UBND tỉnh",
        duration_minutes=30,
    )
    actions.add_item(
        cast.secretary, meeting, title="Nghị quyết về dự toán ngân sách năm 2026"
    )
    actions.invite_members(cast.secretary, meeting)
    meeting.refresh_from_db()
    return meeting


@pytest.fixture
def published(cast, draft, django_capture_on_commit_callbacks):
    from meetings import actions

    with django_capture_on_commit_callbacks(execute=True):
        actions.publish_meeting(cast.secretary, draft)
    draft.refresh_from_db()
    return draft


@pytest.fixture
def running(cast, published):
    from meetings import actions
    from tests.realtime.rooms import check_in

    # A quorum (two of the three members) before the start; cast.delegate is
    # left to check in by the tests.
    for user in (cast.chair, cast.delegate2):
        check_in(cast.secretary, published, user)
    actions.start_meeting(cast.chair, published)
    published.refresh_from_db()
    return published
