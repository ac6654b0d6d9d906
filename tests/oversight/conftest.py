"""Fixtures of the oversight tests: agencies with officials, a session with
questions open, a register of petitions; all made through the actions."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from tests.work.conftest import upload  # noqa: F401  (re-exported for tests)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@dataclass
class Agencies:
    health: object
    education: object
    health_official: object
    education_official: object
    health_director: object  # the user
    education_director: object


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture
def agencies(cast) -> Agencies:
    from accounts.actions import create_user
    from oversight import actions
    from oversight.models import Agency, AgencyKind

    health = Agency.objects.create(
        unit=cast.province, kind=AgencyKind.DEPARTMENT, name="Sở Y tế", short_name="SYT"
    )
    education = Agency.objects.create(
        unit=cast.province,
        kind=AgencyKind.DEPARTMENT,
        name="Sở Giáo dục và Đào tạo",
        short_name="SGDĐT",
    )
    doctor = create_user("giamdocyte", full_name="Bạc Cầm Yên", password="pw-Test-123!")
    teacher = create_user(
        "giamdocgd", full_name="Lường Văn Giáo", password="pw-Test-123!"
    )
    return Agencies(
        health=health,
        education=education,
        health_official=actions.register_official(
            cast.admin, health, doctor, title="Giám đốc Sở Y tế"
        ),
        education_official=actions.register_official(
            cast.secretary, education, teacher, title="Giám đốc Sở GD&ĐT"
        ),
        health_director=doctor,
        education_director=teacher,
    )


@pytest.fixture
def session(cast):
    """A published HĐND session (not started) with members invited and
    questions open for two days."""
    from meetings import actions
    from meetings.models import MeetingKind
    from oversight import actions as oversight_actions

    begin = timezone.now().replace(microsecond=0) + datetime.timedelta(days=3)
    meeting = actions.create_meeting(
        cast.secretary,
        body=cast.hdnd,
        title="Kỳ họp thứ mười hai",
        kind=MeetingKind.HDND_REGULAR,
        starts_at=begin,
        ends_at=begin + datetime.timedelta(hours=4),
        place="Hội trường tỉnh",
    )
    actions.add_item(cast.secretary, meeting, title="Khai mạc kỳ họp")
    actions.invite_members(cast.secretary, meeting)
    actions.publish_meeting(cast.secretary, meeting)
    oversight_actions.set_question_session(
        cast.secretary,
        meeting,
        deadline=timezone.now() + datetime.timedelta(days=2),
    )
    meeting.refresh_from_db()
    return meeting


def start(cast, meeting) -> None:
    from meetings import actions
    from tests.realtime.rooms import reach_quorum

    reach_quorum(cast.secretary, meeting)
    actions.start_meeting(cast.chair, meeting)
    meeting.refresh_from_db()


@pytest.fixture
def period(cast):
    from oversight import actions

    return actions.create_period(
        cast.secretary, cast.hdnd, name="Tiếp xúc cử tri trước kỳ họp thứ mười hai"
    )


@pytest.fixture
def segment(cast, agencies, session):
    """Two questions sent, the segment on the agenda, the session started."""
    from oversight import actions
    from oversight.models import QuestionSession

    for who, agency, topic in (
        (cast.delegate, agencies.health, "Y tế cơ sở"),
        (cast.delegate2, agencies.education, "Trường học vùng cao"),
    ):
        actions.submit_question(
            who, session, agency=agency, topic=topic, text=f"Câu hỏi về {topic}."
        )
    QuestionSession.objects.filter(meeting=session).update(ask_seconds=45)
    seg = actions.schedule_segment(
        cast.secretary,
        session,
        title="Chất vấn và trả lời chất vấn",
        officials=[agencies.health_official, agencies.education_official],
    )
    start(cast, session)
    return seg
