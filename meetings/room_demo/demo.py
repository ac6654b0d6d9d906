"""Demo data of the live room (idempotent): prepared votes in the running UBND
tỉnh meeting, one open (named) and one secret, ready for the chair to open, and
the digital-transformation item current with page 1 of its plan on every screen."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from meetings.actions import room, votes
from meetings.models import AgendaDocument, AgendaItem, Meeting, MeetingStatus
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
    chair = User.objects.filter(username="chutich").first()
    if ubnd is None or office is None or chair is None:
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
            votes.do_prepare(
                office, meeting.pk, question=question, kind=kind, item_id=item.pk
            )
        _present_the_plan(chair, meeting)
    stdout.write(f"  Phòng họp: {RUNNING} — đã chuẩn bị {len(VOTES)} biểu quyết")


def _present_the_plan(chair: User, meeting: Meeting) -> None:
    """Make the plan's item current and show page 1 of its document, so that a
    tablet opening the room sees a page to follow and annotate."""
    attached = (
        AgendaDocument.objects.filter(
            item__meeting=meeting, item__title__startswith=VOTES[0][0]
        )
        .select_related("item", "document__latest_version")
        .first()
    )
    if attached is None:
        return
    room.do_goto(chair, meeting.pk, item_id=attached.item_id)
    version = attached.document.latest_version
    if version is not None and version.is_ready:
        room.do_present_page(
            chair, meeting.pk, document_id=attached.document_id, page=1
        )
