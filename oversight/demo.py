"""Demo questions and voters' petitions of Sơn La, made through the real
actions (idempotent: each part is found by its title and left as it is).

- four answering agencies with their officials' accounts (giamdoc_yte,
  giamdoc_giaoduc, giamdoc_nongnghiep, and tohieu_chutich for the UBND of
  phường Tô Hiệu);
- a closed session with 12 questions to those agencies: answered in the hall,
  answered in writing, awaiting a written answer, one overdue;
- questions open for the upcoming session;
- a register of 40 voters' petitions (two more merged into others) in every
  state: not forwarded, forwarded, overdue, answered, resolved.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.demo import Seat, ensure_user
from accounts.models import Body, Unit, User
from meetings import actions as meeting_actions
from meetings.models import Meeting, MeetingKind, Participant
from oversight import actions
from oversight.models import (
    Agency,
    AgencyKind,
    AgencyOfficial,
    PetitionPeriod,
    Question,
    QuestionSegment,
)
from work.models import Assignment

SESSION = "Kỳ họp thứ mười một HĐND tỉnh Sơn La khóa XV"
PERIOD = "Tiếp xúc cử tri trước kỳ họp thứ mười ba HĐND tỉnh"

#: (username, full name, title, agency name, short name, kind, unit code or None)
OFFICIALS = [
    (
        "giamdoc_yte",
        "Bạc Cầm Yên",
        "Giám đốc Sở Y tế",
        "Sở Y tế",
        "SYT",
        AgencyKind.DEPARTMENT,
        None,
    ),
    (
        "giamdoc_giaoduc",
        "Lường Văn Giáo",
        "Giám đốc Sở Giáo dục và Đào tạo",
        "Sở Giáo dục và Đào tạo",
        "SGDĐT",
        AgencyKind.DEPARTMENT,
        None,
    ),
    (
        "giamdoc_nongnghiep",
        "Hà Thị Nông",
        "Giám đốc Sở Nông nghiệp và Môi trường",
        "Sở Nông nghiệp và Môi trường",
        "SNNMT",
        AgencyKind.DEPARTMENT,
        None,
    ),
    (
        "tohieu_chutich",
        "",
        "Chủ tịch UBND phường Tô Hiệu",
        "UBND phường Tô Hiệu",
        "UBND Tô Hiệu",
        AgencyKind.PEOPLES_COMMITTEE,
        "ward",
    ),
]

#: (asker, agency index, topic, text)
QUESTIONS = [
    (
        "daibieu05",
        0,
        "Y tế cơ sở",
        "Đề nghị Giám đốc Sở Y tế cho biết nguyên nhân tình trạng thiếu thuốc thiết yếu tại các trạm y tế xã vùng cao và giải pháp khắc phục trong năm 2026?",
    ),
    (
        "daibieu06",
        0,
        "Y tế cơ sở",
        "Tiến độ đầu tư nâng cấp các trạm y tế xã xuống cấp đến đâu? Khi nào hoàn thành?",
    ),
    (
        "daibieu07",
        0,
        "Bảo hiểm y tế",
        "Việc thanh toán bảo hiểm y tế cho người dân tộc thiểu số khám tại tuyến huyện còn chậm; trách nhiệm thuộc về ai?",
    ),
    (
        "daibieu08",
        1,
        "Giáo dục vùng cao",
        "Tình trạng thiếu giáo viên mầm non ở các xã vùng cao được giải quyết thế nào trong năm học 2025-2026?",
    ),
    (
        "daibieu09",
        1,
        "Giáo dục vùng cao",
        "Đề nghị cho biết kế hoạch xóa phòng học tạm, phòng học mượn ở các điểm trường bản?",
    ),
    (
        "daibieu10",
        1,
        "Bán trú",
        "Chế độ hỗ trợ học sinh bán trú chi trả chậm; Sở có giải pháp gì?",
    ),
    (
        "daibieu11",
        2,
        "Cây ăn quả",
        "Giải pháp tiêu thụ xoài, nhãn khi được mùa mất giá? Sở đã phối hợp với doanh nghiệp thế nào?",
    ),
    (
        "daibieu12",
        2,
        "Cây ăn quả",
        "Việc cấp mã số vùng trồng cho các hợp tác xã còn chậm; nguyên nhân và trách nhiệm?",
    ),
    (
        "daibieu13",
        2,
        "Môi trường",
        "Tình trạng khai thác cát trái phép trên sông Đà ảnh hưởng đến đất sản xuất của người dân; Sở xử lý ra sao?",
    ),
    (
        "daibieu14",
        3,
        "Đô thị",
        "Khi nào phường hoàn thành nâng cấp hệ thống thoát nước tại tổ 5, tổ 6?",
    ),
    (
        "daibieu15",
        3,
        "Đô thị",
        "Đề nghị cho biết tiến độ giải phóng mặt bằng dự án kè suối Nậm La đoạn qua phường?",
    ),
    (
        "daibieu16",
        3,
        "Trật tự đô thị",
        "Giải pháp xử lý tình trạng lấn chiếm vỉa hè tại các tuyến phố trung tâm?",
    ),
]

FIELDS = [
    "Giao thông",
    "Y tế",
    "Giáo dục",
    "Nông nghiệp",
    "Môi trường",
    "Đô thị",
    "Chính sách xã hội",
]
#: (text, field index, agency index or None)
PETITIONS = [
    (
        "Đề nghị đầu tư nâng cấp đường giao thông liên bản đã xuống cấp nghiêm trọng.",
        0,
        2,
    ),
    ("Đề nghị bổ sung thuốc thiết yếu cho trạm y tế xã.", 1, 0),
    ("Đề nghị bố trí đủ giáo viên mầm non cho điểm trường bản.", 2, 1),
    ("Đề nghị hỗ trợ giống cây ăn quả cho hộ nghèo.", 3, 2),
    ("Đề nghị xử lý ô nhiễm từ cơ sở chế biến cà phê.", 4, 2),
    ("Đề nghị nạo vét hệ thống thoát nước khu dân cư.", 5, 3),
    ("Đề nghị sớm chi trả chế độ cho người có công.", 6, None),
    ("Đề nghị xây dựng nhà văn hóa bản.", 5, 3),
    ("Đề nghị có bác sĩ khám định kỳ tại trạm y tế xã.", 1, 0),
    ("Đề nghị sửa chữa phòng học xuống cấp tại điểm trường.", 2, 1),
    ("Đề nghị hướng dẫn cấp mã số vùng trồng cho hợp tác xã.", 3, 2),
    ("Đề nghị lắp đèn chiếu sáng các tuyến ngõ.", 5, 3),
    ("Đề nghị hỗ trợ bò giống cho hộ cận nghèo.", 3, 2),
    ("Đề nghị tăng mức hỗ trợ tiền ăn cho học sinh bán trú.", 2, 1),
    ("Đề nghị kiểm tra việc khai thác cát trên suối.", 4, 2),
]
PLACES = [
    ("Xã Chiềng Mung", "daibieu05, daibieu06"),
    ("Xã Mường Bon", "daibieu07"),
    ("Xã Cò Nòi", "daibieu08, daibieu09"),
    ("Phường Tô Hiệu", "daibieu10"),
    ("Xã Mường Bú", "daibieu11"),
    ("Xã Tạ Bú", "daibieu12, daibieu13"),
]


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def _agencies(hdnd: Body, admin: User) -> list[Agency]:
    ward = Unit.objects.filter(bodies__name__icontains="Tô Hiệu").first()
    agencies = []
    for username, name, title, agency_name, short, kind, unit_code in OFFICIALS:
        unit = ward if unit_code and ward else hdnd.unit
        agency = Agency.objects.filter(unit=unit, name=agency_name).first()
        if agency is None:
            agency = Agency.objects.create(
                unit=unit, name=agency_name, short_name=short, kind=kind
            )
        user = _user(username) or ensure_user(Seat(username, name, "", title))
        if not AgencyOfficial.objects.filter(
            agency=agency, user=user, active=True
        ).exists():
            actions.register_official(admin, agency, user, title=title)
        agencies.append(agency)
    return agencies


def _at(days: int, hour: int) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _seed_session(hdnd: Body, agencies: list[Agency], stdout) -> None:
    if Meeting.objects.filter(body=hdnd, title=SESSION).exists():
        return
    secretary, chair = _user("thuky"), _user("chutoa")
    meeting = meeting_actions.create_meeting(
        secretary,
        body=hdnd,
        title=SESSION,
        kind=MeetingKind.HDND_REGULAR,
        number=11,
        starts_at=_at(-30, 8),
        ends_at=_at(-30, 17),
        place="Hội trường Trung tâm Hội nghị tỉnh Sơn La",
    )
    meeting_actions.add_item(
        secretary, meeting, title="Khai mạc kỳ họp", presenter=chair
    )
    meeting_actions.invite_members(secretary, meeting)
    meeting_actions.publish_meeting(secretary, meeting)
    actions.set_question_session(
        secretary, meeting, deadline=timezone.now() + datetime.timedelta(hours=1)
    )
    questions = []
    for asker, index, topic, text in QUESTIONS:
        user = _user(asker)
        if user is not None:
            questions.append(
                actions.submit_question(
                    user, meeting, agency=agencies[index], topic=topic, text=text
                )
            )
    officials = list(AgencyOfficial.objects.filter(agency__in=agencies, active=True))
    segment = actions.schedule_segment(
        secretary,
        meeting,
        title="Chất vấn và trả lời chất vấn",
        officials=officials,
        duration_minutes=180,
    )
    meeting_actions.add_item(secretary, meeting, title="Bế mạc kỳ họp", presenter=chair)
    for p in Participant.objects.filter(meeting=meeting):
        meeting_actions.check_in(secretary, p)
    meeting_actions.start_meeting(chair, meeting)
    due = timezone.localdate() + datetime.timedelta(days=15)
    order = list(Question.objects.filter(segment=segment).order_by("order"))
    for n, _question in enumerate(order):
        actions.call_question(chair, segment)
        if n < 7:  # answered in the hall, two with a follow-up
            actions.start_answer(chair, segment)
            if n in (1, 4):
                actions.start_followup(chair, segment)
                actions.start_answer(chair, segment)
            actions.finish_question(chair, segment)
        else:
            actions.answer_in_writing(chair, segment, due=due)
    meeting_actions.close_meeting(chair, meeting)
    written = [q for q in order[7:]]
    for question in written[:3]:
        question.refresh_from_db()
        actions.submit_written_answer(
            question.assignment.assignee_user,
            question,
            text="Sở đã tiếp thu ý kiến của đại biểu; kết quả cụ thể như sau: đã rà "
            "soát, bố trí kinh phí và giao các đơn vị triển khai trong quý I năm 2026.",
        )
    overdue = written[-1]
    yesterday = timezone.localdate() - datetime.timedelta(days=2)
    Question.objects.filter(pk=overdue.pk).update(answer_due=yesterday)
    Assignment.objects.filter(question=overdue).update(deadline=yesterday)
    for question in order[:2]:
        question.refresh_from_db()
        actions.set_question_public(secretary, question, public=True)
    # Demo only: date the session and its times to the planned day.
    shift = meeting.starts_at + datetime.timedelta(hours=2) - timezone.now()
    Meeting.objects.filter(pk=meeting.pk).update(
        started_at=meeting.starts_at, closed_at=meeting.ends_at
    )
    for name in ("asked_at", "answer_started_at", "followup_started_at", "finished_at"):
        Question.objects.filter(meeting=meeting, **{f"{name}__isnull": False}).update(
            **{name: F(name) + shift}
        )
    Question.objects.filter(meeting=meeting, live=False).update(
        created_at=meeting.starts_at - datetime.timedelta(days=5)
    )
    QuestionSegment.objects.filter(pk=segment.pk).update(phase_started_at=None)
    stdout.write(f"  Chất vấn: {SESSION} (12 câu hỏi đến 4 cơ quan)")


def _open_upcoming(hdnd: Body) -> Meeting | None:
    from meetings.demo import UPCOMING

    meeting = Meeting.objects.filter(body=hdnd, title=UPCOMING).first()
    if meeting is not None and not hasattr(meeting, "question_session"):
        actions.set_question_session(
            _user("thuky"),
            meeting,
            deadline=meeting.starts_at - datetime.timedelta(days=2),
        )
    return meeting


def _seed_petitions(hdnd: Body, agencies: list[Agency], meeting, stdout) -> None:
    if PetitionPeriod.objects.filter(body=hdnd, name=PERIOD).exists():
        return
    secretary = _user("thuky")
    period = actions.create_period(secretary, hdnd, name=PERIOD, meeting=meeting)
    rows = []
    for n in range(42):
        text, field, agency = PETITIONS[n % len(PETITIONS)]
        place, delegates = PLACES[n % len(PLACES)]
        rows.append(
            {
                "text": text if n < len(PETITIONS) else f"{text} (cử tri {place})",
                "field": FIELDS[field],
                "agency": agencies[agency] if agency is not None else None,
                "places": [
                    actions.PlaceInput(
                        f"{place}, tiếp xúc cử tri",
                        timezone.localdate() - datetime.timedelta(days=20 + n % 5),
                        delegates,
                    )
                ],
            }
        )
    petitions = actions.create_petitions(secretary, period, rows)
    # The same petition raised in two more places: kept once.
    actions.merge_petitions(secretary, petitions[1], [petitions[16]])
    actions.merge_petitions(secretary, petitions[2], [petitions[17]])
    listed = [p for p in petitions if p.pk not in (petitions[16].pk, petitions[17].pk)]
    forward = [p for p in listed if p.agency_id][:28]
    actions.forward_petitions(
        secretary, forward, due=timezone.localdate() + datetime.timedelta(days=20)
    )
    for n, petition in enumerate(forward):
        petition.refresh_from_db()
        if n < 15:
            actions.answer_petition(
                petition.assignment.assignee_user,
                petition,
                text="Cơ quan đã tiếp thu; đã bố trí kinh phí và giao đơn vị thực hiện "
                "trong năm 2026. Kết quả sẽ được thông báo đến cử tri.",
            )
            if n < 6:
                actions.resolve_petition(secretary, petition)
            if n % 3 == 0:
                actions.set_petition_public(secretary, petition, public=True)
        elif n < 20:
            Assignment.objects.filter(pk=petition.assignment_id).update(
                deadline=timezone.localdate() - datetime.timedelta(days=3)
            )
    stdout.write(f"  Kiến nghị cử tri: {PERIOD} (40 kiến nghị)")


def seed(bodies: dict, *, stdout) -> None:
    """Add the demo agencies, questions and petitions that do not exist yet."""
    hdnd = bodies.get("hdnd")
    admin = _user("admin")
    if hdnd is None or admin is None or _user("thuky") is None:
        return
    with transaction.atomic():
        agencies = _agencies(hdnd, admin)
    with transaction.atomic():
        _seed_session(hdnd, agencies, stdout)
    with transaction.atomic():
        meeting = _open_upcoming(hdnd)
        _seed_petitions(hdnd, agencies, meeting, stdout)
