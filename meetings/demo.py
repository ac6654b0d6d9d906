"""Demo meetings of Sơn La, made through the real actions (idempotent).

- an upcoming, published session of HĐND tỉnh with six items and documents;
- a UBND tỉnh meeting in progress, several members checked in;
- a closed past HĐND tỉnh session with conclusions and approved minutes.

Each meeting is found by body and title; an existing one is left as it is.
"""

from __future__ import annotations

import datetime
import tempfile
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from meetings import actions
from meetings.models import Answer, Meeting, MeetingKind, Participant

UPCOMING = "Kỳ họp thứ mười ba HĐND tỉnh Sơn La khóa XV"
RUNNING = "Phiên họp thường kỳ tháng 11 UBND tỉnh Sơn La"
PAST = "Kỳ họp thứ mười hai (chuyên đề) HĐND tỉnh Sơn La khóa XV"

# (title, presenter username, agency, minutes, document titles, sub-items)
UPCOMING_ITEMS = [
    ("Khai mạc kỳ họp", "chutoa", "", 15, [], []),
    (
        "Báo cáo tình hình kinh tế - xã hội năm 2025, kế hoạch năm 2026",
        "chutich",
        "UBND tỉnh",
        45,
        ["Báo cáo tình hình kinh tế - xã hội năm 2025 (toàn văn, 300 trang)"],
        [],
    ),
    (
        "Dự toán ngân sách địa phương năm 2026",
        "",
        "UBND tỉnh",
        60,
        ["Nghị quyết về dự toán ngân sách địa phương năm 2026"],
        [
            ("Tờ trình của UBND tỉnh", "", "UBND tỉnh", 20),
            ("Báo cáo thẩm tra của Ban Kinh tế - Ngân sách", "daibieu04", "", 20),
        ],
    ),
    ("Thảo luận tại tổ đại biểu", "", "Các tổ đại biểu", 90, [], []),
    (
        "Chất vấn và trả lời chất vấn",
        "chutoa",
        "",
        120,
        [],
        [],
    ),
    ("Biểu quyết thông qua các nghị quyết; bế mạc kỳ họp", "chutoa", "", 30, [], []),
]


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first() if username else None


def _document(secretary: User, body, title: str):
    """The documents app's demo document of that title, else a small new one."""
    from documents.models import Document

    found = Document.objects.filter(title=title).first()
    if found is not None:
        return found
    from documents import actions as document_actions
    from documents import pdf

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "demo.pdf"
        pdf.make_demo_pdf(
            path,
            title=title.upper(),
            paragraphs=[],
            pages=2,
            heading_lines=["HỘI ĐỒNG NHÂN DÂN", "TỈNH SƠN LA"],
        )
        with path.open("rb") as fh:
            return document_actions.create_document(
                secretary,
                body=body,
                title=title,
                uploaded_file=File(fh, name="tai-lieu-mau.pdf"),
            )


def _at(days: int, hour: int, minute: int = 0) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time(hour, minute))
    )


def _seed_upcoming(hdnd, stdout) -> None:
    if Meeting.objects.filter(body=hdnd, title=UPCOMING).exists():
        return
    secretary = _user("thuky")
    meeting = actions.create_meeting(
        secretary,
        body=hdnd,
        title=UPCOMING,
        kind=MeetingKind.HDND_REGULAR,
        number=13,
        starts_at=_at(7, 8),
        ends_at=_at(8, 17),
        place="Hội trường Trung tâm Hội nghị tỉnh Sơn La",
    )
    for title, presenter, agency, minutes, docs, subs in UPCOMING_ITEMS:
        item = actions.add_item(
            secretary,
            meeting,
            title=title,
            presenter=_user(presenter),
            presenter_text=agency,
            duration_minutes=minutes,
        )
        for sub_title, sub_presenter, sub_agency, sub_minutes in subs:
            actions.add_item(
                secretary,
                meeting,
                title=sub_title,
                presenter=_user(sub_presenter),
                presenter_text=sub_agency,
                duration_minutes=sub_minutes,
                parent=item,
            )
        documents = [_document(secretary, hdnd, t) for t in docs]
        if documents:
            actions.attach_documents(secretary, item, documents)
    actions.invite_members(secretary, meeting)
    actions.publish_meeting(secretary, meeting)
    for n in range(2, 12):
        user = _user(f"daibieu{n:02d}")
        if user is not None:
            actions.respond_invitation(user, meeting, answer=Answer.ACCEPTED)
    absent = _user("daibieu12")
    if absent is not None:
        actions.respond_invitation(
            absent, meeting, answer=Answer.DECLINED, reason="Đi công tác tại Hà Nội"
        )
    stdout.write(f"  Cuộc họp: {UPCOMING} (đã công bố, 6 nội dung)")


def _seed_running(ubnd, stdout) -> None:
    if Meeting.objects.filter(body=ubnd, title=RUNNING).exists():
        return
    office, chair = _user("vanphong"), _user("chutich")
    now = timezone.localtime()
    meeting = actions.create_meeting(
        office,
        body=ubnd,
        title=RUNNING,
        kind=MeetingKind.SESSION_REGULAR,
        number=11,
        starts_at=now - datetime.timedelta(hours=1),
        ends_at=now + datetime.timedelta(hours=3),
        place="Phòng họp số 1, trụ sở UBND tỉnh",
    )
    for title, agency, minutes in [
        ("Tình hình kinh tế - xã hội tháng 11 năm 2025", "Sở Tài chính", 30),
        ("Kế hoạch triển khai chuyển đổi số năm 2026", "Sở Khoa học và Công nghệ", 30),
        ("Phương án phòng, chống rét cho cây trồng, vật nuôi", "Sở Nông nghiệp", 20),
        ("Các vấn đề phát sinh", "", 20),
    ]:
        item = actions.add_item(
            office,
            meeting,
            title=title,
            presenter_text=agency,
            duration_minutes=minutes,
        )
        if title.startswith("Kế hoạch triển khai chuyển đổi số"):
            actions.attach_documents(office, item, [_document(office, ubnd, title)])
    actions.invite_members(office, meeting)
    actions.publish_meeting(office, meeting)
    # Check-in opens with the publication; the session starts with a quorum.
    for p in Participant.objects.filter(meeting=meeting).select_related("user"):
        if (
            p.user.username in {"chutich", "vanphong"}
            or p.user.username <= "thanhvien08"
        ):
            actions.check_in(office, p)
    actions.start_meeting(chair, meeting)
    stdout.write(f"  Cuộc họp: {RUNNING} (đang họp)")


def _seed_past(hdnd, stdout) -> None:
    if Meeting.objects.filter(body=hdnd, title=PAST).exists():
        return
    secretary, chair = _user("thuky"), _user("chutoa")
    meeting = actions.create_meeting(
        secretary,
        body=hdnd,
        title=PAST,
        kind=MeetingKind.HDND_THEMATIC,
        number=12,
        starts_at=_at(-60, 8),
        ends_at=_at(-60, 11, 30),
        place="Hội trường Trung tâm Hội nghị tỉnh Sơn La",
    )
    conclusions = {}
    for title, text in [
        (
            "Nghị quyết về chính sách hỗ trợ phát triển cây ăn quả",
            "Hội đồng nhân dân tỉnh thông qua Nghị quyết với 52/55 đại biểu tán thành; "
            "giao Ủy ban nhân dân tỉnh ban hành hướng dẫn trước ngày 31/12.",
        ),
        (
            "Điều chỉnh kế hoạch đầu tư công trung hạn",
            "Thống nhất điều chỉnh; Ủy ban nhân dân tỉnh rà soát các dự án chậm "
            "giải ngân và báo cáo tại kỳ họp thường lệ cuối năm.",
        ),
        ("Bế mạc kỳ họp", ""),
    ]:
        item = actions.add_item(secretary, meeting, title=title, presenter=chair)
        conclusions[item.pk] = (item, text)
    actions.invite_members(secretary, meeting)
    actions.publish_meeting(secretary, meeting)
    for p in Participant.objects.filter(meeting=meeting).select_related("user"):
        name = p.user.username
        if name.startswith("daibieu") and name >= "daibieu50":
            actions.mark_absent(secretary, p, reason="Đi công tác")
        else:
            actions.check_in(secretary, p)
    actions.start_meeting(chair, meeting)
    for item, text in conclusions.values():
        if text:
            actions.record_conclusion(chair, meeting, item, text=text)
    actions.close_meeting(chair, meeting)
    # Demo only: date the record to the planned hours instead of the seeding time.
    Meeting.objects.filter(pk=meeting.pk).update(
        started_at=meeting.starts_at, closed_at=meeting.ends_at
    )
    Participant.objects.filter(meeting=meeting, checked_in_at__isnull=False).update(
        checked_in_at=meeting.starts_at
    )
    meeting.refresh_from_db()
    minutes = actions.start_minutes(secretary, meeting)
    actions.update_minutes(
        secretary,
        minutes,
        number="12/BB-HĐND",
        texts={
            "opening": "Đồng chí Chủ tịch Hội đồng nhân dân tỉnh khai mạc kỳ họp "
            "chuyên đề, nêu mục đích, yêu cầu và các nội dung trình kỳ họp.",
            "closing": "Kỳ họp hoàn thành chương trình đề ra và bế mạc lúc 11 giờ 30.",
        },
    )
    actions.submit_minutes(secretary, minutes)
    actions.approve_minutes(chair, minutes)
    stdout.write(f"  Cuộc họp: {PAST} (đã kết thúc, biên bản đã phê duyệt)")


def seed(bodies: dict, *, stdout) -> None:
    """Add the demo meetings that do not exist yet."""
    hdnd, ubnd = bodies.get("hdnd"), bodies.get("ubnd")
    if hdnd is not None and _user("thuky") is not None:
        with transaction.atomic():
            _seed_upcoming(hdnd, stdout)
        with transaction.atomic():
            _seed_past(hdnd, stdout)
    if ubnd is not None and _user("vanphong") is not None:
        with transaction.atomic():
            _seed_running(ubnd, stdout)
