"""Demo work of Sơn La, made through the real actions (idempotent).

- UBND tỉnh: one open consultation (some members have answered) and one
  closed with its summary report;
- HĐND tỉnh: a dozen assignments from the closed demo session's conclusions,
  in every state (new, in progress, awaiting acceptance, completed on time and
  late, overdue).

Dates in the past are set directly after the actions (demo only), as
``meetings.demo`` does for its past session.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import Body, User
from work import actions
from work.models import Assignment, Consultation

OPEN = "Dự thảo Quyết định ban hành Quy chế phối hợp quản lý cụm công nghiệp"
CLOSED = "Phương án hỗ trợ người dân bị thiệt hại do mưa lũ tháng 8"


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def _seed_consultations(ubnd: Body, stdout) -> None:
    chair = _user("chutich")
    if chair is None:
        return
    now = timezone.now()
    if not Consultation.objects.filter(body=ubnd, title=OPEN).exists():
        c = actions.send_consultation(
            chair,
            body=ubnd,
            title=OPEN,
            question=(
                "Văn phòng UBND tỉnh trình dự thảo Quyết định ban hành Quy chế phối "
                "hợp quản lý nhà nước đối với các cụm công nghiệp trên địa bàn tỉnh. "
                "Đề nghị các đồng chí thành viên UBND tỉnh cho ý kiến."
            ),
            deadline=now + datetime.timedelta(days=3),
        )
        for name, opinion, comment in [
            ("thanhvien03", "agree", ""),
            ("thanhvien04", "agree", "Nhất trí với dự thảo."),
            ("thanhvien05", "other", "Đề nghị bổ sung trách nhiệm của Sở Xây dựng."),
        ]:
            user = _user(name)
            if user is not None:
                actions.answer_consultation(user, c, opinion=opinion, comment=comment)
        stdout.write(f"  Xin ý kiến: {OPEN} (đang lấy ý kiến)")
    if not Consultation.objects.filter(body=ubnd, title=CLOSED).exists():
        c = actions.send_consultation(
            chair,
            body=ubnd,
            title=CLOSED,
            question=(
                "Sở Tài chính trình phương án hỗ trợ 12 tỷ đồng từ nguồn dự phòng ngân "
                "sách tỉnh cho các hộ bị thiệt hại do mưa lũ tháng 8."
            ),
            deadline=now + datetime.timedelta(days=1),
        )
        for n in range(1, 13):
            user = _user(f"thanhvien{n:02d}")
            if user is None:
                continue
            opinion, comment = "agree", ""
            if n in (6, 11):
                opinion, comment = (
                    "disagree",
                    "Đề nghị làm rõ tiêu chí xác định hộ bị thiệt hại.",
                )
            elif n == 9:
                opinion, comment = (
                    "other",
                    "Nhất trí về chủ trương; đề nghị chia thành hai đợt.",
                )
            elif n == 12:
                continue  # did not answer
            actions.answer_consultation(user, c, opinion=opinion, comment=comment)
        actions.answer_consultation(chair, c, opinion="agree")
        actions.close_consultation(chair, c)
        stdout.write(f"  Xin ý kiến: {CLOSED} (đã kết thúc, có phiếu tổng hợp)")


# (title, assignee: "body:ubnd" | "user:<name>", deadline in days, state)
TASKS = [
    (
        "Ban hành hướng dẫn thực hiện chính sách hỗ trợ cây ăn quả",
        "body:ubnd",
        20,
        "new",
    ),
    ("Rà soát các dự án chậm giải ngân vốn đầu tư công", "body:ubnd", 15, "progress"),
    (
        "Báo cáo tiến độ giải ngân vốn đầu tư công quý IV",
        "user:thanhvien05",
        10,
        "awaiting",
    ),
    ("Tổng hợp nhu cầu giống cây ăn quả của các xã", "user:thanhvien06", 25, "new"),
    ("Đánh giá hiệu quả mô hình trồng xoài, nhãn ghép", "body:ubnd", -5, "overdue"),
    ("Điều chỉnh danh mục dự án khởi công mới năm 2026", "body:ubnd", -12, "overdue"),
    (
        "Xây dựng kế hoạch kiểm tra việc sử dụng vốn hỗ trợ",
        "user:thanhvien07",
        30,
        "progress",
    ),
    ("Công bố công khai danh sách dự án điều chỉnh", "body:ubnd", 5, "done_on_time"),
    (
        "Báo cáo thẩm định nguồn vốn các dự án điều chỉnh",
        "user:thanhvien05",
        3,
        "done_on_time",
    ),
    (
        "Lấy ý kiến cộng đồng về quy hoạch vùng cây ăn quả",
        "user:thanhvien06",
        8,
        "done_late",
    ),
    (
        "Rà soát quỹ đất cho vùng trồng cây ăn quả tập trung",
        "body:ubnd",
        12,
        "returned",
    ),
    ("Hướng dẫn các xã lập hồ sơ đề nghị hỗ trợ", "user:thanhvien08", 40, "new"),
]


def _seed_assignments(hdnd: Body, ubnd: Body, stdout) -> None:
    from meetings.demo import PAST
    from meetings.models import Conclusion

    secretary, chair, office = _user("thuky"), _user("chutoa"), _user("vanphong")
    conclusions = list(
        Conclusion.objects.filter(meeting__body=hdnd, meeting__title=PAST)
        .select_related("meeting")
        .order_by("item__position")
    )
    if not conclusions or secretary is None or chair is None or office is None:
        return
    if Assignment.objects.filter(meeting=conclusions[0].meeting).exists():
        return
    today = timezone.localdate()
    now = timezone.now()
    for n, (title, who, days, state) in enumerate(TASKS):
        kind, name = who.split(":")
        assignee = (
            {"assignee_body": ubnd}
            if kind == "body"
            else {"assignee_user": _user(name)}
        )
        if assignee.get("assignee_user", ubnd) is None:
            continue
        reporter = office if kind == "body" else assignee["assignee_user"]
        a = actions.create_assignment(
            secretary,
            body=hdnd,
            title=title,
            deadline=today + datetime.timedelta(days=max(days, 1)),
            conclusion=conclusions[n % len(conclusions)],
            **assignee,
        )
        if state in ("progress", "returned", "done_on_time", "done_late", "awaiting"):
            actions.report_progress(
                reporter,
                a,
                text="Đã triển khai, đang tổng hợp số liệu từ các sở, ngành.",
            )
        if state in ("awaiting", "done_on_time", "done_late", "returned"):
            actions.submit_done(
                reporter, a, text="Đã hoàn thành; gửi kèm báo cáo kết quả."
            )
        if state == "returned":
            actions.return_assignment(
                chair, a, reason="Chưa có số liệu của huyện Mộc Châu; đề nghị bổ sung."
            )
        if state in ("done_on_time", "done_late"):
            actions.accept_assignment(chair, a, text="Đạt yêu cầu.")
            back = datetime.timedelta(days=30 * (n % 5) + 3)
            done_at = now - back
            late = state == "done_late"
            Assignment.objects.filter(pk=a.pk).update(
                completed_at=done_at,
                submitted_at=done_at - datetime.timedelta(days=1),
                deadline=timezone.localdate(done_at)
                + datetime.timedelta(days=-6 if late else 2),
                on_time=not late,
            )
        if state == "overdue":
            Assignment.objects.filter(pk=a.pk).update(
                deadline=today + datetime.timedelta(days=days)
            )
    stdout.write(f"  Nhiệm vụ: {len(TASKS)} nhiệm vụ theo kết luận kỳ họp chuyên đề")


def seed(bodies: dict, *, stdout) -> None:
    """Add the demo consultations and assignments that do not exist yet."""
    hdnd, ubnd = bodies.get("hdnd"), bodies.get("ubnd")
    if ubnd is not None:
        with transaction.atomic():
            _seed_consultations(ubnd, stdout)
    if hdnd is not None and ubnd is not None:
        with transaction.atomic():
            _seed_assignments(hdnd, ubnd, stdout)
