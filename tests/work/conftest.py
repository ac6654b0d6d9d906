"""Fixtures of the work tests: consultations and assignments made through actions."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.documents import pdf_builders


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(name: str = "bao-cao.pdf", pages: int = 1) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, pdf_builders.text_pdf(pages), content_type="application/pdf"
    )


def later(**delta) -> datetime.datetime:
    return timezone.now().replace(microsecond=0) + datetime.timedelta(
        **(delta or {"days": 3})
    )


@pytest.fixture
def make_document(django_capture_on_commit_callbacks):
    from documents import actions

    def make(actor, *, body, title="Dự thảo quyết định"):
        with django_capture_on_commit_callbacks(execute=True):
            document = actions.create_document(
                actor, body=body, title=title, uploaded_file=upload()
            )
        document.refresh_from_db()
        return document

    return make


@pytest.fixture
def consultation(cast):
    """An open consultation of HĐND tỉnh to its three members, due in 3 days."""
    from work import actions

    return actions.send_consultation(
        cast.chair,
        body=cast.hdnd,
        title="Dự thảo Nghị quyết về chính sách hỗ trợ cây ăn quả",
        question="Đề nghị các đồng chí cho ý kiến về dự thảo Nghị quyết.",
        deadline=later(days=3),
    )


@pytest.fixture
def conclusion(cast):
    """A conclusion of a closed HĐND meeting (as assignments come from)."""
    from meetings import actions
    from meetings.models import MeetingKind
    from tests.realtime.rooms import check_in

    start = timezone.now() - datetime.timedelta(days=2)
    meeting = actions.create_meeting(
        cast.secretary,
        body=cast.hdnd,
        title="Kỳ họp thứ mười hai",
        kind=MeetingKind.HDND_REGULAR,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=3),
        place="Hội trường tỉnh",
    )
    item = actions.add_item(cast.secretary, meeting, title="Đầu tư công trung hạn")
    actions.invite_members(cast.secretary, meeting)
    actions.publish_meeting(cast.secretary, meeting)
    for user in (cast.chair, cast.delegate):
        check_in(cast.secretary, meeting, user)
    actions.start_meeting(cast.chair, meeting)
    conclusion = actions.record_conclusion(
        cast.chair, meeting, item, text="Giao UBND tỉnh rà soát các dự án chậm."
    )
    actions.close_meeting(cast.chair, meeting)
    return conclusion
