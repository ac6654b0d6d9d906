"""The question segment in the minutes: registered by oversight with the
meetings' minutes registry (meetings never imports oversight)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from documents import pdf
from documents.pdf import record
from meetings import actions as meeting_actions
from meetings import minutes as builder
from meetings import minutes_sections
from oversight import actions
from oversight.minutes import segment_sections
from tests.oversight.conftest import in_days, start

pytestmark = pytest.mark.django_db


@pytest.fixture
def finished(cast, agencies, session):
    """A closed session whose segment answered one question in the hall and
    sent the other to a written answer."""
    for who, agency, topic in (
        (cast.delegate, agencies.health, "Y tế cơ sở"),
        (cast.delegate2, agencies.education, "Trường học vùng cao"),
    ):
        actions.submit_question(
            who, session, agency=agency, topic=topic, text=f"Câu hỏi về {topic}."
        )
    segment = actions.schedule_segment(
        cast.secretary,
        session,
        title="Chất vấn và trả lời chất vấn",
        officials=[agencies.health_official, agencies.education_official],
    )
    start(cast, session)
    actions.call_question(cast.chair, segment)
    actions.start_answer(cast.chair, segment)
    actions.finish_question(cast.chair, segment)
    actions.call_question(cast.chair, segment)
    actions.answer_in_writing(cast.chair, segment, due=in_days(30))
    meeting_actions.close_meeting(cast.chair, session)
    session.refresh_from_db()
    return session


def _text(spec) -> str:
    return re.sub(r"\s+", " ", " ".join(record.spec_text(spec)))


def test_the_minutes_list_the_segment_and_the_pdf_prints_it(cast, finished):
    minutes = meeting_actions.start_minutes(cast.secretary, finished)
    text = _text(builder.build_spec(finished, minutes))
    assert "Phần chất vấn và trả lời chất vấn:" in text
    assert (
        "Đại biểu Quàng Thị Ánh chất vấn Lường Văn Giáo (Giám đốc Sở GD&ĐT): "
        "“Câu hỏi về Trường học vùng cao.” Đã trả lời tại hội trường "
        "(thời gian hỏi: 0 phút 0 giây; thời gian trả lời: 0 phút 0 giây)."
    ) in text
    due = f"{in_days(30):%d/%m/%Y}"
    assert (
        "chất vấn Bạc Cầm Yên (Giám đốc Sở Y tế): “Câu hỏi về Y tế cơ sở.” "
        f"Trả lời bằng văn bản, hạn {due}."
    ) in text
    approved = meeting_actions.approve_minutes(cast.chair, minutes)
    pages = pdf.extract(approved.pdf.path)
    extracted = re.sub(r"\s+", " ", "\n".join(p["text"] for p in pages))
    assert "Phần chất vấn và trả lời chất vấn:" in extracted
    assert f"Trả lời bằng văn bản, hạn {due}." in extracted
    assert "Lường Văn Giáo (Giám đốc Sở GD&ĐT)" in extracted


def test_a_meeting_without_a_segment_is_unchanged_for_one_query(cast, session):
    start(cast, session)
    meeting_actions.close_meeting(cast.chair, session)
    session.refresh_from_db()
    minutes = meeting_actions.start_minutes(cast.secretary, session)
    builder.build_spec(session, minutes)  # warm the per-instance caches
    with CaptureQueriesContext(connection) as with_oversight:
        spec = builder.build_spec(session, minutes)
    minutes_sections.unregister(segment_sections)
    try:
        with CaptureQueriesContext(connection) as without:
            bare = builder.build_spec(session, minutes)
    finally:
        minutes_sections.register(segment_sections)
    assert spec == bare
    assert len(with_oversight) == len(without) + 1
    assert "chất vấn" not in _text(spec)


def test_registering_twice_adds_the_builder_once():
    before = list(minutes_sections._builders)
    minutes_sections.register(segment_sections)
    assert minutes_sections._builders == before


def test_the_chair_reads_the_segment_before_approving(cast, finished):
    from django.test import Client
    from django.urls import reverse

    minutes = meeting_actions.start_minutes(cast.secretary, finished)
    meeting_actions.submit_minutes(cast.secretary, minutes)
    chair = Client()
    chair.force_login(cast.chair)
    page = chair.get(reverse("meetings:minutes", args=[finished.pk]))
    assert page.status_code == 200
    assert "data-minutes-section" in page.text
    assert "Trả lời bằng văn bản, hạn" in page.text
