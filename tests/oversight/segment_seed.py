"""Add a question segment to a seeded live room (run in the server's
environment after ``tests.realtime.daphne_seed``): two agencies with their
officials, three questions, the segment on the agenda. Prints its id as JSON."""

from __future__ import annotations

import datetime
import json
import sys

import django


def main() -> None:
    django.setup()
    from django.utils import timezone

    from accounts.actions import create_user
    from accounts.models import User
    from meetings.models import Meeting
    from oversight import actions
    from oversight.models import Agency, AgencyKind

    meeting = Meeting.objects.get(pk=int(sys.argv[1]))
    secretary = User.objects.get(username="thuky")
    admin = create_user(
        "quantri", full_name="Quản trị", password=None, is_superuser=True
    )
    unit = meeting.body.unit
    health = Agency.objects.create(
        unit=unit, kind=AgencyKind.DEPARTMENT, name="Sở Y tế"
    )
    school = Agency.objects.create(
        unit=unit, kind=AgencyKind.DEPARTMENT, name="Sở Giáo dục và Đào tạo"
    )
    officials = [
        actions.register_official(
            admin,
            health,
            create_user("giamdoc_yte", full_name="Bạc Cầm Yên", password=None),
            title="Giám đốc Sở Y tế",
        ),
        actions.register_official(
            admin,
            school,
            create_user("giamdoc_giaoduc", full_name="Lường Văn Giáo", password=None),
            title="Giám đốc Sở GD&ĐT",
        ),
    ]
    actions.set_question_session(
        secretary,
        meeting,
        deadline=timezone.now() + datetime.timedelta(days=1),
        ask_seconds=60,
        answer_seconds=180,
    )
    for username, agency, topic, text in (
        (
            "daibieu01",
            health,
            "Y tế cơ sở",
            "Vì sao trạm y tế xã Chiềng Mung thiếu thuốc thiết yếu?",
        ),
        (
            "daibieu02",
            school,
            "Trường học vùng cao",
            "Khi nào xóa hết phòng học tạm ở các điểm trường bản?",
        ),
        (
            "daibieu01",
            school,
            "Trường học vùng cao",
            "Chế độ bán trú chi trả chậm, Sở có giải pháp gì?",
        ),
    ):
        actions.submit_question(
            User.objects.get(username=username),
            meeting,
            agency=agency,
            topic=topic,
            text=text,
        )
    segment = actions.schedule_segment(
        secretary, meeting, title="Chất vấn và trả lời chất vấn", officials=officials
    )
    if meeting.status == "in_progress":  # the room's floor is on the segment
        from meetings.actions.room import do_goto

        chair = User.objects.get(username="chutoa")
        do_goto(chair, meeting.pk, item_id=segment.agenda_item_id)
    print(json.dumps({"segment": segment.pk}))


if __name__ == "__main__":
    main()
