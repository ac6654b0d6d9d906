"""Demo data of the live room (idempotent): prepared votes in the running UBND
tỉnh meeting, one open (named) and one secret, ready for the chair to open."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from meetings import voting
from meetings.models import AgendaItem, Meeting, MeetingStatus
from meetings.room_models import Vote, VoteKind

VOTES = [
    (
        "Kế hoạch triển khai chuyển đổi số",
        "Thông qua Kế hoạch triển khai chuyển đổi số năm 2026",
        VoteKind.OPEN,
    ),
    (
        "Các vấn đề phát sinh",
        "Giới thiệu nhân sự Giám đốc Sở Khoa học và Công nghệ",
        VoteKind.SECRET,
    ),
]


def seed(bodies: dict, *, stdout) -> None:
    """Prepare the running UBND tỉnh meeting's votes unless it has some."""
    from meetings.demo import RUNNING

    ubnd = bodies.get("ubnd")
    office = User.objects.filter(username="vanphong").first()
    if ubnd is None or office is None:
        return
    meeting = Meeting.objects.filter(
        body=ubnd, title=RUNNING, status=MeetingStatus.IN_PROGRESS
    ).first()
    if meeting is None or Vote.objects.filter(meeting=meeting).exists():
        return
    with transaction.atomic():
        for prefix, question, kind in VOTES:
            item = AgendaItem.objects.filter(
                meeting=meeting, title__startswith=prefix
            ).first()
            if item is None:
                continue
            voting.do_prepare(
                office, meeting.pk, question=question, kind=kind, item_id=item.pk
            )
    stdout.write(f"  Phòng họp: {RUNNING} — đã chuẩn bị {len(VOTES)} biểu quyết")
