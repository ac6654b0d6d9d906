"""Minutes: drafting, approval, locking, versions, and the PDF's exact text."""

from __future__ import annotations

import hashlib
import re

import pytest

from documents import pdf
from documents.pdf import record
from meetings import actions
from meetings import minutes as builder
from meetings.models import Answer, Minutes, MinutesStatus, Participant
from nghisu.errors import ActionError
from tests.realtime.rooms import reach_quorum


@pytest.fixture
def closed(cast, running):
    """A closed session: two checked in, one declined, a conclusion."""
    rows = {p.user_id: p for p in Participant.objects.filter(meeting=running)}
    actions.check_in(cast.secretary, rows[cast.chair.pk])
    actions.check_in(cast.delegate, rows[cast.delegate.pk])
    actions.check_in(cast.secretary, rows[cast.secretary.pk])
    actions.mark_absent(
        cast.secretary, rows[cast.delegate2.pk], reason="Đi công tác tại Hà Nội"
    )
    first = running.items.order_by("position").first()
    actions.record_conclusion(
        cast.chair,
        running,
        first,
        text="Hội đồng nhân dân tỉnh thống nhất thông qua báo cáo; giao Ủy ban "
        "nhân dân tỉnh chỉ đạo khắc phục những hạn chế đã nêu.",
    )
    actions.close_meeting(cast.chair, running)
    running.refresh_from_db()
    return running


def _draft(cast, meeting) -> Minutes:
    minutes = actions.start_minutes(cast.secretary, meeting)
    first = meeting.items.order_by("position").first()
    return actions.update_minutes(
        cast.secretary,
        minutes,
        number="12/BB-HĐND",
        texts={
            "opening": "Đồng chí Chủ tịch Hội đồng nhân dân tỉnh phát biểu khai mạc "
            "kỳ họp, nêu rõ những nội dung trọng tâm cần xem xét, quyết định.",
            "items": {
                str(first.pk): "Các đại biểu thảo luận sôi nổi về tăng trưởng kinh "
                "tế, thu ngân sách, giảm nghèo bền vững ở vùng đồng bào dân tộc "
                "thiểu số; ý kiến của đại biểu Quàng Thị Ánh về đường giao thông "
                "nông thôn ở xã Mường Bú."
            },
            "closing": "Kỳ họp đã hoàn thành toàn bộ nội dung chương trình đề ra.",
        },
    )


def test_approved_minutes_pdf_text_equals_the_vietnamese_source(cast, closed):
    minutes = _draft(cast, closed)
    minutes = actions.approve_minutes(cast.chair, minutes)
    assert minutes.status == MinutesStatus.APPROVED
    data = minutes.pdf.read()
    assert hashlib.sha256(data).hexdigest() == minutes.sha256
    pages = pdf.extract(minutes.pdf.path)
    extracted = "\n".join(p["text"] for p in pages)
    source = record.spec_text(minutes.spec)
    # Layout breaks lines and adds spaces between cells; the characters, words
    # and their order must be exactly the source's, diacritics included.
    assert extracted.split() == " ".join(source).split()
    for phrase in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "HỘI ĐỒNG NHÂN DÂN",
        "TỈNH SƠN LA",
        "Số: 12/BB-HĐND",
        "BIÊN BẢN",
        "Đi công tác tại Hà Nội",
        "Quàng Thị Ánh",
        "Cầm Văn Đông",
        "giảm nghèo bền vững",
        "Kết luận: Hội đồng nhân dân tỉnh thống nhất thông qua báo cáo",
    ):
        assert phrase in re.sub(r"\s+", " ", extracted), phrase
    assert "(DỰ THẢO)" not in extracted


def test_the_spec_leaves_out_room_sections_when_nothing_was_recorded(cast, closed):
    minutes = _draft(cast, closed)
    text = " ".join(record.spec_text(builder.build_spec(closed, minutes)))
    assert "Ý kiến phát biểu" not in text
    assert "Biểu quyết" not in text
    assert "Kết luận:" in text


def test_room_records_when_present_are_rendered(cast, closed, monkeypatch):
    """The live room fills room_records(); the minutes print what it returns."""
    first = closed.items.order_by("position").first()
    records = {
        first.pk: builder.ItemRecords(
            speakers=[builder.SpeakerRecord(name="Cầm Văn Đông")],
            votes=[
                builder.VoteRecord(
                    question="Thông qua báo cáo",
                    secret=False,
                    counts=[("Tán thành", 2), ("Không tán thành", 0)],
                    members=3,
                    cast=2,
                    passed=True,
                    names={"Tán thành": ["Cầm Văn Đông", "Nguyễn Thái Hưng"]},
                )
            ],
        )
    }
    monkeypatch.setattr(builder, "room_records", lambda meeting: records)
    minutes = _draft(cast, closed)
    text = " ".join(record.spec_text(builder.build_spec(closed, minutes)))
    assert "Ý kiến phát biểu: Cầm Văn Đông." in text
    assert "2/3 thành viên tham gia" in text and "Kết quả: thông qua." in text


def test_approving_twice_or_as_delegate_or_secretary_is_refused(cast, closed):
    minutes = _draft(cast, closed)
    for who in (cast.delegate, cast.secretary):
        with pytest.raises(ActionError) as err:
            actions.approve_minutes(who, minutes)
        assert err.value.code == "forbidden" and "chủ tọa" in err.value.message
    minutes.refresh_from_db()
    assert minutes.status == MinutesStatus.DRAFT and not minutes.sha256
    actions.approve_minutes(cast.chair, minutes)
    sha = Minutes.objects.get(pk=minutes.pk).sha256
    with pytest.raises(ActionError) as err:
        actions.approve_minutes(cast.chair, minutes)
    assert err.value.code == "already_approved"
    assert Minutes.objects.get(pk=minutes.pk).sha256 == sha


def test_approved_minutes_are_locked_and_changes_start_a_new_version(cast, closed):
    minutes = _draft(cast, closed)
    approved = actions.approve_minutes(cast.chair, minutes)
    with pytest.raises(ActionError) as err:
        actions.update_minutes(cast.secretary, approved, number="x", texts={})
    assert err.value.code == "locked"
    with pytest.raises(ActionError) as err:
        actions.start_minutes(cast.secretary, closed)
    assert err.value.code == "reason_required"
    v2 = actions.start_minutes(
        cast.secretary, closed, change_reason="Bổ sung ý kiến của đại biểu"
    )
    assert v2.version == 2 and v2.texts == approved.texts
    assert actions.start_minutes(cast.secretary, closed).pk == v2.pk  # same draft
    actions.update_minutes(
        cast.secretary, v2, number="12/BB-HĐND", texts={"closing": "Đã bổ sung."}
    )
    actions.approve_minutes(cast.chair, v2)
    statuses = dict(Minutes.objects.values_list("version", "status"))
    assert statuses == {1: MinutesStatus.SUPERSEDED, 2: MinutesStatus.APPROVED}
    old = Minutes.objects.get(version=1)
    assert old.sha256 == approved.sha256 and old.pdf  # history is kept


def test_minutes_need_a_started_meeting_and_approval_a_closed_one(cast, published):
    with pytest.raises(ActionError) as err:
        actions.start_minutes(cast.secretary, published)
    assert err.value.code == "bad_status"
    reach_quorum(cast.secretary, published)
    actions.start_meeting(cast.chair, published)
    minutes = actions.start_minutes(cast.secretary, published)
    with pytest.raises(ActionError) as err:
        actions.approve_minutes(cast.chair, minutes)
    assert err.value.code == "bad_status"


def test_archive_after_approval(cast, closed):
    minutes = _draft(cast, closed)
    actions.approve_minutes(cast.chair, minutes)
    meeting = actions.archive_meeting(cast.secretary, closed)
    assert meeting.status == "archived"
    from meetings import queries

    assert [m.pk for m in queries.archive(cast.delegate, q="bao cao")] == [closed.pk]
    assert [m.pk for m in queries.archive(cast.delegate, q="khac phuc han che")] == [
        closed.pk
    ]
    assert queries.archive(cast.delegate, q="khong co dau") == []
    assert queries.archive(cast.outsider, q="") == []


def test_declined_participants_appear_absent_with_their_reason(cast, published):
    actions.respond_invitation(
        cast.delegate2, published, answer=Answer.DECLINED, reason="Nghỉ ốm"
    )
    reach_quorum(cast.secretary, published, skip=[cast.delegate2])
    actions.start_meeting(cast.chair, published)
    actions.close_meeting(cast.chair, published)
    minutes = actions.start_minutes(cast.secretary, published)
    text = " ".join(record.spec_text(builder.build_spec(published, minutes)))
    assert "Quàng Thị Ánh Nghỉ ốm" in text
